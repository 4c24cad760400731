// GET /oauth2/revocation-feed end to end (issue 20, api/revocation_feed.h): the real `tessera
// serve` on SQLite, or on PostgreSQL + Redis (backend_env.h). Refusals first (no token, a
// user's token, a service token without the scope, a malformed Last-Event-ID), then a stream
// that starts with a snapshot and carries a logout, a revocation made by another process (the
// CLI; on the networked stores also a second server node) and a key rotation, and a resumed
// stream that gets exactly the events after the id it names.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_client.h"
#include "event_reader.h"
#include "tessera_process.h"
#include "token_text.h"

namespace {

using json = nlohmann::json;
using tessera::http::testing::ApiServerTest;
using tessera::http::testing::base64;
using tessera::http::testing::EventReader;
using tessera::http::testing::Fields;
using tessera::http::testing::jwt_claims;
using tessera::http::testing::Response;
using tessera::http::testing::StreamEvent;
using tessera::http::testing::TesseraProcess;

constexpr char kPassword[] = "correct horse battery staple";
constexpr char kFeed[] = "/oauth2/revocation-feed";

class RevocationFeedApiTest : public ApiServerTest {
 protected:
  RevocationFeedApiTest() : ApiServerTest("") {}

  // A confidential client with the client credentials grant and `scope`: {id, secret}.
  std::pair<std::string, std::string> add_client(const std::string& scope) {
    auto r = cli({"client", "add", "--name", "svc", "--type", "confidential", "--grant",
                  "client_credentials", "--scope", scope});
    EXPECT_EQ(r.code, 0) << r.err;
    const std::string last = r.out.substr(r.out.rfind('{'));
    json j = json::parse(last, nullptr, false);
    EXPECT_TRUE(j.is_object()) << r.out;
    return {j.value("client_id", ""), j.value("client_secret", "")};
  }

