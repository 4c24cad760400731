// `tessera serve` end to end: the real binary, started on port 0 with a fresh data dir, its
// port read from the "listening on" line, spoken to over plain sockets.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backend_env.h"
#include "http/testing/raw_client.h"
#include "tessera_process.h"

namespace {

namespace fs = std::filesystem;
using tessera::http::testing::fetch;
using tessera::http::testing::RawClient;
using namespace std::chrono_literals;

using tessera::http::testing::announced_port;
using Process = tessera::http::testing::TesseraProcess;

// The stores are the data dir's SQLite file, or PostgreSQL + Redis when TESSERA_TEST_BACKEND
// says so (backend_env.h); tests about the data dir's own files run on SQLite only (the
// postgres+redis registration in CMakeLists.txt filters them out).
class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(backend_.error().empty()) << backend_.error(); }

  ServeTest() {
    std::string tmpl = (fs::temp_directory_path() / "tessera-serve-XXXXXX").string();
    root_ = ::mkdtemp(tmpl.data());
    data_ = root_ / "data";
  }
  ~ServeTest() override { fs::remove_all(root_); }

  // Starts `tessera serve` on an ephemeral port; sets port_ from its announcement.
  std::unique_ptr<Process> start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "serve", "--listen", "127.0.0.1:0", "--data-dir", data_.string(), "--threads", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto p = std::make_unique<Process>(args);
    auto line = p->first_line(15s);
    EXPECT_TRUE(line.has_value()) << "no announcement; stderr: " << p->stderr_text();
    if (!line) return nullptr;
    announced_ = *line;
    port_ = announced_port(*line);
    EXPECT_NE(port_, 0) << *line;
    return p;
  }

  // Runs `tessera serve` expecting it to refuse to start: its exit code and stderr.
  std::pair<int, std::string> refused(std::vector<std::string> args) {
    args.insert(args.begin(), "serve");
    Process p(args);
    auto code = p.wait_exit(15s);
    return {code.value_or(-100), p.stderr_text()};
  }

  // Every published kid, comma-joined in JWKS order.
  std::string kid() {
    auto res = fetch(port_, "GET", "/.well-known/jwks.json");
    if (!res) return {};
    std::string out;
    const auto jwks = nlohmann::json::parse(res->body);
    for (const auto& k : jwks["keys"]) {
      out += (out.empty() ? "" : ",") + k["kid"].get<std::string>();
    }
    return out;
  }

  static unsigned mode(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
  }

  tessera::http::testing::BackendEnv backend_;  // first: outlives every server of the test
  fs::path root_, data_;
  std::uint16_t port_ = 0;
  std::string announced_;
};

TEST_F(ServeTest, AnnouncesItsAddress) {
  auto server = start();
  ASSERT_TRUE(server);
  EXPECT_EQ(announced_, "listening on http://127.0.0.1:" + std::to_string(port_));
  EXPECT_NE(port_, 0);
}

