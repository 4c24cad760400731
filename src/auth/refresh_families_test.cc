#include "auth/refresh_families.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "auth/access_tokens.h"
#include "auth/family_csrf.h"
#include "auth/opaque_token.h"
#include "auth/test_util.h"
#include "base/base64url.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "tessera/jws.h"

namespace tessera::auth {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000;

nlohmann::json segment(const std::string& token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  const std::size_t end = token.find('.', start);
  return nlohmann::json::parse(*base::base64url_decode(token.substr(start, end - start)));
}

// A refresh store over another that adds what a test needs: rotations that report the user
// they "read" (store::Rotation::user_read), as postgres/ does (`report` is what they say,
// whatever the user store holds), and legacy tokens (`legacy`, by hash, of families in the
// inner store), as a database upgraded from before generations holds them.
class TestRefreshStore final : public store::RefreshStore {
 public:
  explicit TestRefreshStore(std::shared_ptr<store::RefreshStore> inner)
      : inner_(std::move(inner)) {}
  bool reports_user = false;
  std::optional<store::User> report;
  std::map<store::TokenHash, store::LegacyToken> legacy;

  std::expected<void, store::StoreError> create(const store::RefreshFamily& family) override {
    return inner_->create(family);
  }
  std::expected<store::RefreshFamily, store::StoreError> find(
      const store::FamilyId& family) override {
    return inner_->find(family);
  }
  std::expected<store::Rotation, store::StoreError> rotate(const store::FamilyId& family,
                                                           std::int64_t generation,
                                                           std::int64_t now) override {
    auto r = inner_->rotate(family, generation, now);
    if (reports_user && r && r->outcome == store::RotateOutcome::kRotated) {
      r->user_read = true;
      r->user = report;
    }
    return r;
  }
  std::expected<store::LegacyTokenInFamily, store::StoreError> find_legacy(
      const store::TokenHash& hash) override {
    auto it = legacy.find(hash);
    if (it == legacy.end()) return std::unexpected(store::StoreError::kNotFound);
    auto family = inner_->find(it->second.family);
    if (!family) return std::unexpected(family.error());
    return store::LegacyTokenInFamily{.token = it->second, .family = *family};
  }
  std::expected<bool, store::StoreError> revoke_family(const store::FamilyId& family,
                                                       std::string_view reason,
                                                       std::int64_t now) override {
    return inner_->revoke_family(family, reason, now);
  }
  std::expected<std::size_t, store::StoreError> revoke_user(const store::UserId& user,
                                                            std::string_view reason,
                                                            std::int64_t now) override {
    return inner_->revoke_user(user, reason, now);
  }
  std::expected<std::vector<store::RefreshFamily>, store::StoreError> list(
      const store::UserId& user) override {
    return inner_->list(user);
  }
  std::expected<std::size_t, store::StoreError> purge(std::int64_t created_before,
                                                      std::int64_t used_before,
                                                      std::int64_t revoked_before) override {
    return inner_->purge(created_before, used_before, revoked_before);
  }
  std::expected<std::string, store::StoreError> token_secret(std::string_view candidate) override {
    return inner_->token_secret(candidate);
  }

 private:
  std::shared_ptr<store::RefreshStore> inner_;
};

class TokensTest : public ::testing::Test {
 protected:
  TokensTest() {
    crypto::AeadKey master{};
    master.fill(9);
    keyring_ = std::make_unique<KeyringService>(stores_.keys, master, clock_, KeyringConfig{});
    EXPECT_TRUE(keyring_->start().has_value());
    revocation_ =
        std::make_unique<RevocationService>(stores_.revocations, clock_, RevocationConfig{});
    EXPECT_TRUE(revocation_->start().has_value());
    audit_ = std::make_unique<AuditService>(stores_.audit);
    make_service(RefreshFamilyConfig{});
    alice_ = add_user("alice@example.com", {"user", "admin"});
  }

  // New access-token and refresh-family services (the access tokens' issuer and audience are
  // always these).
  void make_service(RefreshFamilyConfig config) {
    service_.reset();
    access_ = std::make_unique<AccessTokens>(
        *keyring_, *revocation_, clock_,
        AccessTokenConfig{.issuer = "https://auth.example.com", .audience = "api"});
    service_ = std::make_unique<RefreshFamilies>(stores_.refresh, stores_.users, *access_,
                                                 *revocation_, *audit_, clock_, config);
  }

  store::User add_user(std::string email, std::vector<std::string> roles) {
    store::User u;
    const std::string id = crypto::random_bytes(16);
    std::copy(id.begin(), id.end(), u.id.begin());
    u.email = std::move(email);
    u.password_hash = "$argon2id$v=19$m=8,t=1,p=1$x$y";
    u.roles = std::move(roles);
    u.created_at = kT0 - 100;
    u.password_changed_at = kT0 - 100;
    EXPECT_TRUE(stores_.users->create(u).has_value());
    return u;
  }

  // A service with refresh.reuse_grace = `grace` seconds, and a login on it.
  TokenPair login_with_grace(std::int64_t grace) {
    RefreshFamilyConfig config;
    config.reuse_grace = grace;
    make_service(config);
    return login(alice_);
  }

