// GET /oauth2/revocation-feed (issue 20; Tessera's own endpoint, no RFC defines one): the
// revocation log as server-sent events (WHATWG HTML, "Server-sent events"), so that a service
// that verifies access tokens itself (from JWKS) refuses a revoked one within a second, with no
// call to Tessera per request (docs/revocation-feed.md).
//
// Who: a service's own access token (client credentials, RFC 6749 section 4.4) carrying the
// scope `revocations:read`, as a Bearer token (RFC 6750 section 2.1). A missing or invalid token
// is 401 invalid_token, a user's token or one without the scope 403 insufficient_scope (RFC 6750
// section 3.1). The stream ends when the token expires (noticed at the next event or keep-alive,
// within 15 s): the service reconnects with a new one.
//
// The stream (Content-Type: text/event-stream), each event's data one JSON object:
//   retry: 2000                                 reconnect after 2 s
//   id: S / event: snapshot                     {"denied": [{"key", "exp"}], "not_before":
//                                               [{"sub", "not_before_ms"}], "complete_since_ms"}
//                                               the whole state at log position S; replaces
//                                               everything the service held
//   id: N / event: revoke                       {"key", "exp"}: refuse tokens whose jti, or
//                                               "sid:" + whose sid, is `key`, until `exp`
//   id: N / event: not_before                   {"sub", "not_before_ms"}: refuse the user's
//                                               tokens issued at or before it (the issue
//                                               time in ms opens the jti: access_tokens.h)
//   event: keys                                 {}: the key ring changed; fetch JWKS again
//   : keep-alive                                a comment, every 15 s of silence
// complete_since_ms > 0: the store lost its state and began again then; every token issued at
// or before it counts as revoked.
//
// Resuming: a request with Last-Event-ID (the decimal id of the last event applied) gets the
// events after it if this node still holds them, else a snapshot first. Without the header the
// stream starts with a snapshot. A malformed Last-Event-ID is 400. Events are the store's log,
// so every node of a cluster numbers them alike: a service may resume on any node.
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

inline constexpr std::string_view kRevocationFeedScope = "revocations:read";

// Registers the route. `ctx` must outlive the router and every stream it started.
void add_revocation_feed_route(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
