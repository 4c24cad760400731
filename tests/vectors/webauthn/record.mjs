// Records WebAuthn ceremonies from Chromium's virtual authenticator into JSON fixtures for
// src/webauthn/webauthn_test.cc (the "recorded ceremonies from a real authenticator" of issue 17).
//
// Run BY HAND, not in CI: the fixtures it writes are committed, and the unit tests read those.
// Re-record only when the fixture shape changes; a new recording has new keys and signatures.
//
//   node tests/vectors/webauthn/record.mjs            (writes tests/vectors/webauthn/chromium_*.json)
//
// REQUIRES: tests/e2e/node_modules (npm ci in tests/e2e: playwright-core) and /usr/bin/chromium
// (or CHROMIUM=...). What it does, per COSE algorithm (ES256 -7, EdDSA -8, RS256 -257):
//   1. serves one empty page on http://localhost:PORT (localhost is a secure context, so the
//      RP id is "localhost" and the origin http://localhost:PORT);
//   2. adds a DevTools virtual authenticator (WebAuthn.addVirtualAuthenticator: ctap2,
//      internal, resident keys, user verification, user verified);
//   3. navigator.credentials.create() with PublicKeyCredential.parseCreationOptionsFromJSON()
//      of creation options in the shape Tessera builds (only that algorithm offered), then
//      navigator.credentials.get() with parseRequestOptionsFromJSON() (empty allowCredentials:
//      the discoverable login), each with a fixed, known challenge;
//   4. saves toJSON() of both credentials with the challenges, origin and RP id.
// An algorithm the virtual authenticator refuses is reported and skipped (no fixture).

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../e2e/package.json'));
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const RP_ID = 'localhost';

// Fixed challenges and user handle: SHA-256 of a label, so a reader can recompute them.
const b64u = (buf) => Buffer.from(buf).toString('base64url');
const label = (s) => b64u(createHash('sha256').update(s).digest());

const ALGS = [
  { name: 'es256', alg: -7 },
  { name: 'eddsa', alg: -8 },
  { name: 'rs256', alg: -257 },
];

function creationOptions(alg, name) {
  return {
    rp: { id: RP_ID, name: 'Tessera test' },
    user: {
      id: label(`tessera webauthn user ${name}`),
      name: 'alice@example.com',
      displayName: 'Alice',
    },
    challenge: label(`tessera webauthn registration ${name}`),
    pubKeyCredParams: [{ type: 'public-key', alg }],
    timeout: 60000,
    excludeCredentials: [],
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    attestation: 'none',
  };
}

function requestOptions(name) {
  return {
    challenge: label(`tessera webauthn authentication ${name}`),
    rpId: RP_ID,
    timeout: 60000,
    allowCredentials: [],
    userVerification: 'required',
  };
}

async function main() {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>webauthn recorder</title>');
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://localhost:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
  });
  let failures = 0;
  try {
    for (const { name, alg } of ALGS) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
        },
      });
      const creation = creationOptions(alg, name);
      const request = requestOptions(name);
      const out = await page.evaluate(
        async ({ creation, request }) => {
          try {
            const created = await navigator.credentials.create({
              publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(creation),
            });
            const got = await navigator.credentials.get({
              publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(request),
            });
            return { registration: created.toJSON(), authentication: got.toJSON() };
          } catch (e) {
            return { error: `${e.name}: ${e.message}` };
          }
        },
        { creation, request },
      );
      await context.close();
      if (out.error) {
        console.error(`record: ${name} (alg ${alg}) not recorded: ${out.error}`);
        failures++;
        continue;
      }
      const fixture = {
        source:
          `Chromium ${browser.version()} DevTools virtual authenticator (ctap2, internal, ` +
          `resident key, user verified), recorded by tests/vectors/webauthn/record.mjs`,
        rp_id: RP_ID,
        origin,
        alg,
        user_id: creation.user.id,
        registration: { challenge: creation.challenge, response: out.registration },
        authentication: { challenge: request.challenge, response: out.authentication },
      };
      const file = path.join(here, `chromium_${name}.json`);
      fs.writeFileSync(file, JSON.stringify(fixture, null, 2) + '\n');
      console.log(`record: wrote ${path.relative(process.cwd(), file)}`);
    }
  } finally {
    await browser.close();
    server.close();
  }
  process.exitCode = failures === ALGS.length ? 1 : 0;
}

await main();
