#include "api/store_routes.h"

#include <memory>
#include <utility>

#include "api/error_mapping.h"

namespace tessera::api {
namespace {

// Runs `job` on `pool`, or answers 503 (busy) when its queue is full.
void on_pool(auth::HashPool& pool, const http::Responder& respond, std::function<void()> job) {
  if (!pool.submit(std::move(job))) respond(error_response(auth::make_error(auth::Errc::kBusy)));
}

}  // namespace

void add_store_route(http::Router& router, auth::HashPool* pool, const std::string& method,
                     const std::string& path, http::Handler h, QuickPath quick) {
  if (pool == nullptr) return router.add(method, path, std::move(h));
  router.add_async(method, path,
                   [pool, h = std::move(h), quick = std::move(quick)](http::Request req,
                                                                      http::Responder respond) {
                     if (quick) {
                       if (auto answer = quick(req)) return respond(std::move(*answer));
                     }
                     auto shared = std::make_shared<http::Request>(std::move(req));
                     on_pool(*pool, respond, [h, shared, respond] { respond(h(*shared)); });
                   });
}

void add_store_route_async(http::Router& router, auth::HashPool* pool, const std::string& method,
                           const std::string& path, http::AsyncHandler h) {
  if (pool == nullptr) return router.add_async(method, path, std::move(h));
  router.add_async(
      method, path, [pool, h = std::move(h)](http::Request req, http::Responder respond) {
        auto shared = std::make_shared<http::Request>(std::move(req));
        on_pool(*pool, respond, [h, shared, respond] { h(std::move(*shared), respond); });
      });
}

}  // namespace tessera::api
