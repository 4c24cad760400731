// Second factors in headless Chromium against the real server (issue 17): passkeys made and
// used through the pages with Chromium's virtual authenticator (DevTools WebAuthn domain), and
// an authenticator app (TOTP) enrolled from the account page, its codes computed here.
//
//   TOTP: a user whose role must have a second factor (auth.require_mfa_roles) is led to the
//     enrolment; QR code and key, a code computed from the key shown, 10 recovery codes shown
//     once and downloaded; log out; the password then asks for a code: the code used at
//     enrolment is refused (one use per 30 s step), the next step's code signs in with amr
//     otp + mfa; a recovery code signs in once;
//   passkeys: sign in with the password, "Add a passkey" on the account page, rename it, log
//     out, "Sign in with a passkey" (no email, no password) lands signed in with amr hwk/swk;
//     once more through the page's own base64url conversions (the browser's Level 3 JSON
//     methods removed); the password then asks for it as the second factor; remove it;
//   no page logged a CSP violation or a script error;
//   accessibility (a11y.mjs: axe, light and dark, 390 px wide) of each state reached: the
//     enrolment demanded, the authenticator app's setup, the recovery codes, the login's
//     second step (a code refused; a passkey), the passkeys table and its rename form, the
//     login page offering a passkey.
//
// WebAuthn needs a secure context and a domain name as relying party id (never an IP
// address): the browser opens the pages on http://localhost:PORT, which the server allows
// beside http://127.0.0.1:PORT, and webauthn.rp_id defaults to "localhost" from it.
//
//   TESSERA_BINARY=build/release/tessera node --test tests/e2e/mfa_flow.mjs
//
// Needs what login_flow.mjs needs, plus the /auth/mfa*, /auth/login/mfa and /auth/passkeys*
// endpoints.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { test } from 'node:test';

import { checkPage } from './a11y.mjs';
import {
  addUser,
  describePage,
  launchChromium,
  steps,
  watchPage,
  withTessera,
} from './harness.mjs';

const PASSWORD = 'correct horse battery staple';
const PASSKEY_USER = 'passkey-user@example.com';
const TOTP_USER = 'totp-user@example.com'; // role "staff": must have a second factor
const CONFIG = '[auth]\nrequire_mfa_roles = ["staff"]\n';
const RECOVERY_CODE = /^[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}$/;

// RFC 4648 base32 -> bytes.
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${text}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

// RFC 6238 (SHA-1, 6 digits, 30 s): the code of time step `step` (RFC 4226 section 5.3).
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const at = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(at) & 0x7fffffff) % 1e6).padStart(6, '0');
}