  std::string service_token(const std::pair<std::string, std::string>& client,
                            const std::string& scope) {
    Response r = send("POST", "/oauth2/token",
                      {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Authorization", "Basic " + base64(client.first + ":" + client.second)}},
                      "grant_type=client_credentials&scope=" + scope);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body_json().value("access_token", "");
  }

  json user_tokens(const std::string& email) {
    Response r = send("POST", "/auth/token", {{"Content-Type", "application/json"}},
                      json({{"email", email}, {"password", kPassword}}).dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body_json();
  }

  static std::string claim(const std::string& jwt, const std::string& name) {
    const json j = jwt_claims(jwt);
    return j[name].is_string() ? j[name].get<std::string>() : j[name].dump();
  }

  // The next event that is not a keep-alive; fails the test when none comes.
  StreamEvent next(EventReader& r) {
    auto e = r.next(std::chrono::seconds(10));
    EXPECT_TRUE(e.has_value()) << "no event within 10 s";
    return e.value_or(StreamEvent{});
  }

  std::vector<std::string> bearer(const std::string& token) {
    return {"Authorization: Bearer " + token};
  }
};

TEST_F(RevocationFeedApiTest, OnlyAServiceTokenWithTheScopeOpensIt) {
  add_user("reader@example.com", {}, kPassword);
  const auto feed_client = add_client("revocations:read");
  const auto other_client = add_client("reports:read");

  Response none = send("GET", kFeed);
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.header("www-authenticate").find("Bearer"), std::string::npos);

  Response forged = send("GET", kFeed, {{"Authorization", "Bearer not.a.token"}});
  EXPECT_EQ(forged.status, 401);
  EXPECT_NE(forged.header("www-authenticate").find("invalid_token"), std::string::npos);

  // A user's own access token: not a service's.
  const std::string user_access = user_tokens("reader@example.com")["access_token"];
  Response user = send("GET", kFeed, {{"Authorization", "Bearer " + user_access}});
  EXPECT_EQ(user.status, 403) << user.body;
  EXPECT_NE(user.header("www-authenticate").find("insufficient_scope"), std::string::npos);
  EXPECT_NE(user.header("www-authenticate").find("revocations:read"), std::string::npos);

  // A service without the scope.
  const std::string other = service_token(other_client, "reports:read");
  EXPECT_EQ(send("GET", kFeed, {{"Authorization", "Bearer " + other}}).status, 403);

  // The right token, a malformed resume position: a clear 400, no stream.
  const std::string reader = service_token(feed_client, "revocations:read");
  for (const char* bad : {"x1", "-1", "1.5", "", "99999999999999999999999"}) {
    Response r =
        send("GET", kFeed, {{"Authorization", "Bearer " + reader}, {"Last-Event-ID", bad}});
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.body_json().value("code", ""), "bad_input") << bad;
  }
  // A revoked service token: refused.
  ASSERT_EQ(
      send("POST", "/oauth2/revoke",
           {{"Content-Type", "application/x-www-form-urlencoded"},
            {"Authorization", "Basic " + base64(feed_client.first + ":" + feed_client.second)}},
           "token=" + reader)
          .status,
      200);
  EXPECT_EQ(send("GET", kFeed, {{"Authorization", "Bearer " + reader}}).status, 401);
}

TEST_F(RevocationFeedApiTest, StreamsEveryRevocationAndResumesAfterAnId) {
  const std::string ada = add_user("ada@example.com", {}, kPassword);
  const std::string bob = add_user("bob@example.com", {}, kPassword);
  add_user("root@example.com", {"admin"}, kPassword);
  const std::string reader = service_token(add_client("revocations:read"), "revocations:read");

  // Revoked before the service connects: in its snapshot.
  const json early = user_tokens("ada@example.com");
  ASSERT_EQ(send("POST", "/auth/logout",
                 {{"Authorization", "Bearer " + early["access_token"].get<std::string>()}})
                .status,
            204);
  const std::string early_jti = claim(early["access_token"], "jti");

  EventReader stream(port_, kFeed, bearer(reader));
  const std::string head = stream.head();
  ASSERT_NE(head.find("200"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  const StreamEvent snapshot = next(stream);
  ASSERT_EQ(snapshot.event, "snapshot");
  const json snap = json::parse(snapshot.data);
  bool early_denied = false;
  for (const json& d : snap["denied"]) early_denied = early_denied || d["key"] == early_jti;
  EXPECT_TRUE(early_denied) << snapshot.data;
  if (backend_.networked()) {
    // The Redis state began when this test's key prefix was first used: before the tokens.
    EXPECT_LT(snap["complete_since_ms"].get<std::int64_t>(),
              (std::stoll(claim(early["access_token"], "iat")) + 1) * 1000);
  } else {
    EXPECT_EQ(snap["complete_since_ms"], 0);  // SQLite never loses its state
  }
  EXPECT_FALSE(snapshot.id.empty());

  // A logout now: the token's jti and its family's key, as they happen.
  const json now = user_tokens("ada@example.com");
  const std::string jti = claim(now["access_token"], "jti");
  const std::string sid = claim(now["access_token"], "sid");
  ASSERT_EQ(send("POST", "/auth/logout",
                 {{"Authorization", "Bearer " + now["access_token"].get<std::string>()}})
                .status,
            204);
  std::vector<std::string> keys;
  std::string last_id;
  for (int i = 0; i < 2; ++i) {
    const StreamEvent e = next(stream);
    EXPECT_EQ(e.event, "revoke");
    const json d = json::parse(e.data.empty() ? "{}" : e.data);
    keys.push_back(d.value("key", ""));
    // Kept at least as long as the token lives (plus the verifiers' clock-skew leeway).
    EXPECT_GE(d.value("exp", 0LL), std::stoll(claim(now["access_token"], "exp")));
    last_id = e.id;
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{jti, "sid:" + sid}));

  // Another process (the CLI) revokes bob everywhere: a not_before for bob.
  auto revoked = cli({"user", "revoke", "bob@example.com"});
  ASSERT_EQ(revoked.code, 0) << revoked.err;
  StreamEvent nb = next(stream);
  EXPECT_EQ(nb.event, "not_before");
  EXPECT_EQ(json::parse(nb.data.empty() ? "{}" : nb.data).value("sub", ""), bob);
  const std::string nb_id = nb.id;

  // On the networked stores, a second node: a revocation made there reaches this stream.
  std::unique_ptr<TesseraProcess> other;
  if (backend_.networked()) {
    other = std::make_unique<TesseraProcess>(
        std::vector<std::string>{"serve", "--listen", "127.0.0.1:0", "--data-dir",
                                 (root_ / "data2").string(), "--config", config_.string(),
                                 "--threads", "2"},
        TesseraProcess::Stderr::kDiscard);
    const std::uint16_t other_port =
        tessera::http::testing::announced_port(other->first_line().value_or(""));
    ASSERT_NE(other_port, 0);
    auto r = tessera::http::testing::request(
        other_port, "POST", "/auth/token", {{"Content-Type", "application/json"}},
        json({{"email", "ada@example.com"}, {"password", kPassword}}).dump());
    ASSERT_TRUE(r && r->status == 200);
    const std::string there = r->body_json()["access_token"];
    auto out = tessera::http::testing::request(other_port, "POST", "/auth/logout",
                                               {{"Authorization", "Bearer " + there}});
    ASSERT_TRUE(out && out->status == 204);
    std::vector<std::string> got;
    for (int i = 0; i < 2; ++i) got.push_back(json::parse(next(stream).data)["key"]);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::string>{claim(there, "jti"), "sid:" + claim(there, "sid")}));
  }

  // A key rotation is announced.
  const std::string admin = user_tokens("root@example.com")["access_token"];
  ASSERT_EQ(send("POST", "/admin/keys/rotate", {{"Authorization", "Bearer " + admin}}).status, 200);
  StreamEvent keys_event = next(stream);
  EXPECT_EQ(keys_event.event, "keys");
  EXPECT_TRUE(keys_event.id.empty());  // a resume position is an event of the log

  // Resuming after the logout's events: bob's not_before first, nothing before it.
  EventReader resumed(port_, kFeed,
                      {"Authorization: Bearer " + reader, "Last-Event-ID: " + last_id});
  ASSERT_NE(resumed.head().find("200"), std::string::npos);
  const StreamEvent first = next(resumed);
  EXPECT_EQ(first.event, "not_before");
  EXPECT_EQ(first.id, nb_id);
  // Resuming from a position this log never reached: a snapshot, not silence.
  EventReader stale(port_, kFeed, {"Authorization: Bearer " + reader, "Last-Event-ID: 999999999"});
  ASSERT_NE(stale.head().find("200"), std::string::npos);
  EXPECT_EQ(next(stale).event, "snapshot");
}

}  // namespace
