// Metrics end to end (issue 19 "Logs and metrics"; docs/operations.md "Health, readiness and
// metrics"): the real `tessera serve` on an ephemeral port, on SQLite and (registered again in
// CMakeLists.txt) on PostgreSQL + Redis.
//
// Covered here: the token counters move by exactly what was done (logins, a rotation, a
// refresh-token reuse, an invalid refresh, a logout); the store latency histograms of the
// configured backends grow; the whole exposition is well-formed (one TYPE per family, histogram
// suffixes, cumulative buckets, +Inf equal to _count); /metrics and /admin/* on the public
// listener without server.admin_listen, and only on the admin listener with it (404 on the public
// one); bad server.admin_listen values refuse to start with exit code 2.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_client.h"
#include "http/testing/exposition.h"

namespace {

using json = nlohmann::json;
using tessera::http::testing::announced_port;
using tessera::http::testing::ApiServerTest;
using tessera::http::testing::exposition_errors;
using tessera::http::testing::Fields;
using tessera::http::testing::request;
using tessera::http::testing::Response;
using tessera::http::testing::sample_value;
using tessera::http::testing::TesseraProcess;

constexpr char kPassword[] = "correct horse battery staple";
// The servers' configuration; `server_extra`: more [server] keys; `reuse_grace`: refresh's.
std::string config(const std::string& server_extra, const std::string& reuse_grace) {
  return "[server]\n"
         "trusted_proxies = [\"127.0.0.1\"]\n"
         "handler_timeout = \"3m\"\n" +
         server_extra +
         "[refresh]\n"
         "reuse_grace = \"" +
         reuse_grace + "\"\n";
}

// The store backends' (backend, op) histograms this run's configuration times
// (store/stores.h OperationTimer), by TESSERA_TEST_BACKEND.
std::vector<std::string> timed_series() {
  const char* backend = std::getenv("TESSERA_TEST_BACKEND");
  if (backend != nullptr && std::string(backend) == "postgres+redis") {
    return {R"(backend="postgres",op="call")", R"(backend="redis",op="command")"};
  }
  return {R"(backend="sqlite",op="read")", R"(backend="sqlite",op="write")"};
}

class MetricsApiTest : public ApiServerTest {
 protected:
  explicit MetricsApiTest(const std::string& server_extra = "",
                          const std::string& reuse_grace = "0s")
      : ApiServerTest(config(server_extra, reuse_grace)) {}

  // GET /metrics on `port` (the public one by default): the text, well-formed.
  std::string scrape(std::uint16_t port = 0) {
    auto r = request(port == 0 ? port_ : port, "GET", "/metrics", {}, {}, "10.0.0.1");
    EXPECT_TRUE(r.has_value());
    if (!r) return {};
    EXPECT_EQ(r->status, 200);
    const auto errors = exposition_errors(r->body);
    EXPECT_TRUE(errors.empty()) << errors.front() << "\n" << r->body;
    return r->body;
  }

