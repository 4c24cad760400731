// The account page (/account): who you are, second factors and passkeys (mfa.js), sessions,
// connected apps, sign-in providers (federation.js), sign out, password and email change.
//
// Whether the email address is confirmed comes with GET /auth/me (email_verified); while it is
// not, the page offers "Send the confirmation link again" (POST /auth/email/resend -> 202).
// "Change your email" POSTs /auth/email/change {new_email} -> 202: a link goes to the new
// address, which becomes the sign-in address once the link is opened (/confirm-email-change).
//
// Sensitive actions (log out everywhere, password and email change, second-factor changes)
// need a recent sign-in: refused with 401 `insufficient_user_authentication` (RFC 9470), the
// page asks for the password (the current password of a password change serves), POSTs
// /auth/step-up, which renews the sign-in under new cookies, and retries the action once. With
// TOTP on, the prompt asks for a code as well (an app's code or a recovery code).
//
// A user whose role must have a second factor (auth.require_mfa_roles) and has none gets 403
// `mfa_enrollment_required` from everything but /auth/me, /auth/mfa*, passkey registration
// and step-up: the page then says so at the top of the second-factor section, and loads the
// rest once a factor is set up.
//
// Failures are told in plain words (api.js describeError); where only this page knows what a
// refusal means it says so itself: a 401 to the password change, while the session still
// works, is a wrong current password (the server answers it with the login's 401 body, which
// names no cause).
import {
  ApiError,
  StepUpCancelled,
  api,
  button,
  byId,
  cell,
  formatTime,
  goToLogin,
  hide,
  needsEnrollment,
  needsStepUp,
  request,
  show,
  showError,
  timeCell,
} from './api.js';
import { mailWords } from './account_links.js';
import { initFederation } from './federation.js';
import { initSecondFactors } from './mfa.js';
import { describeUserAgent } from './user_agent.js';

