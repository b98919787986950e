// The client's editable fields, in one table shared by the create and edit
// forms: label (tests and screen readers find inputs by it), where the value
// lives in the API's JSON, and the contract's rules that shape the form.
import { el, announce, showError } from './dom.js';
import { describeError } from './api.js';

// required: on both forms; createOnly: required on create, removable on edit;
// nullable: an emptied field is sent as null, which removes it.
export const FIELDS = [
  { key: 'fullName', path: 'clientMeta.fullName', label: 'Full name', required: true, max: 200, autocomplete: 'off' },
  { key: 'email', path: 'clientMeta.email', label: 'Email', type: 'email', required: true, max: 254 },
  { key: 'phone', path: 'clientMeta.phone', label: 'Phone', type: 'tel', createOnly: true, nullable: true, hint: 'E.164, such as +12125551234.' },
  { key: 'businessName', path: 'clientMeta.businessName', label: 'Business name', nullable: true, max: 200 },
  { key: 'city', path: 'clientMeta.city', label: 'City', nullable: true, max: 100 },
  { key: 'jobTitle', path: 'clientMeta.jobTitle', label: 'Job title', nullable: true, max: 100 },
  { key: 'notes', path: 'clientMeta.notes', label: 'Notes', nullable: true, max: 2000, multiline: true },
  { key: 'agentId', path: 'agentId', label: 'Agent ID', required: true, max: 128, hint: 'Letters, digits, _ or -.' },
  { key: 'twilioPhoneNumber', path: 'twilioPhoneNumber', label: 'Twilio phone number', type: 'tel', required: true, hint: 'E.164, such as +18005559876.' },
  { key: 'calId', path: 'calId', label: 'Calendar ID', nullable: true, max: 128, hint: 'Letters, digits, _ or -.' },
];

const byPath = new Map(FIELDS.map((f) => [f.path, f]));
const byKey = new Map(FIELDS.map((f) => [f.key, f]));
const isMeta = (f) => f.path.startsWith('clientMeta.');
const requiredIn = (f, mode) => f.required || (f.createOnly && mode === 'create');

// Builds every field. The forms use novalidate: the server's rules are the
// rules, and its messages are shown next to the field they name.
export function buildFields(mode) {
  const inputs = {};
  const nodes = FIELDS.map((f) => {
    const id = `f-${f.key}`;
    const attrs = { id, name: f.key, maxlength: f.max, autocomplete: f.autocomplete || 'off', required: requiredIn(f, mode) };
    const input = f.multiline ? el('textarea', { ...attrs, rows: '4' }) : el('input', { ...attrs, type: f.type || 'text' });
    const hint = el('p', { id: `${id}-hint`, class: 'hint', text: `${requiredIn(f, mode) ? 'Required.' : 'Optional.'} ${f.hint || ''}`.trim() });
    const error = el('p', { id: `${id}-error`, class: 'field-error', hidden: true });
    input.setAttribute('aria-describedby', hint.id);
    inputs[f.key] = { input, hint, error, def: f };
    return el('div', { class: f.multiline ? 'field wide' : 'field' }, el('label', { for: id, text: f.label }), input, error, hint);
  });
  return { nodes, inputs };
}

// The form's values, trimmed as the server trims them.
export function readValues(inputs) {
  return Object.fromEntries(FIELDS.map((f) => [f.key, inputs[f.key].input.value.trim()]));
}

// A client from the API as the form's values ('' for an absent field).
export function valuesOf(client) {
  const get = (path) => path.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), client);
  return Object.fromEntries(FIELDS.map((f) => {
    const v = get(f.path);
    return [f.key, typeof v === 'string' ? v : ''];
  }));
}

export function missingRequired(values, mode) {
  return FIELDS.filter((f) => requiredIn(f, mode) && values[f.key] === '').map((f) => f.key);
}

