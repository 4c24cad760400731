// oidc_code_provider.mjs - the authorization-code peer of bench/http/run.sh: node oidc-provider
// (the version ../shared/peers pins) with one public, first-party code-flow client, so that an
// authorization request from a browser that already has a session goes straight to the code,
// as it does on Tessera for a client registered with --first-party.
//
//   PEERS_DIR=../shared/peers PORT_FILE=FILE CLIENT_ID=bench-app REDIRECT_URI=http://127.0.0.1/cb \
//     node oidc_code_provider.mjs
//
// Listens on 127.0.0.1 (kernel-chosen port, written to $PORT_FILE once serving). The client:
// application_type native, token_endpoint_auth_method none, grant authorization_code, response
// type code, one loopback redirect URI, PKCE (S256; oidc-provider requires it of public
// clients), ID tokens signed ES256. Access tokens: RFC 9068 JWTs signed ES256 for the resource
// urn:bench:jwt (scope api:read), so that one exchange signs two ES256 JWTs, as Tessera's does
// (access token + ID token).
//
// Sign-in: one interaction, done once before the load by whoever drives this (run.sh, with
// curl): GET /authorize -> 303 to /interaction/UID, which this file answers itself by finishing
// the interaction with login {accountId: "bench-user"} (no form, no password: the peer's
// sign-in cost is not what is measured) -> 303 to /authorize/UID (resume), which sets the
// _session cookie and redirects to the client with a code. Consent is pre-approved:
// loadExistingGrant returns the grant the session already holds for the client or, the first
// time (or after the grant was revoked), saves one with openid + api:read for urn:bench:jwt
// (oidc-provider's documented way of skipping consent for first-party clients). Every later GET /authorize with the _session
// cookie then answers 303 with the code, no interaction.
//
// Storage: oidc-provider's built-in MemoryAdapter (dev-only; an LRU of 1000 entries), like the
// peers' provider.mjs: codes, sessions and grants are saved in process memory.
import { createRequire } from 'node:module';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const PEERS_DIR = process.env.PEERS_DIR;
if (!PEERS_DIR) throw new Error('oidc_code_provider.mjs needs PEERS_DIR (../shared/peers, after its setup.sh)');
const require = createRequire(join(PEERS_DIR, 'package.json'));
const { default: Provider, errors } = await import(pathToFileURL(require.resolve('oidc-provider')).href);

const PORT_FILE = process.env.PORT_FILE;
const CLIENT_ID = process.env.CLIENT_ID || 'bench-app';
const REDIRECT_URI = process.env.REDIRECT_URI || 'http://127.0.0.1/cb';
const ACCOUNT = 'bench-user';
const RESOURCE = 'urn:bench:jwt';
const RESOURCE_SCOPE = 'api:read';

const jwk = (kid) => ({
  ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
  kid, alg: 'ES256', use: 'sig',
});

let handler = (req, res) => { res.statusCode = 503; res.end(); };
const server = http.createServer((req, res) => handler(req, res));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [{
      client_id: CLIENT_ID,
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [REDIRECT_URI],
      id_token_signed_response_alg: 'ES256',
    }],
    jwks: { keys: [jwk('bench-es256')] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid'],
    findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      const existing = grantId && await ctx.oidc.provider.Grant.find(grantId);
      if (existing) return existing;
      // None yet, or revoked (a code presented twice revokes its grant): a new pre-approved one.
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid');
      grant.addResourceScope(RESOURCE, RESOURCE_SCOPE);
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resourceIndicator) => {
          if (resourceIndicator !== RESOURCE) throw new errors.InvalidTarget();
          return {
            scope: RESOURCE_SCOPE, audience: RESOURCE, accessTokenTTL: 900,
            accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  const callback = provider.callback();
  handler = async (req, res) => {
    if (!req.url.startsWith('/interaction/')) return callback(req, res);
    try {
      await provider.interactionDetails(req, res);
      await provider.interactionFinished(req, res, { login: { accountId: ACCOUNT } },
        { mergeWithLastSubmission: false });
    } catch (err) {
      console.error('interaction', err);
      res.statusCode = 400;
      res.end(String(err));
    }
  };
  if (PORT_FILE) writeFileSync(PORT_FILE, `${port}\n`);
});

const stop = () => { server.close(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
