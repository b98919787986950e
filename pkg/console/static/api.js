// Fetch wrapper for the admin API. The console is served from the API's own
// origin, so every call is same-origin and every response header (ETag) is
// readable without CORS. Paths are resolved against this module's URL
// (<base>/console/api.js → <base>/admin/...), so that the console works
// both at the root (make run) and under an API Gateway stage (/dev/console/).
const ROOT = new URL('../', import.meta.url);
const apiURL = (path) => new URL(path.replace(/^\//, ''), ROOT);

// The session lives in memory and in sessionStorage (one tab, gone when the
// tab closes). Never localStorage or a cookie: a token must not outlive the tab
// or be sent automatically by the browser.
const KEY = 'console.session';
let session = readStored();
let onUnauthorized = () => {};

function readStored() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY));
    return s && typeof s.token === 'string' && s.token ? s : null;
  } catch {
    return null; // storage disabled or garbage: start signed out
  }
}

export const getSession = () => session;

export function setSession(token, username) {
  session = { token, username };
  try { sessionStorage.setItem(KEY, JSON.stringify(session)); } catch { /* memory only */ }
}

// What the held token grants, read from its claims only to choose which
// controls to show: the API checks every request itself. null means full
// access (a token with neither a scope nor a permissions claim, as the API
// reads it, or one the console cannot decode: then the API's answers say
// what is refused); otherwise the set of names the scope string and the
// permissions array hold together.
function grantsOf(token) {
  const claims = claimsOf(token);
  if (!claims || (!Object.hasOwn(claims, 'scope') && !Object.hasOwn(claims, 'permissions'))) return null;
  const names = new Set();
  if (typeof claims.scope === 'string') for (const n of claims.scope.split(/\s+/)) if (n) names.add(n);
  if (Array.isArray(claims.permissions)) for (const n of claims.permissions) if (typeof n === 'string') names.add(n);
  return names;
}

// The token's claims (its middle part, base64url JSON), or null.
function claimsOf(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(part.padEnd(Math.ceil(part.length / 4) * 4, '='));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? claims : null;
  } catch {
    return null;
  }
}

// The token's `sub`, only to show who is signed in.
export function subjectOf(token) {
  const sub = claimsOf(token)?.sub;
  return typeof sub === 'string' ? sub.slice(0, 100) : '';
}

// can(scope): whether the held token grants scope (see grantsOf).
export function can(scope) {
  if (!session) return false;
  const grants = grantsOf(session.token);
  return grants === null || grants.has(scope);
}

// What each scope lets a person do, in words for the page.
const SCOPE_WORDS = {
  'read:clients': 'view clients',
  'create:clients': 'create clients',
  'update:clients': 'change clients',
  'delete:clients': 'delete clients',
  'update:client_secrets': 'reset client secrets',
};

// The sentence for an action the account's scopes do not allow.
export function notPermitted(scope) {
  const words = SCOPE_WORDS[scope] || 'do that';
  return `Your account does not have permission to ${words} (it lacks the ${scope} permission). Ask an administrator to grant it.`;
}

export function clearSession() {
  session = null;
  try { sessionStorage.removeItem(KEY); } catch { /* nothing stored */ }
}

// app.js installs the handler that sends the user back to sign-in.
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

