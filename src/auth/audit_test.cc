#include "auth/audit.h"

#include <gtest/gtest.h>

#include "auth/audit_log.h"
#include "auth/ip_prefix.h"
#include "auth/test_util.h"
#include "auth/users.h"

namespace tessera::auth {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000;

class AuditTest : public ::testing::Test {
 protected:
  std::vector<store::AuditEvent> events(std::string type = {}) {
    auto r = audit_.query({.limit = 100, .type = std::move(type)});
    EXPECT_TRUE(r.has_value());
    return r ? *r : std::vector<store::AuditEvent>{};
  }

  store::Stores stores_ = testing::memory_stores();
  AuditService audit_{stores_.audit};
};

TEST(AuditTypeTest, Names) {
  EXPECT_EQ(to_string(AuditType::kLoginSuccess), "login.success");
  EXPECT_EQ(to_string(AuditType::kLoginFailure), "login.failure");
  EXPECT_EQ(to_string(AuditType::kLogout), "logout");
  EXPECT_EQ(to_string(AuditType::kLogoutAll), "logout.all");
  EXPECT_EQ(to_string(AuditType::kSessionRevoked), "session.revoked");
  EXPECT_EQ(to_string(AuditType::kPasswordChanged), "password.changed");
  EXPECT_EQ(to_string(AuditType::kUserDisabled), "user.disabled");
  EXPECT_EQ(to_string(AuditType::kUserEnabled), "user.enabled");
  EXPECT_EQ(to_string(AuditType::kUserCreated), "user.created");
  EXPECT_EQ(to_string(AuditType::kSignup), "signup");
  EXPECT_EQ(to_string(AuditType::kDeviceNew), "device.new");
  EXPECT_EQ(to_string(AuditType::kRefreshReuse), "refresh.reuse");
  EXPECT_EQ(to_string(AuditType::kKeysRotated), "keys.rotated");
  EXPECT_EQ(to_string(AuditType::kPasskeyAdded), "passkey.added");
  EXPECT_EQ(to_string(AuditType::kPasskeyRemoved), "passkey.removed");
  EXPECT_EQ(to_string(AuditType::kPasskeyRefused), "passkey.refused");
  EXPECT_EQ(to_string(AuditType::kPasskeyCloneSuspected), "passkey.clone_suspected");
  EXPECT_EQ(to_string(AuditType::kRolesChanged), "user.roles_changed");
  EXPECT_EQ(to_string(AuditType::kOutboxRead), "outbox.read");
  EXPECT_EQ(to_string(AuditType::kOutboxPurged), "outbox.purged");
}

TEST(AuditTypeTest, ValidNames) {
  EXPECT_TRUE(valid_audit_type("login.failure"));
  EXPECT_TRUE(valid_audit_type("mfa.recovery_code_used"));
  EXPECT_TRUE(valid_audit_type(std::string(64, 'a')));
  EXPECT_FALSE(valid_audit_type(std::string(65, 'a')));
  EXPECT_FALSE(valid_audit_type(""));
  EXPECT_FALSE(valid_audit_type("Login.failure"));
  EXPECT_FALSE(valid_audit_type("login failure"));
}

TEST(AuditEventJson, ShowsTheDetailAsJsonAndTheUserAsAUuid) {
  const store::UserId u = new_user_id();
  const auto j = audit_event_json({.id = 7,
                                   .at = kT0,
                                   .type = "login.failure",
                                   .user_id = u,
                                   .ip = "198.51.100.1",
                                   .user_agent = "UA",
                                   .detail = R"({"reason":"bad_password"})"});
  EXPECT_EQ(j.dump(),
            R"({"id":7,"at":1700000000,"type":"login.failure","user_id":")" + store::to_uuid(u) +
                R"(","ip":"198.51.100.1","user_agent":"UA","detail":{"reason":"bad_password"}})");
  const auto no_user =
      audit_event_json({.id = 8, .at = kT0, .type = "logout", .detail = "not json"});
  EXPECT_TRUE(no_user["user_id"].is_null());
  EXPECT_EQ(no_user["detail"], "not json");
}

