#!/usr/bin/env node
// jwks_verify.mjs - verifies a Tessera access token the way a resource server would with
// panva/jose: the published JWKS (createLocalJWKSet), the algorithm from the key, issuer,
// audience and typ at+jwt checked (RFC 9068).
//   node jwks_verify.mjs JWKS_FILE ISSUER AUDIENCE < token
// Prints the claims JSON and exits 0, or prints the reason on stderr and exits 1.
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, jwtVerify } from 'jose';

const [jwksFile, issuer, audience] = process.argv.slice(2);
const token = readFileSync(0, 'utf8').trim();
try {
  const jwks = createLocalJWKSet(JSON.parse(readFileSync(jwksFile, 'utf8')));
  const { payload } = await jwtVerify(token, jwks, { issuer, audience, typ: 'at+jwt' });
  process.stdout.write(JSON.stringify(payload));
} catch (e) {
  process.stderr.write(`${e.code ?? 'error'}: ${e.message}\n`);
  process.exit(1);
}