  TokenPair login(const store::User& u) {
    auto p = service_->start(u, "198.51.100.7", "test-agent");
    EXPECT_TRUE(p.has_value());
    return std::move(*p);
  }

  // Moves time on, and the revocation service with it (the server polls every 250 ms; a
  // service that has not followed the log for 5 s fails closed).
  void advance(std::int64_t seconds) {
    clock_.advance(seconds);
    EXPECT_TRUE(revocation_->poll().has_value());
  }

  bool valid(const std::string& access) { return access_->verify(access).has_value(); }

  Errc refresh_error(const std::string& raw) {
    auto r = service_->refresh(raw, "ip", "ua");
    EXPECT_FALSE(r.has_value());
    return r ? Errc::kInternal : r.error().code;
  }

  std::size_t audit_count(std::string_view type) {
    store::AuditQuery q;
    q.type = std::string(type);
    auto all = stores_.audit->query(q);
    return all ? all->size() : 0;
  }

  store::Stores stores_ = testing::memory_stores();
  base::ManualClock clock_{kT0};
  std::unique_ptr<KeyringService> keyring_;
  std::unique_ptr<RevocationService> revocation_;
  std::unique_ptr<AuditService> audit_;
  std::unique_ptr<AccessTokens> access_;
  std::unique_ptr<RefreshFamilies> service_;
  store::User alice_;
};

TEST_F(TokensTest, AccessTokenHeaderAndClaimsFollowRfc9068) {
  clock_.advance_ms(250);
  const TokenPair p = login(alice_);
  const auto header = segment(p.access.token, 0);
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["typ"], "at+jwt");
  EXPECT_EQ(header["kid"], keyring_->current()->signer->kid());
  EXPECT_EQ(header.size(), 3u);
  const auto claims = segment(p.access.token, 1);
  EXPECT_EQ(claims["iss"], "https://auth.example.com");
  EXPECT_EQ(claims["sub"], store::to_uuid(alice_.id));
  EXPECT_EQ(claims["aud"], "api");
  EXPECT_EQ(claims["iat"], kT0);
  EXPECT_EQ(claims["exp"], kT0 + 15 * 60);
  EXPECT_EQ(claims["jti"], p.access.jti);
  EXPECT_EQ(claims["sid"], p.sid);
  EXPECT_EQ(claims["roles"], nlohmann::json({"user", "admin"}));
  EXPECT_EQ(claims["auth_time"], kT0);
  EXPECT_EQ(AccessTokens::issued_ms_of(p.access.jti), kT0 * 1000 + 250);
  EXPECT_EQ(p.refresh_token.size(), kRefreshTokenChars);
  EXPECT_EQ(p.refresh_token.find(p.access.token), std::string::npos);
}

TEST_F(TokensTest, VerifyGivesThePrincipal) {
  const TokenPair p = login(alice_);
  auto principal = access_->verify(p.access.token);
  ASSERT_TRUE(principal.has_value());
  EXPECT_EQ((*principal)->user, alice_.id);
  EXPECT_EQ((*principal)->user_uuid, store::to_uuid(alice_.id));
  EXPECT_EQ((*principal)->roles, (std::vector<std::string>{"user", "admin"}));
  EXPECT_EQ((*principal)->sid, p.sid);
  EXPECT_EQ((*principal)->expires_at, kT0 + 900);
}

TEST_F(TokensTest, TamperedForgedExpiredAndForeignTokensFail) {
  const TokenPair p = login(alice_);
  std::string tampered = p.access.token;
  tampered[tampered.find('.') + 5] ^= 1;
  EXPECT_FALSE(valid(tampered));
  EXPECT_FALSE(valid(""));
  EXPECT_FALSE(valid(std::string(9000, 'a')));
  EXPECT_FALSE(valid("a.b.c"));
  // Signed by a key that is not in the keyring.
  auto stranger = jose::Jwk::generate(jose::Alg::kES256, keyring_->current()->signer->kid());
  auto forged = jose::sign(*stranger, segment(p.access.token, 1).dump(),
                           {.kid = stranger->kid(), .typ = "at+jwt"});
  EXPECT_FALSE(valid(*forged));
  // Right key, wrong audience / issuer / typ.
  for (auto [claim, value] : {std::pair{"aud", "other"}, std::pair{"iss", "https://evil"}}) {
    auto c = segment(p.access.token, 1);
    c[claim] = value;
    auto t = jose::sign(*keyring_->current()->signer, c.dump(),
                        {.kid = keyring_->current()->signer->kid(), .typ = "at+jwt"});
    EXPECT_FALSE(valid(*t)) << claim;
  }
  auto jwt_typ = jose::sign(*keyring_->current()->signer, segment(p.access.token, 1).dump(),
                            {.kid = keyring_->current()->signer->kid(), .typ = "JWT"});
  EXPECT_FALSE(valid(*jwt_typ));
  // A jti that is not ours (no issue time) is refused.
  auto c = segment(p.access.token, 1);
  c["jti"] = "not-ours";
  auto odd = jose::sign(*keyring_->current()->signer, c.dump(),
                        {.kid = keyring_->current()->signer->kid(), .typ = "at+jwt"});
  EXPECT_FALSE(valid(*odd));

  EXPECT_TRUE(valid(p.access.token));  // cached now; expiry still applies to cached entries
  advance(900 + 30 - 1);
  EXPECT_TRUE(valid(p.access.token));
  advance(1);
  EXPECT_FALSE(valid(p.access.token));
}