const currentStep = () => Math.floor(Date.now() / 30000);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function scenario(t, { binary, server, dataDir }) {
  const base = server.url.replace('://127.0.0.1:', '://localhost:');
  await addUser(binary, dataDir, PASSKEY_USER, PASSWORD, ['user']);
  await addUser(binary, dataDir, TOTP_USER, PASSWORD, ['staff']);
  const browser = await launchChromium();
  const log = { cspViolations: [], scriptErrors: [] };
  let page;
  const { step, ok } = steps(t, async (st) => {
    if (!page) return;
    st.diagnostic(`the browser is at ${await describePage(page)}`);
    for (const line of [...log.cspViolations, ...log.scriptErrors]) st.diagnostic(line);
  });

  async function newPage(label) {
    const context = await browser.newContext({ userAgent: `tessera-e2e/${label}` });
    const p = await context.newPage();
    p.setDefaultTimeout(15000);
    watchPage(p, label, log);
    return p;
  }

  // GET /auth/me from the page (its cookies): the session's auth_time, amr, acr.
  async function session() {
    const body = await page.evaluate(() =>
      fetch('/auth/me', { credentials: 'same-origin' }).then((r) => r.json()),
    );
    return body.session;
  }

  async function text(selector) {
    return (await page.textContent(selector)) ?? '';
  }

  // The page as it stands, checked for accessibility (a11y.mjs).
  async function accessible(st, what) {
    const started = Date.now();
    for (const line of await checkPage(page, what)) st.diagnostic(`minor: ${line}`);
    st.diagnostic(`${what}: checked in ${Date.now() - started} ms`);
  }

  async function waitForCount(selector, n) {
    await page.waitForFunction(
      ([sel, count]) => document.querySelectorAll(sel).length === count,
      [selector, n],
    );
  }

  async function statusShows(expected) {
    await page.waitForFunction(
      (want) => {
        const el = document.querySelector('#account-status');
        return !el.hidden && el.textContent.startsWith(want);
      },
      expected,
    );
  }

  // The login page's first step with the password; resolves once the click is made.
  async function enterPassword(email) {
    await page.goto(`${base}/login`);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.click('#login-submit');
  }

  async function onAccountPage(email) {
    await page.waitForURL(`${base}/account`);
    await page.waitForFunction(
      (want) => document.querySelector('#me-email')?.textContent === want,
      email,
    );
  }

  async function logOut() {
    await Promise.all([page.waitForURL(`${base}/login`), page.click('#logout')]);
  }

  // The second step's prompt after a password: enter `code` (as `mode`), submit.
  async function enterCode(code, mode = 'totp') {
    await page.waitForSelector('#mfa-form', { state: 'visible' });
    if (mode === 'recovery_code') {
      await page.click('#mfa-switch');
      await page.waitForFunction(
        () => document.querySelector('#mfa-code-label').textContent === 'Recovery code',
      );
    }
    await page.fill('#mfa-code', code);
    await page.click('#mfa-submit');
  }

  // The login page shows `message` and stays on the second step.
  async function codeRefused(message) {
    await page.waitForSelector('#login-error:not([hidden])');
    assert.equal(await text('#login-error'), message);
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.isVisible('#mfa-form'), true, 'still asking for a code');
  }

  try {
    // ---- authenticator app ----
    page = await newPage('totp');
    let secret = '';
    let enrolledStep = 0; // the time step of the code used to confirm
    let recoveryCodes = [];

    await step('a user whose role needs a second factor is led to the enrolment', async (st) => {
      await enterPassword(TOTP_USER);
      await onAccountPage(TOTP_USER);
      await page.waitForSelector('#mfa-required', { state: 'visible' });
      assert.equal(await page.isVisible('#totp-enable'), true);
      assert.equal(await page.isVisible('#account-error'), false, 'no other error shown');
      await accessible(st, 'the account page demanding a second factor');
    });

    await step('TOTP: QR code and key, a code from the key turns it on', async (st) => {
      await page.click('#totp-enable');
      await page.waitForSelector('#totp-enroll', { state: 'visible' });
      await accessible(st, "the authenticator app's setup");
      secret = (await text('#totp-secret')).replace(/\s/g, '');
      assert.match(secret, /^[A-Z2-7]{32}$/, 'a 160-bit base32 key');
      assert.equal(await page.locator('#totp-qr svg path').count(), 1, 'the QR code is drawn');
      const href = await page.getAttribute('#totp-link', 'href');
      assert.match(href, /^otpauth:\/\/totp\//);
      assert.equal(new URL(href).searchParams.get('secret'), secret);
      enrolledStep = currentStep();
      await page.fill('#totp-code', totp(secret, enrolledStep));
      await page.click('#totp-confirm');
      await page.waitForSelector('#recovery-codes', { state: 'visible' });
      await statusShows('The authenticator app is on.');
      assert.match(await text('#totp-status'), /^on/);
      assert.equal(await page.isVisible('#mfa-required'), false, 'the requirement is met');
      // What auth.require_mfa_roles held back loads now: this (renewed) session.
      await page.waitForFunction(
        () => document.querySelector('#session-count').textContent === '1',
      );
    });

    await step('TOTP: 10 recovery codes, downloaded, then gone from the page', async (st) => {
      await accessible(st, 'the recovery codes, shown once');
      recoveryCodes = await page.locator('#recovery-list li').allTextContents();
      assert.equal(recoveryCodes.length, 10);
      assert.equal(new Set(recoveryCodes).size, 10, 'distinct');
      for (const c of recoveryCodes) assert.match(c, RECOVERY_CODE);
      assert.equal(await text('#recovery-remaining'), '10');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('#recovery-download'),
      ]);
      assert.equal(download.suggestedFilename(), 'tessera-recovery-codes.txt');
      const saved = fs.readFileSync(await download.path(), 'utf8');
      for (const c of recoveryCodes) assert.ok(saved.includes(`${c}\n`), `${c} in the file`);
      await page.click('#recovery-done');
      assert.equal(await page.isVisible('#recovery-codes'), false);
      assert.equal(await page.locator('#recovery-list li').count(), 0);
      await page.reload();
      await page.waitForFunction(() => document.querySelector('#recovery-remaining').textContent);
      assert.equal(await page.isVisible('#recovery-codes'), false, 'shown once');
    });

    await step('TOTP: the password asks for a code; the enrolment code is refused', async (st) => {
      await logOut();
      await enterPassword(TOTP_USER);
      await page.waitForSelector('#mfa-form', { state: 'visible' });
      assert.equal(await page.isVisible('#login-form'), false);
      assert.equal(await page.getAttribute('#mfa-code', 'autocomplete'), 'one-time-code');
      assert.equal(await page.getAttribute('#mfa-code', 'inputmode'), 'numeric');
      assert.equal(await page.isVisible('#mfa-switch'), true, 'recovery codes offered');
      assert.equal(await page.isVisible('#mfa-passkey'), false, 'no passkey to offer');
      await enterCode(totp(secret, enrolledStep));
      await codeRefused('That code is not correct. Check your authenticator app and try again.');
      await accessible(st, "the login's second step, a code refused");
    });

    await step('TOTP: the next step\'s code signs in; amr holds otp and mfa', async () => {
      const wait = (enrolledStep + 1) * 30000 - Date.now();
      if (wait > 0) {
        t.diagnostic(`waiting ${Math.ceil(wait / 1000)} s for the next 30 s step`);
        await sleep(wait + 250);
      }
      await page.fill('#mfa-code', totp(secret, currentStep()));
      await page.click('#mfa-submit');
      await onAccountPage(TOTP_USER);
      const s = await session();
      for (const m of ['pwd', 'otp', 'mfa']) {
        assert.ok(s.amr.includes(m), `amr ${JSON.stringify(s.amr)} holds ${m}`);
      }
      assert.equal(s.acr, 'aal2');
    });

    await step('a recovery code signs in once', async () => {
      await logOut();
      await enterPassword(TOTP_USER);
      await enterCode(recoveryCodes[0].toUpperCase(), 'recovery_code');
      await onAccountPage(TOTP_USER);
      await page.waitForFunction(
        () => document.querySelector('#recovery-remaining').textContent === '9',
      );
      await logOut();
      await enterPassword(TOTP_USER);
      await enterCode(recoveryCodes[0], 'recovery_code');
      await codeRefused('That recovery code is not correct, or it was already used.');
    });

    // ---- passkeys ----
    await page.context().close();
    page = await newPage('passkey');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    const passkeyRows = '#passkeys-body tr';
    let cellsName = ''; // the name the server gave the passkey

    await step('passkey: added from the account page', async (st) => {
      await enterPassword(PASSKEY_USER);
      await onAccountPage(PASSKEY_USER);
      await waitForCount(passkeyRows, 0);
      assert.equal(await page.isVisible('#passkey-add'), true);
      await page.click('#passkey-add');
      await statusShows('Passkey added.');
      await waitForCount(passkeyRows, 1);
      assert.equal(await text('#passkey-count'), '1');
      const cells = await page.locator(passkeyRows).locator('td').allTextContents();
      assert.ok(cells[0].length > 0, 'a name');
      cellsName = cells[0];
      assert.match(cells[1], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/, 'when it was added');
      assert.equal(cells[2], 'Never', 'not used yet');
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.equal(credentials.length, 1, 'the authenticator holds one credential');
      assert.equal(credentials[0].isResidentCredential, true, 'a discoverable credential');
      await accessible(st, 'the account page with a passkey');
    });

    await step('passkey: renamed', async (st) => {
      // Its buttons say which passkey they act on.
      await page.getByRole('button', { name: `Rename passkey ${cellsName}` }).click();
      await page.waitForSelector('#passkeys-body input[name="name"]');
      await accessible(st, "a passkey's rename form");
      await page.fill('#passkeys-body input[name="name"]', 'Work laptop');
      await page.locator(passkeyRows).locator('button', { hasText: 'Save' }).click();
      await statusShows('Passkey renamed.');
      await page.waitForFunction(
        () => document.querySelector('#passkeys-body td')?.textContent === 'Work laptop',
      );
      await page.reload();
      await page.waitForFunction(
        () => document.querySelector('#passkeys-body td')?.textContent === 'Work laptop',
      );
    });

    // Logs out and signs in with "Sign in with a passkey"; checks the session's methods.
    async function passkeySignIn(prepare = async () => {}, st = null) {
      await logOut();
      await page.waitForSelector('#passkey-login-button', { state: 'visible' });
      if (st) await accessible(st, 'the login page offering a passkey');
      await prepare();
      await page.click('#passkey-login-button');
      await onAccountPage(PASSKEY_USER);
      const s = await session();
      assert.ok(
        s.amr.includes('hwk') || s.amr.includes('swk'),
        `amr ${JSON.stringify(s.amr)} holds hwk or swk`,
      );
      assert.ok(!s.amr.includes('pwd'), `no password: amr ${JSON.stringify(s.amr)}`);
      return s;
    }

    await step('passkey: "Sign in with a passkey" after logging out', async (st) => {
      const s = await passkeySignIn(undefined, st);
      t.diagnostic(`passkey sign-in: amr ${JSON.stringify(s.amr)}, acr ${s.acr}`);
      await waitForCount(passkeyRows, 1);
      await page.waitForFunction(
        () => document.querySelectorAll('#passkeys-body td')[2]?.textContent !== 'Never',
      );
    });

    await step('passkey: signs in without the browser\'s WebAuthn JSON methods too', async () => {
      await passkeySignIn(() =>
        page.evaluate(() => {
          const PKC = PublicKeyCredential;
          delete PKC.parseRequestOptionsFromJSON;
          delete PKC.prototype.toJSON;
          if (PKC.parseRequestOptionsFromJSON || PKC.prototype.toJSON) {
            throw new Error('could not remove the JSON methods');
          }
        }),
      );
    });

    await step('passkey: the second factor after the password', async (st) => {
      await logOut();
      await enterPassword(PASSKEY_USER);
      await page.waitForSelector('#mfa-form', { state: 'visible' });
      // A passkey is this account's only second factor: offered first, no code to type.
      assert.equal(await page.isVisible('#mfa-code'), false);
      await accessible(st, "the login's second step, a passkey");
      await page.click('#mfa-passkey');
      await onAccountPage(PASSKEY_USER);
      const s = await session();
      assert.ok(s.amr.includes('pwd'), `amr ${JSON.stringify(s.amr)} holds pwd`);
      assert.ok(
        s.amr.includes('hwk') || s.amr.includes('swk'),
        `amr ${JSON.stringify(s.amr)} holds hwk or swk`,
      );
      assert.ok(s.amr.includes('mfa'), `amr ${JSON.stringify(s.amr)} holds mfa`);
    });

    await step('passkey: removed', async () => {
      await page.getByRole('button', { name: 'Remove passkey Work laptop' }).click();
      await statusShows('Passkey removed.');
      await waitForCount(passkeyRows, 0);
      assert.equal(await text('#passkey-count'), '0');
    });

    await step('no Content-Security-Policy violations and no script errors', async () => {
      assert.deepEqual(log.cspViolations, []);
      assert.deepEqual(log.scriptErrors, []);
    });
  } finally {
    await browser.close();
  }
  return ok();
}

test(
  'second factors in Chromium: passkeys, an authenticator app, recovery codes',
  { timeout: 240000 },
  (t) => withTessera(t, { name: 'mfa', config: CONFIG }, (ctx) => scenario(t, ctx)),
);
