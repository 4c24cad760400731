// OAuth 2.0 / OpenID Connect in headless Chromium against the real server (issue 16): a small
// third-party app on loopback (sample_app.mjs, a public client with PKCE S256) starts the
// authorization code flow, the user signs in and consents on Tessera's own pages, and the app
// gets the code back and exchanges it for tokens.
//
//   1. sign in from the app: Tessera's /login, then its consent page ("Sample app", the
//      scopes, a CSP whose form-action lets the answer reach the app), Allow, back at the
//      app with the user's email from a verified ID token;
//   2. again in the same browser: the consent is remembered, straight back with a code;
//   3. the account page's "Connected apps" lists the app; Disconnect forgets it and ends the
//      app's refresh tokens;
//   4. again: the consent page is back; Deny sends the app error=access_denied; one more run
//      asks again, and Allow signs in;
//   5. a request naming no known client gets the error page; /oauth2/logout asks "Sign out?"
//      and, confirmed without a redirect, shows the signed-out page;
//   6. no page logged a CSP violation or a script error.
// Every Tessera page reached (consent, account with a connected app, error, sign-out
// question, signed out) is checked for accessibility: a11y.mjs (axe, light and dark, 390 px).
//
//   TESSERA_BINARY=build/release/tessera node --test tests/e2e/oauth_flow.mjs
//
// Needs what login_flow.mjs needs, plus `tessera client add` and the /oauth2/* endpoints.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { checkPage } from './a11y.mjs';
import { EXPECTED_CSP } from './flow.mjs';
import {
  addClient,
  addUser,
  describePage,
  launchChromium,
  steps,
  watchPage,
  withTessera,
} from './harness.mjs';
import { startSampleApp } from './sample_app.mjs';

const EMAIL = 'oauth-user@example.com';
const PASSWORD = 'correct horse battery staple';

// The directives of a Content-Security-Policy header: name -> [sources].
function cspDirectives(header) {
  const out = new Map();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), sources);
  }
  return out;
}

