// Federated sign-in in headless Chromium through the pages (docs/federation.md), against two
// real upstream providers (node oidc-provider, tests/federation/upstreams.mjs):
//
//   1. with JavaScript off: the login page's "Sign in with Provider A" is a plain link; it leads
//      through the provider and back to /account, signed in (amr fed, the identity listed);
//   2. with JavaScript on, as a user of Provider B: the account page lists B under "Sign-in
//      providers" and offers "Add Provider A"; adding it goes through A and back, and both are
//      listed; removing B works; removing A, now the only way in, is refused with the reason;
//      the step-up form offers "Confirm with Provider A", which signs the user in there again;
//   3. the pages reached are accessible (a11y.mjs) and logged no CSP violation or script error.
//
//   TESSERA_BINARY=build/release/tessera node --test tests/e2e/federation_flow.mjs
//
// Needs what login_flow.mjs needs, and tests/federation/node_modules (npm ci there).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { checkPage } from './a11y.mjs';
import {
  describePage,
  freePort,
  launchChromium,
  steps,
  stopChild,
  trackChild,
  watchPage,
  withTessera,
} from './harness.mjs';

const UPSTREAMS = fileURLToPath(new URL('../federation/upstreams.mjs', import.meta.url));

// upstreams.mjs for Tessera at `tessera`: resolves to {ports, control(path, body), stop()}.
async function startUpstreams(tessera) {
  const child = trackChild(
    spawn(process.execPath, [UPSTREAMS, JSON.stringify({ tessera, late_port: await freePort() })], {
      cwd: path.dirname(UPSTREAMS),
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  const ports = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
    });
    child.once('exit', (code) => reject(new Error(`upstreams.mjs exited (${code})`)));
  });
  const control = async (where, body) => {
    const res = await fetch(`http://127.0.0.1:${ports.control}${where}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 204);
  };
  return { ports, control, stop: () => stopChild(child) };
}

function providerToml(id, name, port) {
  return `[[federation.providers]]
id = "${id}"
name = "${name}"
issuer = "http://127.0.0.1:${port}"
client_id = "tessera-${id}"
client_secret = "secret-of-tessera-at-${id}-0123456789"
token_endpoint_auth_method = "${id === 'b' ? 'client_secret_post' : 'client_secret_basic'}"
create_users = true

`;
}

test('federated sign-in in Chromium: login page links, account page add and remove', {
  timeout: 240000,
}, async (t) => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const upstreams = await startUpstreams(base);
  const config = providerToml('a', 'Provider A', upstreams.ports.a) +
    providerToml('b', 'Provider B', upstreams.ports.b);
  try {
    await withTessera(t, { name: 'federation', config, listen: `127.0.0.1:${port}` }, async () => {
      const browser = await launchChromium();
      const log = { cspViolations: [], scriptErrors: [] };
      let page;
      const { step, ok } = steps(t, async (st) => {
        if (page) st.diagnostic(`the browser is at ${await describePage(page)}`);
        for (const line of [...log.cspViolations, ...log.scriptErrors]) st.diagnostic(line);
      });
      const me = () => page.evaluate(() => fetch('/auth/me').then((r) => r.json()));
      try {
        await step('without JavaScript: the login link signs in through Provider A', async () => {
          await upstreams.control('/next', { provider: 'a', account: 'alice' });
          const context = await browser.newContext({ javaScriptEnabled: false });
          page = await context.newPage();
          watchPage(page, 'no-js', log);
          await page.goto(`${base}/login`);
          const link = page.getByRole('link', { name: 'Sign in with Provider A' });
          assert.equal(await link.getAttribute('href'), '/auth/federation/a/start');
          await Promise.all([page.waitForURL(`${base}/account`), link.click()]);
          const res = await page.request.get(`${base}/auth/me`);
          assert.equal(res.status(), 200);
          const body = await res.json();
          assert.equal(body.user.email, 'alice@a.test');
          assert.ok(body.session.amr.includes('fed'), JSON.stringify(body.session));
          assert.deepEqual(
            body.identities.map((i) => i.sub),
            ['alice'],
          );
          await context.close();
        });

        await step('with JavaScript: a Provider B user adds Provider A on the account page', async () => {
          await upstreams.control('/next', { provider: 'b', account: 'dave' });
          await upstreams.control('/next', { provider: 'a', account: 'erin' });
          const context = await browser.newContext();
          page = await context.newPage();
          watchPage(page, 'account', log);
          await page.goto(`${base}/login`);
          await Promise.all([
            page.waitForURL(`${base}/account`),
            page.getByRole('link', { name: 'Sign in with Provider B' }).click(),
          ]);
          await page.waitForSelector('#federation:not([hidden]) #identities-body tr');
          assert.equal(await page.textContent('#identity-count'), '1');
          await checkPage(page, 'the account page with a sign-in provider');
          await Promise.all([
            page.waitForURL(`${base}/account`),
            page.getByRole('button', { name: 'Add Provider A' }).click(),
          ]);
          await page.waitForFunction(
            () => document.querySelector('#identity-count')?.textContent === '2',
          );
          const body = await me();
          assert.equal(body.user.email, 'dave@b.test', 'still the same account');
          assert.deepEqual(body.identities.map((i) => i.provider).sort(), ['a', 'b']);
        });

        await step('removing one works; removing the last way in is refused', async () => {
          await page.getByRole('button', { name: 'Remove Provider B' }).click();
          await page.waitForFunction(
            () => document.querySelector('#identity-count')?.textContent === '1',
          );
          await page.getByRole('button', { name: 'Remove Provider A' }).click();
          await page.waitForSelector('#account-error:not([hidden])');
          assert.match(await page.textContent('#account-error'), /only way to sign in/);
          assert.deepEqual((await me()).identities.map((i) => i.provider), ['a']);
        });

        await step('a user without a password steps up with the provider', async () => {
          // The step-up form offers the linked provider: a new sign-in there, with the provider
          // asked to authenticate again (prompt=login, max_age=0).
          const link = page.locator('#step-up-provider-links a');
          assert.equal(await link.count(), 1);
          assert.equal(await link.textContent(), 'Confirm with Provider A');
          assert.equal(
            await link.getAttribute('href'),
            '/auth/federation/a/start?prompt=login&max_age=0',
          );
          await upstreams.control('/next', { provider: 'a', account: 'erin' });
          const before = (await me()).session;
          await Promise.all([
            page.waitForURL(`${base}/account`),
            page.goto(`${base}${await link.getAttribute('href')}`),
          ]);
          const after = await me();
          assert.equal(after.user.email, 'dave@b.test', 'the same account');
          assert.ok(after.session.amr.includes('fed'), JSON.stringify(after.session));
          assert.ok(after.session.auth_time >= before.auth_time, JSON.stringify([before, after]));
        });

        await step('no Content-Security-Policy violations and no script errors', async () => {
          assert.deepEqual(log.cspViolations, []);
          const expected = (e) => e.includes('status of 409');  // the refused removal
          assert.deepEqual(log.scriptErrors.filter((e) => !expected(e)), []);
        });
      } finally {
        await browser.close();
      }
      return ok();
    });
  } finally {
    await upstreams.stop();
  }
});
