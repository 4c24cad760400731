// tessera::Verifier (include/tessera/verifier.h, the installed shared library) in process against
// the real `tessera serve` on SQLite (issue 20). The service-level checks (each kind of
// revocation within 1 s, key rotation, resume, outages, TLS, two nodes) are
// tests/interop/verifier_service.py's; these run under the sanitizers: the options it refuses,
// what verify() answers for each kind of bad token, and verify() from several threads while the
// feed applies revocations and the verifier is destroyed.
#include <gtest/gtest.h>
#include <tessera/verifier.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api_client.h"

namespace {

using json = nlohmann::json;
using tessera::Verifier;
using tessera::VerifyError;
using tessera::http::testing::ApiServerTest;
using tessera::http::testing::Response;

constexpr char kPassword[] = "correct horse battery staple";

class VerifierLibraryTest : public ApiServerTest {
 protected:
  VerifierLibraryTest() : ApiServerTest("") {}

  void SetUp() override {
    ApiServerTest::SetUp();
    user_id_ = add_user("user@example.com", {}, kPassword);
    auto r = cli({"client", "add", "--name", "svc", "--type", "confidential", "--grant",
                  "client_credentials", "--scope", "revocations:read"});
    ASSERT_EQ(r.code, 0) << r.err;
    const json j = json::parse(r.out.substr(r.out.rfind('{')));
    client_id_ = j["client_id"];
    client_secret_ = j["client_secret"];
  }

  std::string issuer() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::unique_ptr<Verifier> make(const std::string& secret) {
    auto v =
        Verifier::create({.issuer = issuer(), .client_id = client_id_, .client_secret = secret});
    EXPECT_TRUE(v.has_value()) << v.error();
    return v ? std::move(*v) : nullptr;
  }

