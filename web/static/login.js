// The login page (/login): email and password, then, for an account with a second factor, a
// code from an authenticator app, a recovery code or a passkey; or "Sign in with a passkey"
// alone (a discoverable credential: no email, no password).
//
//   POST /auth/login {email, password}
//     -> 200: signed in (cookies), or
//     -> 401 {mfa_required: true, mfa_token, methods}: step 2 with the methods offered;
//   POST /auth/login/mfa {mfa_token, totp | recovery_code | webauthn} -> 200: signed in;
//     401 invalid_code: try again; 401 invalid_mfa_token (expired, 5 min, or used): back to
//     step 1; 429: rate limited (Retry-After).
//   A 401 naming no cause (no `error` member) is the page's to explain: a wrong email or
//   password at step 1, a refused passkey (api.js describeError takes the page's words).
//   POST /auth/passkeys/login/options {} or {mfa_token} -> {publicKey}, then
//     navigator.credentials.get, then POST /auth/passkeys/login (first factor) or
//     /auth/login/mfa {mfa_token, webauthn} (second factor).
import { ApiError, api, byId, csrfToken, hide, refreshCookies, show, showError } from './api.js';
import { getPasskey, passkeyProblem, passkeysSupported } from './webauthn.js';

// The second factors typed as codes, by `methods` value, in the order offered.
const CODE_MODES = {
  totp: {
    label: 'Authentication code',
    hint: 'Enter the 6-digit code from your authenticator app.',
    switchTo: 'Use your authenticator app instead',
  },
  recovery_code: {
    label: 'Recovery code',
    hint: 'Enter one of the recovery codes you saved. Each code works once.',
    switchTo: 'Use a recovery code instead',
  },
};

