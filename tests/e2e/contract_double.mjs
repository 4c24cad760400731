// A test double of the server's cookie-session API, written from SPEC.md alone, for proving
// the pages (web/) and the browser scenario (flow.mjs) before the real /auth/* endpoints
// exist, and for telling, when login_flow.mjs fails, whether the page or the server broke.
//
// It serves the real pages by proxying every non-/auth request to a real `tessera serve`, and
// answers /auth/* itself, strictly, as SPEC.md "Browser delivery" and "HTTP API" say:
//   - __Host-tessera_session (HttpOnly; Secure; SameSite=Lax; Path=/) and __Host-tessera_csrf
//     (Secure; SameSite=Lax; Path=/), a new 256-bit id at every login;
//   - CSRF on every cookie-authenticated unsafe request: Origin (else Referer) must be this
//     origin, and X-CSRF-Token must equal the CSRF cookie and belong to the session: 403;
//   - JSON bodies only (415 otherwise), problem+json errors, 401 without a live session;
//   - sessions list {id, created_at, last_seen_at, ip, user_agent, current}; revoke one; logout;
//     logout-all; password change revoking every other session.
// It is not the product: no hashing, no persistence, no rate limit.
import crypto from 'node:crypto';
import http from 'node:http';

const SESSION_COOKIE = '__Host-tessera_session';
const CSRF_COOKIE = '__Host-tessera_csrf';