// ApiError carries what the server said. `message` is for developers only;
// screens show describeError(err).
export class ApiError extends Error {
  constructor(status, body, headers) {
    const b = body && typeof body === 'object' ? body : {};
    super(b.message || b.error || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status; // 0: the server could not be reached
    this.error = typeof b.error === 'string' ? b.error : '';
    this.details = typeof b.details === 'string' ? b.details : '';
    // field: the JSON path of the one field a 400 or 409 is about
    // ("clientMeta.email", "twilioPhoneNumber"), or '' when it is about none.
    this.field = typeof b.field === 'string' ? b.field : '';
    // missingScope: the permission a 403 names ("Missing scope: <scope>").
    const m = status === 403 && typeof b.message === 'string' ? /^Missing scope: ([A-Za-z0-9_.:\/-]{1,100})$/.exec(b.message) : null;
    this.missingScope = m ? m[1] : '';
    this.requiredFields = Array.isArray(b.requiredFields) ? b.requiredFields.filter((f) => typeof f === 'string') : [];
    this.headers = headers || new Headers();
  }
}

async function request(method, path, { body, ifMatch, signal, token = session?.token, notify401 = true } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  if (ifMatch) headers['If-Match'] = ifMatch;
  let res;
  try {
    res = await fetch(apiURL(path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store', // a cached GET would show old data with an old ETag
      credentials: 'omit', // bearer tokens only; no cookie is ever involved
    });
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    throw new ApiError(0, null, null);
  }
  const data = await readJson(res);
  if (!res.ok) {
    const err = new ApiError(res.status, data, res.headers);
    // Only a call that carried a token can mean "session expired".
    if (res.status === 401 && token && notify401) onUnauthorized(err);
    throw err;
  }
  return { status: res.status, data, etag: res.headers.get('ETag'), headers: res.headers };
}

async function readJson(res) {
  if (!/\bjson\b/i.test(res.headers.get('Content-Type') || '')) return null;
  try { return await res.json(); } catch { return null; }
}

// A dot segment would be resolved away by the URL parser ("/admin/clients/.."
// is "/admin/"), even percent-encoded; the contract answers 404 for a
// malformed id, so say the same without a request.
async function clientPath(id) {
  if (id === '' || /^(\.|%2e){1,2}$/i.test(id)) throw new ApiError(404, { error: 'Client not found' }, null);
  return `/admin/clients/${encodeURIComponent(id)}`;
}

export const login = (username, password) =>
  request('POST', '/auth/admin/login', { body: { username, password }, token: null });

// A pasted token is checked with the cheapest admin call before it is kept.
// A 403 naming a missing scope is an admin token all the same (the scope is
// checked after the role): it is kept, and the pages say what it lacks.
export async function checkToken(token) {
  try {
    return await request('GET', '/admin/clients?limit=1', { token, notify401: false });
  } catch (err) {
    if (err.status === 403 && err.missingScope) return null;
    throw err;
  }
}

// Empty parameters are left out: the API refuses unknown or invalid ones.
export function listClients({ search, status, limit, cursor }, signal) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ search, status, limit, cursor })) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const qs = q.toString();
  return request('GET', qs ? `/admin/clients?${qs}` : '/admin/clients', { signal });
}

export const getClient = async (id, signal) => request('GET', await clientPath(id), { signal });
export const updateClient = async (id, body, etag) => request('PUT', await clientPath(id), { body, ifMatch: etag });
export const createClient = (body) => request('POST', '/admin/clients', { body });
export const resetSecret = async (id) => request('POST', `${await clientPath(id)}/reset-secret`);
export const deleteClient = async (id) => request('DELETE', await clientPath(id));
export async function clientHistory(id, { limit, cursor }, signal) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (cursor) q.set('cursor', cursor);
  return request('GET', `${await clientPath(id)}/history?${q}`, { signal });
}

// Nothing to show: the view was left, or a 401 already sent the user to sign-in.
export function isSilent(err, signal) {
  return Boolean(signal?.aborted) || err?.name === 'AbortError' || err?.status === 401;
}

// The server's `details` is shown only when it reads as a sentence (the create
// route's 409 says just "email"); raw bodies and stacks never reach the page.
function sentence(s) {
  if (typeof s !== 'string' || !/\s/.test(s.trim()) || s.length > 300) return '';
  const t = s.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

export function describeError(err) {
  if (!(err instanceof ApiError)) return 'Something went wrong in the console. Reload the page and try again.';
  switch (err.status) {
    case 0: return 'The server could not be reached. Check your connection and try again.';
    case 400: return sentence(err.details) || 'The server could not accept that request.';
    case 401: return 'Your session has expired. Sign in again.';
    case 403: return err.missingScope ? notPermitted(err.missingScope) : 'This account is not an administrator, so it cannot do that.';
    case 404: return 'Not found. It may have been deleted.';
    case 409: return sentence(err.details) || 'That conflicts with another client.';
    case 412: return 'This client was changed by someone else.';
    case 413: return 'That is too much text to send. Shorten the longest field and try again.';
    case 415: return 'The console sent data in a form the server does not accept.';
    case 503: {
      const s = Number.parseInt(err.headers.get('Retry-After') || '', 10);
      return Number.isFinite(s) && s > 0
        ? `The service is busy. Try again in ${s} second${s === 1 ? '' : 's'}.`
        : 'The service is busy. Try again shortly.';
    }
    default:
      return err.status >= 500
        ? 'The server had a problem. Reload to check whether the change was made, then try again.'
        : `The request failed (status ${err.status}).`;
  }
}
