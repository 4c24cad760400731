// Tessera's browser pages: the login form (/login), the account page (/account) and the
// account lifecycle's pages (sign-up, forgot and reset password, confirm the address). No
// framework and no inline code (the Content-Security-Policy forbids inline scripts, inline
// styles and eval): the templates load this ES module, which starts the page named in
// <body data-page="...">. The modules it imports, all under /static/:
//   api.js       JSON requests to the API (CSRF header, refresh, ApiError), failures in plain
//                words (describeError) and DOM helpers;
//   login.js     the login page: password, second factor, passkey sign-in;
//   account.js   the account page: sessions, apps, sign out, password, step-up;
//   mfa.js       the account page's authenticator app, recovery codes and passkeys;
//   webauthn.js  passkey ceremonies on the WebAuthn JSON forms;
//   user_agent.js  a session's User-Agent as "Chrome on Linux";
//   account_links.js  forgot password, and the pages emailed links open (reset, verify);
//   signup.js    the sign-up page (auth.open_signup).
import { initAccount } from './account.js';
import {
  initConfirmEmailChange,
  initForgotPassword,
  initResetPassword,
  initVerifyEmail,
} from './account_links.js';
import { initLogin } from './login.js';
import { initSignup } from './signup.js';

const page = document.body.dataset.page;
if (page === 'login') initLogin();
else if (page === 'account') initAccount();
else if (page === 'forgot-password') initForgotPassword();
else if (page === 'reset-password') initResetPassword();
else if (page === 'verify-email') initVerifyEmail();
else if (page === 'confirm-email-change') initConfirmEmailChange();
else if (page === 'signup') initSignup();
