// Wiring: configuration -> data dir and keys -> routes -> server. The one place that knows which
// pieces make up `tessera serve`.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "api/api_context.h"
#include "api/web_pages.h"
#include "app/config.h"
#include "http/metrics.h"
#include "http/router.h"
#include "tessera/jwk.h"

namespace tessera::app {

// What the operational routes report. /metrics is served when `metrics` is set (it must
// outlive the router); /readyz asks `ready` (empty: always ready).
struct Probes {
  const http::Metrics* metrics = nullptr;
  http::ReadinessCheck ready;
  // Whether make_router serves the operator's routes, /metrics and /admin/* (false when
  // server.admin_listen puts them on make_admin_router's listener: 404 here).
  bool operator_routes = true;
  // With federated sign-in: the ids of the upstream providers that cannot be reached now,
  // which /readyz lists (still 200: the rest of the server works). Unset: none.
  std::function<std::vector<std::string>()> unavailable_providers;
};

// What /.well-known/jwks.json publishes: `json` is called per request (the keyring changes
// while the server runs); `max_age` is its Cache-Control max-age in seconds.
struct JwksSource {
  std::function<std::string()> json;
  std::int64_t max_age = 300;
};

// A fixed key set (tests): its public members, max-age 300.
JwksSource static_jwks(const jose::Jwks& keys);

// The routes over the loaded state:
//   GET /healthz                -> 200 {"status":"ok"} (liveness)
//   GET /readyz                 -> 200 {"status":"ready"}, or 503 problem+json (readiness)
//   GET /metrics                -> Prometheus text (http/metrics.h), when probes.metrics
//   GET /.well-known/jwks.json  -> 200 the public keys (RFC 7517 section 5)
//   GET /, /login, /account, /static/*  -> the browser pages (api/web_pages.h)
// and, when `api` is given, the JSON API over it (api/auth_handlers.h, api/verify_handler.h,
// api/admin_handlers.h) with the pages' viewer lookup wired to the session service.
// `pages`: what the pages say that the configuration decides (sign-up open, mail on, password
// length); its viewer and add_viewer_route are set here when `api` is given.
// `cors_origins` (web.cors_origins, checked): when not empty, the CORS headers and preflights
// of http/cors.h on /auth/*, /oauth2/token|userinfo|revoke (those origins, with credentials)
// and /.well-known/* (any origin).
// `api` must outlive the router.
http::Router make_router(JwksSource jwks, const Probes& probes = {},
                         const api::ApiContext* api = nullptr, api::WebPagesOptions pages = {},
                         const std::vector<std::string>& cors_origins = {});

// The routes of the operator-only listener (server.admin_listen): /healthz, /readyz, /metrics
// (when probes.metrics) and, when `api` is given, the admin API (/admin/*). The same handlers
// as make_router's; `api` must outlive the router.
http::Router make_admin_router(const Probes& probes, const api::ApiContext* api);

// The configuration's part of the pages' options (make_router's `pages`).
api::WebPagesOptions page_options(const Config& config);

// Every (method, path) the server that serve(config) runs would route, CORS preflights
// included: the same services (opened on config's data dir and stores), API context and
// make_router, but nothing bound or served. Like a first start, it creates the data dir's
// files (master key, database, first keys) when missing: give it a scratch dir. For `tessera
// routes` (the OpenAPI description's check, docs/api.md). An error is a message for stderr.
std::expected<std::vector<std::pair<std::string, std::string>>, std::string> route_list(
    const Config& config);

// Opens the data dir (creating it and the master key on first start), opens the stores
// (store.backend: SQLite file <data_dir>/tessera.db, migrated at start; or memory), builds the
// services (hash pool sized by auth.hash_threads; the keyring, with its first keys on first
// start), binds, starts the maintenance thread (keyring and revocation changes from other
// processes, automatic rotation, purges), writes one line
// "listening on <url>" to `announce` (flushed: scripts and tests read the port from it), then
// with server.admin_listen a second line "admin listening on <url>" (that listener's), and
// serves until SIGINT/SIGTERM and the graceful drain are done (stop accepting, in-flight
// requests finish, then the hash pool finishes its queued jobs and stops). An error is a message
// for stderr: nothing was served. `config` is validated first (load_config already did, for a
// Config from the command line).
std::expected<void, std::string> serve(const Config& config, std::ostream& announce);

}  // namespace tessera::app
