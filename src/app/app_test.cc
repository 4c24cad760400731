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
  http::Router router = make_router(jose::Jwks());
  http::Response res = router.route(get("/healthz"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(res.body), nlohmann::json({{"status", "ok"}}));
}

TEST(Routes, JwksPublishesPublicKeysOnly) {
  auto key = jose::Jwk::generate(jose::Alg::kES256, "k1");
  ASSERT_TRUE(key);
  http::Router router = make_router(jose::Jwks({*key}));
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
  http::Router router = make_router(jose::Jwks());
  EXPECT_EQ(router.route(get("/")).status, 404);
  http::Request post = get("/healthz");
  post.method = "POST";
  EXPECT_EQ(router.route(post).status, 405);
}

}  // namespace
}  // namespace tessera::app