TEST_F(TokensTest, RefreshRotatesAndReuseRevokesTheWholeFamily) {
  const TokenPair first = login(alice_);
  advance(60);
  auto second = service_->refresh(first.refresh_token, "ip", "ua");
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(second->refresh_token, first.refresh_token);
  EXPECT_EQ(second->sid, first.sid);
  EXPECT_NE(second->access.jti, first.access.jti);
  EXPECT_TRUE(valid(second->access.token));

  // The old token again, from somewhere else: reuse. The family dies, including the successor.
  auto stolen = service_->refresh(first.refresh_token, "198.51.100.66", "ThiefBot/2.0");
  ASSERT_FALSE(stolen.has_value());
  EXPECT_EQ(stolen.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kReuse);
  // Issue 14, defect 7: the event names whoever presented the used token (the likely thief),
  // and the account whose family it was.
  store::AuditQuery q;
  q.type = "refresh.reuse";
  auto events = stores_.audit->query(q);
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().ip, "198.51.100.66");
  EXPECT_EQ(events->front().user_agent, "ThiefBot/2.0");
  EXPECT_EQ(events->front().user_id, alice_.id);
  EXPECT_EQ(refresh_error(second->refresh_token), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kFamilyRevoked);
  EXPECT_EQ(audit_count("refresh.reuse"), 1u);
  auto families = service_->families(alice_.id);
  ASSERT_TRUE(families.has_value());
  EXPECT_TRUE(families->empty());
}

TEST_F(TokensTest, MalformedAndUnknownRefreshTokensFail) {
  for (const std::string& junk :
       {std::string(), std::string(kRefreshTokenChars - 1, 'A'),
        std::string(kRefreshTokenChars, '*'), std::string(kRefreshTokenChars + 1, 'A'),
        std::string(42, 'A'), std::string(9000, 'A')}) {
    EXPECT_EQ(refresh_error(junk), Errc::kUnauthenticated) << junk.size();
    EXPECT_EQ(service_->last_failure(), RefreshFailure::kMalformed) << junk.size();
  }
  // The shape of a legacy token, but no such token.
  EXPECT_EQ(refresh_error(std::string(43, 'A')), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kUnknown);
  // The shape of a token of ours, but not our MAC.
  EXPECT_EQ(refresh_error(std::string(kRefreshTokenChars, 'A')), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kForged);
}

// Every earlier generation is reuse, not only the immediate predecessor: a token ten
// generations back revokes the family as surely as the last one.
TEST_F(TokensTest, ReuseOfAnyEarlierGenerationRevokesTheFamily) {
  for (int back : {1, 10}) {
    std::vector<TokenPair> chain{login(alice_)};
    for (int i = 0; i < 12; ++i) {
      advance(1);
      auto next = service_->refresh(chain.back().refresh_token, "ip", "ua");
      ASSERT_TRUE(next.has_value()) << i;
      chain.push_back(std::move(*next));
    }
    const std::string& old = chain[chain.size() - 1 - back].refresh_token;
    EXPECT_EQ(refresh_error(old), Errc::kUnauthenticated) << back;
    EXPECT_EQ(service_->last_failure(), RefreshFailure::kReuse) << back;
    EXPECT_EQ(refresh_error(chain.back().refresh_token), Errc::kUnauthenticated) << back;
    EXPECT_EQ(service_->last_failure(), RefreshFailure::kFamilyRevoked) << back;
    EXPECT_FALSE(valid(chain.back().access.token)) << back;  // denied with its family
  }
  EXPECT_EQ(audit_count("refresh.reuse"), 2u);
}

// Issue 15: knowing a family's id (the `sid` every service sees) and guessing a generation is
// not enough to make a token the server takes for one of that family's, so nobody can revoke
// someone else's family, let alone rotate it: without the refresh key every such token is
// refused before the store is asked, and the family lives on.
TEST_F(TokensTest, ForgedTokensForARealFamilyAreRefusedWithoutRevokingIt) {
  RefreshFamilyConfig config;
  config.key = std::string(kRefreshKeyBytes, 'k');
  make_service(config);
  TokenPair p = login(alice_);
  for (int i = 0; i < 3; ++i) {
    advance(1);
    p = std::move(service_->refresh(p.refresh_token, "ip", "ua").value());  // at generation 4
  }
  const store::FamilyId family = stores_.refresh->list(alice_.id)->front().id;
  const RefreshTokenFormat other_key(std::string(kRefreshKeyBytes, 'x'));
  std::vector<std::string> forged;
  for (std::int64_t g : {1, 3, 4, 5, 1000}) forged.push_back(other_key.make(family, g));
  std::string flipped = p.refresh_token;  // the current token with its tag altered
  flipped[50] = flipped[50] == 'A' ? 'B' : 'A';
  forged.push_back(flipped);
  for (const std::string& f : forged) {
    EXPECT_EQ(refresh_error(f), Errc::kUnauthenticated) << f;
    EXPECT_EQ(service_->last_failure(), RefreshFailure::kForged) << f;
    auto logout = service_->logout_refresh(f);
    EXPECT_FALSE(logout.has_value()) << f;
  }
  EXPECT_EQ(stores_.refresh->find(family)->revoked_at, 0);
  EXPECT_EQ(stores_.refresh->find(family)->generation, 4);
  EXPECT_EQ(audit_count("refresh.reuse"), 0u);
  EXPECT_TRUE(service_->refresh(p.refresh_token, "ip", "ua").has_value());
}

