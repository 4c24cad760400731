// End to end in headless Chromium against the real server: `tessera serve` on an ephemeral
// port with a fresh data dir, a user made with `tessera user add`, then the browser scenario
// of flow.mjs (log in through the page, account page, document.cookie cannot read the
// session cookie, revoke another browser's session, password change, log out everywhere,
// log out), once with cookie sessions and once with web.mode = "jwt" (access + refresh
// cookies, and an expired access cookie renewed without a password).
//
//   TESSERA_BINARY=build/release/tessera node --test tests/e2e/login_flow.mjs
//   node tests/e2e/login_flow.mjs build/release/tessera
//
// Needs: /usr/bin/chromium (Debian `chromium`), node_modules (`npm ci` here; install-deps.sh
// does it), and the server's /auth/* endpoints and `tessera user add`.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { browserFlow } from './flow.mjs';
import { addUser, startTessera, tempDir, tesseraBinary } from './harness.mjs';

// One run of the scenario against a fresh server in web.mode `mode`.
async function runFlow(t, mode) {
  const binary = tesseraBinary();
  const dataDir = tempDir(`tessera-e2e-${mode}-`);
  const email = 'e2e-user@example.com';
  const password = 'correct horse battery staple';
  const config = path.join(dataDir, 'tessera.toml');
  fs.writeFileSync(config, `[web]\nmode = "${mode}"\n`);
  const server = await startTessera(binary, path.join(dataDir, 'data'), ['--config', config]);
  t.diagnostic(`tessera serve (web.mode ${mode}) at ${server.url} (pid ${server.pid})`);
  let ok = false;
  try {
    await addUser(binary, path.join(dataDir, 'data'), email, password, ['user']);
    ok = await browserFlow(t, {
      base: server.url,
      email,
      password,
      newPassword: 'a new passphrase 2',
      mode,
    });
  } finally {
    await server.stop();
    if (!ok) {
      t.diagnostic('server stderr (last 4 KiB):');
      for (const line of server.stderr().slice(-4096).split('\n')) t.diagnostic(line);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

test('browser login flow against tessera serve (cookie sessions)', { timeout: 240000 }, (t) =>
  runFlow(t, 'session'),
);

test('browser login flow against tessera serve (web.mode jwt)', { timeout: 240000 }, (t) =>
  runFlow(t, 'jwt'),
);
