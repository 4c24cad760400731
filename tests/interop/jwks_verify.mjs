#!/usr/bin/env node
// jwks_verify.mjs - verifies a Tessera token the way a resource server or a relying party would
// with panva/jose: the published JWKS (createLocalJWKSet), issuer, audience and typ checked, the
// algorithm pinned when given (else the key's).
//   node jwks_verify.mjs JWKS_FILE ISSUER AUDIENCE [TYP [ALG]] < token
// TYP defaults to at+jwt (RFC 9068 access tokens); ID tokens are JWT.
// Prints the claims JSON and exits 0, or prints the reason on stderr and exits 1.
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, jwtVerify } from 'jose';

const [jwksFile, issuer, audience, typ = 'at+jwt', alg] = process.argv.slice(2);
const token = readFileSync(0, 'utf8').trim();
try {
  const jwks = createLocalJWKSet(JSON.parse(readFileSync(jwksFile, 'utf8')));
  const { payload } = await jwtVerify(token, jwks,
    { issuer, audience, typ, ...(alg ? { algorithms: [alg] } : {}) });
  process.stdout.write(JSON.stringify(payload));
} catch (e) {
  process.stderr.write(`${e.code ?? 'error'}: ${e.message}\n`);
  process.exit(1);
}
