// One client: edit form (sends only changed fields, with If-Match), status
// buttons, secret reset and deletion. render loads the client and lays out
// the page; each part below builds one section, what it shows and what it
// does, and shares the page's state through `page`.
import { el, link, announce, withBusy, showError, hideError, confirmDialog, secretBox } from './dom.js';
import * as api from './api.js';
import { historyPart } from './history.js';
import {
  FIELDS, buildFields, valuesOf, buildUpdate, readRequired, showSaveError, clearFieldErrors,
} from './fields.js';

const GONE = 'This client no longer exists. It may have been deleted.';

export async function render(ctx, id) {
  const { main, signal } = ctx;
  ctx.setTitle('Client');
  const h1 = el('h1', { tabindex: '-1', text: 'Client' });
  const body = el('div', {}, el('p', { text: 'Loading…' }));
  main.append(el('p', { class: 'back' }, link('#/clients', 'Back to clients')), h1, body);

  let first;
  try {
    first = await api.getClient(id, signal);
  } catch (err) {
    if (api.isSilent(err, signal)) return;
    if (err.status === 404) {
      h1.textContent = 'Client not found';
      ctx.setTitle('Client not found');
    }
    body.replaceChildren(el('p', { class: 'error', text: err.status === 404 ? 'No client has this ID. It may have been deleted.' : api.describeError(err) }));
    // A deleted client keeps its history.
    if (err.status === 404) body.append(historyPart(id, signal).node);
    return;
  }
  if (signal.aborted) return;

  // What the server last said and the version it belongs to, sent back as
  // If-Match. reload re-reads it; keepEdits: fields the user has changed
  // keep their value, the others take the server's.
  const page = {
    id, signal, h1,
    client: null,
    etag: null,
    async reload(keepEdits) {
      const res = await api.getClient(id, signal);
      if (!signal.aborted) apply(res, keepEdits);
    },
  };
  const meta = metaPart(page);
  const status = statusPart(page);
  const details = detailsPart(page);
  const stale = stalePart(page, status, details);
  page.showStale = stale.show;
  const secret = secretPart(page);
  const removal = deletePart(page, ctx);
  const history = historyPart(id, signal);

  function apply(res, keepEdits) {
    if (page.client) history.reload(); // a change made here
    page.client = res.data;
    page.etag = res.etag;
    h1.textContent = page.client.clientMeta?.fullName || id;
    ctx.setTitle(h1.textContent);
    meta.show(page.client);
    status.show(page.client);
    details.show(page.client, keepEdits);
  }

  // A part the account's scopes do not allow has no node.
  body.replaceChildren(...[meta.node, status.node, stale.node, details.node, secret.node, removal.node, history.node].filter(Boolean));
  apply(first, false);
}

// --- Meta: the client ID and when it was created and last changed ----------
function metaPart(page) {
  const node = el('dl', { class: 'meta' });
  const time = (ts) => {
    const d = new Date(ts);
    return typeof ts === 'string' && !Number.isNaN(d.getTime()) ? el('time', { datetime: ts, text: d.toLocaleString() }) : '—';
  };
  function show(client) {
    const rows = [
      ['Client ID', el('code', { text: page.id })],
      ['Created', time(client.createdAt)],
      ['Last updated', time(client.updatedAt), typeof client.updatedBy === 'string' ? ` by ${client.updatedBy}` : ''],
    ];
    node.replaceChildren(...rows.map(([dt, ...dd]) => el('div', {}, el('dt', { text: dt }), el('dd', {}, ...dd))));
  }
  return { node, show };
}