  std::string login() {
    Response r = send("POST", "/auth/token", {{"Content-Type", "application/json"}},
                      json({{"email", "user@example.com"}, {"password", kPassword}}).dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body_json().value("access_token", "");
  }

  void logout(const std::string& token) {
    EXPECT_EQ(send("POST", "/auth/logout", {{"Authorization", "Bearer " + token}}).status, 204);
  }

  // Polls until `token` is refused as revoked; false after 10 s.
  static bool refused(const Verifier& v, const std::string& token) {
    for (int i = 0; i < 2'000; ++i) {
      auto r = v.verify(token);
      if (!r && r.error() == VerifyError::kRevoked) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  std::string user_id_, client_id_, client_secret_;
};

TEST_F(VerifierLibraryTest, RefusesOptionsItCannotWorkWith) {
  const tessera::VerifierOptions good{.issuer = issuer(), .client_id = "a", .client_secret = "b"};
  auto with = [&](auto change) {
    tessera::VerifierOptions o = good;
    change(o);
    return Verifier::create(o);
  };
  EXPECT_FALSE(with([](auto& o) { o.issuer.clear(); }));
  EXPECT_FALSE(with([](auto& o) { o.issuer = "http://id.example.com"; }));  // plain http, a name
  EXPECT_FALSE(with([](auto& o) { o.url = "http://0.0.0.0:8080"; }));
  EXPECT_FALSE(with([](auto& o) { o.url = "ftp://127.0.0.1/"; }));
  EXPECT_FALSE(with([](auto& o) { o.client_secret.clear(); }));
  EXPECT_FALSE(with([](auto& o) { o.audience.clear(); }));
  EXPECT_FALSE(with([](auto& o) { o.max_feed_silence = std::chrono::milliseconds(0); }));
  // Under the keep-alive interval (15 s) plus a margin: a quiet feed would look like an outage.
  EXPECT_FALSE(with([](auto& o) { o.max_feed_silence = std::chrono::seconds(19); }));
  EXPECT_TRUE(with([](auto& o) { o.max_feed_silence = std::chrono::seconds(20); }));
  EXPECT_FALSE(with([](auto& o) { o.leeway_seconds = -1; }));
  auto ok = with([](auto&) {});
  EXPECT_TRUE(ok) << ok.error();
}

TEST_F(VerifierLibraryTest, AcceptsTesserasTokensAndRefusesEveryOtherKind) {
  auto v = make(client_secret_);
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->wait_ready(std::chrono::seconds(20))) << v->status().last_error;
  const std::string token = login();
  auto claims = v->verify(token);
  ASSERT_TRUE(claims) << tessera::to_string(claims.error());
  EXPECT_EQ(claims->sub, user_id_);
  EXPECT_EQ(claims->iss, issuer());
  EXPECT_TRUE(v->verify(token));  // from the cache: the same answer

  EXPECT_EQ(v->verify("").error(), VerifyError::kMalformed);
  EXPECT_EQ(v->verify("not a token").error(), VerifyError::kMalformed);
  EXPECT_EQ(v->verify(std::string(9000, 'a')).error(), VerifyError::kMalformed);
  std::string tampered = token;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(v->verify(tampered));
  // alg none, whatever its claims.
  const std::string payload =
      token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1);
  EXPECT_FALSE(v->verify("eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0." + payload + "."));
  // An unknown kid: refused (after at most one rate-limited JWKS fetch).
  EXPECT_EQ(v->verify("eyJhbGciOiJFUzI1NiIsImtpZCI6Im5vcGUiLCJ0eXAiOiJhdCtqd3QifQ." + payload +
                      "." + token.substr(token.rfind('.') + 1))
                .error(),
            VerifyError::kUnknownKey);
  // A verifier that expects another audience refuses the same token.
  auto other = Verifier::create({.issuer = issuer(),
                                 .audience = "another-api",
                                 .client_id = client_id_,
                                 .client_secret = client_secret_});
  ASSERT_TRUE(other);
  ASSERT_TRUE((*other)->wait_ready(std::chrono::seconds(20)));
  EXPECT_EQ((*other)->verify(token).error(), VerifyError::kInvalid);

  logout(token);
  EXPECT_TRUE(refused(*v, token));
  const tessera::VerifierStatus s = v->status();
  EXPECT_TRUE(s.ready);
  EXPECT_TRUE(s.feed_connected);
  EXPECT_FALSE(s.failing_closed);
  EXPECT_GT(s.last_event_id, 0);
  EXPECT_EQ(s.last_error, "");
}

TEST_F(VerifierLibraryTest, AWrongSecretGetsNothingAndFailsClosed) {
  auto v = make("not the secret");
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->wait_ready(std::chrono::seconds(2)));
  const tessera::VerifierStatus s = v->status();
  EXPECT_FALSE(s.ready);
  EXPECT_TRUE(s.failing_closed);
  EXPECT_NE(s.last_error.find("invalid_client"), std::string::npos) << s.last_error;
  EXPECT_EQ(v->verify(login()).error(), VerifyError::kUnavailable);
}

TEST_F(VerifierLibraryTest, VerifiesFromManyThreadsWhileRevocationsArrive) {
  auto v = make(client_secret_);
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->wait_ready(std::chrono::seconds(20)));
  std::vector<std::string> tokens;
  for (int i = 0; i < 8; ++i) tokens.push_back(login());
  std::atomic<bool> stop{false};
  std::atomic<long> answers{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = t; !stop.load(); ++i) {
        auto r = v->verify(tokens[i % tokens.size()]);
        if (r || r.error() == VerifyError::kRevoked) answers.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 4; ++i) logout(tokens[i]);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(refused(*v, tokens[i])) << i;
  stop = true;
  for (auto& th : threads) th.join();
  EXPECT_GT(answers.load(), 0);
  for (int i = 4; i < 8; ++i) EXPECT_TRUE(v->verify(tokens[i])) << i;
  v.reset();  // joins its threads while the feed is open
}

}  // namespace
