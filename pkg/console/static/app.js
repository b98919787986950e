// Entry point and hash router. Routes live in the fragment so that the
// server serves one page at /console/ and never sees client IDs in paths:
//   #/clients  list        #/clients/<encodeURIComponent(id)>  one client
//   #/new      new client  #/signin, #/token                  sign-in
import * as api from './api.js';
import { el, link, announce } from './dom.js';
import * as signin from './signin.js';
import * as list from './list.js';
import * as clientView from './client.js';
import * as create from './create.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const signOut = document.getElementById('signout');
const newClient = document.getElementById('nav-new');

let controller = null; // aborts the previous view's requests and timers
let firstRender = true;
let pending = null; // { text, kind } to show after the next navigation

function parse(hash) {
  if (hash === '' || hash === '#' || hash === '#/' || hash === '#/clients') return { view: 'list' };
  if (hash === '#/new') return { view: 'create' };
  if (hash === '#/signin' || hash === '#/token') return { view: 'signin' };
  const m = /^#\/clients\/([^/]+)$/.exec(hash);
  if (m) {
    try { return { view: 'client', id: decodeURIComponent(m[1]) }; } catch { /* malformed escape */ }
  }
  return { view: 'missing' };
}

function navigate(hash, text = '') {
  pending = text ? { text, kind: 'info' } : null;
  if (location.hash === hash) route(); else location.hash = hash;
}

function onSignedIn() {
  const { view } = parse(location.hash);
  // Back to the page the user was on (a 401 keeps the hash), else the list.
  if (view === 'signin') navigate('#/clients'); else route();
  announce(`Signed in as ${api.getSession()?.username || 'admin'}.`);
}

function route() {
  controller?.abort();
  controller = new AbortController();
  for (const d of document.querySelectorAll('dialog[open]')) d.close();
  main.replaceChildren();
  const message = pending;
  pending = null;
  announce(message?.text || '');

  const session = api.getSession();
  updateHeader(session);
  const ctx = {
    main,
    signal: controller.signal,
    navigate,
    announce,
    setTitle: (t) => { document.title = `${t} · Admin console`; },
  };
  const r = parse(location.hash);
  if (!session) {
    signin.render(ctx, { mode: location.hash === '#/token' ? 'token' : 'password', message, onSignedIn });
  } else if (r.view === 'signin') {
    location.replace('#/clients'); // signed in already; hashchange routes again
    return;
  } else if (r.view === 'list') {
    list.render(ctx);
  } else if (r.view === 'create' && !api.can('create:clients')) {
    ctx.setTitle('New client');
    main.append(el('h1', { tabindex: '-1', text: 'New client' }),
      el('p', { class: 'error', text: api.notPermitted('create:clients') }),
      el('p', {}, link('#/clients', 'Go to the clients list')));
  } else if (r.view === 'create') {
    create.render(ctx);
  } else if (r.view === 'client') {
    clientView.render(ctx, r.id);
  } else {
    ctx.setTitle('Page not found');
    main.append(el('h1', { tabindex: '-1', text: 'Page not found' }),
      el('p', {}, 'This address is not a page of the console. ', link('#/clients', 'Go to the clients list'), '.'));
  }
  // Move focus to the new page's heading so keyboard and screen-reader users
  // start there (not on the first load: the browser already starts at the top).
  if (!firstRender) main.querySelector('h1')?.focus();
  firstRender = false;
}

function updateHeader(session) {
  nav.hidden = !session;
  signOut.hidden = !session;
  who.hidden = !session;
  // The token's sub names the person (what updatedBy records); the name
  // typed at sign-in only when the token has none.
  who.textContent = session ? `Signed in as ${api.subjectOf(session.token) || session.username}` : '';
  // Only the actions the token's scopes allow are offered (the API decides).
  newClient.hidden = !api.can('create:clients');
  const current = location.hash === '#/new' ? '#/new' : parse(location.hash).view === 'list' ? '#/clients' : null;
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === current) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

api.setUnauthorizedHandler(() => {
  if (!api.getSession()) return; // several calls may fail at once; act once
  api.clearSession();
  pending = { text: 'Your session has expired. Sign in again.', kind: 'error' };
  route(); // keeps the hash, so signing in returns to the same page
});

signOut.addEventListener('click', () => {
  api.clearSession();
  navigate('#/signin', 'You are signed out.');
});

// Following a link to the page already shown reloads it (a hash that does
// not change fires no hashchange).
document.addEventListener('click', (e) => {
  const a = e.target instanceof Element ? e.target.closest('a[href^="#/"]') : null;
  if (a && a.getAttribute('href') === location.hash && e.button === 0 && !e.ctrlKey && !e.metaKey && !e.shiftKey && !e.altKey) {
    e.preventDefault();
    route();
  }
});

// The skip link focuses <main> without touching the hash (the router owns it).
document.getElementById('skip').addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});

window.addEventListener('hashchange', route);
route();