// --- Status: Suspend sets "Suspended" (the client's tokens stop working at
// once); Reactivate sets "Active". An Inactive client is reactivated the
// same way. Without update:clients the status is shown, with no button. -----
function statusPart(page) {
  const statusText = el('strong');
  const button = el('button', { type: 'button' });
  const error = el('p', { class: 'form-error', tabindex: '-1', hidden: true });
  const canUpdate = api.can('update:clients');
  const node = el('section', { 'aria-labelledby': 'status-h' },
    el('h2', { id: 'status-h', text: 'Account status' }),
    el('p', {}, 'Current status: ', statusText),
    canUpdate ? el('div', { class: 'actions' }, button) : null,
    error);

  function show(client) {
    statusText.textContent = client.status || 'unknown';
    button.textContent = client.status === 'Active' ? 'Suspend' : 'Reactivate';
  }

  button.addEventListener('click', () => withBusy(button, async () => {
    hideError(error);
    const next = page.client.status === 'Active' ? 'Suspended' : 'Active';
    try {
      const res = await api.updateClient(page.id, { status: next }, page.etag);
      page.etag = res.etag || page.etag;
      // Re-read for updatedAt/updatedBy and the new version, keeping unsaved edits.
      try { await page.reload(true); } catch { page.client = { ...page.client, status: next }; show(page.client); }
      announce(next === 'Active' ? 'Client reactivated.' : 'Client suspended: its tokens no longer work and it cannot sign in.');
    } catch (err) {
      if (api.isSilent(err, page.signal)) return;
      if (err.status === 412) return page.showStale();
      showError(error, err.status === 404 ? GONE : api.describeError(err));
    }
  }));

  return { node, show, clearErrors: () => hideError(error) };
}

// --- Stale: 412, someone else saved first. Nothing was changed; reloading
// shows their version and clears the status and details errors. ----------
function stalePart(page, status, details) {
  const reloadButton = el('button', { type: 'button', text: 'Reload' });
  const node = el('div', { class: 'notice warning', hidden: true },
    el('p', { text: 'This client was changed by someone else.' }),
    el('p', { text: 'Nothing was saved. Reload to see the latest version (your unsaved edits will be lost), then make your change again.' }),
    reloadButton);

  function show() {
    node.hidden = false;
    reloadButton.focus();
    announce('This client was changed by someone else.');
  }

  reloadButton.addEventListener('click', () => withBusy(reloadButton, async () => {
    try {
      await page.reload(false);
      if (page.signal.aborted) return;
      node.hidden = true;
      status.clearErrors();
      details.clearErrors();
      page.h1.focus();
      announce('Showing the latest version.');
    } catch (err) {
      if (api.isSilent(err, page.signal)) return;
      details.showError(err.status === 404 ? GONE : api.describeError(err));
    }
  }));

  return { node, show };
}

// --- Details: the edit form. Save sends only the changed fields. Without
// update:clients the fields are read-only and there is no Save. ------------
function detailsPart(page) {
  // baseline: the server's values as the form shows them.
  let baseline = {};
  const { nodes, inputs } = buildFields('update');
  const formError = el('p', { class: 'form-error', tabindex: '-1', hidden: true });
  const save = el('button', { type: 'submit', text: 'Save' });
  const canUpdate = api.can('update:clients');
  if (!canUpdate) for (const f of FIELDS) inputs[f.key].input.readOnly = true;
  const node = el('form', { novalidate: true, 'aria-labelledby': 'details-h' },
    el('h2', { id: 'details-h', text: 'Details' }),
    el('div', { class: 'grid' }, nodes),
    formError,
    canUpdate ? el('div', { class: 'actions' }, save) : null);

  function show(client, keepEdits) {
    const fresh = valuesOf(client);
    for (const f of FIELDS) {
      const input = inputs[f.key].input;
      if (!keepEdits || input.value === baseline[f.key]) input.value = fresh[f.key];
    }
    baseline = fresh;
  }

  node.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!canUpdate) return; // Enter in a read-only field
    withBusy(save, async () => {
      clearFieldErrors(inputs);
      hideError(formError);
      const values = readRequired(inputs, 'update');
      if (!values) return;
      const update = buildUpdate(baseline, values);
      if (!update) {
        announce('Nothing to save: no field has changed.');
        return;
      }
      announce('Saving…');
      try {
        const res = await api.updateClient(page.id, update, page.etag);
        page.etag = res.etag || page.etag;
        baseline = { ...baseline, ...values };
        // The answer holds only status and updatedAt: re-read for the stored values.
        try { await page.reload(false); } catch { /* the saved values are already shown */ }
        announce('Saved.');
      } catch (err) {
        if (api.isSilent(err, page.signal)) return;
        if (err.status === 412) return page.showStale();
        showSaveError(inputs, formError, err, values, err.status === 404 ? GONE : null);
      }
    });
  });

  return {
    node,
    show,
    clearErrors() { clearFieldErrors(inputs); hideError(formError); },
    showError: (text) => showError(formError, text),
  };
}

