// The account lifecycle (issue 18) in headless Chromium against the real server and a real
// SMTP server: `tessera serve` with auth.open_signup and email.smtp_url pointing at
// tests/mail/smtp_sink.py, whose spool this test reads the mails from. server.public_url is
// left empty, so the links start with the server's own URL (docs/email.md) and open in the
// browser as they are.
//
//   sign up: the login page offers "Create an account"; the sign-up page, its mismatch error,
//     then "Check your inbox"; the same words for an address that has an account (its owner is
//     mailed "someone tried" instead of a link);
//   confirm: sign in unconfirmed; the account page says "Not confirmed yet" and sends the link
//     again; the link from that mail opens /verify-email, whose button confirms; the account
//     page then says "Confirmed";
//   reset: "Forgot your password?" mails a link; /reset-password refuses a guessable password
//     in the policy's words, then sets a new one (every session ends, a notice is mailed); the
//     old password fails, the new one signs in; the same link again says it was already used
//     and offers a new one;
//   change of email: on the account page, with a sign-in older than auth.step_up_max_age (1 s
//     here), the change asks for the password first (the page's step-up), then refuses the
//     current address in the server's words and sends a link to a new one; the link's page
//     /confirm-email-change makes it the sign-in address: the old address then fails, the new
//     one signs in;
//   without JavaScript (a browser context with it off): "Forgot your password?" posts its form
//     and says a link was sent; the mailed link's page sets a new password and offers the way
//     to sign in, which then works;
//   no page logged a CSP violation or a script error;
//   accessibility (a11y.mjs: axe, light and dark, 390 px wide) of each page and state reached.
//
//   TESSERA_BINARY=build/release/tessera node --test tests/e2e/account_flow.mjs
//
// Needs what login_flow.mjs needs, plus /usr/bin/python3 with aiosmtpd (python3-aiosmtpd).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { checkPage, checkPageWithoutScripts } from './a11y.mjs';
import {
  describePage,
  launchChromium,
  startSmtpSink,
  steps,
  tempDir,
  watchPage,
  withTessera,
} from './harness.mjs';

const EMAIL = 'new-user@example.com';
const PASSWORD = 'first pass phrase';
const NEW_PASSWORD = 'second pass phrase';
const NEW_EMAIL = 'moved-user@example.com';
const THIRD_PASSWORD = 'third pass phrase of mine';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The mails in `spool`, in arrival order; each one is handed out once by next().
function mailbox(spool) {
  const taken = new Set();
  return {
    // The first mail not yet taken whose subject matches `subject`, waiting up to 15 s.
    async next(subject) {
      const until = Date.now() + 15000;
      for (;;) {
        const names = fs
          .readdirSync(spool)
          .filter((n) => /^\d+\.json$/.test(n))
          .sort();
        for (const name of names) {
          if (taken.has(name)) continue;
          const mail = JSON.parse(fs.readFileSync(path.join(spool, name), 'utf8'));
          if (subject.test(mail.headers?.Subject ?? '')) {
            taken.add(name);
            return mail;
          }
        }
        if (Date.now() > until) {
          throw new Error(`no mail with a subject like ${subject} in 15 s (${names.length} seen)`);
        }
        await sleep(50);
      }
    },
  };
}

// The link to `base` + `pathname` in a mail's text part.
function linkIn(mail, base, pathname) {
  const escaped = `${base}${pathname}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${escaped}\\?token=[A-Za-z0-9_-]+`).exec(mail.text ?? '');
  assert.ok(m, `a ${pathname} link in:\n${mail.text}`);
  return m[0];
}

