// Follows Tessera's revocation feed and verifies access tokens locally with `jose`: a revoked
// token is refused within a second, with no call to Tessera per request (docs/revocation-feed.md).
import { createRemoteJWKSet, jwtVerify } from "jose";

export function follow({ issuer, audience, clientId, clientSecret, maxSilenceMs = 30000 }) {
  const jwksUrl = new URL(issuer + "/.well-known/jwks.json");
  let jwks = createRemoteJWKSet(jwksUrl);
  let denied = new Map(), notBefore = new Map(), completeSince = 0;
  let lastId = null, heardAt = 0, stopped = false, controller = null;

  function apply(event, d, id) {
    if (event === "snapshot") {
      denied = new Map(d.denied.map((e) => [e.key, e.exp]));
      notBefore = new Map(d.not_before.map((e) => [e.sub, e.not_before_ms]));
      completeSince = d.complete_since_ms;
    } else if (event === "revoke") {
      denied.set(d.key, Math.max(d.exp, denied.get(d.key) ?? 0));
    } else if (event === "not_before") {
      notBefore.set(d.sub, Math.max(d.not_before_ms, notBefore.get(d.sub) ?? 0));
    } else if (event === "keys") {
      jwks = createRemoteJWKSet(jwksUrl); // a rotation: fetch the keys again now
    }
    if (id) lastId = id;
  }

  async function feedToken() {
    const res = await fetch(issuer + "/oauth2/token", {
      method: "POST",
      headers: { Authorization: "Basic " + btoa(clientId + ":" + clientSecret),
                 "Content-Type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&scope=revocations:read",
    });
    if (!res.ok) throw new Error("token endpoint: " + res.status);
    return (await res.json()).access_token;
  }

  async function run() {
    while (!stopped) {
      try {
        controller = new AbortController();
        const headers = { Authorization: "Bearer " + (await feedToken()) };
        if (lastId) headers["Last-Event-ID"] = lastId; // resume: nothing is lost
        const res = await fetch(issuer + "/oauth2/revocation-feed", { headers, signal: controller.signal });
        if (!res.ok) throw new Error("revocation feed: " + res.status);
        const decoder = new TextDecoder();
        let buffer = "";
        for await (const chunk of res.body) {
          heardAt = Date.now(); // events and keep-alive comments alike
          buffer += decoder.decode(chunk, { stream: true });
          for (let end; (end = buffer.indexOf("\n\n")) >= 0; buffer = buffer.slice(end + 2)) {
            let event = "message", data = "", id = null;
            for (const line of buffer.slice(0, end).split("\n")) {
              if (line.startsWith("event: ")) event = line.slice(7);
              else if (line.startsWith("data: ")) data += line.slice(6);
              else if (line.startsWith("id: ")) id = line.slice(4);
            }
            if (data) apply(event, JSON.parse(data), id);
          }
        }
      } catch (e) {
        if (stopped) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000)); // then reconnect
    }
  }
  run();

  const live = () => heardAt > 0 && Date.now() - heardAt < maxSilenceMs;
  // When the token was issued, in ms: a Tessera jti begins with it (6 bytes, big-endian).
  const issuedMs = ({ jti, iat }) => {
    const raw = Buffer.from(jti, "base64url");
    return raw.length === 22 ? raw.readUIntBE(0, 6) : iat * 1000;
  };
  return {
    get ready() { return live(); },
    async verify(token) {
      if (!live()) throw new Error("revocation feed silent: failing closed");
      const { payload } = await jwtVerify(token, jwks, {
        issuer, audience, typ: "at+jwt", algorithms: ["ES256"], clockTolerance: 30,
      });
      const now = Date.now() / 1000;
      const isDenied = (key) => (denied.get(key) ?? -1) >= now;
      const cutoff = Math.max(completeSince, notBefore.get(payload.sub) ?? 0);
      if (isDenied(payload.jti) || (payload.sid && isDenied("sid:" + payload.sid)) ||
          issuedMs(payload) <= cutoff) {
        throw new Error("token revoked");
      }
      return payload;
    },
    stop() {
      stopped = true;
      controller?.abort();
    },
  };
}
