// End to end in headless Chromium against the real server: `tessera serve` on an ephemeral
// port with a fresh data dir, a user made with `tessera user add`, then the browser scenario
// of flow.mjs (log in through the page, account page, document.cookie cannot read the
// session cookie, revoke another browser's session, password change, log out everywhere,
// log out), once with cookie sessions and once with web.mode = "jwt" (access + refresh
// cookies, and an expired access cookie renewed without a password). The cookie-session run
// also checks the pages' accessibility (axe, light and dark, 390 px wide: a11y.mjs), with a
// long email so that a narrow screen has something to wrap.
//
//   TESSERA_BINARY=build/release/tessera node --test tests/e2e/login_flow.mjs
//   node tests/e2e/login_flow.mjs build/release/tessera
//
// Needs: /usr/bin/chromium (Debian `chromium`), node_modules (`npm ci` here; install-deps.sh
// does it), and the server's /auth/* endpoints and `tessera user add`.
import { test } from 'node:test';

import { browserFlow } from './flow.mjs';
import { addUser, withTessera } from './harness.mjs';

// One run of the scenario against a fresh server in web.mode `mode`.
function runFlow(t, mode) {
  const email = 'e2e-user.with-a-rather-long-mailbox-name@accounts.example.com';
  const password = 'correct horse battery staple';
  return withTessera(
    t,
    { name: `web.mode ${mode}`, config: `[web]\nmode = "${mode}"\n` },
    async ({ binary, server, dataDir }) => {
      await addUser(binary, dataDir, email, password, ['user']);
      return browserFlow(t, {
        base: server.url,
        email,
        password,
        newPassword: 'a new passphrase 2',
        mode,
        a11y: mode === 'session', // once is enough: the pages are the same
      });
    },
  );
}

test('browser login flow against tessera serve (cookie sessions)', { timeout: 240000 }, (t) =>
  runFlow(t, 'session'),
);

test('browser login flow against tessera serve (web.mode jwt)', { timeout: 240000 }, (t) =>
  runFlow(t, 'jwt'),
);
