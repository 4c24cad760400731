// A raw HTTP/1.1 client for the end-to-end API tests (tests/http/*_test.cc): one request per
// connection (Connection: close), every header line kept (Set-Cookie comes more than once), and
// a runner for the `tessera` CLI. Test-only; header-only.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "backend_env.h"
#include "tessera_process.h"

#ifndef TESSERA_BINARY
#error "define TESSERA_BINARY (the tessera executable) for api_client.h"
#endif

namespace tessera::http::testing {

// Runs TESSERA_BINARY with `args` and `input` on stdin to completion: exit code and output.
struct RunResult {
  int code = -1;
  std::string out, err;
};
inline RunResult run_cli(const std::vector<std::string>& args, const std::string& input) {
  auto tmp = std::filesystem::temp_directory_path() / ("tessera-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  std::ofstream(tmp / "in") << input;
  std::string cmd = std::string(TESSERA_BINARY);
  for (const std::string& a : args) cmd += " '" + a + "'";
  cmd +=
      " <" + (tmp / "in").string() + " >" + (tmp / "out").string() + " 2>" + (tmp / "err").string();
  RunResult r;
  int status = std::system(cmd.c_str());
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  auto slurp = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  r.out = slurp(tmp / "out");
  r.err = slurp(tmp / "err");
  std::filesystem::remove_all(tmp);
  return r;
}

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;

  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return {};
  }
  std::vector<std::string> all(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : headers) {
      if (k == name) out.push_back(v);
    }
    return out;
  }
  nlohmann::json body_json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// A parsed Set-Cookie: name, value and attributes (names lower-cased; valueless ones map to "").
struct SetCookie {
  std::string name, value;
  std::map<std::string, std::string> attrs;
};
inline SetCookie parse_set_cookie(const std::string& text) {
  SetCookie c;
  std::size_t semi = text.find(';');
  std::string pair = text.substr(0, semi);
  std::size_t eq = pair.find('=');
  c.name = pair.substr(0, eq);
  c.value = eq == std::string::npos ? "" : pair.substr(eq + 1);
  while (semi != std::string::npos) {
    std::size_t next = text.find(';', semi + 1);
    std::string attr =
        text.substr(semi + 1, next == std::string::npos ? std::string::npos : next - semi - 1);
    while (!attr.empty() && attr.front() == ' ') attr.erase(0, 1);
    std::size_t aeq = attr.find('=');
    std::string name = attr.substr(0, aeq);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    c.attrs[name] = aeq == std::string::npos ? "" : attr.substr(aeq + 1);
    semi = next;
  }
  return c;
}

// Sends `raw` on a fresh connection and reads the response to EOF (requests say Connection:
// close), keeping every header line (Set-Cookie comes more than once). nullopt when no
// response came: refused, reset, or no byte for `timeout` (a server that hangs).
inline std::optional<Response> http_exchange(
    std::uint16_t port, const std::string& raw,
    std::chrono::seconds timeout = std::chrono::seconds(30)) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  timeval tv{static_cast<time_t>(timeout.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::unique_ptr<int, void (*)(int*)> guard(&fd, [](int* f) { ::close(*f); });
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return std::nullopt;
  std::string_view rest = raw;
  while (!rest.empty()) {
    ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the server may answer (413, 431) before reading everything
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  std::string data;
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  std::size_t end = data.find("\r\n\r\n");
  if (end == std::string::npos || data.compare(0, 5, "HTTP/") != 0) return std::nullopt;
  Response r;
  r.status = std::stoi(data.substr(9, 3));
  std::size_t pos = data.find("\r\n") + 2;
  while (pos < end) {
    std::size_t next = data.find("\r\n", pos);
    std::string line = data.substr(pos, next - pos);
    std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.emplace_back(name, value);
    }
    pos = next + 2;
  }
  r.body = data.substr(end + 4);
  std::string length = r.header("content-length");
  if (!length.empty() && r.body.size() > std::stoul(length)) r.body.resize(std::stoul(length));
  return r;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

// One request to the server on 127.0.0.1:`port`, on a fresh connection, from client IP `ip`
// (sent as X-Forwarded-For: the servers under test trust 127.0.0.1 as a proxy, so it picks the
// IP the rate limits see). POST and DELETE always carry a Content-Length. nullopt as for
// http_exchange.
inline std::optional<Response> request(std::uint16_t port, const std::string& method,
                                       const std::string& path, const Fields& headers = {},
                                       const std::string& body = {},
                                       const std::string& ip = "10.0.0.1",
                                       std::chrono::seconds timeout = std::chrono::seconds(30)) {
  std::string raw = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  raw += "X-Forwarded-For: " + ip + "\r\n";
  for (const auto& [k, v] : headers) raw += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "DELETE") {
    raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  raw += "\r\n" + body;
  return http_exchange(port, raw, timeout);
}

// `n` requests at once (threads released together); make(i) sends request i.
inline std::vector<Response> all_at_once(int n, const std::function<Response(int)>& make) {
  std::vector<Response> out(n);
  std::latch start(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      out[i] = make(i);
    });
  }
  for (std::thread& t : threads) t.join();
  return out;
}

