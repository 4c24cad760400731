// Refresh families end to end on every backend that keeps them (memory, sqlite, postgres):
// the token service over the real store, so that what issue 15 promises is checked where it
// is decided, against each store's own atomicity. Reuse of the immediate predecessor and of a
// token ten generations back revokes the family; a token forged for a real family id is
// refused without touching the family; the grace rule hands twenty concurrent presenters the
// same successor, and without it exactly one of twenty wins and the family dies; families
// from before generations (as SQLite 0005 / PostgreSQL 0004 leave them) keep working. The
// store-level rules are in conformance_test.cc; the migrations in sqlite_test.cc and
// postgres_test.cc.
#include "auth/refresh_families.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "auth/access_tokens.h"
#include "auth/audit.h"
#include "auth/keyring.h"
#include "auth/opaque_token.h"
#include "auth/refresh_token_format.h"
#include "auth/revocation.h"
#include "base/clock.h"
#include "postgres_test_util.h"
#include "store/stores.h"
#include "store_test_util.h"

namespace tessera::store {
namespace {

using auth::RefreshFailure;
using auth::TokenPair;

constexpr std::int64_t kT0 = 1'700'000'000;
const std::string kRefreshKey(auth::kRefreshKeyBytes, 'r');

class RefreshFamilies : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    config_.backend = GetParam();
    if (config_.backend == "sqlite") config_.sqlite_path = dir_.path() / "tessera.db";
    if (config_.backend == "postgres") {
      auto db = testing::ScratchDatabase::create();
      ASSERT_TRUE(db) << db.error();
      pg_ = std::move(*db);
      config_.postgres_dsn = pg_->dsn();
    }
    auto opened = open_stores(config_);
    ASSERT_TRUE(opened) << opened.error();
    stores_ = std::move(*opened);
    crypto::AeadKey master{};
    master.fill(3);
    keyring_ =
        std::make_unique<auth::KeyringService>(stores_.keys, master, clock_, auth::KeyringConfig{});
    ASSERT_TRUE(keyring_->start());
    revocation_ = std::make_unique<auth::RevocationService>(stores_.revocations, clock_,
                                                            auth::RevocationConfig{});
    ASSERT_TRUE(revocation_->start());
    audit_ = std::make_unique<auth::AuditService>(stores_.audit);
    user_ = testing::make_user(1, kT0 - 100);
    ASSERT_TRUE(stores_.users->create(user_));
    make_service(0);
  }

  void TearDown() override {
    service_.reset();
    access_.reset();
    revocation_.reset();
    keyring_.reset();
    stores_ = {};
  }

  void make_service(std::int64_t grace) {
    auth::RefreshFamilyConfig config;
    config.key = kRefreshKey;
    config.reuse_grace = grace;
    service_.reset();
    access_ = std::make_unique<auth::AccessTokens>(*keyring_, *revocation_, clock_,
                                                   auth::AccessTokenConfig{});
    service_ = std::make_unique<auth::RefreshFamilies>(stores_.refresh, stores_.users, *access_,
                                                       *revocation_, *audit_, clock_, config);
  }

  TokenPair login() {
    auto p = service_->start(user_, "192.0.2.1", "agent");
    EXPECT_TRUE(p);
    return std::move(*p);
  }

  // The next pair of a chain, a second later.
  TokenPair next(const TokenPair& p) {
    clock_.advance(1);
    auto r = service_->refresh(p.refresh_token, "192.0.2.1", "agent");
    EXPECT_TRUE(r) << static_cast<int>(service_->last_failure());
    return r ? std::move(*r) : TokenPair{};
  }

  // Whether refreshing with `raw` fails, and why.
  std::optional<RefreshFailure> failure(const std::string& raw) {
    auto r = service_->refresh(raw, "203.0.113.9", "other");
    if (r) return std::nullopt;
    EXPECT_EQ(r.error().code, auth::Errc::kUnauthenticated);
    return service_->last_failure();
  }

