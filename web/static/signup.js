// The sign-up page (/signup, when auth.open_signup is on):
//   POST /auth/signup {email, password} -> 201, the same body whether the address was new or
//     already had an account (the owner of a taken address is mailed a note instead of a
//     link); 400 an address that is not one; 422 a password the policy refuses; 429 too many
//     sign-ups from this address or client (Retry-After).
// The page says the same for a new and a taken address: nothing here may tell which. With mail
// on (<body data-confirm-by-mail="yes">, from email.smtp_url) it says to check the inbox for
// the confirmation link; with mail off the account is ready to sign in.
import { api, byId, hide, show, showError } from './api.js';

const DONE = {
  yes: {
    text: 'Check your inbox: we sent a link to confirm your address.',
    next:
      'Open the link to confirm it, then sign in. The email can take a few minutes; if it does ' +
      'not come, look in your spam folder.',
  },
  no: {
    text: 'Thank you. If the address can be used, your account is ready.',
    next: 'Sign in to continue.',
  },
};

export function initSignup() {
  const form = byId('signup-form');
  if (byId('signup').hidden) return; // sign-up is closed: nothing to wire
  const error = byId('signup-error');
  const submit = byId('signup-submit');
  const done = DONE[document.body.dataset.confirmByMail] || DONE.yes;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hide(error);
    const password = form.elements.password.value;
    if (password !== form.elements.confirm_password.value) {
      show(error, 'The two passwords are not the same. Type your password twice.');
      form.elements.confirm_password.focus();
      return;
    }
    submit.disabled = true;
    try {
      await api('POST', '/auth/signup', { email: form.elements.email.value.trim(), password });
      form.reset();
      form.hidden = true;
      byId('signup-next').textContent = done.next;
      byId('signup-done').hidden = false;
      const text = byId('signup-done-text');
      show(text, done.text);
      text.focus(); // the button that had the focus is gone: say what happened
    } catch (err) {
      showError(error, err, {
        403: 'This server does not take new sign-ups. Ask the people who run it for an account.',
      });
    } finally {
      submit.disabled = false;
    }
  });
}
