// The pages an emailed link or a forgotten password leads to:
//   /forgot-password  POST /auth/password/forgot {email} -> 202 (the same for every address)
//   /reset-password   POST /auth/password/reset {token, new_password} -> 200; 400 invalid_link;
//                     422 a password the policy refuses (the link still works)
//   /verify-email     POST /auth/email/verify {token} -> 200; 400 invalid_link
//   /confirm-email-change  POST /auth/email/change/confirm {token} -> 200 {email}; 400
//                     invalid_link (also when another account took the address meanwhile)
// The token comes from the link's query (?token=...); the page itself never uses it up, only the
// form's submission does. The pages send a Referer only to this server (Referrer-Policy:
// same-origin), so the token does not leave with a click.
//
// The server renders each page's states (api/account_pages.h), and answers the same forms
// itself when they come without JavaScript (api/account_forms.h): the words of success are in
// the template (this script fills in the address), a link without its token arrives already
// showing the way to a new link, and the words for two passwords that differ are the form's
// data-mismatch. A link that cannot work (used, expired, unknown: the server's `detail` says
// which, in words for a person) hides the form and shows the way to a new link beside the
// words. Success hides the form too and moves the focus to what happened, so a screen reader
// says it (the button that had the focus is gone).
import { ApiError, api, byId, hide, show, showError } from './api.js';

function tokenFromLink() {
  return new URLSearchParams(window.location.search).get('token') || '';
}

// The page's words when the server cannot send mail: email.smtp_url unset answers 503 with code
// not_configured. Other 503s (busy, a store down) keep the usual words.
// api/account_forms.cc says the same when the form comes without JavaScript.
export function mailWords(err) {
  const off = err instanceof ApiError && err.status === 503 && err.code === 'not_configured';
  const words =
    'This server cannot send email right now, so no link can be sent. Ask the people who run ' +
    'it for help.';
  return off ? { 503: words } : {};
}

// Shows `text` in `el` and moves the focus there (el has tabindex="-1").
function announce(el, text) {
  show(el, text);
  el.focus();
}

// Hides the form of a link that cannot work and says why, with the way to a new link.
function deadLink(form, error, newLink, text) {
  form.hidden = true;
  newLink.hidden = false;
  announce(error, text);
}

// Wires the page's form to `submit()`, which resolves once it worked (having filled in what
// the done words name).
// `check()`, when given, returns the words of a mistake to fix before sending (or '').
// `newLinkId`: the paragraph with the way to a new link, shown when the link cannot work.
function wire({ formId, errorId, doneId, newLinkId, submit, check = () => '' }) {
  const form = byId(formId);
  const error = byId(errorId);
  const done = byId(doneId);
  const doneText = byId(`${doneId}-text`);
  const newLink = newLinkId ? byId(newLinkId) : null;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hide(error);
    const mistake = check();
    if (mistake) {
      show(error, mistake);
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      await submit();
      form.hidden = true;
      done.hidden = false;
      doneText.focus();
    } catch (err) {
      if (newLink && err instanceof ApiError && err.code === 'invalid_link') {
        deadLink(form, error, newLink, err.detail || 'This link does not work any more.');
        return;
      }
      showError(error, err, mailWords(err));
    } finally {
      button.disabled = false;
    }
  });
}

export function initForgotPassword() {
  wire({
    formId: 'forgot-form',
    errorId: 'forgot-error',
    doneId: 'forgot-done',
    submit: async () => {
      const email = byId('email').value.trim();
      await api('POST', '/auth/password/forgot', { email });
      byId('forgot-intro').hidden = true;
      byId('forgot-email').textContent = email;
    },
  });
}

export function initResetPassword() {
  const password = byId('new-password');
  const form = byId('reset-form');
  wire({
    formId: 'reset-form',
    errorId: 'reset-error',
    doneId: 'reset-done',
    newLinkId: 'reset-new-link',
    check: () =>
      password.value === byId('confirm-password').value
        ? ''
        : form.dataset.mismatch,
    submit: async () => {
      await api('POST', '/auth/password/reset', {
        token: tokenFromLink(),
        new_password: password.value,
      });
      byId('reset-links').hidden = true;
    },
  });
}

export function initVerifyEmail() {
  wire({
    formId: 'verify-form',
    errorId: 'verify-error',
    doneId: 'verify-done',
    newLinkId: 'verify-new-link',
    submit: async () => {
      const answer = await api('POST', '/auth/email/verify', { token: tokenFromLink() });
      byId('verify-address').textContent = answer.email;
    },
  });
}

export function initConfirmEmailChange() {
  wire({
    formId: 'verify-form',
    errorId: 'verify-error',
    doneId: 'verify-done',
    newLinkId: 'verify-new-link',
    submit: async () => {
      const answer = await api('POST', '/auth/email/change/confirm', { token: tokenFromLink() });
      byId('verify-address').textContent = answer.email;
    },
  });
}
