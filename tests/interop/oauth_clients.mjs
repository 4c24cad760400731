#!/usr/bin/env node
// oauth_clients.mjs - one OAuth client library against a running `tessera serve`, driven by
// oauth_clients.py:
//   node oauth_clients.mjs CONFIG_FILE openid-client|oauth4webapi
// Runs discovery, the authorization code flow with PKCE S256, state and nonce for the public
// client (the library builds the authorization URL and validates the callback and the ID
// token; oauth_browser.mjs plays the browser), refresh, userinfo, client credentials with
// client_secret_basic and client_secret_post, introspection and revocation; and checks that the
// library refuses a callback with another iss or state or none, and an ID token with another
// nonce or a changed signature. Prints one JSON object a line (see Report), then the tokens for
// the JWKS checks in oauth_clients.py. Exits 0 unless it could not run at all.
import {
  Browser, Report, changingIdTokenSignature, expect, readConfig, untilInactive, withParam,
} from './oauth_browser.mjs';
import { oauth4webapi, openidClient } from './oauth_libs.mjs';

const LIBS = { 'openid-client': openidClient, oauth4webapi };
const cfg = readConfig();
const make = LIBS[process.argv[3]];
if (!make) {
  process.stderr.write(`usage: node oauth_clients.mjs CONFIG_FILE ${Object.keys(LIBS).join('|')}\n`);
  process.exit(2);
}
const report = new Report();
const browser = new Browser(cfg.issuer, cfg);
let lib;

// The library's authorization URL, followed by the browser to the redirect URI.
async function authorize() {
  const checks = await lib.checks();
  const url = new URL(await lib.authorizationUrl(checks));
  return { checks, url, callback: await browser.authorize(url) };
}

await report.run('discovery', async () => {
  lib = await make(cfg);
  expect(lib.metadata.issuer === cfg.issuer, `issuer ${lib.metadata.issuer} != ${cfg.issuer}`);
  expect(lib.metadata.code_challenge_methods_supported?.includes('S256'), 'no S256 in discovery');
  return `issuer ${lib.metadata.issuer}`;
});

let first;
const authorized = await report.run('authorization: PKCE S256, state, nonce; sign-in, consent, redirect', async () => {
  first = await authorize();
  const asked = first.url.searchParams;
  const { state, nonce } = first.checks;
  expect(asked.get('code_challenge_method') === 'S256' && asked.get('code_challenge')
    && asked.get('state') === state && asked.get('nonce') === nonce,
  `the authorization URL lacks PKCE, state or nonce: ${first.url}`);
  const back = first.callback;
  expect(`${back.origin}${back.pathname}` === cfg.redirect_uri && back.searchParams.get('code')
    && back.searchParams.get('state') === state, `redirected to ${back}`);
  expect(browser.steps.some((s) => s.startsWith('POST /oauth2/consent')), 'no consent page');
  return browser.steps.join(', ');
});

const callback = first?.callback;
await report.rejects('refuses a callback with another iss', authorized, /iss/i,
  () => lib.exchange(withParam(callback, 'iss', 'http://127.0.0.1:1'), first.checks));
await report.rejects('refuses a callback without iss', authorized, /iss/i,
  () => lib.exchange(withParam(callback, 'iss', undefined), first.checks));
await report.rejects('refuses a callback with another state', authorized, /state/i,
  () => lib.exchange(withParam(callback, 'state', `x${first.checks.state}`), first.checks));

let code;
const exchanged = await report.run('code exchange; ID token checked (iss, aud, nonce, signature)', async () => {
  code = await lib.exchange(callback, first.checks);
  const { tokens, claims } = code;
  expect(claims.sub === cfg.user_id && claims.nonce === first.checks.nonce
    && [claims.aud].flat().includes(cfg.public_client_id), `ID token claims ${JSON.stringify(claims)}`);
  expect(tokens.access_token && tokens.refresh_token && tokens.token_type?.toLowerCase() === 'bearer',
    `token response ${JSON.stringify(tokens)}`);
  return `scope ${tokens.scope}`;
});

let refreshed;
const didRefresh = await report.run('refresh', async () => {
  refreshed = await lib.refresh(code.tokens.refresh_token);
  expect(refreshed.access_token && refreshed.access_token !== code.tokens.access_token,
    'no new access token');
  expect(refreshed.refresh_token && refreshed.refresh_token !== code.tokens.refresh_token,
    'the refresh token did not rotate');
});

await report.run('userinfo', async () => {
  const info = await lib.userinfo(refreshed.access_token, code.claims.sub);
  expect(info.sub === cfg.user_id && info.email === cfg.email
    && typeof info.email_verified === 'boolean', `userinfo ${JSON.stringify(info)}`);
});

const cc = {};
for (const kind of ['basic', 'post']) {
  await report.run(`client credentials (client_secret_${kind})`, async () => {
    const t = await lib.clientCredentials(kind, cfg.cc_scope);
    expect(t.access_token && !t.refresh_token && t.scope === cfg.cc_scope,
      `token response ${JSON.stringify(t)}`);
    cc[kind] = t.access_token;
  });
}

const at = refreshed?.access_token;
const introspected = await report.run('introspection: access token active, with sub, client_id, scope', async () => {
  const r = await lib.introspect(at);
  expect(r.active === true && r.sub === cfg.user_id && r.client_id === cfg.public_client_id
    && r.scope?.split(' ').includes('openid'), `introspection ${JSON.stringify(r)}`);
});
await report.run('revocation: the access token then introspects active:false', async () => {
  expect(introspected, 'not meaningful: the token did not introspect as active');
  await lib.revoke(at);
  const r = await untilInactive(() => lib.introspect(at));
  expect(r.active === false, `still ${JSON.stringify(r)} 3 s after its revocation`);
});
const rtRevoked = await report.run('revocation: the refresh token, active before, then active:false', async () => {
  const rt = refreshed.refresh_token;
  const before = await lib.introspect(rt);
  expect(before.active === true, `before: ${JSON.stringify(before)}`);
  await lib.revoke(rt);
  const after = await untilInactive(() => lib.introspect(rt));
  expect(after.active === false, `still ${JSON.stringify(after)} 3 s after its revocation`);
});
await report.rejects('a revoked refresh token is refused', didRefresh && rtRevoked, /invalid_grant/,
  () => lib.refresh(refreshed.refresh_token));

// New authorizations (consent is remembered now) whose token responses must be refused.
await report.rejects('refuses an ID token with another nonce', exchanged, /nonce/i, async () => {
  const round = await authorize();
  return lib.exchange(round.callback, { ...round.checks, nonce: `x${round.checks.nonce}` });
});
await report.rejects('refuses an ID token with a changed signature', exchanged, /signature/i, async () => {
  const round = await authorize();
  return lib.exchange(round.callback, round.checks,
    { fetch: changingIdTokenSignature(lib.metadata.token_endpoint) });
});

report.tokens({
  access_token: code?.tokens.access_token, id_token: code?.tokens.id_token,
  nonce: first?.checks.nonce, refreshed_access_token: refreshed?.access_token,
  cc_basic: cc.basic, cc_post: cc.post,
});
