// Clients list: search, status filter, page size, and cursor paging
// (newest first is the API's order; it has no sort parameter).
import { el, clientLink, withBusy } from './dom.js';
import * as api from './api.js';
import { STATUSES } from './fields.js';

// Kept across views so that "Back to clients" returns to the same page.
// cursors[i] is the cursor that fetches page i+1 (page 1 has none); going
// back pops it, since the API only gives a cursor forwards. starts[i] is
// the number of clients shown before page i+1: a search page may show
// fewer than the page size (it reads a bounded part of the list), so the
// numbering counts what was shown, not pages × size.
const state = { search: '', status: '', limit: 25, cursors: [null], starts: [0], next: null, shown: 0 };
const PAGE_SIZES = [10, 25, 50, 100];

export function render(ctx) {
  const { main, signal } = ctx;
  ctx.setTitle('Clients');

  const search = el('input', { id: 'search', name: 'search', type: 'search', maxlength: '200', autocomplete: 'off', 'aria-describedby': 'search-hint' });
  search.value = state.search;
  const status = el('select', { id: 'status-filter', name: 'status' },
    el('option', { value: '', text: 'All' }),
    STATUSES.map((s) => el('option', { value: s, text: s })));
  status.value = state.status;
  const limit = el('select', { id: 'limit', name: 'limit' }, PAGE_SIZES.map((n) => el('option', { value: String(n), text: String(n) })));
  limit.value = String(state.limit);
  const filters = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter clients' },
    el('div', { class: 'field grow' }, el('label', { for: 'search', text: 'Search' }), search,
      el('p', { id: 'search-hint', class: 'hint', text: 'Part of a name, email or business name.' })),
    el('div', { class: 'field' }, el('label', { for: 'status-filter', text: 'Status' }), status),
    el('div', { class: 'field' }, el('label', { for: 'limit', text: 'Per page' }), limit),
    el('div', { class: 'field' }, el('button', { type: 'submit', text: 'Apply' })));

  const summary = el('p', { class: 'summary', tabindex: '-1' });
  const results = el('div', { class: 'results' });
  const prev = el('button', { type: 'button', text: 'Previous' });
  const next = el('button', { type: 'button', text: 'Next' });
  const pager = el('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, next);

  main.append(el('h1', { tabindex: '-1', text: 'Clients' }), filters, summary, results, pager);

  // A newer request wins: answers to older ones (typing fast) are dropped.
  let seq = 0;
  // quiet: the first load of the view announces nothing, so that the
  // message that led here ("Deleted …", "Signed in …") stays.
  async function load({ focus = false, quiet = false } = {}) {
    const mine = ++seq;
    const cursor = state.cursors[state.cursors.length - 1];
    results.setAttribute('aria-busy', 'true');
    results.replaceChildren(el('p', { text: 'Loading…' }));
    summary.textContent = '';
    prev.disabled = next.disabled = true;
    let res;
    try {
      res = await api.listClients({ search: state.search, status: state.status, limit: state.limit, cursor }, signal);
    } catch (err) {
      if (api.isSilent(err, signal) || mine !== seq) return;
      if (err.status === 400 && cursor) {
        // A cursor the server no longer accepts (its key rotated): start over.
        state.cursors = [null];
        state.starts = [0];
        return load({ focus, quiet });
      }
      results.removeAttribute('aria-busy');
      const text = api.describeError(err);
      results.replaceChildren(el('p', { class: 'error', text }));
      prev.disabled = state.cursors.length <= 1;
      ctx.announce(text);
      return;
    }
    if (signal.aborted || mine !== seq) return;
    results.removeAttribute('aria-busy');
    const clients = Array.isArray(res.data?.clients) ? res.data.clients : [];
    const total = Number.isInteger(res.data?.total) ? res.data.total : clients.length;
    // A search that has not read the whole list says so (totalExact:
    // false): its total is what it found so far, and Next searches on.
    const partial = res.data?.totalExact === false;
    state.next = typeof res.data?.nextCursor === 'string' && res.data.nextCursor ? res.data.nextCursor : null;
    state.shown = clients.length;
    prev.disabled = state.cursors.length <= 1;
    next.disabled = !state.next;

    const page = state.cursors.length;
    const counted = partial ? `Found so far: ${total}` : `Total: ${total}`;
    const more = partial ? ' · more results may follow: Next searches on' : '';
    if (clients.length === 0) {
      const text = partial ? 'No matches in the part of the list searched so far.' : 'No clients match.';
      results.replaceChildren(el('p', { class: 'empty', text }));
      // A deleted client is in no list, but its history is kept: a search
      // that looks like a client ID offers it.
      if (/^[A-Za-z0-9_-]{1,100}$/.test(state.search) && !partial) {
        results.append(el('p', {}, clientLink(state.search, `History of client ID ${state.search}`)));
      }
      summary.textContent = counted + more;
      if (!quiet) ctx.announce(partial ? `${text} More results may follow.` : text);
    } else {
      const first = state.starts[page - 1] + 1;
      const last = first + clients.length - 1;
      summary.textContent = `${counted} · page ${page}, clients ${first}–${last}${more}`;
      results.replaceChildren(table(clients));
      if (!quiet) ctx.announce(`${total} client${total === 1 ? '' : 's'} found${partial ? ' so far; more results may follow' : ''}. Page ${page}.`);
    }
    if (focus) summary.focus(); // the pressed button may now be disabled
  }

  function apply() {
    state.search = search.value.trim();
    state.status = status.value;
    state.limit = Number(limit.value);
    state.cursors = [null]; // cursors belong to their query
    state.starts = [0];
    return load();
  }

  let timer;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(apply, 350); });
  signal.addEventListener('abort', () => clearTimeout(timer));
  status.addEventListener('change', apply);
  limit.addEventListener('change', apply);
  filters.addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(timer); apply(); });
  next.addEventListener('click', () => withBusy(next, async () => {
    if (!state.next) return;
    state.starts.push(state.starts[state.cursors.length - 1] + state.shown);
    state.cursors.push(state.next);
    await load({ focus: true });
  }));
  prev.addEventListener('click', () => withBusy(prev, async () => {
    if (state.cursors.length <= 1) return;
    state.cursors.pop();
    state.starts.pop();
    await load({ focus: true });
  }));

  load({ quiet: true });
}

// A table on wide screens; style.css turns rows into cards on narrow ones.
// Explicit roles keep the table semantics when CSS changes its display.
function table(clients) {
  const cols = ['Name', 'Email', 'Business', 'Status', 'Twilio number'];
  return el('table', { class: 'clients', role: 'table' },
    el('caption', { text: 'Clients, newest first' }),
    el('thead', { role: 'rowgroup' }, el('tr', { role: 'row' }, cols.map((c) => el('th', { scope: 'col', role: 'columnheader', text: c })))),
    el('tbody', { role: 'rowgroup' }, clients.map(row)));
}

function row(c) {
  const m = c.clientMeta && typeof c.clientMeta === 'object' ? c.clientMeta : {};
  const cell = (label, ...content) => el('td', { role: 'cell', 'data-label': label }, ...content);
  return el('tr', { role: 'row' },
    el('td', { role: 'cell', class: 'name' }, clientLink(String(c.clientId), m.fullName || String(c.clientId))),
    cell('Email', m.email || ''),
    cell('Business', m.businessName || '—'),
    cell('Status', el('span', { class: `badge ${STATUSES.includes(c.status) ? c.status.toLowerCase() : 'other'}`, text: c.status || '' })),
    cell('Twilio number', c.twilioPhoneNumber || ''));
}