export function initAccount() {
  const error = byId('account-error');
  const status = byId('account-status');

  // Whether the session still works. A 401 from some action may mean the session is gone
  // (revoked, expired, logged out elsewhere) or just a refused credential (a wrong current
  // password, a wrong code): /auth/me tells them apart.
  async function stillSignedIn() {
    try {
      await api('GET', '/auth/me');
      return true;
    } catch (err) {
      return !(err instanceof ApiError && err.status === 401);
    }
  }

  // Runs `action`. When it fails because the session is gone, back to the login page; when
  // the server wants a second factor set up first, the second-factor section says so; any
  // other failure is shown in `where` (the page's error at the top unless given), in the
  // words of `own` where it has some (see describeError; or a function of the error giving
  // them).
  async function guarded(action, own, where = error) {
    hide(where);
    try {
      await action();
    } catch (err) {
      if (err instanceof StepUpCancelled) return;
      if (needsEnrollment(err)) {
        factors.requireEnrollment();
        return;
      }
      if (err instanceof ApiError && err.status === 401 && !(await stillSignedIn())) {
        goToLogin();
        return;
      }
      showError(where, err, typeof own === 'function' ? own(err) : own);
    }
  }

  async function loadMe() {
    const body = await api('GET', '/auth/me');
    const user = body && body.user ? body.user : body || {};
    byId('me-email').textContent = user.email || '';
    byId('me-id').textContent = user.id || '';
    byId('me-roles').textContent = Array.isArray(user.roles) ? user.roles.join(', ') : '';
    const confirmed = user.email_verified === true;
    byId('me-email-state').textContent = confirmed ? 'Confirmed' : 'Not confirmed yet';
    byId('email-confirm').hidden = confirmed;
  }

  // "Send the confirmation link again": its own messages beside the button.
  const resend = byId('email-resend');
  resend.addEventListener('click', async () => {
    const said = byId('email-resend-status');
    const problem = byId('email-resend-error');
    hide(said);
    hide(problem);
    resend.disabled = true;
    try {
      await api('POST', '/auth/email/resend');
      const email = byId('me-email').textContent;
      show(
        said,
        `We sent a new link to ${email}. Check your inbox: it can take a few minutes, and it ` +
          'may land in the spam folder.',
      );
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && !(await stillSignedIn())) {
        goToLogin();
        return;
      }
      showError(problem, err, mailWords(err));
    } finally {
      resend.disabled = false;
    }
  });

  // One row per session; the browser column reads "Chrome on Linux" (user_agent.js) with the
  // raw User-Agent in its title. Each "Sign out" button names its session for screen readers.
  function renderSessions(sessions) {
    const rows = sessions.map((s) => {
      const tr = document.createElement('tr');
      tr.dataset.sessionId = String(s.id);
      if (s.current) tr.classList.add('current');
      const lastSeen = formatTime(s.last_seen_at);
      const browser = describeUserAgent(s.user_agent) || 'Unknown browser';
      const agent = cell(browser);
      agent.className = 'wrap';
      if (s.user_agent) agent.title = s.user_agent;
      const ip = cell(s.ip || '');
      ip.className = 'wrap';
      // The browser first: what tells the sessions apart, in view on a narrow screen too.
      tr.append(agent, timeCell(s.created_at), timeCell(s.last_seen_at), ip);
      const actions = document.createElement('td');
      if (s.current) {
        actions.textContent = 'This browser';
      } else {
        const b = button('Sign out', 'revoke', (event) =>
          revokeSession(String(s.id), event.currentTarget),
        );
        b.setAttribute('aria-label', `Sign out ${browser}, last seen ${lastSeen}`);
        actions.append(b);
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

  function revokeSession(id, b) {
    b.disabled = true;
    return guarded(async () => {
      try {
        await api('DELETE', `/auth/sessions/${encodeURIComponent(id)}`);
        show(status, 'Session signed out.');
      } finally {
        b.disabled = false;
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
      const name = a.name || a.client_id;
      const scope = cell(a.scope || '');
      scope.className = 'wrap';
      tr.append(cell(name), scope, timeCell(a.created_at));
      const actions = document.createElement('td');
      const b = button('Disconnect', 'revoke', (event) =>
        revokeApp(String(a.client_id), event.currentTarget),
      );
      b.setAttribute('aria-label', `Disconnect ${name}`);
      actions.append(b);
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

  function revokeApp(id, b) {
    b.disabled = true;
    return guarded(async () => {
      try {
        await api('DELETE', `/auth/apps/${encodeURIComponent(id)}`);
        show(status, 'App disconnected.');
      } finally {
        b.disabled = false;
      }
      await Promise.all([loadApps(), loadSessions()]);
    });
  }

  // A 401 with no `error` member: a refused password (the login's body) or a missing session.
  // (Every problem has a `code`; the second-factor and step-up ones also name themselves in
  // `error`, and those are handled elsewhere.)
  function unexplained401(err) {
    return err instanceof ApiError && err.status === 401 && !err.body.error;
  }

  // Whether a step-up was refused for want of the second factor (the password was right):
  // with TOTP on the server answers 400 "... send totp or recovery_code" to a password alone.
  // The page asks for the code up front when it knows TOTP is on; this covers a TOTP turned on
  // since the page loaded (in another tab).
  function wantsSecondFactor(err) {
    return err instanceof ApiError && err.status === 400 && /\btotp\b/.test(err.detail);
  }

  // Shows the "confirm it's you" form; resolves once POST /auth/step-up accepted the password,
  // and the code when TOTP is on (the server set new cookies); rejects with StepUpCancelled
  // when the user closes it. `password`, when given, is filled in (the password change's
  // current password: only the code is left to type).
  function askForPassword(password) {
    const section = byId('step-up');
    const form = byId('step-up-form');
    const problem = byId('step-up-error');
    const cancel = byId('step-up-cancel');
    const code = form.elements.code;
    const askCode = (on) => {
      byId('step-up-code-label').hidden = !on;
      code.hidden = !on;
      code.required = on;
    };
    askCode(factors.totpEnabled());
    section.hidden = false;
    if (password !== undefined) form.elements.password.value = password;
    (password !== undefined && !code.hidden ? code : form.elements.password).focus();
    return new Promise((resolve, reject) => {
      const done = () => {
        form.reset();
        askCode(false);
        hide(problem);
        section.hidden = true;
        form.removeEventListener('submit', submit);
        cancel.removeEventListener('click', close);
      };
      const submit = async (event) => {
        event.preventDefault();
        hide(problem);
        const body = { password: form.elements.password.value };
        if (!code.hidden) {
          // Six digits are the app's code; anything else is taken for a recovery code.
          const typed = code.value.trim();
          if (/^\d{6}$/.test(typed.replace(/\s/g, ''))) body.totp = typed.replace(/\s/g, '');
          else body.recovery_code = typed;
        }
        try {
          await request('POST', '/auth/step-up', body);
          done();
          resolve();
        } catch (err) {
          if (wantsSecondFactor(err) && code.hidden) {
            askCode(true);
            show(problem, 'Enter the code from your authenticator app too.');
            code.focus();
            return;
          }
          // A 401 naming no cause is a wrong password, unless the session itself is gone:
          // then the action fails as a whole (guarded goes back to the login page).
          if (unexplained401(err) && !(await stillSignedIn())) {
            done();
            reject(err);
            return;
          }
          code.value = '';
          showError(problem, err, { 401: 'That password is not correct.' });
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

  // Runs `action`; if it needs a more recent sign-in, steps up and runs it once more. With
  // `password` (a form that has it already) and no TOTP, the step-up is made with it at once;
  // otherwise the user is asked (for the code too, when TOTP is on).
  async function withStepUp(action, password) {
    try {
      return await action();
    } catch (err) {
      if (!needsStepUp(err)) throw err;
      if (password === undefined || factors.totpEnabled()) {
        await askForPassword(password);
      } else {
        try {
          await request('POST', '/auth/step-up', { password });
        } catch (e) {
          if (!wantsSecondFactor(e)) throw e;
          await askForPassword(password);
        }
      }
      return action();
    }
  }

  const factors = initSecondFactors({
    guarded,
    withStepUp,
    status: (text) => show(status, text),
    // A second factor is set up: what auth.require_mfa_roles held back can load now.
    enrolled: () =>
      guarded(() => Promise.all([loadSessions(), loadApps(), factors.loadPasskeys()])),
  });

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
    // A 401 while still signed in: the current password was wrong (POST /auth/password
    // answers it with the login's body; so does the step-up made with the same password).
    guarded(
      async () => {
        try {
          await withStepUp(
            () =>
              api('POST', '/auth/password', { current_password: current, new_password: next }),
            current,
          );
          form.reset();
          show(status, 'Password changed. Every other session has been signed out.');
        } finally {
          submit.disabled = false;
        }
        await loadSessions();
      },
      { 401: 'Your current password is not correct.' },
    );
  });

  // "Change your email": its own messages above the form. A 400 says what to change in the
  // server's words ("that is already your email address").
  const emailForm = byId('email-change-form');
  emailForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const said = byId('email-change-status');
    hide(said);
    const email = emailForm.elements.new_email.value.trim();
    const submit = byId('email-change-submit');
    submit.disabled = true;
    guarded(
      async () => {
        try {
          await withStepUp(() => api('POST', '/auth/email/change', { new_email: email }));
        } finally {
          submit.disabled = false;
        }
        emailForm.reset();
        show(
          said,
          `We sent a link to ${email}: open it to make it your sign-in address. Your current ` +
            'address stays until then.',
        );
      },
      mailWords,
      byId('email-change-error'),
    );
  });

  const federation = initFederation({ guarded, withStepUp, status: (text) => show(status, text) });

  // Each part loads on its own, so one refused (mfa_enrollment_required) leaves the others.
  for (const load of [
    loadMe,
    factors.load,
    factors.loadPasskeys,
    loadSessions,
    loadApps,
    federation.load,
  ]) {
    guarded(load);
  }
}
