// The pages an emailed link or a forgotten password leads to:
//   /forgot-password  POST /auth/password/forgot {email} -> 202 (the same for every address)
//   /reset-password   POST /auth/password/reset {token, new_password} -> 200; 400 invalid_link;
//                     422 a password the policy refuses (the link still works)
//   /verify-email     POST /auth/email/verify {token} -> 200; 400 invalid_link
//   /confirm-email-change  POST /auth/email/change/confirm {token} -> 200 {email}; 400
//                     invalid_link (also when another account took the address meanwhile)
// The token comes from the link's query (?token=...); the page itself never uses it up, only the
// form's submission does. The pages send no Referer (Referrer-Policy: no-referrer), so the token
// does not leave with a click.
import { api, byId, hide, show, showError } from './api.js';

function tokenFromLink() {
  return new URLSearchParams(window.location.search).get('token') || '';
}

// Wires `form` to `submit()`: errors shown in `error`, the success text in `done`.
function wire(formId, errorId, doneId, submit) {
  const form = byId(formId);
  const error = byId(errorId);
  const done = byId(doneId);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hide(error);
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const text = await submit();
      form.hidden = true;
      show(done, text);
    } catch (err) {
      showError(error, err, {
        invalid_link: err.detail || 'This link is not valid. Ask for a new one.',
        503: err.detail ? `${err.detail}.` : '',
      });
    } finally {
      button.disabled = false;
    }
  });
}

export function initForgotPassword() {
  wire('forgot-form', 'forgot-error', 'forgot-done', async () => {
    await api('POST', '/auth/password/forgot', { email: byId('email').value });
    return 'If an account uses this address, a link to choose a new password is on its way. ' +
      'Check your inbox.';
  });
}

export function initResetPassword() {
  wire('reset-form', 'reset-error', 'reset-done', async () => {
    await api('POST', '/auth/password/reset', {
      token: tokenFromLink(),
      new_password: byId('new-password').value,
    });
    return 'Your password was changed and every device was signed out. You can sign in now.';
  });
}

export function initVerifyEmail() {
  wire('verify-form', 'verify-error', 'verify-done', async () => {
    const answer = await api('POST', '/auth/email/verify', { token: tokenFromLink() });
    return `Thank you: ${answer.email} is confirmed.`;
  });
}

export function initConfirmEmailChange() {
  wire('verify-form', 'verify-error', 'verify-done', async () => {
    const answer = await api('POST', '/auth/email/change/confirm', { token: tokenFromLink() });
    return `Done: you now sign in with ${answer.email}.`;
  });
}