// PUT body with only what changed; clientMeta holds only its changed keys.
// Returns null when nothing changed.
export function buildUpdate(baseline, values) {
  const body = {};
  const meta = {};
  for (const f of FIELDS) {
    const v = values[f.key];
    if (v === baseline[f.key]) continue;
    const out = v === '' && f.nullable ? null : v;
    if (isMeta(f)) meta[f.key] = out; else body[f.key] = out;
  }
  if (Object.keys(meta).length) body.clientMeta = meta;
  return Object.keys(body).length ? body : null;
}

// POST body: required fields always, optional ones only when filled in.
export function buildCreate(values, status) {
  const body = { status, clientMeta: {} };
  for (const f of FIELDS) {
    const v = values[f.key];
    if (v === '' && !requiredIn(f, 'create')) continue;
    if (isMeta(f)) body.clientMeta[f.key] = v; else body[f.key] = v;
  }
  return body;
}

// The statuses a client may have, in the order the forms offer them.
export const STATUSES = ['Active', 'Inactive', 'Suspended'];

export const keyForPath = (path) => byPath.get(path)?.key || null;
export const labelOf = (key) => byKey.get(key)?.label || key;

// The server's message in the form's words: field paths become labels.
export function fieldMessage(details, key) {
  if (/^Unknown field:/.test(details)) return `This server does not accept ${labelOf(key)} yet.`;
  let text = details;
  for (const f of FIELDS) text = text.split(f.path).join(f.label);
  text = text.trim();
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

// 409: say which value is taken.
export function takenMessage(key, value) {
  if (key === 'email') return `The email ${value} is already used by another client.`;
  if (key === 'twilioPhoneNumber') return `The number ${value} is already assigned to another client.`;
  return `That ${labelOf(key)} is already used by another client.`;
}

export function showFieldError(inputs, key, text) {
  const { input, hint, error } = inputs[key];
  error.textContent = text;
  error.hidden = false;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', `${error.id} ${hint.id}`);
}

export function clearFieldErrors(inputs) {
  for (const { input, hint, error } of Object.values(inputs)) {
    error.textContent = '';
    error.hidden = true;
    input.removeAttribute('aria-invalid');
    input.setAttribute('aria-describedby', hint.id);
  }
}

// Shows one message per field and focuses the first, in form order.
export function showFieldErrors(inputs, entries) {
  const keys = FIELDS.map((f) => f.key).filter((k) => entries.has(k));
  for (const k of keys) showFieldError(inputs, k, entries.get(k));
  if (keys.length) inputs[keys[0]].input.focus();
  return keys.length;
}

const requiredText = (key) => `${labelOf(key)} is required.`;

// The form's values, or null when a required field is empty: each empty
// one then says so, before anything is sent.
export function readRequired(inputs, mode) {
  const values = readValues(inputs);
  const missing = missingRequired(values, mode);
  if (!missing.length) return values;
  showFieldErrors(inputs, new Map(missing.map((k) => [k, requiredText(k)])));
  announce('Some required fields are empty.');
  return null;
}

// Shows why a save (create or update) failed: next to the field the API
// names in its error's `field` (a 400 about one field, a 409 about a taken
// value), next to each field of a 400's requiredFields, or else as
// otherwise (the caller's words for the status) in formError.
export function showSaveError(inputs, formError, err, values, otherwise) {
  if (err.status === 400 && err.requiredFields.length) {
    const keys = err.requiredFields.map(keyForPath).filter(Boolean);
    if (showFieldErrors(inputs, new Map(keys.map((k) => [k, requiredText(k)])))) return;
  }
  const key = (err.status === 400 || err.status === 409) ? keyForPath(err.field) : null;
  if (key) {
    const text = err.status === 409 ? takenMessage(key, values[key]) : fieldMessage(err.details, key);
    showFieldErrors(inputs, new Map([[key, text]]));
    announce(text);
    return;
  }
  const text = otherwise || describeError(err);
  showError(formError, text);
  announce(text);
}