  RefreshFamily family_of(const TokenPair& p) {
    auto found = stores_.refresh->find(p.family.id);
    EXPECT_TRUE(found);
    return found.value_or(RefreshFamily{});
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::ScratchDatabase> pg_;
  StoreConfig config_;
  Stores stores_;
  base::ManualClock clock_{kT0};
  std::unique_ptr<auth::KeyringService> keyring_;
  std::unique_ptr<auth::RevocationService> revocation_;
  std::unique_ptr<auth::AuditService> audit_;
  std::unique_ptr<auth::AccessTokens> access_;
  std::unique_ptr<auth::RefreshFamilies> service_;
  User user_;
};

TEST_P(RefreshFamilies, ReuseOfThePredecessorOrOfATokenTenGenerationsBackRevokes) {
  for (int back : {1, 10}) {
    std::vector<TokenPair> chain{login()};
    for (int i = 0; i < 11; ++i) chain.push_back(next(chain.back()));
    ASSERT_EQ(family_of(chain.back()).generation, 12);
    EXPECT_EQ(failure(chain[chain.size() - 1 - back].refresh_token), RefreshFailure::kReuse);
    const RefreshFamily after = family_of(chain.back());
    EXPECT_NE(after.revoked_at, 0) << back;
    EXPECT_EQ(after.revoked_reason, "reuse") << back;
    EXPECT_EQ(failure(chain.back().refresh_token), RefreshFailure::kFamilyRevoked) << back;
  }
}

// Someone who knows a family's id (the sid of its access tokens) makes tokens for it with
// every generation near the current one, and one far ahead: each is refused before the store
// is asked, the family is not revoked, and its holder refreshes on.
TEST_P(RefreshFamilies, AForgedTokenForARealFamilyIsRefusedWithoutRevokingIt) {
  TokenPair p = login();
  for (int i = 0; i < 4; ++i) p = next(p);  // generation 5
  const RefreshFamily f = family_of(p);
  const auth::RefreshTokenFormat guessed_key(std::string(auth::kRefreshKeyBytes, 'g'));
  for (std::int64_t g : {1, 4, 5, 6, 1'000'000}) {
    EXPECT_EQ(failure(guessed_key.make(f.id, g)), RefreshFailure::kForged) << g;
    EXPECT_FALSE(service_->logout_refresh(guessed_key.make(f.id, g))) << g;
  }
  const RefreshFamily after = family_of(p);
  EXPECT_EQ(after.revoked_at, 0);
  EXPECT_EQ(after.generation, 5);
  p = next(p);
  EXPECT_EQ(family_of(p).generation, 6);
}

TEST_P(RefreshFamilies, TwentyConcurrentPresentersOfOneToken) {
  for (std::int64_t grace : {0, 10}) {
    make_service(grace);
    const TokenPair p = login();
    std::mutex mu;
    std::set<std::string> successors;
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 20; ++i) {
      threads.emplace_back([&] {
        auto r = service_->refresh(p.refresh_token, "192.0.2.1", "agent");
        if (!r) return;
        ++ok;
        std::lock_guard lock(mu);
        successors.insert(r->refresh_token);
      });
    }
    for (auto& t : threads) t.join();
    if (grace == 0) {
      // One winner; the others presented a used token: reuse, no fork survives.
      EXPECT_EQ(ok.load(), 1);
      EXPECT_NE(family_of(p).revoked_at, 0);
    } else {
      // Every one gets the same successor, and the family moved on exactly one generation.
      EXPECT_EQ(ok.load(), 20);
      ASSERT_EQ(successors.size(), 1u);
      const RefreshFamily f = family_of(p);
      EXPECT_EQ(f.revoked_at, 0);
      EXPECT_EQ(f.generation, 2);
      EXPECT_TRUE(service_->refresh(*successors.begin(), "192.0.2.1", "agent"));
    }
  }
}

// Writes `sql` straight into the backend's database (what a migrated database holds).
void exec_raw(const StoreConfig& config, const std::string& sql) {
  if (config.backend == "sqlite") {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(config.sqlite_path.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    const std::string message = err ? err : "";
    sqlite3_free(err);
    sqlite3_close_v2(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  } else {
    testing::RawConnection conn(config.postgres_dsn);
    ASSERT_TRUE(conn.exec(sql)) << conn.error();
  }
}

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

// A family from before generations, as the migration leaves it: generation 0, last used at
// its newest token's issue, its tokens in refresh_legacy_tokens (`used` rotated into
// `current`). The random tokens are what its client holds.
class RefreshFamiliesOnDisk : public RefreshFamilies {};

TEST_P(RefreshFamiliesOnDisk, AFamilyFromBeforeGenerationsKeepsWorking) {
  const bool pg = config_.backend == "postgres";
  auto blob = [&](std::span<const std::uint8_t> b) {
    return pg ? "'\\x" + hex(b) + "'::bytea" : "x'" + hex(b) + "'";
  };
  const std::string used = auth::new_opaque_token();
  const std::string current = auth::new_opaque_token();
  const FamilyId id = testing::family_id(7);
  ASSERT_NO_FATAL_FAILURE(exec_raw(
      config_,
      "INSERT INTO refresh_families (id, user_id, created_at, auth_time, password_changed_at, "
      "client_id, scope, ip, user_agent, revoked_at, revoked_reason, generation, last_used_at) "
      "VALUES (" +
          blob(id) + ", " + blob(user_.id) + ", " + std::to_string(kT0 - 60) + ", " +
          std::to_string(kT0 - 60) + ", " + std::to_string(user_.password_changed_at) +
          ", '', '', '192.0.2.1', " + (pg ? "'agent'::bytea" : "'agent'") + ", 0, '', 0, " +
          std::to_string(kT0 - 30) + "); " +
          "INSERT INTO refresh_legacy_tokens (hash, family_id, issued_at, used_at, successor) "
          "VALUES (" +
          blob(*auth::hash_opaque_token(used)) + ", " + blob(id) + ", " + std::to_string(kT0 - 60) +
          ", " + std::to_string(kT0 - 30) + ", " + blob(*auth::hash_opaque_token(current)) +
          "), (" + blob(*auth::hash_opaque_token(current)) + ", " + blob(id) + ", " +
          std::to_string(kT0 - 30) + ", 0, NULL)"));

  const std::string sid = auth::RefreshFamilies::sid_of(id);
  EXPECT_EQ(service_->sid_of_refresh(current).value(), sid);
  auto first = service_->refresh(current, "192.0.2.1", "agent");
  ASSERT_TRUE(first) << static_cast<int>(service_->last_failure());
  EXPECT_EQ(first->sid, sid);
  EXPECT_EQ(first->refresh_token.size(), auth::kRefreshTokenChars);
  EXPECT_EQ(stores_.refresh->find(id)->generation, 1);
  const TokenPair second = next(*first);
  EXPECT_EQ(stores_.refresh->find(id)->generation, 2);
  // The token used before the upgrade is reuse, and revokes the family.
  EXPECT_EQ(failure(used), RefreshFailure::kReuse);
  EXPECT_EQ(stores_.refresh->find(id)->revoked_reason, "reuse");
  EXPECT_EQ(failure(second.refresh_token), RefreshFailure::kFamilyRevoked);
}

INSTANTIATE_TEST_SUITE_P(Backends, RefreshFamilies,
                         ::testing::Values("memory", "sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });
// A process's memory never held a family from before generations.
INSTANTIATE_TEST_SUITE_P(Backends, RefreshFamiliesOnDisk, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace tessera::store
