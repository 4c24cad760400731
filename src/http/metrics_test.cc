#include "http/metrics.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "http/testing/exposition.h"

namespace tessera::http {
namespace {

using namespace std::chrono_literals;

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

TEST(Metrics, CountsRequestsByRouteMethodAndStatus) {
  Metrics m;
  m.set_routes({"/a", "/b/{id}"});
  m.observe_request(0, "GET", 200, 1ms);
  m.observe_request(0, "GET", 200, 2ms);
  m.observe_request(0, "POST", 401, 3ms);
  m.observe_request(1, "DELETE", 204, 100us);
  m.observe_request(Router::kUnmatched, "GET", 404, 0ns);
  m.observe_request(57, "GET", 404, 0ns);  // past the routes: unmatched
  m.observe_request(0, "BREW", 200, 0ns);  // unknown method: "other"
  m.observe_request(0, "GET", 999, 0ns);   // impossible status: counted as 500
  std::string t = m.render();
  EXPECT_TRUE(has_line(t, R"(tessera_http_requests_total{route="/a",method="GET",status="200"} 2)"))
      << t;
  EXPECT_TRUE(
      has_line(t, R"(tessera_http_requests_total{route="/a",method="POST",status="401"} 1)"));
  EXPECT_TRUE(has_line(
      t, R"(tessera_http_requests_total{route="/b/{id}",method="DELETE",status="204"} 1)"));
  EXPECT_TRUE(
      has_line(t, R"(tessera_http_requests_total{route="unmatched",method="GET",status="404"} 2)"));
  EXPECT_TRUE(
      has_line(t, R"(tessera_http_requests_total{route="/a",method="other",status="200"} 1)"));
  EXPECT_TRUE(
      has_line(t, R"(tessera_http_requests_total{route="/a",method="GET",status="500"} 1)"));
  EXPECT_EQ(t.find("BREW"), std::string::npos);
  EXPECT_TRUE(has_line(t, "# TYPE tessera_http_requests_total counter"));
}

TEST(Metrics, LatencyHistogramIsCumulative) {
  Metrics m;
  m.set_routes({"/a"});
  m.observe_request(0, "GET", 200, 300us);  // <= 0.0005
  m.observe_request(0, "GET", 200, 1ms);    // <= 0.001 (bounds are inclusive)
  m.observe_request(0, "GET", 200, 40ms);   // <= 0.05
  m.observe_request(0, "GET", 200, 20s);    // +Inf only
  std::string t = m.render();
  EXPECT_TRUE(has_line(t, "# TYPE tessera_http_request_duration_seconds histogram"));
  EXPECT_TRUE(
      has_line(t, R"(tessera_http_request_duration_seconds_bucket{route="/a",le="0.0005"} 1)"))
      << t;
  EXPECT_TRUE(
      has_line(t, R"(tessera_http_request_duration_seconds_bucket{route="/a",le="0.001"} 2)"));
  EXPECT_TRUE(
      has_line(t, R"(tessera_http_request_duration_seconds_bucket{route="/a",le="0.025"} 2)"));
  EXPECT_TRUE(
      has_line(t, R"(tessera_http_request_duration_seconds_bucket{route="/a",le="0.05"} 3)"));
  EXPECT_TRUE(has_line(t, R"(tessera_http_request_duration_seconds_bucket{route="/a",le="10"} 3)"));
  EXPECT_TRUE(
      has_line(t, R"(tessera_http_request_duration_seconds_bucket{route="/a",le="+Inf"} 4)"));
  EXPECT_TRUE(has_line(t, R"(tessera_http_request_duration_seconds_count{route="/a"} 4)"));
  EXPECT_TRUE(has_line(t, R"(tessera_http_request_duration_seconds_sum{route="/a"} 20.0413)")) << t;
  // Routes without requests have no histogram lines.
  EXPECT_EQ(t.find(R"(route="unmatched",le=)"), std::string::npos);
}

TEST(Metrics, NamedCountersAndGauges) {
  Metrics m;
  Counter& ok = m.logins().with("success");
  ok.inc();
  ok.inc();
  m.logins().inc("failure");
  m.revocations().inc("logout", 3);
  m.counter("tessera_custom_total", "Custom", "kind").inc("a\"b\\c\nd");
  EXPECT_EQ(&m.counter("tessera_custom_total", "Custom", "kind"),
            &m.counter("tessera_custom_total", "other help", "kind"));
  m.gauge("tessera_queue_depth", "Jobs waiting", [] { return 7.0; });
  m.gauge("tessera_broken", "Throws", []() -> double { throw std::runtime_error("x"); });
  std::string t = m.render();
  EXPECT_TRUE(has_line(t, "# TYPE tessera_logins_total counter"));
  EXPECT_TRUE(has_line(t, R"(tessera_logins_total{result="success"} 2)")) << t;
  EXPECT_TRUE(has_line(t, R"(tessera_logins_total{result="failure"} 1)"));
  EXPECT_TRUE(has_line(t, R"(tessera_revocations_total{kind="logout"} 3)"));
  EXPECT_TRUE(has_line(t, R"(tessera_custom_total{kind="a\"b\\c\nd"} 1)")) << t;
  EXPECT_TRUE(has_line(t, "# TYPE tessera_queue_depth gauge"));
  EXPECT_TRUE(has_line(t, "tessera_queue_depth 7"));
  EXPECT_TRUE(has_line(t, "tessera_broken NaN"));
}

TEST(Metrics, RegistrationMistakesAreWiringBugs) {
  Metrics m;
  EXPECT_THROW(m.counter("bad name", "", "x"), std::logic_error);
  EXPECT_THROW(m.counter("tessera_x_total", "", "bad-label"), std::logic_error);
  EXPECT_THROW(m.counter("tessera_logins_total", "", "other_label"), std::logic_error);
  m.gauge("tessera_g", "", [] { return 1.0; });
  EXPECT_THROW(m.gauge("tessera_g", "", [] { return 1.0; }), std::logic_error);
  EXPECT_THROW(m.counter("tessera_g", "", "x"), std::logic_error);
  EXPECT_THROW(m.histogram("tessera_g", "", {}), std::logic_error);
  EXPECT_THROW(m.histogram("tessera_h_seconds", "", {{"le", "1"}}), std::logic_error);
  m.histogram("tessera_h_seconds", "", {{"op", "a"}});
  EXPECT_THROW(m.gauge("tessera_h_seconds", "", [] { return 1.0; }), std::logic_error);
  EXPECT_THROW(m.counter("tessera_h_seconds", "", "x"), std::logic_error);
  m.gauge("tessera_l", "", {{"state", "idle"}}, [] { return 1.0; });
  EXPECT_THROW(m.gauge("tessera_l", "", {{"state", "idle"}}, [] { return 1.0; }), std::logic_error);
  EXPECT_THROW(m.sampled_counter("tessera_l", "", [] { return 1.0; }), std::logic_error);
}

TEST(LatencyHistogram, SnapshotIsCumulativeWithCountAndSum) {
  base::LatencyHistogram h;
  EXPECT_EQ(h.snapshot().count(), 0u);
  h.observe(300us);  // <= 0.0005
  h.observe(1ms);    // <= 0.001 (inclusive)
  h.observe(-5ms);   // negative: zero, first bucket
  h.observe(20s);    // +Inf only
  auto s = h.snapshot();
  EXPECT_EQ(s.cumulative[0], 2u);
  EXPECT_EQ(s.cumulative[1], 3u);
  EXPECT_EQ(s.cumulative[base::LatencyHistogram::kBounds.size() - 1], 3u);  // <= 10 s
  EXPECT_EQ(s.count(), 4u);
  EXPECT_DOUBLE_EQ(s.sum_seconds, 20.0013);
}

TEST(LatencyHistogram, ScopedLatencyObservesOnceAndNullIsFree) {
  base::LatencyHistogram h;
  { base::ScopedLatency timed(&h); }
  EXPECT_EQ(h.snapshot().count(), 1u);
  { base::ScopedLatency untimed(nullptr); }  // must not crash, observes nothing
  EXPECT_EQ(h.snapshot().count(), 1u);
}

TEST(Metrics, LabelledHistogramsAndGaugesShareOneTypeLine) {
  Metrics m;
  base::LatencyHistogram& read = m.histogram("tessera_store_operation_duration_seconds",
                                             "Store ops", {{"backend", "sqlite"}, {"op", "read"}});
  base::LatencyHistogram& write =
      m.histogram("tessera_store_operation_duration_seconds", "Store ops",
                  {{"backend", "sqlite"}, {"op", "write"}});
  EXPECT_NE(&read, &write);
  EXPECT_EQ(&read, &m.histogram("tessera_store_operation_duration_seconds", "x",
                                {{"backend", "sqlite"}, {"op", "read"}}));
  read.observe(2ms);
  read.observe(30ms);
  write.observe(7s);
  m.gauge("tessera_pool", "Pool", {{"state", "idle"}}, [] { return 3.0; });
  m.gauge("tessera_pool", "Pool", {{"state", "in_use"}}, [] { return 1.0; });
  const std::string t = m.render();
  EXPECT_TRUE(testing::exposition_errors(t).empty()) << testing::exposition_errors(t)[0] << t;
  std::size_t types = 0;
  for (auto at = t.find("# TYPE tessera_store_operation_duration_seconds histogram");
       at != std::string::npos;
       at = t.find("# TYPE tessera_store_operation_duration_seconds", at + 1)) {
    ++types;
  }
  EXPECT_EQ(types, 1u);
  EXPECT_TRUE(has_line(
      t,
      R"(tessera_store_operation_duration_seconds_bucket{backend="sqlite",op="read",le="0.0025"} 1)"))
      << t;
  EXPECT_TRUE(has_line(
      t,
      R"(tessera_store_operation_duration_seconds_bucket{backend="sqlite",op="read",le="0.05"} 2)"));
  EXPECT_TRUE(has_line(
      t, R"(tessera_store_operation_duration_seconds_count{backend="sqlite",op="write"} 1)"));
  EXPECT_TRUE(has_line(
      t,
      R"(tessera_store_operation_duration_seconds_bucket{backend="sqlite",op="write",le="5"} 0)"));
  EXPECT_TRUE(has_line(t, "# TYPE tessera_pool gauge"));
  EXPECT_TRUE(has_line(t, R"(tessera_pool{state="idle"} 3)"));
  EXPECT_TRUE(has_line(t, R"(tessera_pool{state="in_use"} 1)"));
  EXPECT_EQ(t.find("# TYPE tessera_pool gauge"), t.rfind("# TYPE tessera_pool gauge"));
}

// The checker itself must catch what it claims to (else the tests above prove nothing).
TEST(Exposition, CheckerRejectsBrokenHistogramsAndTypes) {
  EXPECT_FALSE(testing::exposition_errors("x_total 1\n").empty());  // no TYPE
  EXPECT_FALSE(
      testing::exposition_errors("# TYPE a_total counter\n# TYPE a_total counter\na_total 1\n")
          .empty());
  const std::string decreasing =
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n";
  EXPECT_FALSE(testing::exposition_errors(decreasing).empty());
  const std::string count_off =
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n";
  EXPECT_FALSE(testing::exposition_errors(count_off).empty());
  const std::string good =
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n";
  EXPECT_TRUE(testing::exposition_errors(good).empty());
}

TEST(Metrics, WholeRenderIsWellFormed) {
  Metrics m;
  m.set_routes({"/a"});
  m.observe_request(0, "GET", 200, 3ms);
  m.observe_request(Router::kUnmatched, "GET", 404, 1ms);
  m.logins().inc("success");
  m.tokens_issued().inc("access");
  m.refreshes().inc("rotated");
  m.sampled_counter("tessera_x_total", "X", [] { return 2.0; });
  const std::string t = m.render();
  const auto errors = testing::exposition_errors(t);
  EXPECT_TRUE(errors.empty()) << errors[0] << "\n" << t;
  EXPECT_EQ(
      testing::sample_value(t, "tessera_http_request_duration_seconds_count", R"(route="/a")"), 1);
}

TEST(Metrics, ConcurrentObservationsAreAllCounted) {
  Metrics m;
  m.set_routes({"/verify"});
  constexpr int kThreads = 4, kEach = 50'000;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < kEach; ++j) m.observe_request(0, "GET", 200, 100us);
    });
  }
  std::thread scraper([&] {
    for (int j = 0; j < 50; ++j) (void)m.render();
  });
  for (auto& t : threads) t.join();
  scraper.join();
  EXPECT_TRUE(
      has_line(m.render(),
               R"(tessera_http_requests_total{route="/verify",method="GET",status="200"} 200000)"));
}

TEST(Metrics, Handlers) {
  Metrics m;
  Response res = metrics_handler(m)(Request{});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(res.body.find("tessera_logins_total"), std::string::npos);

  EXPECT_EQ(readiness_handler(nullptr)(Request{}).status, 200);
  bool ready = false;
  Handler readyz = readiness_handler([&] { return ready; });
  Response no = readyz(Request{});
  EXPECT_EQ(no.status, 503);
  EXPECT_EQ(no.headers.get("Content-Type"), "application/problem+json");
  ready = true;
  Response yes = readyz(Request{});
  EXPECT_EQ(yes.status, 200);
  EXPECT_EQ(nlohmann::json::parse(yes.body)["status"], "ready");
  Handler throws = readiness_handler([]() -> bool { throw std::runtime_error("x"); });
  EXPECT_EQ(throws(Request{}).status, 503);
}

}  // namespace
}  // namespace tessera::http