TEST_F(AuditTest, RecordsEventsWithJsonDetail) {
  const store::UserId u = new_user_id();
  auto id = audit_.record(AuditType::kLoginFailure, kT0,
                          {.user = u, .ip = "198.51.100.1", .user_agent = "UA"},
                          {{"reason", "bad_password"}});
  ASSERT_TRUE(id.has_value());
  auto id2 = audit_.record(AuditType::kLogout, kT0 + 1, {});
  ASSERT_TRUE(id2.has_value());
  EXPECT_GT(*id2, *id);

  auto all = events();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].type, "logout");  // newest first
  EXPECT_EQ(all[0].detail, "{}");
  EXPECT_EQ(all[1].type, "login.failure");
  EXPECT_EQ(all[1].at, kT0);
  EXPECT_EQ(all[1].user_id, u);
  EXPECT_EQ(all[1].ip, "198.51.100.1");
  EXPECT_EQ(all[1].user_agent, "UA");
  EXPECT_EQ(nlohmann::json::parse(all[1].detail), (nlohmann::json{{"reason", "bad_password"}}));
}

TEST_F(AuditTest, EachEventIsAlsoALogLineWithoutPersonalData) {
  const store::UserId u = new_user_id();
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(audit_.record(
      AuditType::kLoginFailure, kT0,
      AuditActor{
          .user = std::nullopt, .ip = "192.0.2.1", .user_agent = "UA/1", .request_id = "r-1"},
      {{"reason", "unknown_user"}, {"email", "who@example.com"}}));
  ASSERT_TRUE(audit_.record(AuditType::kRolesChanged, kT0,
                            AuditActor{.user = u, .ip = "192.0.2.2", .user_agent = "UA/1"},
                            {{"user", "target"}, {"roles", {"admin"}}}));
  const std::string out = ::testing::internal::GetCapturedStderr();
  const auto nl = out.find('\n');
  ASSERT_NE(nl, std::string::npos);
  const auto failure = nlohmann::json::parse(out.substr(0, nl));
  EXPECT_EQ(failure["level"], "warn");
  EXPECT_EQ(failure["msg"], "audit");
  EXPECT_EQ(failure["event"], "login.failure");
  EXPECT_EQ(failure["reason"], "unknown_user");
  EXPECT_EQ(failure["ip"], "192.0.2.1");
  EXPECT_EQ(failure["request_id"], "r-1");
  EXPECT_EQ(out.find("who@example.com"), std::string::npos) << out;  // personal data
  EXPECT_EQ(out.find("UA/1"), std::string::npos) << out;
  const auto roles = nlohmann::json::parse(out.substr(nl + 1));
  EXPECT_EQ(roles["level"], "info");
  EXPECT_EQ(roles["user"], store::to_uuid(u));  // the actor
  EXPECT_EQ(roles["detail_user"], "target");    // the detail's, never replacing it
  EXPECT_EQ(roles["roles"], R"(["admin"])");
}

TEST(AuditLogLevelTest, RefusalsAndAttacksAreWarnings) {
  EXPECT_EQ(audit_log_level(AuditType::kLoginFailure), base::LogLevel::kWarn);
  EXPECT_EQ(audit_log_level(AuditType::kRefreshReuse), base::LogLevel::kWarn);
  EXPECT_EQ(audit_log_level(AuditType::kOAuthCodeReplay), base::LogLevel::kWarn);
  EXPECT_EQ(audit_log_level(AuditType::kLoginSuccess), base::LogLevel::kInfo);
  EXPECT_EQ(audit_log_level(AuditType::kOAuthGrant), base::LogLevel::kInfo);
  EXPECT_EQ(audit_log_level(AuditType::kSessionRevoked), base::LogLevel::kInfo);
}

TEST_F(AuditTest, PurgeOlderThanDeletesAcrossBatches) {
  // More than one batch older than the cut, and some newer.
  const std::size_t old_events = AuditService::kPurgeBatch + 3;
  for (std::size_t i = 0; i < old_events; ++i) {
    ASSERT_TRUE(audit_.record(AuditType::kLogout, kT0 - 100, {}).has_value());
  }
  ASSERT_TRUE(audit_.record(AuditType::kLogout, kT0, {}).has_value());
  ASSERT_TRUE(audit_.record(AuditType::kLogout, kT0 + 1, {}).has_value());
  auto first = audit_.purge_older_than(kT0, 1).value();
  EXPECT_EQ(first.deleted, AuditService::kPurgeBatch) << "one batch at most";
  EXPECT_TRUE(first.more);
  auto rest = audit_.purge_older_than(kT0, 10).value();
  EXPECT_EQ(rest.deleted, old_events - AuditService::kPurgeBatch);
  EXPECT_FALSE(rest.more);
  auto left = events();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[1].at, kT0) << "an event at the cut is kept";
  EXPECT_EQ(audit_.purge_older_than(kT0, 10).value().deleted, 0u);
}

