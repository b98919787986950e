// One client: edit form (sends only changed fields, with If-Match), status
// buttons, secret reset and deletion.
import { el, link, announce, withBusy, showError, hideError, confirmDialog, secretBox } from './dom.js';
import * as api from './api.js';
import {
  FIELDS, buildFields, readValues, valuesOf, buildUpdate, missingRequired, fieldFor,
  fieldMessage, takenMessage, labelOf, showFieldErrors, clearFieldErrors,
} from './fields.js';

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
    return;
  }
  if (signal.aborted) return;

  // What the server last said (baseline: its values as the form shows them)
  // and the version they belong to, sent back as If-Match.
  let client = null;
  let baseline = {};
  let etag = null;

  // --- Page parts -------------------------------------------------------
  const meta = el('dl', { class: 'meta' });

  const statusText = el('strong');
  const statusButton = el('button', { type: 'button' });
  const statusError = el('p', { class: 'form-error', tabindex: '-1', hidden: true });
  const statusSection = el('section', { 'aria-labelledby': 'status-h' },
    el('h2', { id: 'status-h', text: 'Account status' }),
    el('p', {}, 'Current status: ', statusText),
    el('div', { class: 'actions' }, statusButton),
    statusError);

  // 412: someone else saved first. Nothing was changed; reloading shows their version.
  const reloadButton = el('button', { type: 'button', text: 'Reload' });
  const stale = el('div', { class: 'notice warning', hidden: true },
    el('p', { text: 'This client was changed by someone else.' }),
    el('p', { text: 'Nothing was saved. Reload to see the latest version (your unsaved edits will be lost), then make your change again.' }),
    reloadButton);

  const { nodes, inputs } = buildFields('update');
  const formError = el('p', { class: 'form-error', tabindex: '-1', hidden: true });
  const save = el('button', { type: 'submit', text: 'Save' });
  const form = el('form', { novalidate: true, 'aria-labelledby': 'details-h' },
    el('h2', { id: 'details-h', text: 'Details' }),
    el('div', { class: 'grid' }, nodes),
    formError,
    el('div', { class: 'actions' }, save));

  const resetButton = el('button', { type: 'button', text: 'Reset secret' });
  const secretSlot = el('div');
  const secretError = el('p', { class: 'form-error', tabindex: '-1', hidden: true });
  const secretSection = el('section', { 'aria-labelledby': 'secret-h' },
    el('h2', { id: 'secret-h', text: 'Client secret' }),
    el('p', { class: 'hint', text: 'Only a hash of the secret is stored, so it cannot be shown. Resetting makes a new one; the client\'s current tokens stop working at once.' }),
    el('div', { class: 'actions' }, resetButton),
    secretError, secretSlot);

  const deleteInput = el('input', { id: 'delete-confirm', name: 'confirm', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', 'aria-describedby': 'delete-hint' });
  const deleteButton = el('button', { type: 'submit', class: 'danger', text: 'Delete', disabled: true });
  const deleteError = el('p', { class: 'form-error', tabindex: '-1', hidden: true });
  const deleteForm = el('form', { novalidate: true, class: 'danger-zone', 'aria-labelledby': 'delete-h' },
    el('h2', { id: 'delete-h', text: 'Delete this client' }),
    el('p', { id: 'delete-hint', class: 'hint', text: 'Deleting cannot be undone. The client\'s email and Twilio number become free at once.' }),
    el('div', { class: 'field' }, el('label', { for: 'delete-confirm', text: `Type the client ID (${id}) to confirm` }), deleteInput),
    deleteError,
    el('div', { class: 'actions' }, deleteButton));

  body.replaceChildren(meta, statusSection, stale, form, secretSection, deleteForm);
  apply(first, false);

  // --- State -> page ----------------------------------------------------
  // keepEdits: fields the user has changed keep their value; the others take
  // the server's (used after a secret reset, which bumps the version).
  function apply(res, keepEdits) {
    const fresh = valuesOf(res.data);
    for (const f of FIELDS) {
      const input = inputs[f.key].input;
      if (!keepEdits || input.value === baseline[f.key]) input.value = fresh[f.key];
    }
    baseline = fresh;
    client = res.data;
    etag = res.etag;
    h1.textContent = client.clientMeta?.fullName || id;
    ctx.setTitle(h1.textContent);
    renderMeta();
    renderStatus();
  }

  function renderMeta() {
    const time = (ts) => {
      const d = new Date(ts);
      return typeof ts === 'string' && !Number.isNaN(d.getTime()) ? el('time', { datetime: ts, text: d.toLocaleString() }) : '—';
    };
    const rows = [
      ['Client ID', el('code', { text: id })],
      ['Created', time(client.createdAt)],
      ['Last updated', time(client.updatedAt), typeof client.updatedBy === 'string' ? ` by ${client.updatedBy}` : ''],
    ];
    meta.replaceChildren(...rows.map(([dt, ...dd]) => el('div', {}, el('dt', { text: dt }), el('dd', {}, ...dd))));
  }

  function renderStatus() {
    statusText.textContent = client.status || 'unknown';
    statusButton.textContent = client.status === 'Active' ? 'Suspend' : 'Reactivate';
  }

  async function reload(keepEdits) {
    const res = await api.getClient(id, signal);
    if (!signal.aborted) apply(res, keepEdits);
  }

  function showStale() {
    stale.hidden = false;
    reloadButton.focus();
    announce('This client was changed by someone else.');
  }

  // --- Save -------------------------------------------------------------
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    withBusy(save, async () => {
      clearFieldErrors(inputs);
      hideError(formError);
      const values = readValues(inputs);
      const missing = missingRequired(values, 'update');
      if (missing.length) {
        showFieldErrors(inputs, new Map(missing.map((k) => [k, `${labelOf(k)} is required.`])));
        announce('Some required fields are empty.');
        return;
      }
      const update = buildUpdate(baseline, values);
      if (!update) {
        announce('Nothing to save: no field has changed.');
        return;
      }
      announce('Saving…');
      try {
        const res = await api.updateClient(id, update, etag);
        etag = res.etag || etag;
        baseline = { ...baseline, ...values };
        // The answer holds only status and updatedAt: re-read for the stored values.
        try { await reload(false); } catch { /* the saved values are already shown */ }
        announce('Saved.');
      } catch (err) {
        if (api.isSilent(err, signal)) return;
        writeFailed(err, values);
      }
    });
  });

  function writeFailed(err, values) {
    if (err.status === 412) return showStale();
    const key = (err.status === 400 || err.status === 409) ? fieldFor(err.details) : null;
    if (key) {
      const text = err.status === 409 ? takenMessage(key, values[key]) : fieldMessage(err.details, key);
      showFieldErrors(inputs, new Map([[key, text]]));
      announce(text);
      return;
    }
    const text = err.status === 404 ? 'This client no longer exists. It may have been deleted.' : api.describeError(err);
    showError(formError, text);
    announce(text);
  }

  reloadButton.addEventListener('click', () => withBusy(reloadButton, async () => {
    try {
      await reload(false);
      if (signal.aborted) return;
      stale.hidden = true;
      clearFieldErrors(inputs);
      hideError(formError);
      hideError(statusError);
      h1.focus();
      announce('Showing the latest version.');
    } catch (err) {
      if (api.isSilent(err, signal)) return;
      showError(formError, err.status === 404 ? 'This client no longer exists. It may have been deleted.' : api.describeError(err));
    }
  }));

  // --- Status -----------------------------------------------------------
  // Suspend sets "Suspended" (the client's tokens stop working at once);
  // Reactivate sets "Active". An Inactive client is reactivated the same way.
  statusButton.addEventListener('click', () => withBusy(statusButton, async () => {
    hideError(statusError);
    const next = client.status === 'Active' ? 'Suspended' : 'Active';
    try {
      const res = await api.updateClient(id, { status: next }, etag);
      etag = res.etag || etag;
      // Re-read for updatedAt/updatedBy and the new version, keeping unsaved edits.
      try { await reload(true); } catch { client = { ...client, status: next }; renderStatus(); }
      announce(next === 'Active' ? 'Client reactivated.' : 'Client suspended: its tokens no longer work and it cannot sign in.');
    } catch (err) {
      if (api.isSilent(err, signal)) return;
      if (err.status === 412) return showStale();
      showError(statusError, err.status === 404 ? 'This client no longer exists. It may have been deleted.' : api.describeError(err));
    }
  }));

  // --- Secret -----------------------------------------------------------
  resetButton.addEventListener('click', async () => {
    if (resetButton.getAttribute('aria-disabled') === 'true') return;
    const ok = await confirmDialog({
      title: 'Reset this client\'s secret?',
      text: `${h1.textContent} gets a new secret. The current secret and every token issued with it stop working at once.`,
      confirm: 'Yes, reset the secret',
    });
    if (!ok || signal.aborted) return;
    await withBusy(resetButton, async () => {
      hideError(secretError);
      try {
        const res = await api.resetSecret(id);
        const secret = res.data?.client?.clientSecret;
        if (typeof secret !== 'string' || !secret) throw new Error('no secret in the answer');
        if (signal.aborted) return;
        const box = secretBox(secret, { onHide: () => resetButton.focus() });
        secretSlot.replaceChildren(box);
        box.querySelector('h2').focus();
        announce('New secret created. Copy it now: it will not be shown again.');
        // The reset bumped the version: refresh the ETag, keeping unsaved edits.
        try { await reload(true); } catch { /* a later save answers 412 and offers Reload */ }
      } catch (err) {
        if (api.isSilent(err, signal)) return;
        showError(secretError, err.status === 404 ? 'This client no longer exists. It may have been deleted.' : api.describeError(err));
      }
    });
  });

  // --- Delete -----------------------------------------------------------
  deleteInput.addEventListener('input', () => { deleteButton.disabled = deleteInput.value !== id; });
  deleteForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (deleteInput.value !== id) return;
    withBusy(deleteButton, async () => {
      hideError(deleteError);
      try {
        await api.deleteClient(id);
        const done = `Deleted ${h1.textContent} (${id}).`;
        if (signal.aborted) announce(done); else ctx.navigate('#/clients', done);
      } catch (err) {
        if (api.isSilent(err, signal)) return;
        showError(deleteError, err.status === 404 ? 'This client was already deleted.' : api.describeError(err));
      }
    });
  });
}
