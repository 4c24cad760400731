#include "http/router.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

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

TEST(Router, RoutesListsEveryMethodAndPathSorted) {
  Router r = sample();
  r.add("GET", "/u/{id}", [](const Request&) { return make_response(200, ""); });
  using Route = std::pair<std::string, std::string>;
  EXPECT_EQ(r.routes(), (std::vector<Route>{
                            {"DELETE", "/b"}, {"GET", "/a"}, {"GET", "/u/{id}"}, {"POST", "/a"}}));
}

TEST(Router, HandlerExceptionsPropagateToTheServer) {
  Router r;
  r.add("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("boom"); });
  EXPECT_THROW(r.route(request("GET", "/boom")), std::runtime_error);
}

TEST(Router, PatternSegmentsMatchOneSegment) {
  Router r;
  r.add("DELETE", "/auth/sessions/{id}", [](const Request& req) {
    return make_response(200, std::string(req.path_param("id").value_or("?")));
  });
  r.add("GET", "/auth/sessions", [](const Request&) { return make_response(200, "list"); });
  r.add("GET", "/auth/sessions/current", [](const Request&) { return make_response(200, "cur"); });
  r.add("GET", "/u/{user}/k/{kid}", [](const Request& req) {
    return make_response(
        200, std::string(*req.path_param("user")) + "," + std::string(*req.path_param("kid")));
  });
  EXPECT_EQ(r.route(request("DELETE", "/auth/sessions/abc-_1")).body, "abc-_1");
  EXPECT_EQ(r.route(request("DELETE", "/auth/sessions/%2F")).body, "%2F");  // not decoded
  EXPECT_EQ(r.route(request("GET", "/auth/sessions")).body, "list");
  EXPECT_EQ(r.route(request("GET", "/auth/sessions/current")).body, "cur");  // exact wins
  EXPECT_EQ(r.route(request("GET", "/u/alice/k/k1")).body, "alice,k1");
  for (const char* path : {"/auth/sessions/", "/auth/sessions/a/b", "/auth/sessions//",
                           "/u/alice/k/", "/u//k/k1", "/auth/session/x"}) {
    EXPECT_EQ(r.route(request("DELETE", path)).status, 404) << path;
  }
  Response wrong = r.route(request("GET", "/auth/sessions/abc"));
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers.get("Allow"), "DELETE");
  // Route labels are the registered paths, patterns as written.
  EXPECT_EQ(r.paths(), (std::vector<std::string>{"/auth/sessions/{id}", "/auth/sessions",
                                                 "/auth/sessions/current", "/u/{user}/k/{kid}"}));
  Request req = request("DELETE", "/auth/sessions/xyz");
  Router::Match m = r.match(req);
  EXPECT_EQ(m.route, 0u);
  EXPECT_EQ(req.path_param("id"), "xyz");
  Request none = request("GET", "/zzz");
  EXPECT_EQ(r.match(none).route, Router::kUnmatched);
}

TEST(Router, MalformedPatternsAreWiringBugs) {
  Router r;
  auto h = [](const Request&) { return Response{}; };
  EXPECT_THROW(r.add("GET", "/a/{", h), std::logic_error);
  EXPECT_THROW(r.add("GET", "/a/{x}y", h), std::logic_error);
  EXPECT_THROW(r.add("GET", "/a/{x-y}", h), std::logic_error);
  EXPECT_THROW(r.add("GET", "/a/{x}/{x}", h), std::logic_error);
  EXPECT_THROW(r.add("GET", "relative", h), std::logic_error);
  r.add("GET", "/a/{x}", h);
  EXPECT_THROW(r.add_async("GET", "/a/{x}", [](Request, Responder) {}), std::logic_error);
}

TEST(Router, AsyncHandlerAnsweredFromAnotherThread) {
  Router r;
  r.add_async("POST", "/slow", [](Request req, Responder respond) {
    std::thread([req = std::move(req), respond] {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      respond(make_response(201, req.body));
    }).detach();
  });
  Request req = request("POST", "/slow");
  req.body = "payload";
  Router::Match m = r.match(req);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_NE(m.async_handler, nullptr);
  Response res = r.route(req);  // blocks until answered
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, "payload");
  // HEAD falls back to an async GET too.
  r.add_async("GET", "/g", [](Request, Responder respond) { respond(make_response(200, "g")); });
  EXPECT_EQ(r.route(request("HEAD", "/g")).body, "g");
}

TEST(Router, AsyncHandlerThatDropsOrThrowsGives500) {
  Router r;
  r.add_async("GET", "/drop", [](Request, Responder) {});
  r.add_async("GET", "/throw", [](Request, Responder) { throw std::runtime_error("x"); });
  EXPECT_EQ(r.route(request("GET", "/drop")).status, 500);
  EXPECT_EQ(r.route(request("GET", "/throw")).status, 500);
}

TEST(Responder, FirstAnswerWinsAndAbandonmentAnswers500) {
  std::vector<int> got;
  {
    Responder respond([&](Response res) { got.push_back(res.status); });
    Responder copy = respond;
    EXPECT_FALSE(copy.answered());
    respond(make_response(204, ""));
    copy(make_response(200, ""));  // ignored
    EXPECT_TRUE(copy.answered());
  }
  EXPECT_EQ(got, std::vector<int>{204});
  got.clear();
  {
    Responder dropped([&](Response res) { got.push_back(res.status); });
  }
  EXPECT_EQ(got, std::vector<int>{500});
}

}  // namespace
}  // namespace tessera::http