  // POST /auth/token: the pair.
  json token_pair(const std::string& email) {
    Response r = send("POST", "/auth/token", {{"Content-Type", "application/json"}},
                      json({{"email", email}, {"password", kPassword}}).dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body_json();
  }
  Response refresh(const std::string& token) {
    return send("POST", "/auth/refresh", {{"Content-Type", "application/json"}},
                json({{"refresh_token", token}}).dump());
  }
  static Fields bearer(const json& pair) {
    return {{"Authorization", "Bearer " + pair["access_token"].get<std::string>()}};
  }
};

// The counters of interest in one scrape, by "name{labels}" (0 when absent).
std::map<std::string, double> counters(const std::string& text) {
  std::map<std::string, double> out;
  for (const char* key :
       {"tessera_logins_total|result=\"success\"", "tessera_tokens_issued_total|kind=\"access\"",
        "tessera_tokens_issued_total|kind=\"refresh\"", "tessera_tokens_issued_total|kind=\"id\"",
        "tessera_refresh_total|result=\"rotated\"", "tessera_refresh_total|result=\"reused\"",
        "tessera_refresh_total|result=\"invalid\"", "tessera_refresh_total|result=\"grace\"",
        "tessera_revocations_total|kind=\"logout\""}) {
    const std::string k = key;
    const auto bar = k.find('|');
    out[k] = sample_value(text, k.substr(0, bar), k.substr(bar + 1), 0);
  }
  return out;
}

TEST_F(MetricsApiTest, TokenCountersMoveByExactlyWhatWasDone) {
  add_user("ann@example.com", {}, kPassword);
  const std::string before_text = scrape();
  const auto before = counters(before_text);

  const json first = token_pair("ann@example.com");    // login: access + refresh
  Response rotated = refresh(first["refresh_token"]);  // rotated: access + refresh
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  EXPECT_EQ(refresh(first["refresh_token"]).status, 401);  // reuse: the family is revoked
  EXPECT_EQ(refresh("not-a-refresh-token").status, 401);   // invalid
  const json second = token_pair("ann@example.com");       // login: access + refresh
  EXPECT_EQ(send("POST", "/auth/logout", bearer(second)).status, 204);  // logout

  const auto after = counters(scrape());
  auto delta = [&](const std::string& key) { return after.at(key) - before.at(key); };
  EXPECT_EQ(delta("tessera_logins_total|result=\"success\""), 2);
  EXPECT_EQ(delta("tessera_tokens_issued_total|kind=\"access\""), 3);
  EXPECT_EQ(delta("tessera_tokens_issued_total|kind=\"refresh\""), 3);
  EXPECT_EQ(delta("tessera_tokens_issued_total|kind=\"id\""), 0);
  EXPECT_EQ(delta("tessera_refresh_total|result=\"rotated\""), 1);
  EXPECT_EQ(delta("tessera_refresh_total|result=\"reused\""), 1);
  EXPECT_EQ(delta("tessera_refresh_total|result=\"invalid\""), 1);
  EXPECT_EQ(delta("tessera_refresh_total|result=\"grace\""), 0);
  EXPECT_EQ(delta("tessera_revocations_total|kind=\"logout\""), 1);
}

// With a grace window the previous token gets the same successor again: counted as "grace",
// and its pair as issued tokens; nothing is revoked.
class GraceMetricsTest : public MetricsApiTest {
 protected:
  GraceMetricsTest() : MetricsApiTest("", "30s") {}
};

TEST_F(GraceMetricsTest, AGraceRefreshIsCountedAsGrace) {
  add_user("gil@example.com", {}, kPassword);
  const json first = token_pair("gil@example.com");
  const auto before = counters(scrape());
  ASSERT_EQ(refresh(first["refresh_token"]).status, 200);  // rotated
  ASSERT_EQ(refresh(first["refresh_token"]).status, 200);  // the other tab: grace
  const auto after = counters(scrape());
  auto delta = [&](const std::string& key) { return after.at(key) - before.at(key); };
  EXPECT_EQ(delta("tessera_refresh_total|result=\"rotated\""), 1);
  EXPECT_EQ(delta("tessera_refresh_total|result=\"grace\""), 1);
  EXPECT_EQ(delta("tessera_refresh_total|result=\"reused\""), 0);
  EXPECT_EQ(delta("tessera_tokens_issued_total|kind=\"access\""), 2);
  EXPECT_EQ(delta("tessera_tokens_issued_total|kind=\"refresh\""), 2);
}

TEST_F(MetricsApiTest, StoreHistogramsPoolsAndProcessMetricsAreThere) {
  const std::string before = scrape();
  add_user("bob@example.com", {}, kPassword);
  const json pair = token_pair("bob@example.com");
  ASSERT_EQ(refresh(pair["refresh_token"]).status, 200);
  const std::string after = scrape();
  for (const std::string& series : timed_series()) {
    const double n0 =
        sample_value(before, "tessera_store_operation_duration_seconds_count", series, 0);
    const double n1 =
        sample_value(after, "tessera_store_operation_duration_seconds_count", series, -1);
    EXPECT_GT(n1, n0) << series << "\n" << after;
  }
  // The connection pools: every state of every backend of this run.
  for (const std::string& series : timed_series()) {
    const std::string backend = series.substr(0, series.find(','));
    for (const char* state : {"in_use", "idle", "waiting"}) {
      EXPECT_GE(sample_value(after, "tessera_store_connections",
                             backend + ",state=\"" + state + "\"", -1),
                0)
          << backend << " " << state;
    }
  }
  // Worker pools and the process: present and plausible.
  EXPECT_GE(sample_value(after, "tessera_store_workers"), 1);
  EXPECT_GE(sample_value(after, "tessera_store_queue_depth"), 0);
  EXPECT_GE(sample_value(after, "tessera_hash_busy_workers"), 0);
  EXPECT_GT(sample_value(after, "process_resident_memory_bytes"), 0);
  EXPECT_GT(sample_value(after, "process_open_fds"), 0);
  EXPECT_GE(sample_value(after, "process_max_fds"), sample_value(after, "process_open_fds"));
  EXPECT_GE(sample_value(after, "process_cpu_seconds_total"),
            sample_value(before, "process_cpu_seconds_total"));
  EXPECT_GT(sample_value(after, "process_start_time_seconds"), 1577836800.0);
}

TEST_F(MetricsApiTest, WithoutAdminListenOperatorRoutesAreOnThePublicListener) {
  EXPECT_EQ(send("GET", "/metrics").status, 200);
  EXPECT_EQ(send("GET", "/admin/users").status, 401);  // there, and asks for a credential
  EXPECT_EQ(send("GET", "/healthz").status, 200);
}

class AdminListenTest : public MetricsApiTest {
 protected:
  AdminListenTest() : MetricsApiTest("admin_listen = \"127.0.0.1:0\"\n") {}
  void SetUp() override {
    MetricsApiTest::SetUp();
    if (HasFatalFailure()) return;
    const std::string line = server_->first_line().value_or("");
    ASSERT_TRUE(line.starts_with("admin listening on http://127.0.0.1:")) << line;
    admin_port_ = announced_port(line.substr(std::string("admin ").size()));
    ASSERT_NE(admin_port_, 0) << line;
    ASSERT_NE(admin_port_, port_);
  }
  Response admin_send(const std::string& method, const std::string& path,
                      const Fields& headers = {}) {
    auto r = request(admin_port_, method, path, headers, {}, "10.0.0.1");
    EXPECT_TRUE(r.has_value()) << method << " " << path;
    return r.value_or(Response{});
  }
  std::uint16_t admin_port_ = 0;
};

TEST_F(AdminListenTest, MetricsAndAdminApiAnswerOnlyOnTheAdminListener) {
  // The split listeners are a deployment docs/openapi.yaml leaves to docs/operations.md.
  const tessera::http::testing::NotRecorded not_recorded;
  add_user("root@example.com", {"admin"}, kPassword);
  const json root = token_pair("root@example.com");  // the public listener issues tokens

  EXPECT_EQ(send("GET", "/metrics").status, 404);
  EXPECT_EQ(send("GET", "/admin/users", bearer(root)).status, 404);
  EXPECT_EQ(send("GET", "/admin/audit", bearer(root)).status, 404);
  EXPECT_EQ(send("GET", "/healthz").status, 200);
  EXPECT_EQ(send("GET", "/readyz").status, 200);

  const std::string text = scrape(admin_port_);
  EXPECT_NE(text.find("# TYPE tessera_tokens_issued_total counter"), std::string::npos);
  EXPECT_EQ(sample_value(text, "tessera_logins_total", R"(result="success")"), 1);
  EXPECT_EQ(admin_send("GET", "/admin/users").status, 401);
  Response users = admin_send("GET", "/admin/users", bearer(root));
  EXPECT_EQ(users.status, 200) << users.body;
  EXPECT_NE(users.body.find("root@example.com"), std::string::npos) << users.body;
  EXPECT_EQ(admin_send("GET", "/healthz").status, 200);
  EXPECT_EQ(admin_send("GET", "/readyz").status, 200);
  // The admin listener serves the operator's routes only.
  EXPECT_EQ(admin_send("GET", "/.well-known/jwks.json").status, 404);
  EXPECT_EQ(admin_send("GET", "/login").status, 404);
}

// Refused before anything is served: exit code 2, the message names the key.
TEST(AdminListenConfig, BadValuesAreExit2) {
  for (const std::string& bad : {"9090", "127.0.0.1", "127.0.0.1:99999", "example.com:9090",
                                 "[::1:9090", "127.0.0.1:18361"}) {
    const std::string dir = ::testing::TempDir() + "tessera-admin-listen-bad";
    ::setenv("TESSERA_SERVER__ADMIN_LISTEN", bad.c_str(), 1);
    // A child of its own (killed at the end if it did start): a value let through would serve.
    TesseraProcess p({"serve", "--listen", "127.0.0.1:18361", "--data-dir", dir});
    ::unsetenv("TESSERA_SERVER__ADMIN_LISTEN");
    const auto code = p.wait_exit(std::chrono::seconds(15));
    EXPECT_EQ(code, 2) << bad;
    if (!code) continue;  // still running: stderr would not end (the destructor kills it)
    const std::string err = p.stderr_text();
    EXPECT_NE(err.find("admin_listen"), std::string::npos) << bad << ": " << err;
  }
}

}  // namespace