async function scenario(t, { binary, server, dataDir }) {
  const base = server.url;
  await addUser(binary, dataDir, EMAIL, PASSWORD, ['user']);
  // Registered without a port: the app's loopback listener may use any (RFC 8252 section 7.3).
  const client = await addClient(binary, dataDir, [
    ...['--name', 'Sample app', '--type', 'public'],
    ...['--redirect-uri', 'http://127.0.0.1/callback'],
    ...['--scope', 'openid', '--scope', 'email'],
    ...['--grant', 'authorization_code', '--grant', 'refresh_token'],
  ]);
  t.diagnostic(`client ${client.client_id}`);
  const app = await startSampleApp({ issuer: base, clientId: client.client_id });
  t.diagnostic(`sample app at ${app.origin}`);
  const browser = await launchChromium();
  const log = { cspViolations: [], scriptErrors: [] };
  const documents = []; // {url, status, headers} of every top-level document the browser got
  let page;
  const { step, ok } = steps(t, async (st) => {
    if (!page) return;
    st.diagnostic(
      `the browser is at ${await describePage(page, '#status, #problem, #error, .error:not([hidden])')}`,
    );
    st.diagnostic(`the app's callbacks: ${JSON.stringify(app.callbacks.map(summary))}`);
    const recent = documents.slice(-6).map((d) => `${d.status} ${d.url}`);
    st.diagnostic(`the last documents: ${recent.join(', ')}`);
    for (const line of [...log.cspViolations, ...log.scriptErrors]) st.diagnostic(line);
  });

  // The page as it stands, checked for accessibility (a11y.mjs).
  async function accessible(st, what) {
    const started = Date.now();
    for (const line of await checkPage(page, what)) st.diagnostic(`minor: ${line}`);
    st.diagnostic(`${what}: checked in ${Date.now() - started} ms`);
  }

  // A callback record without the tokens themselves.
  function summary(c) {
    return c.tokens ? { scope: c.tokens.scope, email: c.claims.email } : c;
  }

  // Documents fetched since `mark` (an index into `documents`).
  const since = (mark) => documents.slice(mark);
  const pathOf = (url) => {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  };

  // Opens the app and follows "Sign in with Tessera" until the browser is on `until`'s page.
  async function startSignIn(until) {
    const mark = documents.length;
    await page.goto(`${app.origin}/`);
    await Promise.all([page.waitForURL(until), page.click('#signin')]);
    return mark;
  }

  // Expects the consent page, now showing, for "Sample app" and the scopes; checks its CSP.
  async function consentPageShown(mark) {
    assert.equal(pathOf(page.url()), `${base}/oauth2/authorize`);
    assert.equal(await page.textContent('#consent-client'), 'Sample app');
    assert.equal(await page.textContent('#consent-scope'), 'openid email');
    assert.equal(await page.textContent('#consent-user'), EMAIL);
    const doc = since(mark).findLast((d) => pathOf(d.url) === `${base}/oauth2/authorize`);
    assert.ok(doc, 'the consent page came from /oauth2/authorize');
    assert.equal(doc.status, 200);
    await doc.ready;
    assert.ok(doc.headers, 'the consent page\'s headers were recorded');
    const csp = doc.headers['content-security-policy'];
    const directives = cspDirectives(csp);
    const formAction = directives.get('form-action') ?? [];
    assert.ok(formAction.includes("'self'"), `form-action has 'self': ${csp}`);
    assert.ok(formAction.includes(app.origin), `form-action allows ${app.origin}: ${csp}`);
    // Everything else is the pages' usual policy.
    const usual = cspDirectives(EXPECTED_CSP);
    for (const [name, sources] of usual) {
      if (name === 'form-action') continue;
      assert.deepEqual(directives.get(name), sources, `${name}: ${csp}`);
    }
    assert.deepEqual([...directives.keys()].sort(), [...usual.keys()].sort());
    assert.equal(doc.headers['cache-control'], 'no-store');
    assert.equal(doc.headers['x-frame-options'], 'DENY');
  }

  // Clicks Allow or Deny (`button`) on the consent page: the form's POST must be answered with
  // a redirect to the app, which the browser follows to its callback.
  async function answerConsent(button) {
    const [res] = await Promise.all([
      page.waitForResponse(
        (r) => r.url() === `${base}/oauth2/consent` && r.request().method() === 'POST',
      ),
      page.click(button),
    ]);
    const sent = await res.request().allHeaders();
    const body = res.status() === 303 ? '' : await res.text().catch(() => '');
    assert.equal(
      res.status(),
      303,
      `POST /oauth2/consent (the browser sent Origin: ${sent.origin}, Referer: ${sent.referer}) ` +
        `answered ${res.status()} ${body}`,
    );
    assert.equal(pathOf(res.headers().location), `${app.origin}/callback`);
    await page.waitForURL(`${app.origin}/callback?**`);
  }

  // Expects the app's callback page signed in as EMAIL; resolves to the app's record of it.
  async function signedInAtApp() {
    await page.waitForURL(`${app.origin}/callback?**`);
    assert.equal(await page.textContent('#status'), 'signed in');
    assert.equal(await page.textContent('#email'), EMAIL);
    assert.equal(await page.textContent('#scope'), 'openid email');
    const last = app.callbacks.at(-1);
    assert.ok(last.tokens, `the app got tokens: ${JSON.stringify(summary(last))}`);
    assert.equal(last.claims.email, EMAIL);
    assert.ok(last.tokens.refresh_token, 'a refresh token (the client has the grant)');
    const q = new URL(page.url()).searchParams;
    assert.equal(q.get('iss'), base, 'iss on the redirect (RFC 9207)');
    return last;
  }

  // The app's refresh-token grant, from node: {status, body}.
  async function refresh(token) {
    const res = await fetch(`${base}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: client.client_id,
      }),
    });
    return { status: res.status, body: await res.json() };
  }

  try {
    const context = await browser.newContext({ userAgent: 'tessera-e2e/oauth' });
    page = await context.newPage();
    page.setDefaultTimeout(15000);
    watchPage(page, 'oauth', log);
    page.on('response', (res) => {
      if (res.request().resourceType() !== 'document' || res.frame() !== page.mainFrame()) return;
      const entry = { url: res.url(), status: res.status(), headers: null };
      entry.ready = res.allHeaders().then(
        (h) => {
          entry.headers = h;
        },
        () => {},
      );
      documents.push(entry);
    });

    let first;
    await step('the app sends the browser to Tessera, which asks it to sign in', async () => {
      await startSignIn(`${base}/login?**`);
      const returnTo = new URL(page.url()).searchParams.get('return_to') ?? '';
      assert.match(returnTo, /^\/oauth2\/authorize\?/, 'login returns to the authorization');
      assert.match(await page.title(), /Tessera/);
      assert.equal(await page.getAttribute('body', 'data-page'), 'login');
    });

    await step('signing in shows the consent page for "Sample app" and its scopes', async (st) => {
      const mark = documents.length;
      await page.fill('#email', EMAIL);
      await page.fill('#password', PASSWORD);
      await Promise.all([
        page.waitForSelector('#consent-allow', { state: 'visible' }),
        page.click('#login-submit'),
      ]);
      await consentPageShown(mark);
      await accessible(st, 'the consent page');
    });

    await step('Allow: the app gets the code, exchanges it and shows the email', async () => {
      await answerConsent('#consent-allow');
      first = await signedInAtApp();
    });

    let second;
    await step('a second sign-in is not asked again: straight back with a code', async () => {
      const mark = await startSignIn(`${app.origin}/callback?**`);
      second = await signedInAtApp();
      const visited = since(mark).map((d) => `${d.status} ${pathOf(d.url)}`);
      assert.deepEqual(
        visited,
        [`200 ${app.origin}/`, `303 ${base}/oauth2/authorize`, `200 ${app.origin}/callback`],
        'no login page, no consent page',
      );
      assert.notEqual(second.tokens.refresh_token, first.tokens.refresh_token);
      const renewed = await refresh(second.tokens.refresh_token);
      assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
      second.tokens.refresh_token = renewed.body.refresh_token;
    });

    await step('the account page lists "Sample app"; Disconnect forgets it', async (st) => {
      await page.goto(`${base}/account`);
      await page.waitForFunction(() => document.querySelectorAll('#apps-body tr').length === 1);
      const row = page.locator('#apps-body tr');
      assert.equal(await row.getAttribute('data-client-id'), client.client_id);
      const cells = await row.locator('td').allTextContents();
      assert.equal(cells[0], 'Sample app');
      assert.equal(cells[1], 'openid email');
      assert.equal(await page.textContent('#app-count'), '1');
      await accessible(st, 'the account page with a connected app');
      await page.getByRole('button', { name: 'Disconnect Sample app' }).click();
      await page.waitForFunction(() => document.querySelectorAll('#apps-body tr').length === 0);
      await page.waitForSelector('#account-status:not([hidden])');
      assert.equal(await page.textContent('#account-status'), 'App disconnected.');
      assert.equal(await page.textContent('#app-count'), '0');
      // Every token the app held for the user is gone.
      for (const [which, run] of [
        ['first', first],
        ['second', second],
      ]) {
        const r = await refresh(run.tokens.refresh_token);
        const what = `the ${which} refresh token after Disconnect: ${JSON.stringify(r.body)}`;
        assert.equal(r.status, 400, what);
        assert.equal(r.body.error, 'invalid_grant');
      }
    });

    await step('after Disconnect the consent page is back; Deny: access_denied', async () => {
      const mark = await startSignIn(`${base}/oauth2/authorize?**`);
      await page.waitForSelector('#consent-deny');
      await consentPageShown(mark);
      await answerConsent('#consent-deny');
      assert.equal(await page.textContent('#status'), 'error');
      assert.equal(await page.textContent('#error'), 'access_denied');
      const q = new URL(page.url()).searchParams;
      assert.equal(q.get('error'), 'access_denied');
      assert.equal(q.get('iss'), base);
      assert.equal(q.get('code'), null);
      assert.equal(app.callbacks.at(-1).error, 'access_denied');
    });

    await step('a denial is not remembered: asked again, Allow signs in', async () => {
      const mark = await startSignIn(`${base}/oauth2/authorize?**`);
      await page.waitForSelector('#consent-allow');
      await consentPageShown(mark);
      await answerConsent('#consent-allow');
      await signedInAtApp();
    });

    // The error page comes with status 400, which Chromium logs as a console error.
    const refused = `${base}/oauth2/authorize?response_type=code&client_id=nobody`;
    await step('a request from no known client gets the error page', async (st) => {
      const res = await page.goto(refused);
      assert.equal(res.status(), 400);
      assert.equal(await page.getAttribute('body', 'data-page'), 'oauth-error');
      assert.equal(await page.textContent('#oauth-error'), 'invalid_request');
      await accessible(st, 'the OAuth error page');
    });

    await step('/oauth2/logout asks first, then shows the signed-out page', async (st) => {
      await page.goto(`${base}/oauth2/logout`);
      assert.equal(await page.getAttribute('body', 'data-page'), 'logout');
      assert.equal(await page.textContent('#logout-user'), EMAIL);
      await accessible(st, 'the sign-out question');
      await Promise.all([
        page.waitForSelector('body[data-page="logged-out"]'),
        page.click('#logout-confirm'),
      ]);
      await accessible(st, 'the signed-out page');
      const me = await page.evaluate(() => fetch('/auth/me').then((r) => r.status));
      assert.equal(me, 401, 'signed out');
    });

    await step('no Content-Security-Policy violations and no script errors', async () => {
      assert.deepEqual(log.cspViolations, []);
      const expected = (e) => e.includes('status of 400') && e.includes(`(${refused})`);
      assert.deepEqual(log.scriptErrors.filter((e) => !expected(e)), []);
      assert.deepEqual(
        app.callbacks.filter((c) => c.problem),
        [],
        'every callback passed the app checks',
      );
    });
  } finally {
    await browser.close();
    await app.close();
  }
  return ok();
}

test(
  'OAuth authorization code flow in Chromium: a sample app, login, consent',
  { timeout: 240000 },
  (t) => withTessera(t, { name: 'oauth' }, (ctx) => scenario(t, ctx)),
);