// A generation the family never reached, under the right key (possible only after the
// database went back to an older backup): refused, and nothing revoked - no one reused
// anything.
TEST_F(TokensTest, AGenerationNeverIssuedIsRefusedWithoutRevoking) {
  RefreshFamilyConfig config;
  config.key = std::string(kRefreshKeyBytes, 'k');
  make_service(config);
  const TokenPair p = login(alice_);
  const store::FamilyId family = stores_.refresh->list(alice_.id)->front().id;
  const RefreshTokenFormat same_key(config.key);
  EXPECT_EQ(same_key.make(family, 1), p.refresh_token);
  EXPECT_EQ(refresh_error(same_key.make(family, 7)), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kNotIssued);
  EXPECT_EQ(stores_.refresh->find(family)->revoked_at, 0);
  EXPECT_TRUE(service_->refresh(p.refresh_token, "ip", "ua").has_value());
}

// Twenty concurrent presentations of one token, with and without the grace window, are in
// tests/store/refresh_families_test.cc: on every backend, this one included.

TEST_F(TokensTest, GraceWindowEdge) {
  const TokenPair p = login_with_grace(10);
  auto rotated = service_->refresh(p.refresh_token, "ip", "ua");
  ASSERT_TRUE(rotated.has_value());
  advance(10);  // exactly at the edge: still the same successor
  auto again = service_->refresh(p.refresh_token, "ip", "ua");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->refresh_token, rotated->refresh_token);
  advance(1);  // past it: reuse
  EXPECT_EQ(refresh_error(p.refresh_token), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kReuse);
  EXPECT_EQ(refresh_error(rotated->refresh_token), Errc::kUnauthenticated);
}

// The store keeps no token: what it holds of a family (its id and generation, with every
// other field) gives another deployment's key, or anyone without the key, nothing to present.
TEST_F(TokensTest, TheStoreAloneYieldsNoToken) {
  const TokenPair p = login_with_grace(10);
  auto rotated = service_->refresh(p.refresh_token, "ip", "ua");
  ASSERT_TRUE(rotated.has_value());
  const store::RefreshFamily f = stores_.refresh->list(alice_.id)->front();
  EXPECT_EQ(f.generation, 2);
  // The same store under another key (the database without the master key): nothing valid.
  RefreshFamilyConfig config;
  config.key = std::string(kRefreshKeyBytes, 'z');
  make_service(config);
  EXPECT_NE(RefreshTokenFormat(config.key).make(f.id, 2), rotated->refresh_token);
  EXPECT_EQ(refresh_error(rotated->refresh_token), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kForged);
}

// Families from before generations (a database upgraded by SQLite 0005 / PostgreSQL 0004):
// the client's random legacy token is the family's generation 0. It rotates into generation 1
// once; presenting it again is reuse, or within the grace window gets that same generation-1
// token; a legacy token already used before the upgrade is reuse, or within the grace window
// gets the successor sealed under it while that is still the family's current token.
TEST_F(TokensTest, LegacyTokensKeepWorkingAcrossTheUpgrade) {
  auto legacy = std::make_shared<TestRefreshStore>(stores_.refresh);
  stores_.refresh = legacy;
  RefreshFamilyConfig config;
  config.reuse_grace = 10;
  make_service(config);
  // A family rotated once before the upgrade: `used` -> `current`, at kT0.
  auto family_at_zero = [&](int n) {
    store::RefreshFamily f;
    f.id.fill(static_cast<std::uint8_t>(n));
    f.user_id = alice_.id;
    f.created_at = kT0 - 50;
    f.generation = 0;
    f.last_used_at = kT0;
    f.auth_time = kT0 - 50;
    f.password_changed_at = alice_.password_changed_at;
    EXPECT_TRUE(stores_.refresh->create(f).has_value());
    return f;
  };
  auto legacy_pair = [&](const store::RefreshFamily& f, std::int64_t used_at) {
    const std::string used = new_opaque_token();
    const std::string current = new_opaque_token();
    const store::TokenHash used_hash = *hash_opaque_token(used);
    legacy->legacy[used_hash] = store::LegacyToken{
        .hash = used_hash,
        .family = f.id,
        .issued_at = kT0 - 50,
        .used_at = used_at,
        .successor = *hash_opaque_token(current),
        .successor_sealed = crypto::seal(crypto::derive_key(used, "tessera refresh successor v1"),
                                         current, std::string(used_hash.begin(), used_hash.end()))};
    legacy->legacy[*hash_opaque_token(current)] =
        store::LegacyToken{.hash = *hash_opaque_token(current), .family = f.id, .issued_at = kT0};
    return std::pair{used, current};
  };

  const store::RefreshFamily f1 = family_at_zero(1);
  const auto [used1, current1] = legacy_pair(f1, kT0);
  // Within the grace window of the pre-upgrade rotation: the sealed successor, still current.
  auto again = service_->refresh(used1, "ip", "ua");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->refresh_token, current1);
  // The current legacy token rotates the family to generation 1: a token of the new kind.
  auto first = service_->refresh(current1, "ip", "ua");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->refresh_token.size(), kRefreshTokenChars);
  EXPECT_EQ(first->sid, RefreshFamilies::sid_of(f1.id));
  EXPECT_EQ(stores_.refresh->find(f1.id)->generation, 1);
  // A second tab with the legacy token: the same generation-1 token.
  auto tab = service_->refresh(current1, "ip", "ua");
  ASSERT_TRUE(tab.has_value());
  EXPECT_EQ(tab->refresh_token, first->refresh_token);
  // The pre-upgrade token once the family moved on: reuse, even within its grace window.
  EXPECT_EQ(refresh_error(used1), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kReuse);
  EXPECT_EQ(refresh_error(first->refresh_token), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kFamilyRevoked);

  // Past the grace window: the rotated legacy token is reuse.
  const store::RefreshFamily f2 = family_at_zero(2);
  const auto [used2, current2] = legacy_pair(f2, kT0);
  auto moved = service_->refresh(current2, "ip", "ua");
  ASSERT_TRUE(moved.has_value());
  advance(11);
  EXPECT_EQ(refresh_error(current2), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kReuse);
  EXPECT_NE(stores_.refresh->find(f2.id)->revoked_at, 0);

  // A legacy token used long before the upgrade: reuse, at once.
  const store::RefreshFamily f3 = family_at_zero(3);
  const auto [used3, current3] = legacy_pair(f3, kT0 - 40);
  EXPECT_EQ(refresh_error(used3), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kReuse);
  EXPECT_EQ(refresh_error(current3), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kFamilyRevoked);
  // And the legacy token's family is what logout and the CSRF check see.
  const store::RefreshFamily f4 = family_at_zero(4);
  const auto [used4, current4] = legacy_pair(f4, kT0 - 40);
  EXPECT_EQ(service_->sid_of_refresh(current4).value(), RefreshFamilies::sid_of(f4.id));
  ASSERT_TRUE(service_->logout_refresh(current4).has_value());
  EXPECT_EQ(stores_.refresh->find(f4.id)->revoked_reason, "logout");
}

