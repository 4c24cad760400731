#include "http/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace tessera::http {
namespace {

Request request(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.target = path;
  r.path = std::move(path);
  return r;
}

Router sample() {
  Router r;
  r.add("GET", "/a", [](const Request&) { return make_response(200, "get a"); });
  r.add("POST", "/a", [](const Request& req) { return make_response(201, req.body); });
  r.add("DELETE", "/b", [](const Request&) { return make_response(204, ""); });
  return r;
}

TEST(Router, DispatchesOnMethodAndExactPath) {
  Router r = sample();
  EXPECT_EQ(r.route(request("GET", "/a")).body, "get a");
  Request post = request("POST", "/a");
  post.body = "x";
  Response res = r.route(post);
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, "x");
}

TEST(Router, UnknownPathIs404Problem) {
  Router r = sample();
  for (const char* path : {"/", "/a/", "/A", "/a%2F", "/c"}) {
    Response res = r.route(request("GET", path));
    EXPECT_EQ(res.status, 404) << path;
    EXPECT_EQ(res.headers.get("Content-Type"), "application/problem+json");
    EXPECT_EQ(nlohmann::json::parse(res.body)["status"], 404);
  }
}

TEST(Router, WrongMethodIs405WithAllow) {
  Router r = sample();
  Response res = r.route(request("PUT", "/a"));
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.headers.get("Allow"), "GET, POST, HEAD");
  EXPECT_EQ(res.headers.get("Content-Type"), "application/problem+json");
  EXPECT_EQ(r.route(request("GET", "/b")).headers.get("Allow"), "DELETE");
  // Methods are case-sensitive (RFC 9110 section 9.1).
  EXPECT_EQ(r.route(request("get", "/a")).status, 405);
}

TEST(Router, HeadFallsBackToGet) {
  Router r = sample();
  EXPECT_EQ(r.route(request("HEAD", "/a")).body, "get a");  // the server drops the body
  EXPECT_EQ(r.route(request("HEAD", "/b")).status, 405);
}

TEST(Router, DuplicateRouteIsAWiringBug) {
  Router r = sample();
  EXPECT_THROW(r.add("GET", "/a", [](const Request&) { return Response{}; }), std::logic_error);
}

TEST(Router, HandlerExceptionsPropagateToTheServer) {
  Router r;
  r.add("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("boom"); });
  EXPECT_THROW(r.route(request("GET", "/boom")), std::runtime_error);
}

}  // namespace
}  // namespace tessera::http
