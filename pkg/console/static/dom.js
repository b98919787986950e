// DOM helpers. Data reaches the page only as text nodes or non-URL
// attributes: nothing here parses HTML, so a client called "<img onerror=…>"
// is just text. el() refuses event-handler, style and URL attributes, so the
// strict CSP (no unsafe-inline) never has anything to block.

const REFUSED = /^(on.+|style|href|src|srcdoc|action|formaction|xlink:href)$/i;

// el('p', { class: 'x', text: 'hi', on: { click: fn }, 'aria-live': 'polite' }, ...children)
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k === 'on') for (const [type, fn] of Object.entries(v)) node.addEventListener(type, fn);
    else if (REFUSED.test(k)) throw new Error(`el(): "${k}" must not be set from data`);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

// In-app links are hash routes only, so an href can never become javascript:.
export function link(hash, text) {
  if (!hash.startsWith('#/')) throw new Error(`link(): not a console route: ${hash}`);
  const a = el('a', { text });
  a.href = hash;
  return a;
}

export const clientLink = (id, text) => link(`#/clients/${encodeURIComponent(id)}`, text);

let seq = 0;
export const uid = (prefix) => `${prefix}-${++seq}`;

// The live region is cleared first so that the same message twice is read twice.
let liveTimer;
export function announce(text) {
  const live = document.getElementById('live');
  if (!live) return;
  clearTimeout(liveTimer);
  live.textContent = '';
  if (text) liveTimer = setTimeout(() => { live.textContent = text; }, 60);
}

// aria-disabled rather than disabled while a request runs: a disabled button
// drops keyboard focus to <body>.
export async function withBusy(button, fn) {
  if (button.getAttribute('aria-disabled') === 'true') return;
  button.setAttribute('aria-disabled', 'true');
  try { await fn(); } finally { button.removeAttribute('aria-disabled'); }
}

// A form-level error, focused so that keyboard and screen-reader users land on it.
export function showError(node, text) {
  node.textContent = text;
  node.hidden = false;
  node.focus();
}

export function hideError(node) {
  node.textContent = '';
  node.hidden = true;
}

// <dialog>-based confirmation (window.confirm cannot be styled or labelled).
// Resolves true only for the confirm button; Esc and Cancel resolve false.
export function confirmDialog({ title, text, confirm = 'Confirm' }) {
  return new Promise((resolve) => {
    const titleId = uid('dialog-title');
    const textId = uid('dialog-text');
    const opener = document.activeElement;
    const yes = el('button', { type: 'button', class: 'danger', text: confirm });
    const no = el('button', { type: 'button', text: 'Cancel' });
    const dialog = el('dialog', { 'aria-labelledby': titleId, 'aria-describedby': textId },
      el('h2', { id: titleId, text: title }),
      el('p', { id: textId, text }),
      el('div', { class: 'actions' }, no, yes));
    yes.addEventListener('click', () => dialog.close('yes'));
    no.addEventListener('click', () => dialog.close('no'));
    // 'close' also fires for Esc and when app.js closes dialogs on navigation.
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(dialog.returnValue === 'yes');
    });
    document.body.append(dialog);
    dialog.showModal();
    no.focus(); // the safe choice has focus
  });
}

// A secret shown once: a read-only field, a Copy button and the warning.
export function secretBox(secret, { onHide } = {}) {
  const headingId = uid('secret-h');
  const inputId = uid('secret');
  const input = el('input', { id: inputId, type: 'text', readonly: true, autocomplete: 'off', spellcheck: 'false', class: 'secret' });
  input.value = secret;
  const result = el('p', { class: 'hint', 'aria-live': 'polite' });
  const copy = el('button', { type: 'button', text: 'Copy' });
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(secret); // needs HTTPS or localhost
      result.textContent = 'Copied to the clipboard.';
    } catch {
      // No clipboard API (plain HTTP) or permission refused: select the text
      // so that Ctrl+C copies it.
      input.focus();
      input.select();
      let copied = false;
      try { copied = document.execCommand('copy'); } catch { /* unsupported */ }
      result.textContent = copied ? 'Copied to the clipboard.' : 'The secret is selected: press Ctrl+C (⌘C on a Mac) to copy it.';
    }
  });
  const box = el('section', { class: 'secret-box', 'aria-labelledby': headingId },
    el('h2', { id: headingId, tabindex: '-1', text: 'New client secret' }),
    el('p', { class: 'warning', text: 'Copy this secret now. It will not be shown again.' }),
    el('label', { for: inputId, text: 'Client secret' }),
    el('div', { class: 'row' }, input, copy),
    result);
  if (onHide) {
    box.append(el('button', { type: 'button', text: 'Hide secret', on: { click: () => { box.remove(); onHide(); } } }));
  }
  return box;
}