TEST_F(TokensTest, FamiliesHaveAbsoluteAndIdleLifetimes) {
  RefreshFamilyConfig config;
  config.idle_timeout = 100;
  config.absolute_lifetime = 250;
  make_service(config);
  TokenPair p = login(alice_);
  for (int i = 0; i < 2; ++i) {
    advance(99);
    auto r = service_->refresh(p.refresh_token, "ip", "ua");
    ASSERT_TRUE(r.has_value()) << i;
    p = std::move(*r);
  }
  advance(52);  // 250 s after login
  EXPECT_EQ(refresh_error(p.refresh_token), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kExpired);

  const TokenPair idle = login(alice_);
  advance(100);
  EXPECT_EQ(refresh_error(idle.refresh_token), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kExpired);
}

TEST_F(TokensTest, RefreshRechecksTheUser) {
  const TokenPair a = login(alice_);
  const TokenPair b = login(alice_);
  ASSERT_TRUE(stores_.users->set_password(alice_.id, "$argon2id$new", kT0 + 1).has_value());
  EXPECT_EQ(refresh_error(a.refresh_token), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kPasswordChanged);

  store::User bob = add_user("bob@example.com", {});
  const TokenPair c = login(bob);
  ASSERT_TRUE(stores_.users->set_disabled(bob.id, true).has_value());
  EXPECT_EQ(refresh_error(c.refresh_token), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kUserGone);
  (void)b;
}

// A store that read the user in its rotation: the service checks THAT user (no second read),
// and "no such user" ends the family like a disabled one.
TEST_F(TokensTest, RefreshChecksTheUserTheRotationRead) {
  auto reading = std::make_shared<TestRefreshStore>(stores_.refresh);
  reading->reports_user = true;
  stores_.refresh = reading;
  make_service(RefreshFamilyConfig{});
  store::User disabled = alice_;
  disabled.disabled = true;
  store::User moved_on = alice_;
  moved_on.password_changed_at = kT0 + 1;

  // The user store says alice is fine; each rotation says otherwise, and wins.
  for (auto [reported, why] : std::vector<std::pair<std::optional<store::User>, RefreshFailure>>{
           {disabled, RefreshFailure::kUserGone},
           {std::nullopt, RefreshFailure::kUserGone},
           {moved_on, RefreshFailure::kPasswordChanged}}) {
    const TokenPair p = login(alice_);
    reading->report = reported;
    EXPECT_EQ(refresh_error(p.refresh_token), Errc::kUnauthenticated);
    EXPECT_EQ(service_->last_failure(), why);
    reading->report = alice_;
    EXPECT_EQ(refresh_error(p.refresh_token), Errc::kUnauthenticated);  // the family is over
    EXPECT_EQ(service_->last_failure(), RefreshFailure::kFamilyRevoked);
  }

  // The other way round: the user store says disabled, the rotation read her enabled.
  ASSERT_TRUE(stores_.users->set_disabled(alice_.id, true).has_value());
  const TokenPair p = login(alice_);
  reading->report = alice_;
  auto next = service_->refresh(p.refresh_token, "ip", "ua");
  ASSERT_TRUE(next.has_value());
  EXPECT_TRUE(valid(next->access.token));
}

