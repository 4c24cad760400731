// Tessera's browser pages: the login form (/login) and the account page (/account). No
// framework and no inline code (the Content-Security-Policy forbids both inline scripts and
// inline styles): this file is the only script. The page says which one it is in
// <body data-page="...">.
//
// Rules this file keeps (SPEC.md "Browser delivery"):
//   - The session lives in cookies the server sets. The session cookie is HttpOnly: this code
//     never sees it and never needs to.
//   - Every unsafe request (POST/PUT/PATCH/DELETE) carries X-CSRF-Token equal to the
//     __Host-tessera_csrf cookie (double submit). fetch() adds Origin itself; the pages send
//     no Referer (Referrer-Policy: no-referrer), so Origin is what the server checks.
//   - Server data is rendered with textContent / createElement only, never parsed as HTML.
//   - web.mode = "jwt": the access cookie lives 15 minutes; the refresh cookie is sent only to
//     POST /auth/refresh. A request without a body that fails with 401 is retried once after a
//     successful refresh (never one with a body: a password must not be sent twice), and the
//     login page tries a refresh first, so an expired access cookie costs no new login. In
//     web.mode = "session" the refresh simply fails (401) and nothing changes.
//   - Errors show the RFC 9457 problem+json `title` and `detail` the server sent.
//   - Sensitive actions (log out everywhere, password change) need a recent sign-in: refused
//     with 401 `insufficient_user_authentication` (RFC 9470), the account page asks for the
//     password (the current password of a password change serves), POSTs /auth/step-up, which
//     renews the sign-in under new cookies, and retries the action once.
'use strict';

