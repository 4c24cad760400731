// The upstream OpenID Connect providers of the federated sign-in tests (tests/federation),
// all on 127.0.0.1 ephemeral ports, in one process:
//   a, b, c  real providers: node oidc-provider, each with its own client for Tessera and the
//          test accounts below (a puts the email in the ID token, b only in userinfo; a takes
//          client_secret_basic, b client_secret_post, c private_key_jwt with the key it writes
//          to options.key_file); the login and consent prompts are answered by the test (no
//          page): POST /next on the control port says who signs in next, or that they refuse;
//   rogue  a provider this file writes by hand that answers a flow correctly but, as told by
//          POST /rogue {"mode"}, returns a deliberately bad ID token (wrong aud, iss, signature,
//          expiry, nonce, azp, alg); it checks Tessera's PKCE verifier and client secret;
//   late   the same hand-written provider in good mode, started only on POST /late on a port
//          the test reserved: a provider that was down when Tessera started.
// Usage: node upstreams.mjs '{"tessera":"http://127.0.0.1:PORT","late_port":N,"key_file":F}'
// Prints one JSON line {"a","b","c","rogue","control"} (ports) once everything listens.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const options = JSON.parse(process.argv[2]);
const tessera = options.tessera;

// sub -> claims. "unverified" shares its address with nobody but says email_verified false.
const accounts = {
  alice: { email: 'alice@a.test', email_verified: true },
  bob: { email: 'bob@example.com', email_verified: false },
  carol: { email: 'carol@example.com', email_verified: true },
  dave: { email: 'dave@b.test', email_verified: true },
  erin: { email: 'erin@a.test', email_verified: true },
  frank: { email: 'frank@c.test', email_verified: true },
};
const secrets = { a: 'secret-of-tessera-at-a-0123456789', b: 'secret-of-tessera-at-b-0123456789' };
const next = { a: { account: 'alice' }, b: { account: 'dave' }, c: { account: 'frank' } };

function listen(server, port = 0) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server.address().port));
  });
}

