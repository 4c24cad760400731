// What every page shares: JSON requests to the API (CSRF header, refresh and retry, errors as
// ApiError) and a few DOM helpers. An ES module imported by the pages' modules (app.js is the
// one the templates load).
//
// Rules this file keeps (SPEC.md "Browser delivery"):
//   - The session lives in cookies the server sets. The session cookie is HttpOnly: this code
//     never sees it and never needs to.
//   - Every unsafe request (POST/PUT/PATCH/DELETE) carries X-CSRF-Token equal to the CSRF
//     cookie (double submit; see csrfToken for its two names), read at every request: when
//     an answer renews the session (login, step-up, TOTP confirmation, password change) the
//     server sets a new CSRF cookie beside the `csrf_token` in its body, and the next request
//     sends it. fetch() adds Origin itself; the pages send no Referer
//     (Referrer-Policy: no-referrer), so Origin is what the server checks.
//   - Server data is rendered with textContent / createElement only, never parsed as HTML.
//   - web.mode = "jwt": the access cookie lives 15 minutes; the refresh cookie is sent only to
//     POST /auth/refresh. A request without a body that fails with 401 is retried once after a
//     successful refresh (never one with a body: a password must not be sent twice), and the
//     login page tries a refresh first, so an expired access cookie costs no new login. In
//     web.mode = "session" the refresh simply fails (401) and nothing changes.
//   - Errors are told in plain words (describeError): no status code, no reason phrase, no raw
//     seconds. The page picks the words from the problem's machine-readable `error` member
//     and the status, and may give its own for what only it knows (a 401 on the password form
//     is a wrong current password); the server's `detail` is shown only for the refusals
//     whose detail says what to change (400, 409, 422: "password must be at least 8
//     characters").

// The CSRF cookie's names (src/api/cookie_names.h): host-only, or with web.cookie_domain the
// one every host under that domain receives.
const CSRF_COOKIES = ['__Host-tessera_csrf', '__Secure-tessera_csrf'];
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// An HTTP failure, carrying what the problem+json body said. Its `message` is for logs and
// tests; the page shows describeError(err).
export class ApiError extends Error {
  constructor(status, title, detail, retryAfter, code, body) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.retryAfter = retryAfter;
    this.code = code || ''; // the problem's `code` member (docs/errors.md)
    this.body = body && typeof body === 'object' ? body : {}; // every member (mfa_token, ...)
  }
}

// Whether the server wants a more recent sign-in before this action (RFC 9470).
export function needsStepUp(err) {
  return (
    err instanceof ApiError && err.status === 401 && err.code === 'insufficient_user_authentication'
  );
}

// Whether the server refuses the request until the user sets up a second factor
// (auth.require_mfa_roles): the account page then leads to the enrolment.
export function needsEnrollment(err) {
  return err instanceof ApiError && err.status === 403 && err.code === 'mfa_enrollment_required';
}

// The user closed the password prompt of a step-up: nothing to report.
export class StepUpCancelled extends Error {}

// A failure whose message is already written for the person (a passkey the device refused):
// describeError shows it as it is.
export class PageError extends Error {}

// The CSRF cookie's value, or '' when there is none (signed out). The __Host- cookie wins when
// both names are there: no other host can set it, while any host under a cookie domain can set
// the __Secure- one (and a server with web.cookie_domain deletes a leftover __Host- one at every
// sign-in). A name sent twice is ambiguous, as on the server: no token (the request fails with
// 403 rather than guess).
export function csrfToken() {
  const values = new Map(CSRF_COOKIES.map((name) => [name, []]));
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    const name = eq > 0 ? part.slice(0, eq).trim() : '';
    if (values.has(name)) values.get(name).push(part.slice(eq + 1).trim());
  }
  for (const name of CSRF_COOKIES) {
    const found = values.get(name);
    if (found.length > 0) return found.length === 1 ? found[0] : '';
  }
  return '';
}

// POST /auth/refresh from the cookies (web.mode = "jwt"): whether a new access cookie came.
export async function refreshCookies() {
  try {
    await request('POST', '/auth/refresh');
    return true;
  } catch (e) {
    return false;
  }
}

// One JSON request to the API; resolves to the parsed body (or null), rejects with ApiError.
// A bodyless request refused with 401 is retried once after a successful refresh.
export async function api(method, path, body) {
  try {
    return await request(method, path, body);
  } catch (err) {
    const retry =
      err instanceof ApiError &&
      err.status === 401 &&
      !needsStepUp(err) && // a refresh never renews the sign-in itself
      body === undefined &&
      path !== '/auth/refresh' &&
      (await refreshCookies());
    if (!retry) throw err;
    return request(method, path, body);
  }
}

