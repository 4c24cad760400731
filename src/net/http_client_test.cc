// net/http_client.h against a loopback server in the test (a socket that answers each
// connection with what the test gives it), and allowed_url's rules.
#include "net/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <thread>

namespace tessera::net {
namespace {

// Accepts connections on 127.0.0.1:<ephemeral> one at a time; for each, reads the request
// head and body (by Content-Length) and writes `answer(request)` (then closes).
class LoopbackServer {
 public:
  explicit LoopbackServer(std::function<std::string(const std::string&)> answer)
      : answer_(std::move(answer)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 8);
    socklen_t n = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &n);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~LoopbackServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  std::string last_request() const { return last_; }

 private:
  void run() {
    for (;;) {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string in;
      char buf[4096];
      std::size_t need = std::string::npos;
      while (need == std::string::npos || in.size() < need) {
        const ssize_t r = read(c, buf, sizeof buf);
        if (r <= 0) break;
        in.append(buf, static_cast<std::size_t>(r));
        if (const auto end = in.find("\r\n\r\n");
            end != std::string::npos && need == std::string::npos) {
          std::size_t length = 0;
          if (const auto cl = in.find("Content-Length: "); cl != std::string::npos && cl < end) {
            length = std::stoul(in.substr(cl + 16));
          }
          need = end + 4 + length;
        }
      }
      last_ = in;
      const std::string out = answer_(in);
      (void)write(c, out.data(), out.size());
      close(c);
    }
  }

  std::function<std::string(const std::string&)> answer_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::string last_;
  std::thread thread_;
};

std::string answer(std::string_view status_line, std::string_view headers, std::string_view body) {
  return "HTTP/1.1 " + std::string(status_line) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" +
         std::string(headers) + "\r\n" + std::string(body);
}

TEST(AllowedUrl, HttpsAnywhereHttpOnlyToLoopbackLiterals) {
  EXPECT_TRUE(allowed_url("https://id.example.com/.well-known/jwks.json"));
  EXPECT_TRUE(allowed_url("http://127.0.0.1:8080/x"));
  EXPECT_TRUE(allowed_url("http://127.9.8.7/x"));
  EXPECT_TRUE(allowed_url("http://[::1]:9000/x"));
  EXPECT_EQ(allowed_url("http://localhost:8080/x").error(), HttpErrc::kInsecureUrl);
  EXPECT_EQ(allowed_url("http://0.0.0.0:8080/x").error(), HttpErrc::kInsecureUrl);
  EXPECT_EQ(allowed_url("http://10.0.0.1/x").error(), HttpErrc::kInsecureUrl);
  EXPECT_EQ(allowed_url("http://id.example.com/x").error(), HttpErrc::kInsecureUrl);
  EXPECT_EQ(allowed_url("http://[::ffff:127.0.0.1]/x").error(), HttpErrc::kInsecureUrl);
  EXPECT_EQ(allowed_url("ftp://127.0.0.1/x").error(), HttpErrc::kBadUrl);
  EXPECT_EQ(allowed_url("not a url").error(), HttpErrc::kBadUrl);
  EXPECT_EQ(allowed_url("").error(), HttpErrc::kBadUrl);
}

TEST(HttpClient, RefusesAnInsecureUrlWithoutConnecting) {
  HttpClient client;
  auto r = client.send({.url = "http://192.0.2.1/jwks"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, HttpErrc::kInsecureUrl);
}

TEST(HttpClient, SendsHeadersAndBodyAndReadsTheAnswer) {
  LoopbackServer server([](const std::string&) {
    return answer("201 Created", "X-Thing: Value One\r\n", R"({"ok":true})");
  });
  HttpClient client;
  auto r = client.send({.method = "POST",
                        .url = server.url("/token"),
                        .headers = {{"Authorization", basic_authorization("my app", "s:cr%t")}},
                        .body = "grant_type=client_credentials"});
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, R"({"ok":true})");
  EXPECT_EQ(r->header("x-thing"), "Value One");
  EXPECT_FALSE(r->header("X-Thing"));  // names are lower-cased
  const std::string req = server.last_request();
  EXPECT_TRUE(req.starts_with("POST /token HTTP/1.1\r\n")) << req;
  // RFC 6749 section 2.3.1: id and secret form-encoded, then base64 of "my%20app:s%3Acr%25t".
  EXPECT_NE(req.find("Authorization: Basic bXklMjBhcHA6cyUzQWNyJTI1dA==\r\n"), std::string::npos)
      << req;
  EXPECT_TRUE(req.ends_with("\r\n\r\ngrant_type=client_credentials")) << req;
  EXPECT_EQ(req.find("Expect:"), std::string::npos);
}

TEST(HttpClient, NeverFollowsARedirect) {
  LoopbackServer server([](const std::string& req) {
    if (req.starts_with("GET /elsewhere")) return answer("200 OK", "", "followed");
    return answer("302 Found", "Location: /elsewhere\r\n", "");
  });
  auto r = HttpClient().send({.url = server.url("/start")});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(r->header("location"), "/elsewhere");
}

TEST(HttpClient, ABodyOverTheCapFails) {
  LoopbackServer server(
      [](const std::string&) { return answer("200 OK", "", std::string(5000, 'x')); });
  auto r = HttpClient({.max_body = 4096}).send({.url = server.url("/big")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, HttpErrc::kTooLarge);
  auto fits = HttpClient({.max_body = 5000}).send({.url = server.url("/big")});
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->body.size(), 5000u);
}

TEST(HttpClient, AClosedPortIsAConnectError) {
  std::string url;
  {
    LoopbackServer gone([](const std::string&) { return std::string(); });
    url = gone.url("/");
  }
  auto r = HttpClient().send({.url = url});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, HttpErrc::kConnect);
}

TEST(HttpClient, StreamsTheBodyAndStopsWhenTheHandlerSaysSo) {
  LoopbackServer server([](const std::string&) {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
           "data: one\n\ndata: two\n\n";
  });
  int status = 0;
  std::string content_type, seen;
  StreamHandler handler{.on_head =
                            [&](int s, const auto& headers) {
                              status = s;
                              for (const auto& [n, v] : headers) {
                                if (n == "content-type") content_type = v;
                              }
                              return true;
                            },
                        .on_data =
                            [&](std::string_view chunk) {
                              seen += chunk;
                              return true;
                            }};
  auto r = HttpClient().stream({.url = server.url("/feed")}, handler);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(*r, 200);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(content_type, "text/event-stream");
  EXPECT_EQ(seen, "data: one\n\ndata: two\n\n");

  handler.on_head = [](int, const auto&) { return false; };
  auto stopped = HttpClient().stream({.url = server.url("/feed")}, handler);
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code, HttpErrc::kCancelled);
}

}  // namespace
}  // namespace tessera::net