export function initLogin() {
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
  const error = byId('login-error');
  const form = byId('login-form');
  const submit = byId('login-submit');
  const passkeyLogin = byId('passkey-login');
  const passkeyButton = byId('passkey-login-button');
  const mfaForm = byId('mfa-form');
  const code = byId('mfa-code');
  const mfaSubmit = byId('mfa-submit');
  const switchButton = byId('mfa-switch');
  const mfaPasskey = byId('mfa-passkey');
  const canUsePasskeys = passkeysSupported();

  // The second step under way: {token, methods, mode}; null on step 1.
  let challenge = null;

  const signedIn = () => window.location.assign(next);

  function busy(on) {
    for (const b of [submit, passkeyButton, mfaSubmit, switchButton, mfaPasskey]) b.disabled = on;
  }

  // ---- step 1: password, or a passkey alone ----

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hide(error);
    busy(true);
    try {
      await api('POST', '/auth/login', {
        email: form.elements.email.value.trim(),
        password: form.elements.password.value,
      });
      signedIn();
    } catch (err) {
      form.elements.password.value = '';
      busy(false);
      if (err instanceof ApiError && err.status === 401 && err.body.mfa_required === true) {
        secondStep(err.body);
        return;
      }
      showError(error, err, { 401: 'The email or password is not correct.' });
      form.elements.password.focus();
    }
  });

  if (canUsePasskeys) {
    passkeyLogin.hidden = false;
    passkeyButton.addEventListener('click', () =>
      withPasskey({}, (webauthn) => api('POST', '/auth/passkeys/login', webauthn)),
    );
  }

  // Asks the server for a challenge (`options`), the authenticator for an assertion, and hands
  // it to `finish`. Cancelling the browser's prompt is not an error.
  async function withPasskey(options, finish) {
    hide(error);
    busy(true);
    try {
      const { publicKey } = await api('POST', '/auth/passkeys/login/options', options);
      let assertion;
      try {
        assertion = await getPasskey(publicKey);
      } catch (err) {
        const problem = passkeyProblem(err);
        if (problem) show(error, problem);
        return;
      }
      await finish(assertion);
      signedIn();
    } catch (err) {
      if (!refusedSecondStep(err)) {
        showError(error, err, {
          401: 'That passkey was not accepted. Try again, or use another way.',
        });
      }
    } finally {
      busy(false);
    }
  }

  // ---- step 2: the second factor ----

  // The methods offered, first the one to start with: an authenticator app, else a passkey,
  // else a recovery code (always behind a link when something else is there).
  function secondStep(body) {
    const offered = Array.isArray(body.methods) ? body.methods : [];
    const methods = offered.filter((m) => m !== 'webauthn' || canUsePasskeys);
    challenge = { token: String(body.mfa_token || ''), methods, mode: null };
    form.hidden = true;
    passkeyLogin.hidden = true;
    mfaForm.hidden = false;
    const first = ['totp', 'webauthn', 'recovery_code'].find((m) => methods.includes(m));
    if (first) {
      useMode(first);
      return;
    }
    // Only a passkey, and this browser cannot use one.
    useMode('webauthn');
    mfaPasskey.hidden = true;
    byId('mfa-hint').textContent =
      'Your account needs a passkey to finish signing in, and this browser cannot use one here.';
  }

  // Shows the prompt for `mode` ("totp", "recovery_code" or "webauthn"), and links to the
  // others offered: the other code mode through the switch button, a passkey through its own.
  function useMode(mode) {
    challenge.mode = mode;
    const typed = mode !== 'webauthn';
    for (const el of [byId('mfa-code-label'), code, mfaSubmit]) el.hidden = !typed;
    code.required = typed;
    code.value = '';
    mfaPasskey.hidden = !challenge.methods.includes('webauthn');
    mfaPasskey.textContent = typed ? 'Use a passkey' : 'Use your passkey';
    mfaPasskey.className = typed ? 'link' : '';
    // The switch leads to the code mode not showing: an app's code, else a recovery code.
    const other = mode === 'totp' ? 'recovery_code' : 'totp';
    const target = challenge.methods.includes(other) ? other : 'recovery_code';
    switchButton.hidden = target === mode || !challenge.methods.includes(target);
    switchButton.dataset.mode = target;
    switchButton.textContent = CODE_MODES[target].switchTo;
    if (!typed) {
      byId('mfa-hint').textContent = 'Use your passkey to finish signing in.';
      mfaPasskey.focus();
      return;
    }
    const m = CODE_MODES[mode];
    byId('mfa-code-label').textContent = m.label;
    byId('mfa-hint').textContent = m.hint;
    if (mode === 'totp') {
      code.inputMode = 'numeric';
      code.autocomplete = 'one-time-code';
      code.pattern = '[0-9]{6}';
      code.maxLength = 6;
    } else {
      code.inputMode = 'text';
      code.autocomplete = 'off';
      code.removeAttribute('pattern'); // "k7wm-2hqe-9xpa", spaced or not: the server normalizes
      code.maxLength = 64;
    }
    code.focus();
  }

  switchButton.addEventListener('click', () => {
    hide(error);
    useMode(switchButton.dataset.mode);
  });

  mfaForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    hide(error);
    busy(true);
    try {
      const value = challenge.mode === 'totp' ? code.value.replace(/\s/g, '') : code.value.trim();
      await api('POST', '/auth/login/mfa', { mfa_token: challenge.token, [challenge.mode]: value });
      signedIn();
    } catch (err) {
      busy(false);
      if (refusedSecondStep(err)) return;
      code.value = '';
      const recovery = challenge.mode === 'recovery_code';
      showError(error, err, {
        invalid_code: recovery
          ? 'That recovery code is not correct, or it was already used.'
          : 'That code is not correct. Check your authenticator app and try again.',
      });
      code.focus();
    }
  });

  mfaPasskey.addEventListener('click', () =>
    withPasskey({ mfa_token: challenge.token }, (webauthn) =>
      api('POST', '/auth/login/mfa', { mfa_token: challenge.token, webauthn }),
    ),
  );

  byId('mfa-restart').addEventListener('click', () => firstStep(''));

  // The mfa_token expired or was used: the second step cannot go on. Back to step 1.
  function refusedSecondStep(err) {
    if (!(challenge && err instanceof ApiError && err.code === 'invalid_mfa_token')) return false;
    firstStep('That took too long, or the sign-in was already used. Please sign in again.');
    return true;
  }

  function firstStep(message) {
    challenge = null;
    code.value = '';
    mfaForm.hidden = true;
    form.hidden = false;
    passkeyLogin.hidden = !canUsePasskeys;
    if (message) show(error, message);
    else hide(error);
    form.elements.password.focus();
  }
}