// `tessera user add EMAIL [--role ROLE]...` followed by `store_args` (--data-dir, --config:
// whatever points it at the server's store), the password on stdin. Returns the new user's id;
// a failure, or the password in either output, fails the test.
inline std::string add_user_cli(const std::string& email, const std::vector<std::string>& roles,
                                const std::string& password,
                                const std::vector<std::string>& store_args) {
  std::vector<std::string> args = {"user", "add", email};
  for (const std::string& r : roles) {
    args.push_back("--role");
    args.push_back(r);
  }
  args.insert(args.end(), store_args.begin(), store_args.end());
  RunResult r = run_cli(args, password + "\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find(password), std::string::npos);
  EXPECT_EQ(r.err.find(password), std::string::npos);
  return r.out.substr(0, r.out.find('\n'));
}

// A browser in web.mode = "session": its own cookie jar (session + CSRF), origin, client IP
// and user agent.
struct SessionBrowser {
  // The cookies' names: host-only by default; web.cookie_domain makes them __Secure-.
  std::string session_cookie = "__Host-tessera_session";
  std::string csrf_cookie = "__Host-tessera_csrf";

  std::string session, csrf;
  std::string ip = "10.0.0.1";
  std::string user_agent = "TestBrowser/1.0";
  std::string origin = "https://app.example.com";

  std::string cookie_header() const {
    std::string c;
    if (!session.empty()) c += session_cookie + "=" + session;
    if (!csrf.empty()) c += (c.empty() ? "" : "; ") + csrf_cookie + "=" + csrf;
    return c;
  }
  // Origin + token + cookies: what the page sends on an unsafe request.
  Fields unsafe() const {
    return {{"Origin", origin}, {"X-CSRF-Token", csrf}, {"Cookie", cookie_header()}};
  }
  Fields cookies_only() const { return {{"Cookie", cookie_header()}}; }
  // Applies the response's Set-Cookie fields to the jar.
  void take_cookies(const Response& r) {
    for (const std::string& sc : r.all("set-cookie")) {
      SetCookie c = parse_set_cookie(sc);
      const bool deleted = c.attrs.count("max-age") && c.attrs["max-age"] == "0";
      if (c.name == session_cookie) session = deleted ? "" : c.value;
      if (c.name == csrf_cookie) csrf = deleted ? "" : c.value;
    }
  }
};

// A gtest fixture around one real `tessera serve`: a fresh temp dir holding the data dir and a
// config file with `config_toml`, the server on an ephemeral loopback port (stderr discarded:
// it logs every request, and a pipe nobody reads would fill), and helpers to add users through
// the CLI and send requests. The stores are the data dir's SQLite file, or PostgreSQL + Redis
// when TESSERA_TEST_BACKEND says so (backend_env.h): the same tests run on both. Everything is
// removed and the server stopped (by PID) at the end.
class ApiServerTest : public ::testing::Test {
 protected:
  explicit ApiServerTest(const std::string& config_toml) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tessera-api-XXXXXX").string();
    root_ = ::mkdtemp(tmpl.data());
    data_ = root_ / "data";
    config_ = root_ / "tessera.toml";
    std::ofstream(config_) << config_toml;
  }
  ~ApiServerTest() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }

  void SetUp() override {
    ASSERT_TRUE(backend_.error().empty()) << backend_.error();
    server_ = std::make_unique<TesseraProcess>(
        std::vector<std::string>{"serve", "--listen", "127.0.0.1:0", "--data-dir", data_.string(),
                                 "--config", config_.string(), "--threads", "2"},
        keep_log_ ? TesseraProcess::Stderr::kFile : TesseraProcess::Stderr::kDiscard,
        log_file().string());
    port_ = announced_port(server_->first_line().value_or(""));
    ASSERT_NE(port_, 0) << "the server did not announce itself";
  }

  // Where the server's stderr goes when keep_log_ is set (before SetUp).
  std::filesystem::path log_file() const { return root_ / "server.log"; }
  // Everything the server has logged so far (keep_log_; every line is flushed when written).
  std::string server_log() const {
    std::ifstream in(log_file());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // `tessera user add` against the running server's store; returns the user id. The password
  // must appear in neither output.
  std::string add_user(const std::string& email, std::vector<std::string> roles,
                       const std::string& password) {
    return add_user_cli(email, roles, password,
                        {"--data-dir", data_.string(), "--config", config_.string()});
  }

  // The CLI on this server's data dir and config.
  RunResult cli(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.end(), {"--data-dir", data_.string(), "--config", config_.string()});
    return run_cli(args, input);
  }

  // Cookies any page on the host or a sibling domain can plant beside ours (issue 14, defect
  // 5): bare, nameless, with a control character (HTAB: the one a request line can carry), with
  // a name that is not a token, and a nameless one whose value looks like one of our cookies.
  static std::vector<std::string> planted_cookies() {
    return {"x", "=x", "=", "junk=a\tb", "bad\tname=1", "prefs={\"a\":1}", "=__Host-other=1"};
  }

  // `ours` (a Cookie header) with `planted` before it, and after it: /auth/me and /auth/verify
  // both still identify `user_id`.
  void expect_identified_beside(const std::string& ours, const std::string& planted,
                                const std::string& user_id) {
    for (const std::string& cookie : {planted + "; " + ours, ours + "; " + planted}) {
      Response me = send("GET", "/auth/me", {{"Cookie", cookie}});
      EXPECT_EQ(me.status, 200) << cookie << ": " << me.body;
      EXPECT_EQ(me.body_json()["user"]["id"], user_id) << cookie;
      Response v = send("GET", "/auth/verify", {{"Cookie", cookie}});
      EXPECT_EQ(v.status, 200) << cookie;
      EXPECT_EQ(v.header("x-user-id"), user_id) << cookie;
    }
  }

  // One request on a fresh connection, from client IP `ip` (see request()); no response fails
  // the test.
  Response send(const std::string& method, const std::string& path, const Fields& headers = {},
                const std::string& body = {}, const std::string& ip = "10.0.0.1") {
    auto r = request(port_, method, path, headers, body, ip, send_timeout_);
    EXPECT_TRUE(r.has_value()) << method << " " << path;
    return r.value_or(Response{});
  }

  // How long send() waits for an answer. A burst of logins is that many Argon2id hashes on the
  // idle-priority hashing pool, which other suites running beside this one can starve for long
  // (the fixtures that send bursts also raise server.handler_timeout).
  std::chrono::seconds send_timeout_{30};

  bool keep_log_ = false;  // the server's stderr to log_file() instead of /dev/null
  BackendEnv backend_;     // first: its scratch stores outlive the server and every CLI run
  std::filesystem::path root_, data_, config_;
  std::unique_ptr<TesseraProcess> server_;
  std::uint16_t port_ = 0;
};

}  // namespace tessera::http::testing