// One JSON request, no retry.
export async function request(method, path, body) {
  const headers = { Accept: 'application/json, application/problem+json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (UNSAFE_METHODS.has(method)) {
    const token = csrfToken();
    if (token) headers['X-CSRF-Token'] = token;
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'Network error', 'The server could not be reached.', null);
  }
  let data = null;
  if (/json/i.test(res.headers.get('Content-Type') || '')) {
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
  }
  if (!res.ok) {
    const title = (data && typeof data.title === 'string' && data.title) || `HTTP ${res.status}`;
    const detail = (data && typeof data.detail === 'string' && data.detail) || '';
    const code = (data && typeof data.code === 'string' && data.code) || '';
    throw new ApiError(res.status, title, detail, res.headers.get('Retry-After'), code, data);
  }
  return data;
}

export function byId(id) {
  return document.getElementById(id);
}

export function show(el, text) {
  el.textContent = text;
  el.hidden = false;
}

export function hide(el) {
  el.textContent = '';
  el.hidden = true;
}

// What the page says for the problem's `error` member, whatever the status.
const CODE_MESSAGES = {
  invalid_code: 'That code is not correct. Check it and try again.',
  invalid_mfa_token: 'That took too long, or the sign-in was already used. Please sign in again.',
  mfa_enrollment_required:
    'Your account needs a second factor first: set up an authenticator app or add a passkey.',
  insufficient_user_authentication: 'This needs a recent sign-in. Sign in again to continue.',
};

// "in 15 minutes", "in 40 seconds", "in 2 hours", "in a few seconds", or "later", from a
// Retry-After value: delay-seconds or an HTTP-date (RFC 9110 section 10.2.3). Rounded up, so
// the person never comes back too early.
export function waitText(retryAfter, now = Date.now()) {
  const text = String(retryAfter ?? '').trim();
  let seconds = NaN;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else if (text) seconds = (Date.parse(text) - now) / 1000;
  if (!Number.isFinite(seconds) || seconds < 0) return 'later';
  if (seconds <= 5) return 'in a few seconds';
  if (seconds < 60) return `in ${Math.ceil(seconds)} seconds`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `in ${Math.ceil(seconds / 3600)} hours`;
}

// "password must be at least 8 characters" -> "Password must be at least 8 characters."
function sentence(text) {
  const t = String(text || '').trim();
  if (!t) return '';
  return t[0].toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}

// The words the page shows for `err`, for a person: never a status code or reason phrase.
// `own` holds the page's own words where only it knows what a refusal means, keyed by the
// problem's `code` member or by HTTP status (`{401: 'Your current password is not
// correct.'}`). Looked up in order: own[code], the code's usual words, own[status], the
// status's usual words.
export function describeError(err, own = {}) {
  if (err instanceof PageError) return err.message;
  if (!(err instanceof ApiError)) {
    return 'Something went wrong on this page. Reload it and try again.';
  }
  const mine = (key) => (Object.hasOwn(own, key) ? own[key] : '');
  const byCode = err.code && (mine(err.code) || CODE_MESSAGES[err.code]);
  if (byCode) return byCode;
  if (mine(err.status)) return mine(err.status);
  switch (err.status) {
    case 0:
      return 'The server could not be reached. Check your connection and try again.';
    case 400:
    case 409:
    case 422: // the server's detail says what to change
      return sentence(err.detail) || 'That was not accepted. Check what you entered.';
    case 401:
      return 'You are signed out. Sign in again to continue.';
    case 403:
      return 'That is not allowed from this page. Reload it and try again.';
    case 404:
      return 'That is no longer there. Reload the page to see what is.';
    case 429:
      return `Too many attempts. Try again ${waitText(err.retryAfter)}.`;
    case 503:
      return `The server is busy. Try again ${waitText(err.retryAfter || 60)}.`;
    default:
      return err.status >= 500
        ? 'Something went wrong on the server. Try again later.'
        : 'That did not work. Reload the page and try again.';
  }
}

// Shows describeError(err, own) in `el`.
export function showError(el, err, own) {
  show(el, describeError(err, own));
}

export function goToLogin() {
  window.location.replace('/login');
}

// A button of a table row or a list.
export function button(text, className, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  if (className) b.className = className;
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

// A table cell holding `text`.
export function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

// A table cell holding a timestamp as formatTime writes it, its date and its time each kept on
// one line: a narrow screen shows "2025-01-01" above "12:00:00 UTC", never "2025-" / "01-01".
export function timeCell(value) {
  const td = document.createElement('td');
  const [day, ...time] = formatTime(value).split(' ');
  for (const part of [day, time.join(' ')]) {
    if (!part) continue;
    const span = document.createElement('span');
    span.className = 'nowrap';
    span.textContent = part;
    if (td.firstChild) td.append(' ');
    td.append(span);
  }
  return td;
}

// A timestamp (Unix seconds, or an RFC 3339 string) as "YYYY-MM-DD HH:MM:SS UTC".
export function formatTime(value) {
  let date = null;
  if (typeof value === 'number') date = new Date(value < 1e11 ? value * 1000 : value);
  else if (typeof value === 'string' && value) date = new Date(value);
  if (!date || Number.isNaN(date.getTime())) return value == null ? '' : String(value);
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}