async function scenario(t, { server }, sink, spool) {
  const base = server.url;
  const mails = mailbox(spool);
  const browser = await launchChromium();
  const log = { cspViolations: [], scriptErrors: [] };
  let page;
  const { step, ok } = steps(t, async (st) => {
    if (!page) return;
    st.diagnostic(`the browser is at ${await describePage(page)}`);
    for (const line of [...log.cspViolations, ...log.scriptErrors]) st.diagnostic(line);
    st.diagnostic(`smtp_sink stderr: ${sink.stderr().slice(-2048)}`);
  });

  async function newPage(label, options = {}) {
    const context = await browser.newContext({ userAgent: `tessera-e2e/${label}`, ...options });
    const p = await context.newPage();
    p.setDefaultTimeout(15000);
    watchPage(p, label, log);
    return p;
  }

  async function text(selector) {
    return ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ').trim();
  }

  async function visibleText(selector) {
    await page.waitForSelector(selector, { state: 'visible' });
    return text(selector);
  }

  // `check`: checkPage, or for a page with JavaScript off checkPageWithoutScripts.
  async function accessible(st, what, check = checkPage) {
    const started = Date.now();
    for (const line of await check(page, what)) st.diagnostic(`minor: ${line}`);
    st.diagnostic(`${what}: checked in ${Date.now() - started} ms`);
  }

  async function signUp(password) {
    await page.goto(`${base}/signup`);
    await page.fill('#email', EMAIL);
    await page.fill('#new-password', password);
    await page.fill('#confirm-password', password);
    await page.click('#signup-submit');
    return visibleText('#signup-done-text');
  }

  // The forgot-password page (open) asks for a link to `email` and says it did, the form gone.
  async function askForLink(email) {
    await page.fill('#email', email);
    await page.click('#forgot-submit');
    assert.equal(
      await visibleText('#forgot-done-text'),
      `If an account uses ${email}, we sent it a link to choose a new password. ` +
        'Check your inbox.',
    );
    assert.equal(await page.isVisible('#forgot-form'), false);
  }

  // The login page's password step; resolves once the page reacted. `signedInAt` is taken
  // then, when the server has answered: its auth_time is at or before it (a sign-in is one
  // Argon2id hash, seconds under load, so the moment of the click would be too early).
  let signedInAt = 0;
  async function signIn(password, email = EMAIL) {
    await page.goto(`${base}/login`);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.click('#login-submit');
    await page.waitForFunction(
      () => location.pathname === '/account' || !document.querySelector('#login-error').hidden,
    );
    signedInAt = Date.now();
  }

  const CHECK_INBOX = 'Check your inbox: we sent a link to confirm your address.';
  let resetLink = '';

  try {
    page = await newPage('account');

    await step('the login page offers "Create an account", which leads to the form', async (st) => {
      await page.goto(`${base}/login`);
      await Promise.all([page.waitForURL(`${base}/signup`), page.click('#signup-link')]);
      await page.fill('#email', EMAIL);
      await page.fill('#new-password', PASSWORD);
      await page.fill('#confirm-password', `${PASSWORD} typo`);
      await page.click('#signup-submit');
      assert.match(await visibleText('#signup-error'), /^The two passwords are not the same/);
      assert.equal(
        await text('#password-rules'),
        'At least 8 characters, and not easy to guess (not a common password or your email). ' +
          'A few words you remember make a good one.',
      );
      await accessible(st, 'the sign-up page showing an error');
    });

    const signedUp = 'signing up says to check the inbox, and a confirmation link is mailed';
    await step(signedUp, async (st) => {
      assert.equal(await signUp(PASSWORD), CHECK_INBOX);
      assert.equal(await page.isVisible('#signup-form'), false);
      await accessible(st, 'the sign-up page after signing up');
      const mail = await mails.next(/^Confirm your email/);
      assert.deepEqual(mail.rcpt_tos, [EMAIL]);
      linkIn(mail, base, '/verify-email');
    });

    const takenAddress = 'an address that has an account gets the same words (its owner a note)';
    await step(takenAddress, async () => {
      assert.equal(await signUp('another pass phrase'), CHECK_INBOX);
      const note = await mails.next(/^Someone tried to sign up/);
      assert.deepEqual(note.rcpt_tos, [EMAIL]);
    });

    const unconfirmed = 'signed in unconfirmed: the account page says so and sends the link again';
    await step(unconfirmed, async (st) => {
      await signIn(PASSWORD);
      await page.waitForURL(`${base}/account`);
      await page.waitForSelector('#email-confirm', { state: 'visible' });
      assert.equal(await text('#me-email-state'), 'Not confirmed yet');
      await page.click('#email-resend');
      assert.match(
        await visibleText('#email-resend-status'),
        /^We sent a new link to new-user@example\.com\./,
      );
      assert.equal(await page.isVisible('#account-error'), false, 'no other error shown');
      await accessible(st, 'the account page, address not confirmed, link sent again');
    });

    const confirms = 'the link opens the confirmation page; its button confirms the address';
    await step(confirms, async (st) => {
      const mail = await mails.next(/^Confirm your email/);
      await page.goto(linkIn(mail, base, '/verify-email'));
      await page.waitForSelector('#verify-submit', { state: 'visible' });
      await accessible(st, 'the confirmation page');
      await page.click('#verify-submit');
      assert.equal(await visibleText('#verify-done-text'), `Thank you: ${EMAIL} is confirmed.`);
      await accessible(st, 'the confirmation page, confirmed');
      await Promise.all([page.waitForURL(`${base}/account`), page.click('#verify-done a')]);
      await page.waitForFunction(
        () => document.querySelector('#me-email-state').textContent === 'Confirmed',
      );
      assert.equal(await page.isVisible('#email-confirm'), false, 'no offer to send it again');
    });

    // On another device, signed out; the first one stays signed in until the reset.
    const first = page;
    await step('"Forgot your password?" mails a reset link', async (st) => {
      page = await newPage('other-device');
      await page.goto(`${base}/login`);
      await Promise.all([
        page.waitForURL(`${base}/forgot-password`),
        page.click('a[href="/forgot-password"]'),
      ]);
      await askForLink(EMAIL);
      await accessible(st, 'the forgot-password page, link sent');
      resetLink = linkIn(await mails.next(/^Reset your/), base, '/reset-password');
    });

    await step('the reset link sets a new password; every session ends', async (st) => {
      await page.goto(resetLink);
      await page.waitForSelector('#reset-form', { state: 'visible' });
      assert.match(await text('#password-rules'), /^At least 8 characters, and not easy/);
      // A password the policy refuses is told in its words; the link still works.
      await page.fill('#new-password', 'password123');
      await page.fill('#confirm-password', 'password123');
      await page.click('#reset-submit');
      assert.match(await visibleText('#reset-error'), /^This password is too easy to guess/);
      assert.ok(await page.isVisible('#reset-form'), 'the form stays');
      await accessible(st, 'the reset page, a password refused');
      await page.fill('#new-password', NEW_PASSWORD);
      await page.fill('#confirm-password', NEW_PASSWORD);
      await page.click('#reset-submit');
      assert.match(await visibleText('#reset-done-text'), /^Your password was changed/);
      await mails.next(/password was changed/);
      await first.goto(`${base}/account`);
      assert.equal(new URL(first.url()).pathname, '/login', 'the first device was signed out');
    });

    await step('the old password fails, the new one signs in', async () => {
      await signIn(PASSWORD);
      assert.equal(await visibleText('#login-error'), 'The email or password is not correct.');
      await signIn(NEW_PASSWORD);
      await page.waitForURL(`${base}/account`);
      await page.waitForFunction(
        () => document.querySelector('#me-email-state').textContent === 'Confirmed',
      );
    });

    const usedLink = 'the same reset link again says it was already used, and offers a new one';
    await step(usedLink, async (st) => {
      await page.goto(resetLink);
      await page.fill('#new-password', 'a third pass phrase');
      await page.fill('#confirm-password', 'a third pass phrase');
      await page.click('#reset-submit');
      assert.match(await visibleText('#reset-error'), /already used/);
      assert.equal(await page.isVisible('#reset-form'), false);
      assert.equal(await page.getAttribute('#reset-new-link a', 'href'), '/forgot-password');
      assert.ok(await page.isVisible('#reset-new-link a'));
      await accessible(st, 'the reset page, link already used');
    });

    // auth.step_up_max_age is 1 s: a sign-in 2 s old (whole seconds) is no longer recent (the
    // step above took most of that wait).
    const changeEmail = 'changing the email asks for the password, then mails the new address';
    await step(changeEmail, async (st) => {
      await page.goto(`${base}/account`);
      await sleep(signedInAt + 2200 - Date.now());
      // The current address: the step-up first, then the server's words.
      await page.fill('#new-email', EMAIL);
      await page.click('#email-change-submit');
      await page.waitForSelector('#step-up', { state: 'visible' });
      await page.fill('#step-up-password', NEW_PASSWORD);
      await page.click('#step-up-submit');
      assert.equal(await visibleText('#email-change-error'), 'That is already your email address.');
      assert.equal(await page.isVisible('#step-up'), false, 'the step-up form is closed');
      // Recent now (1 s); should the second slip past it, the password is asked again.
      await page.fill('#new-email', NEW_EMAIL);
      await page.click('#email-change-submit');
      const stepUp = page.locator('#step-up');
      const said = page.locator('#email-change-status');
      await stepUp.or(said).first().waitFor();
      if (await stepUp.isVisible()) {
        await page.fill('#step-up-password', NEW_PASSWORD);
        await page.click('#step-up-submit');
      }
      assert.equal(
        await visibleText('#email-change-status'),
        `We sent a link to ${NEW_EMAIL}: open it to make it your sign-in address. Your ` +
          'current address stays until then.',
      );
      assert.equal(await page.isVisible('#email-change-error'), false);
      assert.equal(await text('#me-email'), EMAIL, 'the address stays until the link is used');
      await accessible(st, 'the account page, email change link sent');
      const notice = await mails.next(/^A change of your .* sign-in email/);
      assert.deepEqual(notice.rcpt_tos, [EMAIL]);
    });

    await step('the link makes the new address the sign-in address', async () => {
      const mail = await mails.next(/^Confirm your new email/);
      assert.deepEqual(mail.rcpt_tos, [NEW_EMAIL]);
      await page.goto(linkIn(mail, base, '/confirm-email-change'));
      await page.click('#verify-submit');
      const done = await visibleText('#verify-done-text');
      assert.equal(done, `Done: you now sign in with ${NEW_EMAIL}.`);
      page = await newPage('new-address');
      await signIn(NEW_PASSWORD);
      assert.equal(await visibleText('#login-error'), 'The email or password is not correct.');
      await signIn(NEW_PASSWORD, NEW_EMAIL);
      await page.waitForURL(`${base}/account`);
      await page.waitForFunction(
        (email) => document.querySelector('#me-email').textContent === email,
        NEW_EMAIL,
      );
    });

    // The pages' forms work with JavaScript off: the browser posts each to the page's own URL
    // and the server answers with the page in its new state (api/account_forms.h).
    const noScript = 'without JavaScript: forgot password, the mailed link, a new password';
    await step(noScript, async (st) => {
      page = await newPage('no-js', { javaScriptEnabled: false });
      await page.goto(`${base}/forgot-password`);
      await askForLink(NEW_EMAIL);
      await page.goto(linkIn(await mails.next(/^Reset your/), base, '/reset-password'));
      await page.fill('#new-password', THIRD_PASSWORD);
      await page.fill('#confirm-password', THIRD_PASSWORD);
      await page.click('#reset-submit');
      assert.match(await visibleText('#reset-done-text'), /^Your password was changed/);
      assert.equal(await page.isVisible('#reset-form'), false);
      await accessible(st, 'the reset page without JavaScript, password changed', (p, what) =>
        checkPageWithoutScripts(browser, p, what),
      );
      await Promise.all([page.waitForURL(`${base}/login`), page.click('#reset-sign-in')]);
      await mails.next(/password was changed/);
      await page.context().close();
      page = await newPage('after-no-js');
      await signIn(THIRD_PASSWORD, NEW_EMAIL);
      await page.waitForURL(`${base}/account`);
    });

    await step('no Content-Security-Policy violations and no script errors', async () => {
      assert.deepEqual(log.cspViolations, []);
      // The refusals the flow asks for (a guessable password: 422; the used link: 400
      // invalid_link; the current address as the new one: 400) are the browser's console
      // errors for them.
      const refused =
        /status of (400|422) \([^)]*\) \(http:\/\/[^)]*\/auth\/(password\/reset|email\/change)\)$/;
      assert.deepEqual(
        log.scriptErrors.filter((e) => !refused.test(e)),
        [],
      );
    });
  } finally {
    await browser.close();
  }
  return ok();
}

test('account lifecycle: sign up, confirm, reset through mail', { timeout: 120000 }, async (t) => {
  const spool = tempDir('tessera-e2e-mail-');
  const sink = await startSmtpSink(spool);
  t.diagnostic(`smtp_sink on 127.0.0.1:${sink.port} (pid ${sink.pid})`);
  try {
    const config =
      `[email]\nsmtp_url = "smtp://127.0.0.1:${sink.port}"\nfrom = "accounts@tessera.test"\n` +
      '[auth]\nopen_signup = true\nstep_up_max_age = "1s"\n';
    await withTessera(t, { name: 'account', config }, (ctx) => scenario(t, ctx, sink, spool));
  } finally {
    await sink.stop();
    fs.rmSync(spool, { recursive: true, force: true });
  }
});
