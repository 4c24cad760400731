// Drives examples/revocation-feed/follower.mjs (copied beside a node_modules with `jose`) against
// a live Tessera for revocation_feed_followers.py; prints one JSON object of what it saw.
//   node feed_follower_node.mjs FOLLOWER ISSUER AUDIENCE CLIENT_ID CLIENT_SECRET PASSWORD
// Users user@example.com and admin@example.com (role admin) must exist with PASSWORD.
import { pathToFileURL } from "node:url";

const [followerPath, issuer, audience, clientId, clientSecret, password] = process.argv.slice(2);
const realFetch = globalThis.fetch;
const calls = []; // every URL the follower fetched
globalThis.fetch = (url, options) => {
  calls.push(String(url));
  return realFetch(url, options);
};
const { follow } = await import(pathToFileURL(followerPath).href);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function login(email) {
  const res = await realFetch(issuer + "/auth/token", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  return (await res.json()).access_token;
}
const post = (path, token) =>
  realFetch(issuer + path, { method: "POST", headers: { Authorization: "Bearer " + token } });
async function accepted(service, token) {
  try {
    await service.verify(token);
    return true;
  } catch (e) {
    return false;
  }
}
// Milliseconds until `token` is refused (null: still accepted after 5 s).
async function refusedAfter(service, token, t0) {
  while (Date.now() - t0 < 5000) {
    if (!(await accepted(service, token))) return Date.now() - t0;
    await sleep(5);
  }
  return null;
}
// Fetches other than the follower's own feed connection (its token and the stream): JWKS.
const requestPathFetches = () =>
  calls.filter((u) => !u.endsWith("/oauth2/token") && !u.endsWith("/oauth2/revocation-feed")).length;

const out = {};
const service = follow({ issuer, audience, clientId, clientSecret });
for (let i = 0; i < 200 && !service.ready; ++i) await sleep(50);
out.ready = service.ready;

const a = await login("user@example.com");
const b = await login("user@example.com");
const c = await login("user@example.com");
out.valid_accepted = (await accepted(service, a)) && (await accepted(service, b)) &&
                     (await accepted(service, c));
const warm = requestPathFetches();

let t0 = Date.now();
await post("/auth/logout", a);
out.logout_refused_ms = await refusedAfter(service, a, t0);
out.others_still_accepted = (await accepted(service, b)) && (await accepted(service, c));

t0 = Date.now();
await post("/auth/logout-all", b);
out.logout_all_refused_ms = await refusedAfter(service, c, t0);
out.fetches_on_request_path = requestPathFetches() - warm;

const admin = await login("admin@example.com");
const old = await login("user@example.com");
out.before_rotation_accepted = await accepted(service, old);
t0 = Date.now();
const rotated = await realFetch(issuer + "/admin/keys/rotate?emergency=true", {
  method: "POST", headers: { Authorization: "Bearer " + admin },
});
out.rotation_status = rotated.status;
out.rotation_refused_ms = await refusedAfter(service, old, t0);
out.after_rotation_accepted = await accepted(service, await login("user@example.com"));
service.stop();
console.log(JSON.stringify(out));
process.exit(0);
