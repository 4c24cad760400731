// The sign-up page (/signup, when auth.open_signup is on):
//   POST /auth/signup {email, password} -> 201, the same body whether the address was new or
//     already had an account (the owner of a taken address is mailed a note instead of a
//     link); 400 an address that is not one; 422 a password the policy refuses; 429 too many
//     sign-ups from this address or client (Retry-After).
// The page says the same for a new and a taken address: nothing here may tell which. Its
// words (check the inbox for the confirmation link with mail on, else sign in) are in the
// template, rendered by the server, which shows the same ones when the form comes without
// JavaScript (api/account_forms.h); so are the words for two passwords that differ
// (data-mismatch).
import { api, byId, hide, show, showError } from './api.js';

export function initSignup() {
  const form = byId('signup-form');
  if (byId('signup').hidden) return; // sign-up is closed: nothing to wire
  const error = byId('signup-error');
  const submit = byId('signup-submit');

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hide(error);
    const password = form.elements.password.value;
    if (password !== form.elements.confirm_password.value) {
      show(error, form.dataset.mismatch);
      form.elements.confirm_password.focus();
      return;
    }
    submit.disabled = true;
    try {
      await api('POST', '/auth/signup', { email: form.elements.email.value.trim(), password });
      form.reset();
      form.hidden = true;
      byId('signup-done').hidden = false;
      byId('signup-done-text').focus(); // the button that had the focus is gone: say what happened
    } catch (err) {
      showError(error, err, {
        403: 'This server does not take new sign-ups. Ask the people who run it for an account.',
      });
    } finally {
      submit.disabled = false;
    }
  });
}