function parseCookies(header) {
  const out = new Map();
  for (const part of (header || '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

const token = () => crypto.randomBytes(32).toString('base64url');
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');
const now = () => Math.floor(Date.now() / 1000);

export async function startContractDouble(pagesUrl) {
  const users = new Map(); // email -> {id, email, password, roles}
  const sessions = new Map(); // sha256(session id) -> {publicId, userEmail, csrf, created_at, ...}
  let origin = '';

  function send(res, status, body, headers = {}) {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...(text ? { 'Content-Type': 'application/json' } : {}),
      'Cache-Control': 'no-store',
      ...headers,
    });
    res.end(text);
  }

  function problem(res, status, title, detail, headers = {}) {
    const body = JSON.stringify({ type: 'about:blank', title, status, detail });
    res.writeHead(status, { 'Content-Type': 'application/problem+json', ...headers });
    res.end(body);
  }

  function sessionCookies(id, csrf) {
    return [
      `${SESSION_COOKIE}=${id}; Path=/; Secure; HttpOnly; SameSite=Lax`,
      `${CSRF_COOKIE}=${csrf}; Path=/; Secure; SameSite=Lax`,
    ];
  }
  const clearCookies = [
    `${SESSION_COOKIE}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax`,
    `${CSRF_COOKIE}=; Path=/; Max-Age=0; Secure; SameSite=Lax`,
  ];

  function current(req) {
    const id = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    if (!id) return null;
    const key = sha256(id);
    const s = sessions.get(key);
    if (!s) return null;
    s.last_seen_at = now();
    return { key, session: s, user: users.get(s.userEmail) };
  }

  function csrfOk(req, cur) {
    const from =
      req.headers.origin ?? (req.headers.referer ? new URL(req.headers.referer).origin : null);
    if (from !== origin) return `origin ${from} not allowed`;
    const header = req.headers['x-csrf-token'];
    const cookie = parseCookies(req.headers.cookie).get(CSRF_COOKIE);
    if (!header || header !== cookie) return 'CSRF token missing or not equal to the cookie';
    if (sha256(header) !== cur.session.csrfHash) return 'CSRF token of another session';
    return null;
  }

  function newSession(req, user) {
    const id = token();
    const csrf = token();
    const t = now();
    sessions.set(sha256(id), {
      publicId: sha256(`public:${id}`).slice(0, 32),
      userEmail: user.email,
      csrfHash: sha256(csrf),
      created_at: t,
      last_seen_at: t,
      ip: req.socket.remoteAddress,
      user_agent: req.headers['user-agent'] || '',
    });
    return { id, csrf };
  }

  const publicUser = (u) => ({ id: u.id, email: u.email, roles: u.roles });

  async function readJson(req, res) {
    if (!/^application\/json\b/i.test(req.headers['content-type'] || '')) {
      problem(res, 415, 'Unsupported Media Type', 'send application/json');
      return undefined;
    }
    let text = '';
    for await (const chunk of req) text += chunk;
    try {
      const body = JSON.parse(text);
      if (body && typeof body === 'object' && !Array.isArray(body)) return body;
    } catch {
      // fall through
    }
    problem(res, 400, 'Bad Request', 'the body is not a JSON object');
    return undefined;
  }

  async function handleAuth(req, res, path) {
    const unsafe = !['GET', 'HEAD'].includes(req.method);
    if (req.method === 'POST' && path === '/auth/login') {
      if (req.headers.origin && req.headers.origin !== origin) {
        return problem(res, 403, 'Forbidden', 'origin not allowed');
      }
      const body = await readJson(req, res);
      if (!body) return undefined;
      const user = users.get(String(body.email || '').toLowerCase());
      if (!user || user.password !== body.password) {
        return problem(res, 401, 'Unauthorized', 'invalid email or password');
      }
      const { id, csrf } = newSession(req, user);
      return send(
        res,
        200,
        { user: publicUser(user), csrf_token: csrf },
        { 'Set-Cookie': sessionCookies(id, csrf) },
      );
    }
    const cur = current(req);
    if (!cur) return problem(res, 401, 'Unauthorized', 'no valid session');
    if (unsafe) {
      const why = csrfOk(req, cur);
      if (why) return problem(res, 403, 'Forbidden', why);
    }
    if (req.method === 'GET' && path === '/auth/me')
      return send(res, 200, { user: publicUser(cur.user) });
    if (req.method === 'GET' && path === '/auth/sessions') {
      const list = [...sessions.entries()]
        .filter(([, s]) => s.userEmail === cur.user.email)
        .map(([key, s]) => ({
          id: s.publicId,
          created_at: s.created_at,
          last_seen_at: s.last_seen_at,
          ip: s.ip,
          user_agent: s.user_agent,
          current: key === cur.key,
        }));
      return send(res, 200, { sessions: list });
    }
    const revoke = /^\/auth\/sessions\/([^/]+)$/.exec(path);
    if (req.method === 'DELETE' && revoke) {
      for (const [key, s] of sessions) {
        if (s.publicId === revoke[1] && s.userEmail === cur.user.email) {
          sessions.delete(key);
          return send(res, 204);
        }
      }
      return problem(res, 404, 'Not Found', 'no such session');
    }
    if (req.method === 'POST' && (path === '/auth/logout' || path === '/auth/logout-all')) {
      for (const [key, s] of sessions) {
        if (key === cur.key || (path === '/auth/logout-all' && s.userEmail === cur.user.email)) {
          sessions.delete(key);
        }
      }
      return send(res, 204, undefined, { 'Set-Cookie': clearCookies });
    }
    if (req.method === 'POST' && path === '/auth/password') {
      const body = await readJson(req, res);
      if (!body) return undefined;
      if (body.current_password !== cur.user.password) {
        return problem(res, 403, 'Forbidden', 'the current password is wrong');
      }
      if (typeof body.new_password !== 'string' || body.new_password.length < 8) {
        return problem(res, 400, 'Bad Request', 'the new password is too short');
      }
      cur.user.password = body.new_password;
      for (const [key, s] of sessions) {
        if (s.userEmail === cur.user.email && key !== cur.key) sessions.delete(key);
      }
      return send(res, 204);
    }
    return problem(res, 404, 'Not Found', 'no such endpoint in the contract double');
  }

  // Everything else goes to the real server (the pages), unchanged both ways.
  function proxy(req, res) {
    const upstream = http.request(
      `${pagesUrl}${req.url}`,
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => problem(res, 502, 'Bad Gateway', err.message));
    req.pipe(upstream);
  }

  const server = http.createServer((req, res) => {
    const path = new URL(req.url, origin).pathname;
    if (path.startsWith('/auth/')) {
      handleAuth(req, res, path).catch((err) =>
        problem(res, 500, 'Internal Server Error', err.message),
      );
    } else {
      proxy(req, res);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;

  return {
    url: origin,
    addUser(email, password, roles = ['user']) {
      users.set(email, { id: crypto.randomUUID(), email, password, roles });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}
