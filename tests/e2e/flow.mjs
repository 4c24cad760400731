// The browser scenario, run against whatever serves the pages and /auth/* at `base` (the real
// `tessera serve` in login_flow.mjs).
//
// Three browser contexts (separate cookie jars, i.e. three devices), told apart on the
// account page by their user agents "tessera-e2e/A|B|C". Steps run in order; after the first
// failure the rest are skipped (they would fail for the same reason).
import assert from 'node:assert/strict';

import { launchChromium, steps, watchPage } from './harness.mjs';

export const EXPECTED_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SESSION_COOKIE = '__Host-tessera_session';
const CSRF_COOKIE = '__Host-tessera_csrf';
const ACCESS_COOKIE = '__Host-tessera_access';
const REFRESH_COOKIE = '__Secure-tessera_refresh';

function cookieValue(header, name) {
  for (const part of (header || '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

// Runs the scenario as subtests of `t`. `email` must exist with `password`; it ends with
// `newPassword` as the password. `mode` is the server's web.mode ("session" or "jwt"): what
// the credential cookie is. Resolves to whether every step passed.
export async function browserFlow(t, { base, email, password, newPassword, mode = 'session' }) {
  const credentialCookie = mode === 'jwt' ? ACCESS_COOKIE : SESSION_COOKIE;
  const browser = await launchChromium();
  const log = { cspViolations: [], scriptErrors: [] };
  const unsafeRequests = []; // {label, method, path, headers}
  const devices = [];
  // Where each browser stood, and what its page said: usually the server's problem.
  const { step, ok } = steps(t, async (st) => {
    for (const dev of devices) {
      const said = await dev.page
        .$$eval('.error:not([hidden]), .status:not([hidden])', (els) =>
          els.map((e) => e.textContent).join(' | '),
        )
        .catch(() => '');
      st.diagnostic(`${dev.label} at ${dev.page.url()}${said ? `, showing: ${said}` : ''}`);
    }
  });

  async function device(label) {
    const context = await browser.newContext({ userAgent: `tessera-e2e/${label}` });
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
    assert.ok(shown.length > 0, 'the problem title/detail is shown');
    assert.equal(new URL(dev.page.url()).pathname, '/login');
    return shown;
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
    const c = await device('C');

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

    await step('logs in through the page and sees the account page', async () => {
      await login(a, password);
      await waitForRows(a.page, 1);
      const [only] = await rows(a.page);
      assert.equal(only.current, true);
      assert.equal(only.cells[3], 'tessera-e2e/A');
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

    await step("revokes a second browser's session from the account page", async () => {
      await login(b, password);
      await a.page.reload();
      await waitForRows(a.page, 2);
      const listed = await rows(a.page);
      const other = listed.find((r) => r.cells[3] === 'tessera-e2e/B');
      assert.ok(other, `B's session is listed: ${JSON.stringify(listed)}`);
      assert.equal(other.current, false);
      assert.equal(listed.filter((r) => r.current).length, 1);
      await a.page
        .locator('#sessions-body tr')
        .filter({ hasText: 'tessera-e2e/B' })
        .locator('button.revoke')
        .click();
      await waitForRows(a.page, 1);
      await a.page.waitForSelector('#account-status:not([hidden])');
      assert.equal(await textOf(a.page, '#account-status'), 'Session revoked.');
      await bouncedToLogin(b);
      // A is still signed in.
      await a.page.reload();
      await waitForText(a.page, '#me-email', email);
    });

    await step('changing the password signs out every other session', async () => {
      await login(c, password);
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
