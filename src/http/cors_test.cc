// The CORS decision (http/cors.h) and its wiring in the Router: listed and unlisted origins,
// preflights with allowed and refused methods and headers, Vary, and routes out of scope.
#include "http/cors.h"

#include <gtest/gtest.h>

#include <memory>

#include "http/router.h"

namespace tessera::http {
namespace {

constexpr std::string_view kApp = "https://app.example.com";
constexpr std::string_view kEvil = "https://evil.example.net";

CorsPolicy policy() { return CorsPolicy({std::string(kApp), "http://localhost:5173"}); }

Request request(std::string method, std::string path, std::string_view origin = {}) {
  Request req;
  req.method = std::move(method);
  req.path = path;
  req.target = std::move(path);
  if (!origin.empty()) req.headers.add("Origin", std::string(origin));
  return req;
}

Request preflight_request(std::string_view origin, std::string method, std::string headers = {}) {
  Request req = request("OPTIONS", "/auth/me", origin);
  req.headers.add("Access-Control-Request-Method", std::move(method));
  if (!headers.empty()) req.headers.add("Access-Control-Request-Headers", std::move(headers));
  return req;
}

std::string header(const Response& r, std::string_view name) {
  return std::string(r.headers.get(name).value_or(""));
}

TEST(Cors, ListedOriginGetsCredentialedHeadersAndVary) {
  Response res = make_response(200, "{}");
  policy().decorate(CorsScope::kCredentialed, kApp, res);
  EXPECT_EQ(header(res, "Access-Control-Allow-Origin"), kApp);
  EXPECT_EQ(header(res, "Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(header(res, "Access-Control-Expose-Headers"), kCorsExposedHeaders);
  EXPECT_EQ(header(res, "Vary"), "Origin");
}

// Negative: an unlisted origin, a look-alike, another scheme, "null" and no Origin get no CORS
// headers, but the response still says it varies by Origin.
TEST(Cors, UnlistedOriginsGetNoCorsHeaders) {
  for (std::string_view origin :
       {kEvil, std::string_view("https://app.example.com.evil.net"),
        std::string_view("http://app.example.com"), std::string_view("https://app.example.com/"),
        std::string_view("null"), std::string_view("*"), std::string_view()}) {
    SCOPED_TRACE(origin);
    Response res = make_response(200, "{}");
    policy().decorate(CorsScope::kCredentialed, origin, res);
    EXPECT_FALSE(res.headers.has("Access-Control-Allow-Origin"));
    EXPECT_FALSE(res.headers.has("Access-Control-Allow-Credentials"));
    EXPECT_EQ(header(res, "Vary"), "Origin");
  }
}

TEST(Cors, VaryIsAppendedOnce) {
  Response res = make_response(200, "{}");
  res.headers.set("Vary", "Cookie");
  policy().decorate(CorsScope::kCredentialed, kApp, res);
  policy().decorate(CorsScope::kCredentialed, kApp, res);
  EXPECT_EQ(header(res, "Vary"), "Cookie, Origin");
}

TEST(Cors, PublicScopeIsAnyOriginWithoutCredentials) {
  Response res = make_response(200, "{}");
  policy().decorate(CorsScope::kPublic, kEvil, res);
  EXPECT_EQ(header(res, "Access-Control-Allow-Origin"), "*");
  EXPECT_FALSE(res.headers.has("Access-Control-Allow-Credentials"));
  EXPECT_FALSE(res.headers.has("Vary"));
}

TEST(Cors, NoScopeNoHeaders) {
  Response res = make_response(200, "{}");
  policy().decorate(CorsScope::kNone, kApp, res);
  EXPECT_EQ(res.headers.size(), make_response(200, "{}").headers.size());
}

TEST(Cors, PreflightFromAListedOriginIsAllowed) {
  Response res = policy().preflight(CorsScope::kCredentialed,
                                    preflight_request(kApp, "POST", "content-type, x-csrf-token"),
                                    "GET, HEAD, OPTIONS, POST");
  EXPECT_EQ(res.status, 204);
  EXPECT_EQ(header(res, "Access-Control-Allow-Origin"), kApp);
  EXPECT_EQ(header(res, "Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(header(res, "Access-Control-Allow-Methods"), "GET, HEAD, OPTIONS, POST");
  EXPECT_EQ(header(res, "Access-Control-Allow-Headers"), kCorsAllowedHeaders);
  EXPECT_EQ(header(res, "Access-Control-Max-Age"), "600");
  EXPECT_EQ(header(res, "Vary"), "Origin");
}

// Negative: each refused preflight is a 204 with no CORS header, so the browser refuses.
TEST(Cors, RefusedPreflightsCarryNoCorsHeaders) {
  const std::string_view methods = "GET, HEAD, OPTIONS";
  const Request refused[] = {
      preflight_request(kEvil, "GET"),                           // unlisted origin
      preflight_request(kApp, "DELETE"),                         // the route has no DELETE
      preflight_request(kApp, "get"),                            // methods are case-sensitive
      preflight_request(kApp, "GET", "Authorization, X-Debug"),  // a header not allowed
      preflight_request({}, "GET"),                              // no Origin
  };
  for (const Request& req : refused) {
    Response res = policy().preflight(CorsScope::kCredentialed, req, methods);
    EXPECT_EQ(res.status, 204);
    EXPECT_FALSE(res.headers.has("Access-Control-Allow-Origin"));
    EXPECT_FALSE(res.headers.has("Access-Control-Allow-Methods"));
    EXPECT_EQ(header(res, "Allow"), methods);
  }
  Request twice = preflight_request(kApp, "GET");
  twice.headers.add("Origin", std::string(kApp));
  EXPECT_FALSE(policy()
                   .preflight(CorsScope::kCredentialed, twice, methods)
                   .headers.has("Access-Control-Allow-Origin"));
}

TEST(Cors, HeaderAndMethodLists) {
  EXPECT_TRUE(cors_headers_allowed(""));
  EXPECT_TRUE(cors_headers_allowed("authorization"));
  EXPECT_TRUE(cors_headers_allowed(" Content-Type ,X-CSRF-TOKEN"));
  EXPECT_FALSE(cors_headers_allowed("content-type, cookie"));
  EXPECT_FALSE(cors_headers_allowed("x-csrf"));
  EXPECT_TRUE(cors_method_allowed("POST", "GET, POST"));
  EXPECT_FALSE(cors_method_allowed("POS", "GET, POST"));
  EXPECT_FALSE(cors_method_allowed("", "GET, POST"));
}

TEST(Cors, ConfiguredOriginsAreNormalized) {
  const CorsPolicy p({"HTTPS://App.Example.com:443", "not an origin"});
  EXPECT_TRUE(p.listed(kApp));
  EXPECT_FALSE(p.listed("not an origin"));
}

// The Router applies it to the paths in scope only, sync and async, and answers preflights.
class CorsRouter : public ::testing::Test {
 protected:
  CorsRouter() {
    router_.use_cors(std::make_shared<const CorsPolicy>(policy()), [](std::string_view path) {
      return path.starts_with("/auth/") ? CorsScope::kCredentialed : CorsScope::kNone;
    });
    router_.add("GET", "/auth/me", [](const Request&) { return make_response(200, "{}"); });
    router_.add_async("POST", "/auth/login",
                      [](Request, Responder respond) { respond(make_response(200, "{}")); });
    router_.add("GET", "/admin/users", [](const Request&) { return make_response(200, "{}"); });
  }
  Router router_;
};

TEST_F(CorsRouter, RoutesInScopeGetTheHeaders) {
  Response me = router_.route(request("GET", "/auth/me", kApp));
  EXPECT_EQ(header(me, "Access-Control-Allow-Origin"), kApp);
  Response login = router_.route(request("POST", "/auth/login", kApp));
  EXPECT_EQ(header(login, "Access-Control-Allow-Origin"), kApp);
  Response not_allowed = router_.route(request("DELETE", "/auth/me", kApp));
  EXPECT_EQ(not_allowed.status, 405);
  EXPECT_EQ(header(not_allowed, "Access-Control-Allow-Origin"), kApp);
  EXPECT_EQ(header(not_allowed, "Allow"), "GET, OPTIONS, HEAD");
}

TEST_F(CorsRouter, RoutesOutOfScopeGetNothing) {
  Response admin = router_.route(request("GET", "/admin/users", kApp));
  EXPECT_FALSE(admin.headers.has("Access-Control-Allow-Origin"));
  EXPECT_FALSE(admin.headers.has("Vary"));
  EXPECT_EQ(router_.route(request("OPTIONS", "/admin/users", kApp)).status, 405);
}

TEST_F(CorsRouter, PreflightListsTheRoutesMethods) {
  Response res = router_.route(preflight_request(kApp, "POST"));  // to /auth/me: GET only
  EXPECT_EQ(res.status, 204);
  EXPECT_FALSE(res.headers.has("Access-Control-Allow-Origin"));
  Request ok = preflight_request(kApp, "GET", "authorization");
  res = router_.route(ok);
  EXPECT_EQ(header(res, "Access-Control-Allow-Origin"), kApp);
  EXPECT_EQ(header(res, "Access-Control-Allow-Methods"), "GET, OPTIONS, HEAD");
}

TEST(CorsRouterWiring, UseCorsAfterRoutesIsAWiringBug) {
  Router r;
  r.add("GET", "/x", [](const Request&) { return make_response(200, "{}"); });
  EXPECT_THROW(r.use_cors(std::make_shared<const CorsPolicy>(policy()),
                          [](std::string_view) { return CorsScope::kNone; }),
               std::logic_error);
}

}  // namespace
}  // namespace tessera::http
