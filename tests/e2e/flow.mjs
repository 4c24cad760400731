// The browser scenario, run against whatever serves the pages and /auth/* at `base` (the real
// `tessera serve` in login_flow.mjs).
//
// Three browser contexts (separate cookie jars, i.e. three devices), told apart on the
// account page by their user agents "tessera-e2e/A|B" and a real Firefox one for C (shown as
// "Firefox on Windows"). Steps run in order; after the first failure the rest are skipped
// (they would fail for the same reason).
//
// With `a11y`, the pages and states reached are also checked with axe, light and dark, and at
// 390 px wide (a11y.mjs): the login page showing an error, the account page with other
// sessions and an error, then with a status, and its step-up form.
import assert from 'node:assert/strict';

import { checkPage } from './a11y.mjs';
import { describePage, launchChromium, steps, watchPage } from './harness.mjs';

export const EXPECTED_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SESSION_COOKIE = '__Host-tessera_session';
const CSRF_COOKIE = '__Host-tessera_csrf';
const ACCESS_COOKIE = '__Host-tessera_access';
const REFRESH_COOKIE = '__Secure-tessera_refresh';

// Device C's User-Agent: what Firefox on Windows sends, with a tag to find its row by.
const FIREFOX_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0 ' +
  'tessera-e2e/C';