TEST_F(TokensTest, LogoutDeniesTheAccessTokenAndEndsItsFamily) {
  const TokenPair p = login(alice_);
  const TokenPair other = login(alice_);
  auto principal = access_->verify(p.access.token);
  ASSERT_TRUE(principal.has_value());  // and now cached
  ASSERT_TRUE(service_->logout(**principal).has_value());
  EXPECT_FALSE(valid(p.access.token));  // revocation is checked even for cached tokens
  EXPECT_EQ(refresh_error(p.refresh_token), Errc::kUnauthenticated);
  EXPECT_TRUE(valid(other.access.token));  // the other device stays logged in
  EXPECT_TRUE(service_->refresh(other.refresh_token, "ip", "ua").has_value());
}

// verify_locally(): verify()'s answers without a store call, except for a token the revocation
// filter holds, which it leaves to verify().
TEST_F(TokensTest, VerifyLocallyAnswersAllButAFilterHit) {
  const TokenPair p = login(alice_);
  const TokenPair other = login(alice_);
  auto local = access_->verify_locally(p.access.token);
  ASSERT_TRUE(local.has_value() && local->has_value());
  EXPECT_EQ((**local)->sid, p.sid);
  auto junk = access_->verify_locally("junk");
  ASSERT_TRUE(junk.has_value() && !junk->has_value());
  EXPECT_EQ(junk->error().code, Errc::kUnauthenticated);
  ASSERT_TRUE(service_->logout(***local).has_value());
  EXPECT_FALSE(access_->verify_locally(p.access.token).has_value());  // the store must confirm
  EXPECT_FALSE(valid(p.access.token));
  auto still = access_->verify_locally(other.access.token);
  ASSERT_TRUE(still.has_value() && still->has_value());
}

TEST_F(TokensTest, RevokeUserKillsEveryIssuedTokenButNotTheNextLogin) {
  const TokenPair a = login(alice_);
  const TokenPair b = login(alice_);
  clock_.advance_ms(1);
  auto n = service_->revoke_user(alice_.id, "logout_all");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 2u);
  EXPECT_FALSE(valid(a.access.token));
  EXPECT_FALSE(valid(b.access.token));
  EXPECT_EQ(refresh_error(a.refresh_token), Errc::kUnauthenticated);
  clock_.advance_ms(1);  // a new login in the same second, a millisecond later
  const TokenPair fresh = login(alice_);
  EXPECT_TRUE(valid(fresh.access.token));
}

TEST_F(TokensTest, KeyRotationWithTokensInFlight) {
  const TokenPair before = login(alice_);
  ASSERT_TRUE(valid(before.access.token));
  ASSERT_TRUE(keyring_->rotate(false).has_value());
  EXPECT_TRUE(valid(before.access.token));  // signed by the now retired key
  const TokenPair after = login(alice_);
  EXPECT_NE(segment(after.access.token, 0)["kid"], segment(before.access.token, 0)["kid"]);
  EXPECT_TRUE(valid(after.access.token));
  ASSERT_TRUE(keyring_->rotate(true).has_value());  // emergency
  EXPECT_FALSE(valid(before.access.token));
  EXPECT_FALSE(valid(after.access.token));
  EXPECT_TRUE(valid(login(alice_).access.token));
}

}  // namespace
}  // namespace tessera::auth

