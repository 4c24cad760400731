// oauth_browser.mjs - what the OAuth client drivers (oauth_openid_client.mjs,
// oauth_oauth4webapi.mjs) share: a browser played with plain fetch, the case report read by
// oauth_clients.py, and small checks. The libraries do all of the OAuth work; the browser only
// does what a person at a browser would: sign in and press Allow.
import { readFileSync } from 'node:fs';

// The run's parameters from oauth_clients.py: { issuer, alg, email, password, user_id,
// redirect_uri, public_client_id, basic: {client_id, client_secret},
// post: {client_id, client_secret}, cc_scope }.
export function readConfig() {
  return JSON.parse(readFileSync(process.argv[2], 'utf8'));
}

// One JSON object a line on stdout: {case, ok, detail} per case, then {tokens}.
export class Report {
  async run(name, fn) {
    try {
      const detail = await fn();
      this.emit({ case: name, ok: true, detail: detail ?? '' });
      return true;
    } catch (e) {
      this.emit({ case: name, ok: false, detail: describe(e) });
      return false;
    }
  }

  // The case passes when fn throws (the library refused) with a reason matching `why`, and
  // only if control (the honest use of the same thing) passed: refusing everything proves
  // nothing, and a refusal for another reason proves nothing about this one.
  async rejects(name, control, why, fn) {
    if (!control) {
      this.emit({ case: name, ok: false, detail: 'not meaningful: its positive control failed' });
      return;
    }
    try {
      const got = await fn();
      this.emit({ case: name, ok: false, detail: `accepted: ${JSON.stringify(got)?.slice(0, 300)}` });
    } catch (e) {
      const reason = describe(e);
      this.emit({ case: name, ok: why.test(reason),
        detail: why.test(reason) ? reason : `refused, but not for ${why}: ${reason}` });
    }
  }

  tokens(tokens) {
    this.emit({ tokens });
  }

  emit(obj) {
    process.stdout.write(`${JSON.stringify(obj)}\n`);
  }
}

export function describe(e) {
  const parts = [`${e?.name ?? 'Error'}${e?.code ? ` ${e.code}` : ''}: ${e?.message ?? e}`];
  for (let c = e?.cause; c && parts.length < 4; c = c.cause) {
    parts.push(c instanceof Error ? `${c.name}: ${c.message}` : JSON.stringify(c)?.slice(0, 400));
  }
  return parts.join(' <- ');
}

export function expect(ok, what) {
  if (!ok) throw new Error(what);
}

// A copy of the callback URL with one query parameter changed (value undefined: removed).
export function withParam(url, name, value) {
  const copy = new URL(url);
  if (value === undefined) copy.searchParams.delete(name);
  else copy.searchParams.set(name, value);
  return copy;
}

// A fetch for the library that changes one character of the ID token's signature in the token
// endpoint's answer: a library that checks signatures must refuse it.
export function changingIdTokenSignature(tokenEndpoint) {
  return async (url, options) => {
    const res = await fetch(url, options);
    if (new URL(url).href !== new URL(tokenEndpoint).href || !res.ok) return res;
    const body = await res.json();
    const [head, payload, sig] = body.id_token.split('.');
    body.id_token = `${head}.${payload}.${sig.slice(0, 5)}${sig[5] === 'A' ? 'B' : 'A'}${sig.slice(6)}`;
    return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
  };
}

// Calls introspect() until it answers active:false; Tessera's revocation log reaches the node
// within about a second. Returns the last answer.
export async function untilInactive(introspect, seconds = 3) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const answer = await introspect();
    if (answer.active === false || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// A browser with its own cookie jar. Tessera's cookies are `__Host-` ones (Secure), which no
// fetch implementation would send over http, so the jar is kept here from Set-Cookie.
export class Browser {
  constructor(origin, { email, password }) {
    this.origin = new URL(origin).origin;
    this.email = email;
    this.password = password;
    this.cookies = new Map();
    this.steps = [];
  }

  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0];
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /;\s*max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    this.steps.push(`${init.method ?? 'GET'} ${new URL(url).pathname} -> ${res.status}`);
    return res;
  }

  // Follows an authorization URL like a browser until Tessera sends it away from itself (to
  // the app's redirect URI), signing in and allowing on the consent page on the way. Returns
  // that URL; it is not fetched (nothing listens there).
  async authorize(authorizationUrl) {
    let url = new URL(authorizationUrl);
    this.steps = [];
    for (let hop = 0; hop < 12; hop++) {
      if (url.origin !== this.origin) return url;
      if (url.pathname === '/login') {
        await this.signIn();
        url = new URL(url.searchParams.get('return_to'), this.origin);
        continue;
      }
      const res = await this.request(url);
      if ([301, 302, 303, 307, 308].includes(res.status)) {
        url = new URL(res.headers.get('location'), url);
        continue;
      }
      const body = await res.text();
      const ticket = /<input type="hidden" name="ticket" value="([^"]+)">/.exec(body);
      if (res.status !== 200 || !body.includes('action="/oauth2/consent"') || !ticket) {
        throw new Error(`unexpected ${res.status} at ${url} (${this.steps.join(', ')}): ${body.slice(0, 300)}`);
      }
      const answer = await this.request(new URL('/oauth2/consent', this.origin), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.origin },
        body: new URLSearchParams({ ticket: ticket[1], decision: 'allow' }),
      });
      expect(answer.status === 303, `consent answered ${answer.status}: ${await answer.text()}`);
      url = new URL(answer.headers.get('location'), this.origin);
    }
    throw new Error(`too many redirects: ${this.steps.join(', ')}`);
  }

  async signIn() {
    const res = await this.request(new URL('/auth/login', this.origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: this.origin },
      body: JSON.stringify({ email: this.email, password: this.password }),
    });
    expect(res.status === 200, `sign-in answered ${res.status}: ${await res.text()}`);
    expect(this.cookies.has('__Host-tessera_session'), 'sign-in set no session cookie');
  }
}