function cookieValue(header, name) {
  for (const part of (header || '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

// Runs the scenario as subtests of `t`. `email` must exist with `password`; it ends with
// `newPassword` as the password. `mode` is the server's web.mode ("session" or "jwt"): what
// the credential cookie is; `a11y` adds the accessibility checks. Resolves to whether every
// step passed.
export async function browserFlow(
  t,
  { base, email, password, newPassword, mode = 'session', a11y = false },
) {
  const credentialCookie = mode === 'jwt' ? ACCESS_COOKIE : SESSION_COOKIE;
  const browser = await launchChromium();
  const log = { cspViolations: [], scriptErrors: [] };
  const unsafeRequests = []; // {label, method, path, headers}
  const devices = [];
  // Where each browser stood, and what its page said: usually the server's problem.
  const { step, ok } = steps(t, async (st) => {
    for (const dev of devices) {
      st.diagnostic(`${dev.label} at ${await describePage(dev.page)}`);
    }
  });

  async function device(label, userAgent = `tessera-e2e/${label}`) {
    const context = await browser.newContext({ userAgent });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    watchPage(page, label, log);
    page.on('request', (req) => {
      if (req.method() === 'GET' || req.method() === 'HEAD') return;
      const entry = {
        label,
        method: req.method(),
        path: new URL(req.url()).pathname,
        headers: null,
      };
      unsafeRequests.push(entry);
      entry.ready = req.allHeaders().then(
        (h) => {
          entry.headers = h;
        },
        () => {},
      );
    });
    const dev = { label, context, page };
    devices.push(dev);
    return dev;
  }

  async function textOf(page, selector) {
    return (await page.textContent(selector)) ?? '';
  }

  async function waitForText(page, selector, expected) {
    await page.waitForFunction(
      ([sel, text]) => document.querySelector(sel)?.textContent === text,
      [selector, expected],
    );
  }

  async function waitForRows(page, n) {
    await page.waitForFunction(
      (count) => document.querySelectorAll('#sessions-body tr').length === count,
      n,
    );
  }

  async function rows(page) {
    return page.$$eval('#sessions-body tr', (trs) =>
      trs.map((tr) => ({
        id: tr.dataset.sessionId,
        current: tr.classList.contains('current'),
        cells: [...tr.cells].map((td) => td.textContent),
      })),
    );
  }

  async function login(dev, pw) {
    await dev.page.goto(`${base}/login`);
    await dev.page.fill('#email', email);
    await dev.page.fill('#password', pw);
    await Promise.all([dev.page.waitForURL(`${base}/account`), dev.page.click('#login-submit')]);
    await waitForText(dev.page, '#me-email', email);
  }

  async function loginFails(dev, pw) {
    await dev.page.goto(`${base}/login`);
    await dev.page.fill('#email', email);
    await dev.page.fill('#password', pw);
    await dev.page.click('#login-submit');
    await dev.page.waitForSelector('#login-error:not([hidden])');
    const shown = await textOf(dev.page, '#login-error');
    assert.equal(shown, 'The email or password is not correct.');
    assert.equal(new URL(dev.page.url()).pathname, '/login');
    return shown;
  }

  // Checks `dev`'s page as it stands with axe and at phone width (a11y.mjs), when asked to.
  async function accessible(st, dev, what) {
    if (!a11y) return;
    const started = Date.now();
    const lesser = await checkPage(dev.page, what);
    for (const line of lesser) st.diagnostic(`minor: ${line}`);
    st.diagnostic(`${what}: checked in ${Date.now() - started} ms`);
  }

  // Opens /account and expects the page to send this signed-out browser to /login.
  async function bouncedToLogin(dev) {
    await dev.page.goto(`${base}/account`);
    await dev.page.waitForURL(`${base}/login`);
    const status = await dev.page.evaluate(() =>
      fetch('/auth/me', { credentials: 'same-origin' }).then((r) => r.status),
    );
    assert.equal(status, 401, `${dev.label}: GET /auth/me after sign-out`);
  }

  try {
    const a = await device('A');
    const b = await device('B');
    const c = await device('C', FIREFOX_WINDOWS);

    await step(
      'GET / sends a signed-out browser to the login page, with strict headers',
      async () => {
        const res = await a.page.goto(`${base}/`);
        assert.equal(new URL(a.page.url()).pathname, '/login');
        const h = await res.allHeaders();
        assert.equal(h['content-security-policy'], EXPECTED_CSP);
        assert.equal(h['x-frame-options'], 'DENY');
        assert.equal(h['referrer-policy'], 'no-referrer');
        assert.equal(h['x-content-type-options'], 'nosniff');
        assert.match(h['content-type'], /^text\/html/);
        for (const asset of ['/static/app.js', '/static/app.css']) {
          const r = await a.page.request.get(`${base}${asset}`);
          assert.equal(r.status(), 200, asset);
        }
      },
    );

    await step('a wrong password is refused on the page, showing the problem', async () => {
      const shown = await loginFails(a, `${password}-wrong`);
      t.diagnostic(`login error shown: ${shown}`);
      const jar = await a.context.cookies(base);
      assert.equal(
        jar.find((k) => k.name === SESSION_COOKIE),
        undefined,
        'no session cookie',
      );
    });

    if (a11y) {
      const limited = 'too many failures: "Too many attempts. Try again in N minutes."';
      await step(limited, async (st) => {
        // Another address's failures: the user's own limit stays untouched.
        const other = { email: 'nobody@example.com', password: 'not the password' };
        const attempt = () =>
          a.page.evaluate(
            (body) =>
              fetch('/auth/login', {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify(body),
              }).then((r) => r.status),
            other,
          );
        let status = 401;
        for (let i = 0; i < 10 && status === 401; i++) status = await attempt();
        assert.equal(status, 429, 'the login limit was reached');
        await a.page.fill('#email', other.email);
        await a.page.fill('#password', other.password);
        await a.page.click('#login-submit');
        await a.page.waitForFunction(() => {
          const el = document.querySelector('#login-error');
          return !el.hidden && el.textContent.startsWith('Too many');
        });
        const shown = await textOf(a.page, '#login-error');
        assert.match(
          shown,
          /^Too many attempts\. Try again in (\d+ minutes?|\d+ seconds|a few seconds)\.$/,
        );
        await accessible(st, a, 'the login page showing an error');
      });
    }

    await step('logs in through the page and sees the account page', async () => {
      await login(a, password);
      await waitForRows(a.page, 1);
      const [only] = await rows(a.page);
      assert.equal(only.current, true);
      assert.equal(only.cells[0], 'tessera-e2e/A');
      // GET / now leads to the account page.
      await a.page.goto(`${base}/`);
      await a.page.waitForURL(`${base}/account`);
      await waitForText(a.page, '#me-email', email);
    });

    await step(
      `document.cookie holds the CSRF cookie but cannot read the ${mode} credential`,
      async () => {
        const visible = await a.page.evaluate(() => document.cookie);
        assert.ok(cookieValue(visible, CSRF_COOKIE), `CSRF cookie readable: ${visible}`);
        for (const hidden of [SESSION_COOKIE, ACCESS_COOKIE, REFRESH_COOKIE]) {
          assert.ok(!visible.includes(hidden), `${hidden} hidden: ${visible}`);
        }
        const jar = await a.context.cookies(base);
        const credential = jar.find((k) => k.name === credentialCookie);
        const csrf = jar.find((k) => k.name === CSRF_COOKIE);
        assert.ok(credential, `the browser holds ${credentialCookie}`);
        assert.ok(csrf, 'the browser holds a CSRF cookie');
        for (const k of [credential, csrf]) {
          assert.equal(k.secure, true, `${k.name} Secure`);
          assert.equal(k.path, '/', `${k.name} Path=/`);
          assert.ok(!k.domain.startsWith('.'), `${k.name} host-only (no Domain)`);
          assert.ok(['Lax', 'Strict'].includes(k.sameSite), `${k.name} SameSite=${k.sameSite}`);
        }
        assert.equal(credential.httpOnly, true, `${credentialCookie} HttpOnly`);
        assert.equal(csrf.httpOnly, false, 'CSRF cookie readable by the page');
        if (mode === 'session') {
          assert.ok(credential.value.length >= 43, 'session id carries >= 256 bits');
          return;
        }
        assert.equal(credential.value.split('.').length, 3, 'the access cookie holds a JWS');
        assert.equal(
          jar.find((k) => k.name === SESSION_COOKIE),
          undefined,
          'no session cookie',
        );
        // The refresh cookie: the browser keeps it, for /auth/refresh only, SameSite=Strict.
        const refresh = (await a.context.cookies(`${base}/auth/refresh`)).find(
          (k) => k.name === REFRESH_COOKIE,
        );
        assert.ok(refresh, 'the browser holds the refresh cookie');
        assert.equal(refresh.path, '/auth/refresh');
        assert.equal(refresh.sameSite, 'Strict');
        assert.equal(refresh.httpOnly, true);
        assert.equal(refresh.secure, true);
      },
    );

    if (mode === 'jwt') {
      await step('an expired access cookie is renewed from the refresh cookie', async () => {
        // The browser drops the access cookie at its Max-Age; do what it would do.
        const before = (await a.context.cookies(base)).find((k) => k.name === ACCESS_COOKIE);
        await a.context.clearCookies({ name: ACCESS_COOKIE });
        // /account without it: the server sends the browser to /login, whose script refreshes
        // and comes back, signed in, without a password.
        await a.page.goto(`${base}/account`);
        await a.page.waitForURL(`${base}/account`);
        await waitForText(a.page, '#me-email', email);
        const after = (await a.context.cookies(base)).find((k) => k.name === ACCESS_COOKIE);
        assert.ok(after && after.value !== before.value, 'a new access cookie');
        // And an API call made while it is missing is retried after a refresh.
        await a.context.clearCookies({ name: ACCESS_COOKIE });
        await a.page.reload();
        await a.page.waitForURL(`${base}/account`);
        await waitForRows(a.page, 1);
      });
    }

    await step("revokes a second browser's session from the account page", async (st) => {
      await login(b, password);
      await a.page.reload();
      await waitForRows(a.page, 2);
      const listed = await rows(a.page);
      const other = listed.find((r) => r.cells[0] === 'tessera-e2e/B');
      assert.ok(other, `B's session is listed: ${JSON.stringify(listed)}`);
      assert.equal(other.current, false);
      assert.equal(listed.filter((r) => r.current).length, 1);
      // The button says which session it ends (its accessible name).
      await a.page
        .getByRole('button', {
          name: /^Sign out tessera-e2e\/B, last seen \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
        })
        .click();
      await waitForRows(a.page, 1);
      await a.page.waitForSelector('#account-status:not([hidden])');
      assert.equal(await textOf(a.page, '#account-status'), 'Session signed out.');
      await accessible(st, a, 'the account page showing a status');
      await bouncedToLogin(b);
      // A is still signed in.
      await a.page.reload();
      await waitForText(a.page, '#me-email', email);
    });

    const wrongCurrent = 'a wrong current password is told as such; C reads "Firefox on Windows"';
    await step(wrongCurrent, async (st) => {
      await login(c, password);
      await a.page.reload();
      await waitForRows(a.page, 2);
      const row = a.page.locator('#sessions-body tr').filter({ hasText: 'Firefox on Windows' });
      assert.equal(await row.count(), 1, JSON.stringify(await rows(a.page)));
      assert.equal(await row.locator('td').first().getAttribute('title'), FIREFOX_WINDOWS);
      const signOutC = a.page.getByRole('button', {
        name: /^Sign out Firefox on Windows, last seen \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
      });
      assert.equal(await signOutC.count(), 1, "C's sign-out button names its session");
      await a.page.fill('#current-password', `${password}-wrong`);
      await a.page.fill('#new-password', newPassword);
      await a.page.fill('#confirm-password', newPassword);
      await a.page.click('#password-submit');
      await a.page.waitForSelector('#account-error:not([hidden])');
      const told = await textOf(a.page, '#account-error');
      assert.equal(told, 'Your current password is not correct.');
      if (a11y) {
        // With the step-up form too, as account.js askForPassword shows it to a TOTP user
        // (a real step-up needs a sign-in older than auth.step_up_max_age, 10 minutes).
        const reveal = (hidden) =>
          a.page.evaluate(
            ([ids, h]) => {
              for (const id of ids) document.getElementById(id).hidden = h;
            },
            [['step-up', 'step-up-code-label', 'step-up-code'], hidden],
          );
        await reveal(false);
        await accessible(st, a, 'the account page: two sessions, an error, the step-up form');
        await reveal(true);
      }
    });

    await step('changing the password signs out every other session', async () => {
      await a.page.reload();
      await waitForRows(a.page, 2);
      await a.page.fill('#current-password', password);
      await a.page.fill('#new-password', newPassword);
      await a.page.fill('#confirm-password', newPassword);
      await a.page.click('#password-submit');
      await a.page.waitForSelector('#account-status:not([hidden])');
      assert.match(await textOf(a.page, '#account-status'), /^Password changed/);
      await waitForRows(a.page, 1);
      await bouncedToLogin(c);
      await a.page.reload();
      await waitForText(a.page, '#me-email', email);
      await loginFails(c, password);
      await login(c, newPassword);
    });

    await step('"Log out everywhere" ends every session', async () => {
      await a.page.reload();
      await waitForRows(a.page, 2);
      await Promise.all([a.page.waitForURL(`${base}/login`), a.page.click('#logout-all')]);
      await bouncedToLogin(a);
      await bouncedToLogin(c);
    });

    await step('"Log out" ends the session and drops the cookie', async () => {
      await login(a, newPassword);
      await Promise.all([a.page.waitForURL(`${base}/login`), a.page.click('#logout')]);
      await bouncedToLogin(a);
      const jar = await a.context.cookies(`${base}/auth/refresh`);
      for (const name of [SESSION_COOKIE, ACCESS_COOKIE, REFRESH_COOKIE, CSRF_COOKIE]) {
        const k = jar.find((c) => c.name === name);
        assert.ok(!k || k.value === '', `${name} is cleared`);
      }
      await a.page.goto(`${base}/`);
      assert.equal(new URL(a.page.url()).pathname, '/login');
    });

    await step(
      'every unsafe request carried Origin and the CSRF token, and no Referer',
      async () => {
        await Promise.all(unsafeRequests.map((r) => r.ready));
        const api = unsafeRequests.filter((r) => r.path.startsWith('/auth/'));
        const methods = new Set(
          api.map((r) => `${r.method} ${r.path.replace(/\/sessions\/.*/, '/sessions/{id}')}`),
        );
        for (const want of [
          'POST /auth/login',
          'DELETE /auth/sessions/{id}',
          'POST /auth/password',
          'POST /auth/logout-all',
          'POST /auth/logout',
        ]) {
          assert.ok(methods.has(want), `saw ${want}: ${[...methods].join(', ')}`);
        }
        for (const r of api) {
          const what = `${r.label} ${r.method} ${r.path}`;
          assert.ok(r.headers, `${what}: headers recorded`);
          assert.equal(r.headers.origin, base, `${what}: Origin`);
          assert.equal(r.headers.referer, undefined, `${what}: no Referer`);
          if (r.path === '/auth/login') continue; // not cookie-authenticated
          const token = r.headers['x-csrf-token'];
          assert.ok(token, `${what}: X-CSRF-Token`);
          const cookie = cookieValue(r.headers.cookie, CSRF_COOKIE);
          if (cookie !== undefined) assert.equal(token, cookie, `${what}: token = CSRF cookie`);
        }
      },
    );

    await step('no Content-Security-Policy violations and no script errors', async () => {
      assert.deepEqual(log.cspViolations, []);
      assert.deepEqual(log.scriptErrors, []);
    });
  } finally {
    await browser.close();
  }
  return ok();
}