async function realProvider(name, authMethod, emailInIdToken, clientJwks) {
  const server = http.createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: `tessera-${name}`,
      ...(clientJwks ? {} : { client_secret: secrets[name] }),
      redirect_uris: [`${tessera}/auth/federation/${name}/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: authMethod,
      ...(clientJwks ? { jwks: clientJwks, token_endpoint_auth_signing_alg: 'ES256' } : {}),
    }],
    async findAccount(ctx, id) {
      if (!accounts[id]) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: accounts[id].email, email_verified: accounts[id].email_verified };
        },
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    // a: the email in the ID token; b: only in the userinfo answer (OIDC Core section 5.4).
    conformIdTokenClaims: !emailInIdToken,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  });
  provider.on('server_error', (ctx, err) => console.error(`${name}: ${err.stack}`));
  const callback = provider.callback();
  server.on('request', async (req, res) => {
    if (!req.url.startsWith('/interaction/')) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      const who = next[name];
      if (who.refuse) {
        return await provider.interactionFinished(req, res,
          { error: 'access_denied', error_description: 'the user said no' },
          { mergeWithLastSubmission: false });
      }
      const grant = new provider.Grant({ accountId: who.account, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: who.account }, consent: { grantId } },
        { mergeWithLastSubmission: false });
    } catch (e) {
      console.error(`${name} interaction: ${e.stack}`);
      res.statusCode = 500;
      res.end();
    }
  });
  return port;
}

// The hand-written provider (see the header). `state.mode` picks the ID token's fault.
async function handWritten(port, state) {
  const server = http.createServer();
  const actual = await listen(server, port);
  const issuer = `http://127.0.0.1:${actual}`;
  let { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const other = await jose.generateKeyPair('RS256');
  let kid = 'r1';
  let jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const clientId = `tessera-${state.id}`;
  const secret = `secret-of-tessera-at-${state.id}-0123456789`;
  const flows = new Map();  // code -> the authorization request
  const json = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
      });
    }
    if (url.pathname === '/jwks') return json(res, 200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const code = crypto.randomBytes(16).toString('hex');
      const p = Object.fromEntries(url.searchParams);
      flows.set(code, p);
      const back = new URL(p.redirect_uri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', p.state);
      back.searchParams.set('iss', issuer);
      res.writeHead(303, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
      if (req.headers.authorization !== `Basic ${basic}`) return json(res, 401, { error: 'invalid_client' });
      const flow = flows.get(form.get('code'));
      flows.delete(form.get('code'));
      const challenge = crypto.createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
      if (!flow || flow.code_challenge !== challenge || flow.code_challenge_method !== 'S256' ||
          form.get('redirect_uri') !== flow.redirect_uri) {
        return json(res, 400, { error: 'invalid_grant' });
      }
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: issuer, sub: `${state.id}-user`, aud: clientId, exp: now + 300, iat: now,
                       nonce: flow.nonce, email: `${state.id}-user@r.test`, email_verified: true,
                       amr: ['pwd', 'otp', 'x-unknown'], auth_time: now - 5 };
      if (state.mode === 'rotated') {  // a key rotation: a new key, published, signs from now on
        ({ privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true }));
        kid = `r${Date.now()}`;
        jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
      }
      let key = privateKey;
      let alg = 'RS256';
      switch (state.mode) {
        case 'aud': claims.aud = 'someone-else'; break;
        case 'iss': claims.iss = 'http://127.0.0.1:1'; break;
        case 'signature': key = other.privateKey; break;
        case 'expired': claims.exp = now - 600; claims.iat = now - 900; break;
        case 'nonce_missing': delete claims.nonce; break;
        case 'nonce_wrong': claims.nonce = 'not-the-nonce'; break;
        case 'azp': claims.aud = [clientId, 'other-client']; claims.azp = 'other-client'; break;
        case 'hs256': key = new TextEncoder().encode(secret); alg = 'HS256'; break;
        default: break;
      }
      let idToken;
      if (state.mode === 'none') {
        const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
        idToken = `${enc({ alg: 'none' })}.${enc(claims)}.`;
      } else {
        idToken = await new jose.SignJWT(claims).setProtectedHeader({ alg, kid }).sign(key);
      }
      return json(res, 200, { access_token: 'x', token_type: 'Bearer', expires_in: 60, id_token: idToken });
    }
    res.writeHead(404);
    res.end();
  });
  return actual;
}

// c authenticates Tessera by private_key_jwt: Tessera's key is made here and written, private,
// to options.key_file (its config's private_key_file); c knows the public half.
const assertionKey = await jose.generateKeyPair('ES256', { extractable: true });
const privateJwk = { ...(await jose.exportJWK(assertionKey.privateKey)), kid: 'tessera-1', alg: 'ES256' };
const { d, ...publicJwk } = privateJwk;
if (options.key_file) fs.writeFileSync(options.key_file, JSON.stringify(privateJwk), { mode: 0o600 });

const rogue = { id: 'rogue', mode: 'good' };
const ports = {
  a: await realProvider('a', 'client_secret_basic', true),
  b: await realProvider('b', 'client_secret_post', false),
  c: await realProvider('c', 'private_key_jwt', true, { keys: [publicJwk] }),
  rogue: await handWritten(0, rogue),
};
const control = http.createServer(async (req, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  const msg = body ? JSON.parse(body) : {};
  if (req.url === '/next') next[msg.provider] = { account: msg.account, refuse: !!msg.refuse };
  else if (req.url === '/rogue') rogue.mode = msg.mode;
  else if (req.url === '/late') await handWritten(options.late_port, { id: 'late', mode: 'good' });
  res.writeHead(204);
  res.end();
});
ports.control = await listen(control);
console.log(JSON.stringify(ports));