// --- Secret: reset, and the new secret shown once. -------------------------
function secretPart(page) {
  if (!api.can('update:client_secrets')) return { node: null };
  const resetButton = el('button', { type: 'button', text: 'Reset secret' });
  const slot = el('div');
  const error = el('p', { class: 'form-error', tabindex: '-1', hidden: true });
  const node = el('section', { 'aria-labelledby': 'secret-h' },
    el('h2', { id: 'secret-h', text: 'Client secret' }),
    el('p', { class: 'hint', text: 'Only a hash of the secret is stored, so it cannot be shown. Resetting makes a new one; the client\'s current tokens stop working at once.' }),
    el('div', { class: 'actions' }, resetButton),
    error, slot);

  resetButton.addEventListener('click', async () => {
    if (resetButton.getAttribute('aria-disabled') === 'true') return;
    const ok = await confirmDialog({
      title: 'Reset this client\'s secret?',
      text: `${page.h1.textContent} gets a new secret. The current secret and every token issued with it stop working at once.`,
      confirm: 'Yes, reset the secret',
    });
    if (!ok || page.signal.aborted) return;
    await withBusy(resetButton, async () => {
      hideError(error);
      try {
        const res = await api.resetSecret(page.id);
        const secret = res.data?.client?.clientSecret;
        if (typeof secret !== 'string' || !secret) throw new Error('no secret in the answer');
        if (page.signal.aborted) return;
        const box = secretBox(secret, { onHide: () => resetButton.focus() });
        slot.replaceChildren(box);
        box.querySelector('h2').focus();
        announce('New secret created. Copy it now: it will not be shown again.');
        // The reset bumped the version: refresh the ETag, keeping unsaved edits.
        try { await page.reload(true); } catch { /* a later save answers 412 and offers Reload */ }
      } catch (err) {
        if (api.isSilent(err, page.signal)) return;
        showError(error, err.status === 404 ? GONE : api.describeError(err));
      }
    });
  });

  return { node };
}

// --- Delete: typed confirmation, then back to the list. --------------------
function deletePart(page, ctx) {
  if (!api.can('delete:clients')) return { node: null };
  const { id } = page;
  const input = el('input', { id: 'delete-confirm', name: 'confirm', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', 'aria-describedby': 'delete-hint' });
  const button = el('button', { type: 'submit', class: 'danger', text: 'Delete', disabled: true });
  const error = el('p', { class: 'form-error', tabindex: '-1', hidden: true });
  const node = el('form', { novalidate: true, class: 'danger-zone', 'aria-labelledby': 'delete-h' },
    el('h2', { id: 'delete-h', text: 'Delete this client' }),
    el('p', { id: 'delete-hint', class: 'hint', text: 'Deleting cannot be undone. The client\'s email and Twilio number become free at once.' }),
    el('div', { class: 'field' }, el('label', { for: 'delete-confirm', text: `Type the client ID (${id}) to confirm` }), input),
    error,
    el('div', { class: 'actions' }, button));

  input.addEventListener('input', () => { button.disabled = input.value !== id; });
  node.addEventListener('submit', (e) => {
    e.preventDefault();
    if (input.value !== id) return;
    withBusy(button, async () => {
      hideError(error);
      try {
        await api.deleteClient(id);
        const done = `Deleted ${page.h1.textContent} (${id}).`;
        if (page.signal.aborted) announce(done); else ctx.navigate('#/clients', done);
      } catch (err) {
        if (api.isSilent(err, page.signal)) return;
        showError(error, err.status === 404 ? 'This client was already deleted.' : api.describeError(err));
      }
    });
  });

  return { node };
}
