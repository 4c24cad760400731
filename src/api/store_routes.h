// Where handlers that read or write the stores run.
//
// With the embedded default (SQLite on a local disk) a store call takes microseconds and runs
// inline on the I/O thread. With PostgreSQL or Redis (ApiOptions::offload) every call is a
// network round trip, so those handlers run on the store pool instead: an I/O thread never
// waits on a socket to a database, and a slow or unreachable one (bounded by
// store.network_timeout) holds a store worker, not the server. A full pool answers 503 at once.
//
// A route may add a `quick` path that answers on the I/O thread when it can without any store
// call (/auth/verify: a session already in the in-process cache); when it returns nullopt the
// request goes to the pool.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "auth/hash_pool.h"
#include "http/router.h"

namespace tessera::api {

using QuickPath = std::function<std::optional<http::Response>(const http::Request&)>;

// Registers a sync handler `h` on `method` `path`: inline when `pool` is null, else on `pool`
// (ApiContext::offload_pool()). `quick` is only used with a pool.
// REQUIRES: `pool` outlives the router's use.
void add_store_route(http::Router& router, auth::HashPool* pool, const std::string& method,
                     const std::string& path, http::Handler h, QuickPath quick = nullptr);

// The same for an async handler: `h` starts on `pool` when there is one.
void add_store_route_async(http::Router& router, auth::HashPool* pool, const std::string& method,
                           const std::string& path, http::AsyncHandler h);

}  // namespace tessera::api
