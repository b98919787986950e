// A client's history: who changed what, when, from → to, newest first,
// a page at a time (GET /admin/clients/{id}/history). Shown on the client's
// page, and for a deleted client (the page's 404) too: its history ends
// with its delete.
import { el, showError, hideError, withBusy } from './dom.js';
import * as api from './api.js';
import { FIELDS } from './fields.js';

const PAGE = 20;

// The field's label where the console has one, else its JSON path.
function labelOf(path) {
  if (path === 'clientSecret') return 'Client secret';
  if (path === 'status') return 'Status';
  const f = FIELDS.find((x) => x.path === path);
  return f ? f.label : path;
}

const ACTIONS = {
  create: 'Created', import: 'Imported from the original service', update: 'Updated',
  'self-update': 'Updated by the client', 'reset-secret': 'Secret reset', delete: 'Deleted',
};

function value(v) {
  return v === null || v === undefined ? el('em', { text: '(none)' }) : el('span', { class: 'value', text: `“${v}”` });
}

function eventItem(ev) {
  const when = new Date(ev.at);
  const time = el('time', { datetime: ev.at, text: Number.isNaN(when.getTime()) ? ev.at : when.toLocaleString() });
  const who = ev.actor ? `${ev.actor.sub} (${ev.actor.role})` : 'unknown';
  const changes = el('ul', { class: 'changes' });
  for (const [path, c] of Object.entries(ev.changes || {})) {
    const li = el('li', {}, el('span', { class: 'field-name', text: labelOf(path) }), ': ');
    if (c.hidden) li.append('changed (never shown)');
    else li.append(value(c.from), ' → ', value(c.to));
    changes.append(li);
  }
  if (!changes.children.length) changes.append(el('li', { text: 'No field changed.' }));
  return el('li', { class: 'event' },
    el('p', {}, el('strong', { text: ACTIONS[ev.action] || ev.action }), ' by ', el('span', { class: 'actor', text: who }), ', ', time),
    changes);
}

// historyPart returns the History section for client id; reload() reads
// its first page again (after a change made on the page).
export function historyPart(id, signal) {
  const list = el('ol', { class: 'history' });
  const status = el('p', { class: 'hint', 'aria-live': 'polite' });
  const error = el('p', { class: 'form-error', tabindex: '-1', hidden: true });
  const more = el('button', { type: 'button', hidden: true, text: 'Older changes' });
  const node = el('section', { 'aria-labelledby': 'history-h' },
    el('h2', { id: 'history-h', text: 'History' }), status, list, error, el('div', { class: 'actions' }, more));
  let cursor = null;

  async function load(first) {
    hideError(error);
    try {
      const res = await api.clientHistory(id, { limit: PAGE, cursor: first ? null : cursor }, signal);
      if (signal.aborted) return;
      const events = res.data.events || [];
      if (first) list.replaceChildren();
      list.append(...events.map(eventItem));
      cursor = res.data.nextCursor || null;
      more.hidden = !cursor;
      status.textContent = list.children.length ? '' : 'No changes recorded yet.';
    } catch (err) {
      if (api.isSilent(err, signal)) return;
      showError(error, err.status === 404 ? 'No history: no client ever had this ID.' : api.describeError(err));
    }
  }
  more.addEventListener('click', () => withBusy(more, () => load(false)));
  load(true);
  // Updates reach the history through the table's stream, within a
  // second or so: read again shortly after a change made here.
  return { node, reload: () => setTimeout(() => load(true), 1500) };
}