namespace tessera::auth {
namespace {

// web.mode = "jwt": the CSRF token is a MAC of the family's sid: stable across rotations,
// different per family and per secret, never matched by an empty or altered value.
TEST_F(TokensTest, CsrfTokenIsBoundToTheFamilyAndTheSecret) {
  const FamilyCsrf csrf(std::string(32, 'x'));
  const TokenPair a = login(alice_);
  const TokenPair b = login(alice_);
  const std::string ta = csrf.token(a.sid);
  EXPECT_EQ(ta.size(), 43u);
  EXPECT_EQ(csrf.token(a.sid), ta);
  EXPECT_NE(csrf.token(b.sid), ta);
  EXPECT_TRUE(csrf.matches(a.sid, ta));
  EXPECT_FALSE(csrf.matches(b.sid, ta));
  EXPECT_FALSE(csrf.matches(a.sid, ""));
  EXPECT_FALSE(csrf.matches("", csrf.token("")));
  std::string altered = ta;
  altered[0] = altered[0] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(csrf.matches(a.sid, altered));
  auto rotated = service_->refresh(a.refresh_token, "ip", "ua");
  ASSERT_TRUE(rotated.has_value());
  EXPECT_EQ(rotated->sid, a.sid);
  EXPECT_TRUE(csrf.matches(rotated->sid, ta));

  // Another secret (another deployment), or a process without the configured one (a random
  // secret): no match. The same secret elsewhere (another node): the same token.
  EXPECT_FALSE(FamilyCsrf(std::string(32, 'y')).matches(a.sid, ta));
  EXPECT_FALSE(FamilyCsrf("").matches(a.sid, ta));
  EXPECT_EQ(FamilyCsrf(std::string(32, 'x')).token(a.sid), ta);
}

TEST_F(TokensTest, RevokeFamilyOnlyForItsOwnUser) {
  const store::User bob = add_user("bob@example.com", {"user"});
  const TokenPair mine = login(alice_);
  const TokenPair his = login(bob);
  EXPECT_EQ(service_->revoke_family(alice_.id, his.sid, "test").error().code, Errc::kNotFound);
  EXPECT_EQ(service_->revoke_family(alice_.id, "not a sid", "test").error().code, Errc::kNotFound);
  EXPECT_TRUE(service_->refresh(his.refresh_token, "ip", "ua").has_value());  // untouched
  auto revoked = service_->revoke_family(alice_.id, mine.sid, "test");
  ASSERT_TRUE(revoked.has_value());
  EXPECT_EQ(RefreshFamilies::sid_of(revoked->id), mine.sid);
  EXPECT_EQ(refresh_error(mine.refresh_token), Errc::kUnauthenticated);
  EXPECT_EQ(service_->revoke_family(alice_.id, mine.sid, "test").error().code, Errc::kNotFound);
}

TEST_F(TokensTest, SidOfRefreshNamesTheFamilyWhateverItsState) {
  const TokenPair p = login(alice_);
  EXPECT_EQ(service_->sid_of_refresh(p.refresh_token), p.sid);
  auto next = service_->refresh(p.refresh_token, "ip", "ua");
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(service_->sid_of_refresh(p.refresh_token), p.sid);  // used, still named
  EXPECT_EQ(service_->sid_of_refresh(next->refresh_token), p.sid);
  EXPECT_EQ(service_->sid_of_refresh("junk").error().code, Errc::kUnauthenticated);
  EXPECT_EQ(service_->sid_of_refresh(std::string(43, 'A')).error().code, Errc::kUnauthenticated);
}

TEST_F(TokensTest, PurgeDropsExpiredAndLongRevokedFamiliesOnly) {
  RefreshFamilyConfig config;
  config.idle_timeout = 100;
  config.absolute_lifetime = 1000;
  config.keep_revoked = 50;
  make_service(config);
  const TokenPair idle = login(alice_);
  const TokenPair revoked = login(alice_);
  ASSERT_TRUE(service_->revoke_family(alice_.id, revoked.sid, "test").has_value());
  advance(60);
  const TokenPair live = login(alice_);
  auto n = service_->purge();
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 1u);  // the revoked one (60 s > keep_revoked); idle has 40 s left
  advance(50);        // idle: 110 s since its last use
  n = service_->purge();
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 1u);
  // The token still names its family (sid_of_refresh() asks no store), but it is gone.
  EXPECT_EQ(service_->sid_of_refresh(idle.refresh_token), idle.sid);
  EXPECT_EQ(refresh_error(idle.refresh_token), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kUnknown);
  EXPECT_TRUE(service_->refresh(live.refresh_token, "ip", "ua").has_value());
}

}  // namespace
}  // namespace tessera::auth

