// Sign-in: username and password, or a pasted admin token. A 404 from
// POST /auth/admin/login means the server takes admin tokens from an
// identity provider (JWKS mode), so the token form is the only way in.
import { el, link, showError, hideError, withBusy } from './dom.js';
import * as api from './api.js';

let passwordSignInOff = false; // learnt from a 404; kept for this page's life

// message: { text, kind: 'error' | 'info' } shown above the form.
export function render(ctx, { mode, message, onSignedIn }) {
  const tokenMode = mode === 'token' || passwordSignInOff;
  ctx.setTitle('Sign in');
  const h1 = el('h1', { tabindex: '-1', text: 'Sign in' });
  const notice = message?.text ? el('p', { class: message.kind === 'error' ? 'notice error' : 'notice', text: message.text }) : null;
  const error = el('p', { class: 'form-error', tabindex: '-1', hidden: true });
  const form = tokenMode ? tokenForm(error, onSignedIn) : passwordForm(ctx, error, onSignedIn);
  const other = tokenMode
    ? (passwordSignInOff ? null : el('p', {}, link('#/signin', 'Sign in with a username and password instead')))
    : el('p', {}, link('#/token', 'Sign in with a token instead'));
  ctx.main.append(el('section', { class: 'signin' }, h1, notice, form, other));
}

function passwordForm(ctx, error, onSignedIn) {
  const username = el('input', { id: 'username', name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true });
  const password = el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = el('button', { type: 'submit', text: 'Sign in' });
  const form = el('form', { novalidate: true, class: 'stack' },
    el('div', { class: 'field' }, el('label', { for: 'username', text: 'Username' }), username),
    el('div', { class: 'field' }, el('label', { for: 'password', text: 'Password' }), password),
    error,
    el('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    withBusy(submit, async () => {
      hideError(error);
      if (!username.value.trim() || !password.value) {
        showError(error, 'Enter your username and password.');
        return;
      }
      try {
        const res = await api.login(username.value, password.value);
        const token = res.data?.token;
        if (typeof token !== 'string' || !token) throw new Error('no token in the answer');
        api.setSession(token, res.data.admin?.username || username.value);
        password.value = '';
        onSignedIn();
      } catch (err) {
        if (err.status === 404) {
          passwordSignInOff = true;
          ctx.main.replaceChildren();
          render(ctx, { mode: 'token', onSignedIn, message: { kind: 'info', text: 'This server does not sign admins in with a password. Paste an admin token from your identity provider.' } });
          ctx.main.querySelector('#token')?.focus();
          return;
        }
        showError(error, err.status === 401 ? 'Wrong username or password.'
          : err.status === 400 ? 'Enter your username and password.'
          : err.status === 500 ? 'Sign-in failed on the server. Try again.'
          : api.describeError(err));
      }
    });
  });
  return form;
}

function tokenForm(error, onSignedIn) {
  const token = el('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'token-hint' });
  const submit = el('button', { type: 'submit', text: 'Sign in' });
  const form = el('form', { novalidate: true, class: 'stack' },
    el('div', { class: 'field' },
      el('label', { for: 'token', text: 'Admin token' }), token,
      el('p', { id: 'token-hint', class: 'hint', text: 'A JWT with role "admin". It is kept only in this tab.' })),
    error,
    el('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    withBusy(submit, async () => {
      hideError(error);
      const t = token.value.trim().replace(/^Bearer\s+/i, '');
      if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(t)) {
        showError(error, 'That does not look like a token: a JWT has three parts separated by dots.');
        return;
      }
      try {
        await api.checkToken(t);
        api.setSession(t, api.subjectOf(t) || 'token user');
        token.value = '';
        onSignedIn();
      } catch (err) {
        showError(error, err.status === 401 ? 'That token was refused: it is invalid or has expired.'
          : err.status === 403 ? 'That token is valid but is not an admin token.'
          : api.describeError(err));
      }
    });
  });
  return form;
}
