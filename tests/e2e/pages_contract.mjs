// The browser pages against SPEC.md's cookie-session contract, in headless Chromium: the real
// `tessera serve` serves the pages (web/, embedded in the binary) and a strict test double of
// /auth/* (contract_double.mjs) stands in for the API, in front of it on one origin. Runs the
// same scenario as login_flow.mjs (flow.mjs). It proves the pages and the scenario on their
// own: when login_flow.mjs fails and this passes, look at the server, not at the page.
//
//   TESSERA_BINARY=build/release/src/cli/tessera node --test tests/e2e/pages_contract.mjs
import fs from 'node:fs';
import { test } from 'node:test';

import { startContractDouble } from './contract_double.mjs';
import { browserFlow } from './flow.mjs';
import { startTessera, tempDir, tesseraBinary } from './harness.mjs';

test('browser pages against the SPEC contract double', { timeout: 240000 }, async (t) => {
  const dataDir = tempDir('tessera-e2e-pages-');
  const server = await startTessera(tesseraBinary(), dataDir);
  let api;
  let ok = false;
  try {
    api = await startContractDouble(server.url);
    t.diagnostic(`pages from ${server.url} (pid ${server.pid}); contract double at ${api.url}`);
    const email = 'e2e-user@example.com';
    const password = 'correct horse battery staple';
    api.addUser(email, password);
    ok = await browserFlow(t, {
      base: api.url,
      email,
      password,
      newPassword: 'a new passphrase 2',
    });
  } finally {
    if (api) await api.close();
    await server.stop();
    if (!ok) {
      t.diagnostic('server stderr (last 4 KiB):');
      for (const line of server.stderr().slice(-4096).split('\n')) t.diagnostic(line);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
