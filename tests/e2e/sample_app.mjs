// A tiny third-party OAuth client for the end-to-end tests: a node `http` server on its own
// ephemeral loopback port, a public client doing the authorization code flow with PKCE S256
// against Tessera, everything server side and with node's own modules only.
//
//   GET /          a page with a "Sign in with Tessera" link (#signin): a fresh state, nonce and
//                  PKCE verifier, kept here until the callback uses them.
//   GET /callback  checks state (known, used once) and iss (the issuer from discovery); with
//                  `error` shows it (#status "error", #error); with `code` exchanges it at the
//                  token endpoint (client_id + code_verifier), verifies the ID token (signature
//                  against the JWKS, iss, aud, nonce, exp) and shows #status "signed in" and the
//                  ID token's #email. Anything wrong: #status "failed" and #problem, status 400.
//
// Every callback is also recorded in `app.callbacks` ({error} or {tokens, claims}, or {problem})
// for the test to look at what the page cannot show.
import crypto from 'node:crypto';
import http from 'node:http';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function escapeHtml(s) {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

function page(title, body) {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<title>${escapeHtml(title)}</title></head><body>${body}</body></html>`
  );
}

async function getJson(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res.json();
}

// JWS algorithms the check below knows: node's digest and key options per RFC 7518.
const JWS = {
  ES256: { hash: 'sha256', opts: { dsaEncoding: 'ieee-p1363' } },
  ES384: { hash: 'sha384', opts: { dsaEncoding: 'ieee-p1363' } },
  RS256: { hash: 'sha256', opts: {} },
  EdDSA: { hash: null, opts: {} },
};

// The ID token's claims once its signature verifies against `jwks`; throws otherwise.
function verifiedClaims(idToken, jwks) {
  const [h, p, s] = idToken.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const alg = JWS[header.alg];
  if (!alg) throw new Error(`ID token alg ${header.alg} unknown here`);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`ID token kid ${header.kid} not in the JWKS`);
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const ok = crypto.verify(
    alg.hash,
    Buffer.from(`${h}.${p}`),
    { key, ...alg.opts },
    Buffer.from(s, 'base64url'),
  );
  if (!ok) throw new Error('ID token signature does not verify');
  return JSON.parse(Buffer.from(p, 'base64url'));
}

// Starts the app for the registered public client `clientId` of the Tessera at `issuer`.
// Resolves to {origin, callbacks, close()}.
export async function startSampleApp({ issuer, clientId, scope = 'openid email' }) {
  const discovery = await getJson(`${issuer}/.well-known/openid-configuration`);
  const pending = new Map(); // state -> {verifier, nonce}
  const callbacks = [];
  let origin = '';

  function signInPage() {
    const verifier = b64url(crypto.randomBytes(32));
    const state = b64url(crypto.randomBytes(16));
    const nonce = b64url(crypto.randomBytes(16));
    pending.set(state, { verifier, nonce });
    const url = new URL(discovery.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: `${origin}/callback`,
      scope,
      state,
      nonce,
      code_challenge: b64url(crypto.createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
    }).toString();
    return page(
      'Sample app',
      `<h1>Sample app</h1><p><a id="signin" href="${escapeHtml(url)}">Sign in with Tessera</a></p>`,
    );
  }

  async function callback(query) {
    const state = query.get('state');
    const txn = state === null ? undefined : pending.get(state);
    if (!txn) throw new Error(`unknown or reused state ${state}`);
    pending.delete(state);
    if (query.get('iss') !== discovery.issuer) {
      throw new Error(`iss ${query.get('iss')} is not the issuer ${discovery.issuer}`);
    }
    if (query.has('error')) {
      const error = { error: query.get('error'), description: query.get('error_description') };
      callbacks.push(error);
      return page(
        'Sample app: not signed in',
        `<p id="status">error</p><p id="error">${escapeHtml(error.error)}</p>` +
          `<p id="error-description">${escapeHtml(error.description ?? '')}</p>`,
      );
    }
    const code = query.get('code');
    if (!code) throw new Error('neither code nor error');
    const res = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: `${origin}/callback`,
        client_id: clientId,
        code_verifier: txn.verifier,
      }),
    });
    const tokens = await res.json();
    if (res.status !== 200) {
      throw new Error(`token endpoint: ${res.status} ${JSON.stringify(tokens)}`);
    }
    if (!/^bearer$/i.test(tokens.token_type)) throw new Error(`token_type ${tokens.token_type}`);
    if (!tokens.access_token || !tokens.id_token) throw new Error('no access or ID token');
    const claims = verifiedClaims(tokens.id_token, await getJson(discovery.jwks_uri));
    const aud = [claims.aud].flat();
    if (claims.iss !== discovery.issuer) throw new Error(`ID token iss ${claims.iss}`);
    if (!aud.includes(clientId)) throw new Error(`ID token aud ${claims.aud}`);
    if (claims.nonce !== txn.nonce) throw new Error(`ID token nonce ${claims.nonce}`);
    if (!(claims.exp > Date.now() / 1000)) throw new Error(`ID token exp ${claims.exp}`);
    callbacks.push({ tokens, claims });
    return page(
      'Sample app: signed in',
      `<p id="status">signed in</p><p>as <span id="email">${escapeHtml(claims.email)}</span></p>` +
        `<p id="scope">${escapeHtml(tokens.scope)}</p>`,
    );
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, origin);
    let status = 200;
    let body;
    if (req.method !== 'GET') {
      status = 405;
      body = page('405', '<p>method not allowed</p>');
    } else if (url.pathname === '/') {
      body = signInPage();
    } else if (url.pathname === '/callback') {
      try {
        body = await callback(url.searchParams);
      } catch (err) {
        callbacks.push({ problem: err.message });
        status = 400;
        body = page(
          'Sample app: failed',
          `<p id="status">failed</p><p id="problem">${escapeHtml(err.message)}</p>`,
        );
      }
    } else if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    } else {
      status = 404;
      body = page('404', '<p>not found</p>');
    }
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'",
      'Referrer-Policy': 'no-referrer',
    });
    res.end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    callbacks,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
