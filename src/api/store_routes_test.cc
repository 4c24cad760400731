// api/store_routes.h: inline without a pool; on the pool's threads with one, the quick path on
// the caller's thread, and 503 when the pool is full.
#include "api/store_routes.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace tessera::api {
namespace {

http::Request get(std::string target) {
  http::Request r;
  r.method = "GET";
  r.target = target;
  r.path = std::move(target);
  return r;
}

// Records the thread a handler ran on.
struct Where {
  std::mutex mu;
  std::thread::id id;
  void here() {
    std::lock_guard lock(mu);
    id = std::this_thread::get_id();
  }
  std::thread::id seen() {
    std::lock_guard lock(mu);
    return id;
  }
};

TEST(StoreRoutes, WithoutAPoolTheHandlerIsAPlainSyncRoute) {
  http::Router router;
  Where where;
  add_store_route(router, nullptr, "GET", "/x", [&](const http::Request&) {
    where.here();
    return http::make_response(200, "{}");
  });
  http::Request req = get("/x");
  auto m = router.match(req);
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.async_handler, nullptr);
  EXPECT_EQ(router.route(req).status, 200);
  EXPECT_EQ(where.seen(), std::this_thread::get_id());
}

TEST(StoreRoutes, WithAPoolHandlersRunOnItsWorkersAndQuickAnswersInline) {
  auth::HashPool pool({.threads = 2, .queue_per_thread = 8, .nice = 0});
  http::Router router;
  Where where;
  std::atomic<int> quick_calls{0};
  add_store_route(
      router, &pool, "GET", "/v",
      [&](const http::Request&) {
        where.here();
        return http::make_response(200, R"({"from":"pool"})");
      },
      [&](const http::Request& req) -> std::optional<http::Response> {
        ++quick_calls;
        if (req.headers.get("X-Cached")) return http::make_response(200, R"({"from":"quick"})");
        return std::nullopt;
      });
  add_store_route_async(router, &pool, "POST", "/a", [&](http::Request, http::Responder respond) {
    where.here();
    respond(http::make_response(201, "{}"));
  });

  http::Request miss = get("/v");
  ASSERT_NE(router.match(miss).async_handler, nullptr);
  const std::size_t started = pool.started();
  EXPECT_EQ(router.route(miss).body, R"({"from":"pool"})");
  EXPECT_NE(where.seen(), std::this_thread::get_id());
  EXPECT_EQ(pool.started(), started + 1);

  http::Request hit = get("/v");
  hit.headers.set("X-Cached", "1");
  EXPECT_EQ(router.route(hit).body, R"({"from":"quick"})");
  EXPECT_EQ(pool.started(), started + 1) << "a quick answer went through the pool";
  EXPECT_EQ(quick_calls.load(), 2);

  http::Request post = get("/a");
  post.method = "POST";
  where.here();  // reset to this thread
  EXPECT_EQ(router.route(post).status, 201);
  EXPECT_NE(where.seen(), std::this_thread::get_id());
}

TEST(StoreRoutes, AFullPoolAnswers503AtOnce) {
  auth::HashPool pool({.threads = 1, .queue_per_thread = 1, .nice = 0});
  // Occupy the one worker and the one queue slot.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false, running = false;
  ASSERT_TRUE(pool.submit([&] {
    std::unique_lock lock(mu);
    running = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  }));
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return running; });
  }
  ASSERT_TRUE(pool.submit([] {}));
  http::Router router;
  add_store_route(router, &pool, "GET", "/v",
                  [](const http::Request&) { return http::make_response(200, "{}"); });
  http::Request req = get("/v");
  EXPECT_EQ(router.route(req).status, 503);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
}

}  // namespace
}  // namespace tessera::api
