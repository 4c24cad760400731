// End to end in headless Chromium against the real server: `tessera serve` on an ephemeral
// port with a fresh data dir, a user made with `tessera user add`, then the browser scenario
// of flow.mjs (log in through the page, account page, document.cookie cannot read the
// session cookie, revoke another browser's session, password change, log out everywhere,
// log out).
//
//   TESSERA_BINARY=build/release/src/cli/tessera node --test tests/e2e/login_flow.mjs
//   node tests/e2e/login_flow.mjs build/release/src/cli/tessera
//
// Needs: /usr/bin/chromium (Debian `chromium`), node_modules (`npm ci` here; install-deps.sh
// does it), and the server's /auth/* endpoints and `tessera user add`.
import fs from 'node:fs';
import { test } from 'node:test';

import { browserFlow } from './flow.mjs';
import { addUser, startTessera, tempDir, tesseraBinary } from './harness.mjs';

test('browser login flow against tessera serve', { timeout: 240000 }, async (t) => {
  const binary = tesseraBinary();
  const dataDir = tempDir('tessera-e2e-');
  const email = 'e2e-user@example.com';
  const password = 'correct horse battery staple';
  const server = await startTessera(binary, dataDir);
  t.diagnostic(`tessera serve at ${server.url} (pid ${server.pid}), data dir ${dataDir}`);
  let ok = false;
  try {
    await addUser(binary, dataDir, email, password, ['user']);
    ok = await browserFlow(t, {
      base: server.url,
      email,
      password,
      newPassword: 'a new passphrase 2',
    });
  } finally {
    await server.stop();
    if (!ok) {
      t.diagnostic('server stderr (last 4 KiB):');
      for (const line of server.stderr().slice(-4096).split('\n')) t.diagnostic(line);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