(() => {
  const CSRF_COOKIE = '__Host-tessera_csrf';
  const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

  // An HTTP failure, carrying what the problem+json body said.
  class ApiError extends Error {
    constructor(status, title, detail, retryAfter, code) {
      super(detail ? `${title}: ${detail}` : title);
      this.status = status;
      this.title = title;
      this.detail = detail;
      this.retryAfter = retryAfter;
      this.code = code || ''; // the problem's `error` member, when it has one
    }
  }

  // Whether the server wants a more recent sign-in before this action (RFC 9470).
  function needsStepUp(err) {
    return (
      err instanceof ApiError && err.status === 401 && err.code === 'insufficient_user_authentication'
    );
  }

  // The user closed the password prompt of a step-up: nothing to report.
  class StepUpCancelled extends Error {}

  // The CSRF cookie's value, or '' when there is none (signed out).
  function csrfToken() {
    for (const part of document.cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === CSRF_COOKIE) return part.slice(eq + 1).trim();
    }
    return '';
  }

  // POST /auth/refresh from the cookies (web.mode = "jwt"): whether a new access cookie came.
  async function refreshCookies() {
    try {
      await request('POST', '/auth/refresh');
      return true;
    } catch (e) {
      return false;
    }
  }

  // One JSON request to the API; resolves to the parsed body (or null), rejects with ApiError.
  // A bodyless request refused with 401 is retried once after a successful refresh.
  async function api(method, path, body) {
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

  async function request(method, path, body) {
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
      const code = (data && typeof data.error === 'string' && data.error) || '';
      throw new ApiError(res.status, title, detail, res.headers.get('Retry-After'), code);
    }
    return data;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function show(el, text) {
    el.textContent = text;
    el.hidden = false;
  }

  function hide(el) {
    el.textContent = '';
    el.hidden = true;
  }

  function showError(el, err) {
    if (!(err instanceof ApiError)) {
      show(el, `Something went wrong: ${err && err.message ? err.message : err}`);
      return;
    }
    let text = err.detail ? `${err.title}: ${err.detail}` : err.title;
    if (err.status === 429 && err.retryAfter) text += ` (try again in ${err.retryAfter} s)`;
    show(el, text);
  }

  function goToLogin() {
    window.location.replace('/login');
  }

  // A session timestamp (Unix seconds, or an RFC 3339 string) as "YYYY-MM-DD HH:MM:SS UTC".
  function formatTime(value) {
    let date = null;
    if (typeof value === 'number') date = new Date(value < 1e11 ? value * 1000 : value);
    else if (typeof value === 'string' && value) date = new Date(value);
    if (!date || Number.isNaN(date.getTime())) return value == null ? '' : String(value);
    return date
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC');
  }

  // ---- /login --------------------------------------------------------------------------------

  function initLogin() {
    // Where to go once signed in: the account page, or the authorization request that sent the
    // browser here (the server renders only a path it checked: api/web_pages.h safe_return_to).
    const next = document.body.dataset.returnTo || '/account';
    // A browser with a CSRF cookie may hold a live refresh cookie (web.mode = "jwt") whose
    // access cookie expired: renew it and go on instead of asking again.
    if (csrfToken()) {
      refreshCookies().then((ok) => {
        if (ok) window.location.replace(next);
      });
    }
    const form = byId('login-form');
    const error = byId('login-error');
    const submit = byId('login-submit');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      hide(error);
      submit.disabled = true;
      try {
        await api('POST', '/auth/login', {
          email: form.elements.email.value.trim(),
          password: form.elements.password.value,
        });
        window.location.assign(next);
      } catch (err) {
        form.elements.password.value = '';
        showError(error, err);
        submit.disabled = false;
        form.elements.password.focus();
      }
    });
  }

  // ---- /account ------------------------------------------------------------------------------

  function initAccount() {
    const error = byId('account-error');
    const status = byId('account-status');

    // Whether the session still works. A 401 from some action may mean the session is gone
    // (revoked, expired, logged out elsewhere) or just a refused credential (a wrong current
    // password): /auth/me tells them apart.
    async function stillSignedIn() {
      try {
        await api('GET', '/auth/me');
        return true;
      } catch (err) {
        return !(err instanceof ApiError && err.status === 401);
      }
    }

    // Runs `action`. When it fails because the session is gone, back to the login page; any
    // other failure is shown.
    async function guarded(action) {
      hide(error);
      try {
        await action();
      } catch (err) {
        if (err instanceof StepUpCancelled) return;
        if (err instanceof ApiError && err.status === 401 && !(await stillSignedIn())) {
          goToLogin();
          return;
        }
        showError(error, err);
      }
    }

    async function loadMe() {
      const body = await api('GET', '/auth/me');
      const user = body && body.user ? body.user : body || {};
      byId('me-email').textContent = user.email || '';
      byId('me-id').textContent = user.id || '';
      byId('me-roles').textContent = Array.isArray(user.roles) ? user.roles.join(', ') : '';
    }

    function cell(text) {
      const td = document.createElement('td');
      td.textContent = text;
      return td;
    }

    function renderSessions(sessions) {
      const rows = sessions.map((s) => {
        const tr = document.createElement('tr');
        tr.dataset.sessionId = String(s.id);
        if (s.current) tr.classList.add('current');
        tr.append(
          cell(formatTime(s.created_at)),
          cell(formatTime(s.last_seen_at)),
          cell(s.ip || ''),
          cell(s.user_agent || ''),
        );
        const actions = document.createElement('td');
        if (s.current) {
          actions.textContent = 'This browser';
        } else {
          const revoke = document.createElement('button');
          revoke.type = 'button';
          revoke.className = 'revoke';
          revoke.textContent = 'Revoke';
          revoke.addEventListener('click', () => revokeSession(String(s.id), revoke));
          actions.append(revoke);
        }
        tr.append(actions);
        return tr;
      });
      byId('sessions-body').replaceChildren(...rows);
      byId('session-count').textContent = String(sessions.length);
    }

    async function loadSessions() {
      const body = await api('GET', '/auth/sessions');
      renderSessions(body && Array.isArray(body.sessions) ? body.sessions : []);
    }

    function revokeSession(id, button) {
      button.disabled = true;
      return guarded(async () => {
        try {
          await api('DELETE', `/auth/sessions/${encodeURIComponent(id)}`);
          show(status, 'Session revoked.');
        } finally {
          button.disabled = false;
        }
        await loadSessions();
      });
    }

    // Connected apps: the OAuth clients the user allowed (GET /auth/apps). Disconnecting one
    // forgets the grant and ends every token the app holds for the user.
    function renderApps(apps) {
      const rows = apps.map((a) => {
        const tr = document.createElement('tr');
        tr.dataset.clientId = String(a.client_id);
        tr.append(cell(a.name || a.client_id), cell(a.scope || ''), cell(formatTime(a.created_at)));
        const actions = document.createElement('td');
        const revoke = document.createElement('button');
        revoke.type = 'button';
        revoke.className = 'revoke';
        revoke.textContent = 'Disconnect';
        revoke.addEventListener('click', () => revokeApp(String(a.client_id), revoke));
        actions.append(revoke);
        tr.append(actions);
        return tr;
      });
      byId('apps-body').replaceChildren(...rows);
      byId('app-count').textContent = String(apps.length);
    }

    async function loadApps() {
      const body = await api('GET', '/auth/apps');
      renderApps(body && Array.isArray(body.apps) ? body.apps : []);
    }

    function revokeApp(id, button) {
      button.disabled = true;
      return guarded(async () => {
        try {
          await api('DELETE', `/auth/apps/${encodeURIComponent(id)}`);
          show(status, 'App disconnected.');
        } finally {
          button.disabled = false;
        }
        await Promise.all([loadApps(), loadSessions()]);
      });
    }

    // Shows the "confirm it's you" form; resolves once POST /auth/step-up accepted the password
    // (the server set new cookies), rejects with StepUpCancelled when the user closes it.
    function askForPassword() {
      const section = byId('step-up');
      const form = byId('step-up-form');
      const problem = byId('step-up-error');
      const cancel = byId('step-up-cancel');
      section.hidden = false;
      form.elements.password.focus();
      return new Promise((resolve, reject) => {
        const done = () => {
          form.reset();
          hide(problem);
          section.hidden = true;
          form.removeEventListener('submit', submit);
          cancel.removeEventListener('click', close);
        };
        const submit = async (event) => {
          event.preventDefault();
          hide(problem);
          try {
            await request('POST', '/auth/step-up', { password: form.elements.password.value });
            done();
            resolve();
          } catch (err) {
            showError(problem, err);
          }
        };
        const close = () => {
          done();
          reject(new StepUpCancelled());
        };
        form.addEventListener('submit', submit);
        cancel.addEventListener('click', close);
      });
    }

    // Runs `action`; if it needs a more recent sign-in, steps up (with `password` when the form
    // already has it, else by asking) and runs it once more.
    async function withStepUp(action, password) {
      try {
        return await action();
      } catch (err) {
        if (!needsStepUp(err)) throw err;
        if (password === undefined) await askForPassword();
        else await request('POST', '/auth/step-up', { password });
        return action();
      }
    }

    function signOut(path) {
      return guarded(async () => {
        try {
          await withStepUp(() => api('POST', path));
        } catch (err) {
          if (err instanceof StepUpCancelled || needsStepUp(err)) throw err;
          if (!(err instanceof ApiError && err.status === 401)) throw err;
        }
        goToLogin();
      });
    }

    byId('logout').addEventListener('click', () => signOut('/auth/logout'));
    byId('logout-all').addEventListener('click', () => signOut('/auth/logout-all'));

    const form = byId('password-form');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      hide(status);
      const current = form.elements.current_password.value;
      const next = form.elements.new_password.value;
      if (next !== form.elements.confirm_password.value) {
        show(error, 'The new passwords do not match.');
        return;
      }
      const submit = byId('password-submit');
      submit.disabled = true;
      guarded(async () => {
        try {
          await withStepUp(
            () => api('POST', '/auth/password', { current_password: current, new_password: next }),
            current,
          );
          form.reset();
          show(status, 'Password changed. Every other session has been signed out.');
        } finally {
          submit.disabled = false;
        }
        await loadSessions();
      });
    });

    guarded(() => Promise.all([loadMe(), loadSessions(), loadApps()]));
  }

  const page = document.body.dataset.page;
  if (page === 'login') initLogin();
  else if (page === 'account') initAccount();
})();
