#include "app/app.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tessera::app {
namespace {

http::Request get(std::string path) {
  http::Request r;
  r.method = "GET";
  r.target = path;
  r.path = std::move(path);
  return r;
}

TEST(Routes, Healthz) {
  http::Router router = make_router(static_jwks(jose::Jwks()));
  http::Response res = router.route(get("/healthz"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(res.body), nlohmann::json({{"status", "ok"}}));
}

TEST(Routes, JwksPublishesPublicKeysOnly) {
  auto key = jose::Jwk::generate(jose::Alg::kES256, "k1");
  ASSERT_TRUE(key);
  http::Router router = make_router(static_jwks(jose::Jwks({*key})));
  http::Response res = router.route(get("/.well-known/jwks.json"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("Content-Type"), "application/jwk-set+json");
  EXPECT_EQ(res.headers.get("Cache-Control"), "public, max-age=300");
  auto j = nlohmann::json::parse(res.body);
  ASSERT_EQ(j["keys"].size(), 1u);
  EXPECT_EQ(j["keys"][0]["kid"], "k1");
  EXPECT_FALSE(j["keys"][0].contains("d"));
  EXPECT_TRUE(jose::Jwks::parse(res.body).has_value());
}

TEST(Routes, OtherPathsAndMethods) {
  http::Router router = make_router(static_jwks(jose::Jwks()));
  EXPECT_EQ(router.route(get("/nope")).status, 404);
  http::Request post = get("/healthz");
  post.method = "POST";
  EXPECT_EQ(router.route(post).status, 405);
}

TEST(Routes, BrowserPages) {
  http::Router router = make_router(static_jwks(jose::Jwks()));
  EXPECT_EQ(router.route(get("/")).status, 303);
  EXPECT_EQ(router.route(get("/login")).status, 200);
  EXPECT_EQ(router.route(get("/account")).status, 303);  // no cookie: to /login
  EXPECT_EQ(router.route(get("/static/app.js")).status, 200);
  EXPECT_EQ(router.route(get("/static/app.css")).status, 200);
}

TEST(Routes, ReadyzAsksTheProbe) {
  EXPECT_EQ(make_router(static_jwks(jose::Jwks())).route(get("/readyz")).status,
            200);  // default: ready
  bool ready = false;
  http::Router router =
      make_router(static_jwks(jose::Jwks()), {.metrics = nullptr, .ready = [&] { return ready; }});
  http::Response no = router.route(get("/readyz"));
  EXPECT_EQ(no.status, 503);
  EXPECT_EQ(no.headers.get("Content-Type"), "application/problem+json");
  ready = true;
  EXPECT_EQ(router.route(get("/readyz")).status, 200);
}

TEST(Routes, MetricsWhenWired) {
  EXPECT_EQ(make_router(static_jwks(jose::Jwks())).route(get("/metrics")).status, 404);
  http::Metrics metrics;
  metrics.logins().inc("success");
  http::Router router =
      make_router(static_jwks(jose::Jwks()), {.metrics = &metrics, .ready = nullptr});
  http::Response res = router.route(get("/metrics"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(res.body.find("tessera_logins_total{result=\"success\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace tessera::app