TEST_F(ServeTest, Healthz) {
  auto server = start();
  ASSERT_TRUE(server);
  auto res = fetch(port_, "GET", "/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("content-type"), "application/json");
  EXPECT_EQ(res->header("cache-control"), "no-store");
  EXPECT_EQ(res->header("x-content-type-options"), "nosniff");
  EXPECT_EQ(nlohmann::json::parse(res->body), nlohmann::json({{"status", "ok"}}));
}

TEST_F(ServeTest, JwksHasTheActiveAndNextPublicKeys) {
  auto server = start();
  ASSERT_TRUE(server);
  auto res = fetch(port_, "GET", "/.well-known/jwks.json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("content-type"), "application/jwk-set+json");
  EXPECT_EQ(res->header("cache-control"), "public, max-age=300");
  auto jwks = nlohmann::json::parse(res->body);
  ASSERT_EQ(jwks["keys"].size(), 2u);  // active + next (auth/keyring.h)
  std::set<std::string> kids;
  for (const auto& key : jwks["keys"]) {
    EXPECT_FALSE(key.contains("d"));
    EXPECT_TRUE(key["kid"].is_string() && !key["kid"].get<std::string>().empty());
    kids.insert(key["kid"].get<std::string>());
    EXPECT_EQ(key["kty"], "EC");
    EXPECT_EQ(key["alg"], "ES256");
  }
  EXPECT_EQ(kids.size(), 2u);
}

TEST_F(ServeTest, KeysPersistPrivatelyAcrossRestarts) {
  std::string first_kid;
  {
    auto server = start();
    ASSERT_TRUE(server);
    first_kid = kid();
    ASSERT_FALSE(first_kid.empty());
    ::kill(server->pid(), SIGTERM);
    ASSERT_EQ(server->wait_exit(10s), 0);
  }
  EXPECT_EQ(mode(data_), 0700u);
  EXPECT_EQ(mode(data_ / "master.key"), 0600u);
  EXPECT_FALSE(fs::exists(data_ / "keys.json"));  // keys live sealed in the store
  auto again = start();
  ASSERT_TRUE(again);
  EXPECT_EQ(kid(), first_kid);
}

TEST_F(ServeTest, UnknownPathIs404Problem) {
  auto server = start();
  ASSERT_TRUE(server);
  auto res = fetch(port_, "GET", "/nope");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->header("content-type"), "application/problem+json");
  auto problem = nlohmann::json::parse(res->body);
  EXPECT_EQ(problem["type"], "about:blank");
  EXPECT_EQ(problem["title"], "Not Found");
  EXPECT_EQ(problem["status"], 404);
  EXPECT_TRUE(problem["detail"].is_string());
  EXPECT_EQ(problem["code"], "route_not_found");
}

TEST_F(ServeTest, WrongMethodIs405) {
  auto server = start();
  ASSERT_TRUE(server);
  auto res = fetch(port_, "POST", "/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->header("allow"), "GET, HEAD");
  EXPECT_EQ(res->header("content-type"), "application/problem+json");
  EXPECT_EQ(nlohmann::json::parse(res->body)["code"], "method_not_allowed");
}

TEST_F(ServeTest, BodyOver64KiBIs413) {
  auto server = start();
  ASSERT_TRUE(server);
  auto res = fetch(port_, "POST", "/healthz", std::string(70 * 1024, 'x'));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(res->header("content-type"), "application/problem+json");
  EXPECT_EQ(nlohmann::json::parse(res->body)["code"], "body_too_large");
}

TEST_F(ServeTest, HugeHeaderIs431) {
  auto server = start();
  ASSERT_TRUE(server);
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(20 * 1024, 'a') +
                     "\r\n\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 431);
}

TEST_F(ServeTest, GarbageIs400AndTheServerLivesOn) {
  auto server = start();
  ASSERT_TRUE(server);
  RawClient c(port_);
  ASSERT_TRUE(c.send(std::string("\x00\x01 GARBAGE\r\n\r\n", 14)));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_TRUE(c.closed_by_server());
  auto health = fetch(port_, "GET", "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ServeTest, KeepAliveServesThreeRequestsOnOneConnection) {
  auto server = start();
  ASSERT_TRUE(server);
  RawClient c(port_);
  for (const char* path : {"/healthz", "/.well-known/jwks.json", "/healthz"}) {
    ASSERT_TRUE(c.send(std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto res = c.read_response();
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_NE(res->header("connection"), "close");
  }
}

TEST_F(ServeTest, SigtermExitsZero) {
  auto server = start();
  ASSERT_TRUE(server);
  RawClient idle(port_);  // an open keep-alive connection must not hold the shutdown up
  ASSERT_TRUE(idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());
  auto t0 = std::chrono::steady_clock::now();
  ::kill(server->pid(), SIGTERM);
  EXPECT_EQ(server->wait_exit(5s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  std::string log = server->stderr_text();
  EXPECT_NE(log.find("\"msg\":\"server started\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"msg\":\"server stopped\""), std::string::npos) << log;
}

TEST_F(ServeTest, PortInUseIsExit2) {
  auto server = start();
  ASSERT_TRUE(server);
  auto [code, err] =
      refused({"--listen", "127.0.0.1:" + std::to_string(port_), "--data-dir", data_.string()});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("cannot listen on"), std::string::npos) << err;
}

TEST_F(ServeTest, MalformedMasterKeyIsExit2) {
  fs::create_directories(data_);
  std::ofstream(data_ / "master.key") << "not a key\n";
  fs::permissions(data_ / "master.key", fs::perms::owner_read | fs::perms::owner_write);
  auto [code, err] = refused({"--listen", "127.0.0.1:0", "--data-dir", data_.string()});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("master.key"), std::string::npos) << err;
}

TEST_F(ServeTest, AnotherMasterKeyCannotOpenTheKeyringAndIsExit2) {
  {
    auto server = start();
    ASSERT_TRUE(server);
  }
  fs::remove(data_ / "master.key");  // the database alone: its keys are sealed
  auto [code, err] = refused({"--listen", "127.0.0.1:0", "--data-dir", data_.string()});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("does not open with the configured master key"), std::string::npos) << err;
}

TEST_F(ServeTest, GroupReadableMasterKeyIsExit2) {
  {
    auto server = start();
    ASSERT_TRUE(server);
  }
  fs::permissions(data_ / "master.key", static_cast<fs::perms>(0640));
  auto [code, err] = refused({"--listen", "127.0.0.1:0", "--data-dir", data_.string()});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("chmod 600"), std::string::npos) << err;
}

TEST_F(ServeTest, UnusableFlagsAndDataDirAreExit2) {
  std::ofstream(root_ / "file") << "x";
  const std::vector<std::vector<std::string>> cases = {
      {"--listen", "nonsense"},
      {"--listen", "127.0.0.1:99999"},
      {"--listen", "example.com:80"},
      {"--listen", "127.0.0.1:0", "--data-dir", (root_ / "file").string()},
      {"--listen", "127.0.0.1:0", "--tls-cert", "c.pem"},
      {"--listen", "127.0.0.1:0", "--data-dir", data_.string(), "--tls-cert",
       (root_ / "missing.pem").string(), "--tls-key", (root_ / "missing.key").string()},
      {"--threads", "-1"},
      {"--bogus"},
  };
  for (const auto& args : cases) {
    auto [code, err] = refused(args);
    EXPECT_EQ(code, 2) << args[0] << " " << (args.size() > 1 ? args[1] : "");
    EXPECT_NE(err.find("tessera: "), std::string::npos) << err;
  }
}

// HTTPS with a throwaway self-signed certificate, checked with curl (skipped without the
// openssl and curl command-line tools).
class HttpsTest : public ServeTest {
 protected:
  void SetUp() override {
    ServeTest::SetUp();
    if (::access("/usr/bin/openssl", X_OK) != 0 || ::access("/usr/bin/curl", X_OK) != 0) {
      GTEST_SKIP() << "needs /usr/bin/openssl and /usr/bin/curl";
    }
    std::string make_cert =
        "/usr/bin/openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256"
        " -nodes -subj /CN=127.0.0.1 -days 1 -keyout " +
        key_ + " -out " + cert_ + " 2>/dev/null";
    ASSERT_EQ(std::system(make_cert.c_str()), 0);
  }

  // What curl prints for `path` over HTTPS: the response head too with `head`, else the body.
  std::string curl(const std::string& path, bool head) {
    std::string cmd = "/usr/bin/curl -sS --max-time 10 --cacert " + cert_ +
                      (head ? " -D - -o /dev/null" : "") +
                      " https://127.0.0.1:" + std::to_string(port_) + path;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(cmd.c_str(), "r"), ::pclose);
    if (!pipe) return "popen failed";
    std::string out;
    char buf[256];
    while (std::fgets(buf, sizeof buf, pipe.get()) != nullptr) out += buf;
    return out;
  }

  const std::string cert_ = (root_ / "cert.pem").string(), key_ = (root_ / "key.pem").string();
};

TEST_F(HttpsTest, ServesHttpsWithTlsFlags) {
  auto server = start({"--tls-cert", cert_, "--tls-key", key_});
  ASSERT_TRUE(server);
  EXPECT_EQ(announced_, "listening on https://127.0.0.1:" + std::to_string(port_));
  EXPECT_EQ(curl("/healthz", false), R"({"status":"ok"})");
  // Plain HTTP on the TLS port gets no HTTP answer.
  RawClient plain(port_);
  ASSERT_TRUE(plain.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_FALSE(plain.read_response());
}

// RFC 6797 section 7.1: every response over TLS carries Strict-Transport-Security, a year by
// default (also the 404s and the 400s the server answers itself).
TEST_F(HttpsTest, EveryHttpsResponseCarriesHsts) {
  auto server = start({"--tls-cert", cert_, "--tls-key", key_});
  ASSERT_TRUE(server);
  for (const char* path : {"/healthz", "/no/such/path", "/.well-known/jwks.json"}) {
    EXPECT_NE(curl(path, true).find("\r\nStrict-Transport-Security: max-age=31536000\r\n"),
              std::string::npos)
        << path;
  }
}

// server.hsts_max_age sets max-age; plain HTTP never carries the field (RFC 6797 section 7.2),
// whatever the configuration says.
TEST_F(HttpsTest, HstsMaxAgeIsConfiguredAndNeverSentOverPlainHttp) {
  const std::string config = (root_ / "hsts.toml").string();
  std::ofstream(config) << "[server]\nhsts_max_age = \"1d\"\n";
  {
    auto server = start({"--config", config, "--tls-cert", cert_, "--tls-key", key_});
    ASSERT_TRUE(server);
    EXPECT_NE(curl("/healthz", true).find("\r\nStrict-Transport-Security: max-age=86400\r\n"),
              std::string::npos);
  }
  auto server = start({"--config", config});
  ASSERT_TRUE(server);
  auto res = fetch(port_, "GET", "/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("strict-transport-security"), "");
  EXPECT_EQ(res->header("x-content-type-options"), "nosniff");  // the server's fields are there
}

TEST_F(ServeTest, ReadyzAndMetrics) {
  auto server = start();
  ASSERT_TRUE(server);
  auto ready = fetch(port_, "GET", "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  ASSERT_EQ(fetch(port_, "GET", "/healthz")->status, 200);
  ASSERT_EQ(fetch(port_, "GET", "/no/such/path")->status, 404);
  auto metrics = fetch(port_, "GET", "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& m = metrics->body;
  EXPECT_NE(
      m.find("tessera_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1\n"),
      std::string::npos)
      << m;
  EXPECT_NE(
      m.find("tessera_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n"),
      std::string::npos)
      << m;
  EXPECT_NE(
      m.find("tessera_http_request_duration_seconds_bucket{route=\"/readyz\",le=\"+Inf\"} 1\n"),
      std::string::npos)
      << m;
  EXPECT_NE(m.find("# TYPE tessera_logins_total counter"), std::string::npos);
  EXPECT_EQ(m.find("/no/such/path"), std::string::npos);  // raw paths never become labels
}

// SPEC.md "Running": the CLI works on the store while a server runs on it, and (issue "Tokens")
// a key rotation made there takes effect in the server within 1 s.
TEST_F(ServeTest, CliKeyRotationReachesTheRunningServerWithinASecond) {
  auto server = start();
  ASSERT_TRUE(server);
  const std::string before = kid();  // "active,next"
  const auto comma = before.find(',');
  ASSERT_NE(comma, std::string::npos) << before;
  const std::string active = before.substr(0, comma);
  const std::string next = before.substr(comma + 1);

  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--data-dir", data_.string()});
    Process p(args);
    EXPECT_EQ(p.wait_exit(15s), 0) << p.stderr_text();
    return p.stdout_text();
  };
  // Waits (bounded by 1 s) until the server's JWKS satisfies `ok`.
  auto published_within_a_second = [&](auto ok) {
    const auto deadline = std::chrono::steady_clock::now() + 1s;
    std::string kids;
    while (std::chrono::steady_clock::now() < deadline) {
      kids = kid();
      if (ok(kids)) return true;
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "JWKS after 1 s: " << kids;
    return false;
  };

  const std::string listed = cli({"keys", "list", "--json"});
  EXPECT_NE(listed.find("\"kid\":\"" + active + "\",\"alg\":\"ES256\",\"state\":\"active\""),
            std::string::npos)
      << listed;
  EXPECT_NE(listed.find("\"kid\":\"" + next + "\",\"alg\":\"ES256\",\"state\":\"next\""),
            std::string::npos)
      << listed;

  // Normal rotation: the old active key stays published (retired), a new next appears.
  EXPECT_NE(cli({"keys", "rotate"}).find("active key " + next), std::string::npos);
  EXPECT_TRUE(published_within_a_second([&](const std::string& kids) {
    return kids.find(active) != std::string::npos && kids.find(next) != std::string::npos &&
           std::count(kids.begin(), kids.end(), ',') == 2;
  }));

  // Emergency: every earlier key disappears.
  EXPECT_NE(cli({"keys", "rotate", "--emergency"}).find("emergency rotation"), std::string::npos);
  EXPECT_TRUE(published_within_a_second([&](const std::string& kids) {
    return kids.find(active) == std::string::npos && kids.find(next) == std::string::npos &&
           std::count(kids.begin(), kids.end(), ',') == 1;
  }));
}

TEST_F(ServeTest, ConfigFileEnvironmentAndFlags) {
  // The file picks the data dir and a listen address; the flag overrides the address.
  const fs::path file = root_ / "tessera.toml";
  std::ofstream(file) << "[server]\nlisten = \"127.0.0.1:1\"\nthreads = 1\n[store]\ndata_dir = \""
                      << (root_ / "from-file").string() << "\"\n";
  auto p = std::make_unique<Process>(
      std::vector<std::string>{"serve", "--config", file.string(), "--listen", "127.0.0.1:0"});
  auto line = p->first_line(15s);
  ASSERT_TRUE(line) << p->stderr_text();
  EXPECT_TRUE(line->starts_with("listening on http://127.0.0.1:")) << *line;
  EXPECT_TRUE(fs::exists(root_ / "from-file" / "master.key"));
  EXPECT_TRUE(fs::exists(root_ / "from-file" / "tessera.db"));
}

TEST_F(ServeTest, UnusableConfigIsExit2NamingFileAndKey) {
  const fs::path file = root_ / "bad.toml";
  std::ofstream(file) << "[server]\nthreads = 2\nlisten_on = \"127.0.0.1:0\"\n";
  auto [code, err] = refused({"--config", file.string()});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("bad.toml:3: unknown key server.listen_on"), std::string::npos) << err;

  auto [missing_code, missing_err] = refused({"--config", (root_ / "missing.toml").string()});
  EXPECT_EQ(missing_code, 2);
  EXPECT_NE(missing_err.find("missing.toml"), std::string::npos) << missing_err;

  ::setenv("TESSERA_SERVER__THREADS", "many", 1);
  auto [env_code, env_err] = refused({"--listen", "127.0.0.1:0", "--data-dir", data_.string()});
  ::unsetenv("TESSERA_SERVER__THREADS");
  EXPECT_EQ(env_code, 2);
  EXPECT_NE(env_err.find("TESSERA_SERVER__THREADS"), std::string::npos) << env_err;
}

TEST_F(ServeTest, ConfigPrintShowsTheEffectiveConfiguration) {
  const fs::path file = root_ / "tessera.toml";
  std::ofstream(file) << "[sessions]\nidle_timeout = 900\n[web]\nallowed_origins = "
                         "[\"https://app.example.com\"]\n";
  ::setenv("TESSERA_RATE_LIMIT__IP_FAILURES", "20", 1);
  Process p({"config", "print", "--config", file.string(), "--data-dir", "/srv/tessera"});
  auto code = p.wait_exit(15s);
  ::unsetenv("TESSERA_RATE_LIMIT__IP_FAILURES");
  ASSERT_EQ(code, 0) << p.stderr_text();
  std::string out = p.stdout_text();
  EXPECT_TRUE(out.starts_with("[server]\nlisten = \"127.0.0.1:8080\"\n")) << out;
  EXPECT_NE(out.find("data_dir = \"/srv/tessera\"\n"), std::string::npos) << out;
  EXPECT_NE(out.find("idle_timeout = \"15m\"\n"), std::string::npos) << out;
  EXPECT_NE(out.find("allowed_origins = [\"https://app.example.com\"]\n"), std::string::npos);
  EXPECT_NE(out.find("ip_failures = 20\n"), std::string::npos) << out;
  EXPECT_NE(out.find("open_signup = false\n"), std::string::npos) << out;

  // The printed configuration is a valid configuration file.
  std::ofstream(root_ / "printed.toml") << out;
  Process again({"config", "print", "--config", (root_ / "printed.toml").string()});
  ASSERT_EQ(again.wait_exit(15s), 0) << again.stderr_text();
  EXPECT_EQ(again.stdout_text(), out);

  std::ofstream(root_ / "bad.toml") << "[web]\nmode = \"cookies\"\n";
  Process bad({"config", "print", "--config", (root_ / "bad.toml").string()});
  EXPECT_EQ(bad.wait_exit(15s), 2);
  std::string err = bad.stderr_text();
  EXPECT_NE(err.find("bad.toml:2: web.mode: must be"), std::string::npos) << err;
}

}  // namespace
