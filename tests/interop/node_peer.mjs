#!/usr/bin/env node
// node_peer.mjs - JWS interop peer built on panva/jose (pinned in package.json).
//
// Uniform CLI shared with py_peer.py (driven by run_interop.py):
//   node node_peer.mjs sign   --jwk FILE --alg ALG [--kid KID]   payload bytes on stdin -> compact JWS
//   node node_peer.mjs verify --jwk FILE --alg ALG               compact JWS on stdin  -> payload bytes
//   node node_peer.mjs genkey --alg ALG --kid KID                -> private JWK (JSON) with kid and alg
//
// Exit codes: 0 success; 1 verification failed (reason on stderr); 2 unusable input/usage
// (including a private or unimportable JWK given to verify).
// The payload is passed through as raw bytes in both directions (no newline added or removed).
import { readFileSync } from 'node:fs';
import {
  CompactSign,
  compactVerify,
  exportJWK,
  generateKeyPair,
  generateSecret,
  importJWK,
} from 'jose';

const ALGS = new Set([
  'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512', 'EdDSA',
]);
const EC_CURVE = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

class UsageError extends Error {}

function parseArgs(argv) {
  const [cmd, ...rest] = argv;
  const opts = {};
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i];
    if (!flag.startsWith('--') || i + 1 >= rest.length) throw new UsageError(`bad argument ${flag}`);
    opts[flag.slice(2)] = rest[i + 1];
  }
  return { cmd, opts };
}

function requireAlg(opts) {
  if (!ALGS.has(opts.alg)) throw new UsageError(`unsupported --alg ${opts.alg}`);
  return opts.alg;
}

function readJwk(opts) {
  if (!opts.jwk) throw new UsageError('--jwk FILE is required');
  try {
    return JSON.parse(readFileSync(opts.jwk, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read JWK ${opts.jwk}: ${e.message}`);
  }
}

async function cmdSign(opts) {
  const alg = requireAlg(opts);
  const jwk = readJwk(opts);
  let key;
  try {
    key = await importJWK(jwk, alg);
  } catch (e) {
    throw new UsageError(`cannot import JWK for ${alg}: ${e.message}`);
  }
  const payload = new Uint8Array(readFileSync(0));
  const header = { alg, typ: 'at+jwt' };
  if (opts.kid !== undefined) header.kid = opts.kid;
  const jws = await new CompactSign(payload).setProtectedHeader(header).sign(key);
  process.stdout.write(jws + '\n');
}

async function cmdVerify(opts) {
  const alg = requireAlg(opts);
  const jwk = readJwk(opts);
  // Verification takes the public JWK (or the oct secret): passing a private key is a driver
  // mistake, reported as unusable input so a negative test cannot pass by accident.
  if (jwk.kty !== 'oct' && jwk.d !== undefined) throw new UsageError('verify needs a public JWK');
  const token = readFileSync(0, 'utf8').trim();
  let key;
  try {
    key = await importJWK(jwk, alg);
  } catch (e) {
    throw new UsageError(`cannot import JWK for ${alg}: ${e.message}`);
  }
  try {
    const { payload } = await compactVerify(token, key, { algorithms: [alg] });
    process.stdout.write(Buffer.from(payload));
    return 0;
  } catch (e) {
    process.stderr.write(`rejected: ${e.code ?? e.name}: ${e.message}\n`);
    return 1;
  }
}

async function cmdGenkey(opts) {
  const alg = requireAlg(opts);
  if (!opts.kid) throw new UsageError('--kid KID is required');
  let jwk;
  if (alg.startsWith('HS')) {
    // jose generates an HMAC key of exactly the hash size (RFC 7518 3.2 minimum).
    jwk = await exportJWK(await generateSecret(alg, { extractable: true }));
  } else {
    const options = { extractable: true };
    if (EC_CURVE[alg]) options.crv = EC_CURVE[alg];
    if (alg === 'EdDSA') options.crv = 'Ed25519';
    if (alg.startsWith('RS') || alg.startsWith('PS')) options.modulusLength = 2048;
    const { privateKey } = await generateKeyPair(alg, options);
    jwk = await exportJWK(privateKey);
  }
  jwk.alg = alg;
  jwk.kid = opts.kid;
  process.stdout.write(JSON.stringify(jwk) + '\n');
}

async function main() {
  const { cmd, opts } = parseArgs(process.argv.slice(2));
  switch (cmd) {
    case 'sign': await cmdSign(opts); return 0;
    case 'verify': return cmdVerify(opts);
    case 'genkey': await cmdGenkey(opts); return 0;
    default: throw new UsageError(`unknown command ${cmd}; expected sign|verify|genkey`);
  }
}

main().then(
  (code) => { process.exitCode = code; },
  (e) => {
    process.stderr.write(`node_peer: ${e instanceof UsageError ? '' : 'error: '}${e.message}\n`);
    process.exitCode = 2;
  },
);