namespace tessera::auth {
namespace {

// SPEC.md "Revocation": a revoked family takes every access token it issued with it - the
// one presented at logout, the earlier ones still within their lifetime, and a thief's.
TEST_F(TokensTest, RevokedFamilyDeniesEveryAccessTokenItIssued) {
  const TokenPair first = login(alice_);
  auto second = service_->refresh(first.refresh_token, "ip", "ua");
  ASSERT_TRUE(second.has_value());
  const TokenPair other = login(alice_);
  ASSERT_TRUE(valid(first.access.token) && valid(second->access.token));
  auto p = access_->verify(second->access.token);
  ASSERT_TRUE(p.has_value());
  ASSERT_TRUE(service_->logout(**p).has_value());
  EXPECT_FALSE(valid(second->access.token));
  EXPECT_FALSE(valid(first.access.token));  // same family, issued before the rotation
  EXPECT_TRUE(valid(other.access.token));   // another family (another device) lives

  // Revoked from the account page (DELETE /auth/sessions/{id}).
  ASSERT_TRUE(service_->revoke_family(alice_.id, other.sid, "test").has_value());
  EXPECT_FALSE(valid(other.access.token));

  // Reuse: the family's current access token (maybe the thief's) dies too.
  const TokenPair victim = login(alice_);
  auto rotated = service_->refresh(victim.refresh_token, "ip", "ua");
  ASSERT_TRUE(rotated.has_value());
  ASSERT_TRUE(valid(rotated->access.token));
  EXPECT_EQ(refresh_error(victim.refresh_token), Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kReuse);
  EXPECT_FALSE(valid(rotated->access.token));

  // Another process learns of the denials through the log.
  RevocationService follower(stores_.revocations, clock_, RevocationConfig{});
  ASSERT_TRUE(follower.start().has_value());
  auto ident =
      follower.identify(alice_.id, rotated->access.issued_ms, rotated->access.jti, rotated->sid);
  EXPECT_EQ(follower.is_revoked(ident, clock_.now_ms()), true);
  auto fresh = login(alice_);
  EXPECT_EQ(follower.is_revoked(
                follower.identify(alice_.id, fresh.access.issued_ms, fresh.access.jti, fresh.sid),
                clock_.now_ms()),
            false);
}

// A login in the very millisecond of a logout everywhere gets a live token (issued after the
// not-before), while every token from before stays dead.
TEST_F(TokensTest, LoginInTheSameMillisecondAsRevokeUserLives) {
  const TokenPair before = login(alice_);
  ASSERT_TRUE(service_->revoke_user(alice_.id, "logout_all").has_value());
  const TokenPair after = login(alice_);  // the manual clock has not moved: same ms
  EXPECT_GT(after.access.issued_ms, before.access.issued_ms);
  EXPECT_FALSE(valid(before.access.token));
  EXPECT_TRUE(valid(after.access.token));
}

// ---- OAuth clients' families (issue 16) ----

TEST_F(TokensTest, OAuthFamilyTokensCarryClientAndScope) {
  auto p = service_->start(
      alice_, "ip", "ua",
      FamilyGrant{.client_id = "app-1", .scope = "openid email", .auth_time = kT0 - 50});
  ASSERT_TRUE(p.has_value());
  const auto claims = segment(p->access.token, 1);
  EXPECT_EQ(claims["client_id"], "app-1");
  EXPECT_EQ(claims["scope"], "openid email");
  EXPECT_EQ(claims["auth_time"], kT0 - 50);
  auto principal = access_->verify(p->access.token);
  ASSERT_TRUE(principal.has_value());
  EXPECT_EQ((*principal)->client_id, "app-1");
  EXPECT_EQ((*principal)->scope, "openid email");
  EXPECT_FALSE((*principal)->service);
  // A first-party login's token has neither claim.
  const auto first = segment(login(alice_).access.token, 1);
  EXPECT_FALSE(first.contains("client_id"));
  EXPECT_FALSE(first.contains("scope"));
}

TEST_F(TokensTest, OAuthRefreshNarrowsTheAccessTokensScopeOnly) {
  auto p =
      service_->start(alice_, "ip", "ua",
                      FamilyGrant{.client_id = "app-1", .scope = "openid email", .auth_time = kT0});
  ASSERT_TRUE(p.has_value());
  auto narrow = service_->refresh(p->refresh_token, "ip", "ua",
                                  RefreshPresenter{.client_id = "app-1", .scope = "openid"});
  ASSERT_TRUE(narrow.has_value());
  EXPECT_EQ(segment(narrow->access.token, 1)["scope"], "openid");
  // The family keeps what was granted: the next refresh without a scope gets all of it.
  auto full =
      service_->refresh(narrow->refresh_token, "ip", "ua", RefreshPresenter{.client_id = "app-1"});
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(segment(full->access.token, 1)["scope"], "openid email");
  auto family = service_->family_of(full->refresh_token);
  ASSERT_TRUE(family.has_value());
  EXPECT_EQ(family->scope, "openid email");
  EXPECT_EQ(family->client_id, "app-1");
}

TEST_F(TokensTest, RefreshTokenPresentedByAnotherClientRevokesItsFamily) {
  auto p = service_->start(alice_, "ip", "ua",
                           FamilyGrant{.client_id = "app-1", .scope = "openid", .auth_time = kT0});
  ASSERT_TRUE(p.has_value());
  auto stolen =
      service_->refresh(p->refresh_token, "ip", "ua", RefreshPresenter{.client_id = "app-2"});
  ASSERT_FALSE(stolen.has_value());
  EXPECT_EQ(stolen.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kWrongClient);
  // The family is dead for its own client too, and so is the access token it issued.
  advance(1);
  auto own =
      service_->refresh(p->refresh_token, "ip", "ua", RefreshPresenter{.client_id = "app-1"});
  ASSERT_FALSE(own.has_value());
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kFamilyRevoked);
  EXPECT_FALSE(valid(p->access.token));
  EXPECT_EQ(audit_count("refresh.reuse"), 1u);
}

TEST_F(TokensTest, FirstPartyRefreshRefusesAnOAuthFamilyAndViceVersa) {
  auto oauth = service_->start(
      alice_, "ip", "ua", FamilyGrant{.client_id = "app-1", .scope = "openid", .auth_time = kT0});
  ASSERT_TRUE(oauth.has_value());
  EXPECT_EQ(refresh_error(oauth->refresh_token), Errc::kUnauthenticated);  // /auth/refresh
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kWrongClient);
  const TokenPair first = login(alice_);
  auto r =
      service_->refresh(first.refresh_token, "ip", "ua", RefreshPresenter{.client_id = "app-1"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(service_->last_failure(), RefreshFailure::kWrongClient);
}

TEST_F(TokensTest, ServiceTokensNameTheClientAndNoUser) {
  auto t = access_->issue_service("svc-1", "reports:read", kT0 * 1000);
  ASSERT_TRUE(t.has_value());
  const auto claims = segment(t->token, 1);
  EXPECT_EQ(claims["sub"], "svc-1");
  EXPECT_EQ(claims["client_id"], "svc-1");
  EXPECT_EQ(claims["scope"], "reports:read");
  EXPECT_FALSE(claims.contains("sid"));
  EXPECT_FALSE(claims.contains("roles"));
  auto p = access_->verify(t->token);
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE((*p)->service);
  EXPECT_EQ((*p)->user, store::UserId{});
  EXPECT_TRUE((*p)->user_uuid.empty());
  // Revocable like any other: its jti is denied.
  ASSERT_TRUE(access_->revoke(**p).has_value());
  EXPECT_FALSE(valid(t->token));
}

}  // namespace
}  // namespace tessera::auth