TEST_F(AuditTest, StrayBytesNeverBreakTheDetail) {
  ASSERT_TRUE(audit_.record(AuditType::kLoginFailure, kT0, {.user_agent = "a\xFF\nb"},
                            {{"email", "x\xFFy@z"}}));
  auto e = events();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].user_agent, "a??b");
  EXPECT_TRUE(nlohmann::json::parse(e[0].detail).is_object());
}

TEST_F(AuditTest, IpPrefixes) {
  EXPECT_EQ(ip_prefix("203.0.113.77", 24, 48), "203.0.113.0/24");
  EXPECT_EQ(ip_prefix("::ffff:203.0.113.77", 24, 48), "203.0.113.0/24");
  EXPECT_EQ(ip_prefix("2001:db8:aaaa:bbbb::1", 24, 48), "2001:db8:aaaa::/48");
  EXPECT_EQ(ip_prefix("2001:db8:aaaa:bbbb::1", 32, 64), "2001:db8:aaaa:bbbb::/64");
  EXPECT_EQ(ip_prefix("198.51.100.9", 32, 64), "198.51.100.9/32");
  EXPECT_EQ(ip_prefix("not an ip", 24, 48), "not an ip");
  EXPECT_EQ(ip_prefix("", 24, 48), "");
}

TEST_F(AuditTest, FingerprintIsUserAgentPlusIpPrefix) {
  const std::string ua = "Mozilla/5.0 (X11; Linux x86_64)";
  const std::string fp = AuditService::device_fingerprint("203.0.113.7", ua);
  EXPECT_EQ(fp.size(), 43u);
  EXPECT_EQ(fp, AuditService::device_fingerprint("203.0.113.200", ua));  // same /24
  EXPECT_NE(fp, AuditService::device_fingerprint("203.0.114.7", ua));    // other /24
  EXPECT_NE(fp, AuditService::device_fingerprint("203.0.113.7", ua + "x"));
  EXPECT_EQ(AuditService::device_fingerprint("2001:db8:1::1", ua),
            AuditService::device_fingerprint("2001:db8:1:ffff::2", ua));  // same /48
  EXPECT_NE(AuditService::device_fingerprint("2001:db8:1::1", ua),
            AuditService::device_fingerprint("2001:db8:2::1", ua));
  EXPECT_EQ(fp.find("203"), std::string::npos);
}

TEST_F(AuditTest, NewDeviceOncePerUserAndDevice) {
  const store::UserId alice = new_user_id();
  const store::UserId bob = new_user_id();
  EXPECT_EQ(audit_.note_device(alice, "203.0.113.7", "UA1", kT0), true);
  EXPECT_EQ(audit_.note_device(alice, "203.0.113.8", "UA1", kT0 + 1), false);  // same /24
  EXPECT_EQ(audit_.note_device(alice, "198.51.100.1", "UA1", kT0 + 2), true);
  EXPECT_EQ(audit_.note_device(alice, "203.0.113.7", "UA2", kT0 + 3), true);
  EXPECT_EQ(audit_.note_device(bob, "203.0.113.7", "UA1", kT0 + 4), true);  // per user
  auto e = events("device.new");
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].user_id, bob);
  EXPECT_EQ(nlohmann::json::parse(e[0].detail)["fingerprint"],
            AuditService::device_fingerprint("203.0.113.7", "UA1"));
}

class DownAudit final : public store::AuditStore {
 public:
  std::expected<std::int64_t, store::StoreError> append(const store::AuditEvent&) override {
    return std::unexpected(store::StoreError::kUnavailable);
  }
  std::expected<std::vector<store::AuditEvent>, store::StoreError> query(
      const store::AuditQuery&) override {
    return std::unexpected(store::StoreError::kUnavailable);
  }
  std::expected<std::size_t, store::StoreError> purge(std::int64_t, std::size_t) override {
    return std::unexpected(store::StoreError::kUnavailable);
  }
  std::expected<bool, store::StoreError> remember_device(const store::UserId&, std::string_view,
                                                         std::int64_t) override {
    return std::unexpected(store::StoreError::kUnavailable);
  }
};

TEST(AuditDownTest, FailuresAreCountedAndReported) {
  AuditService audit(std::make_shared<DownAudit>());
  EXPECT_EQ(audit.record(AuditType::kLogout, kT0, {}).error().code, Errc::kUnavailable);
  EXPECT_EQ(audit.note_device(new_user_id(), "ip", "ua", kT0).error().code, Errc::kUnavailable);
  EXPECT_EQ(audit.failures(), 2u);
  EXPECT_EQ(audit.purge_older_than(kT0, 1).error().code, Errc::kUnavailable);
}

}  // namespace
}  // namespace tessera::auth
