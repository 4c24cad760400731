#include "auth/keyring.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "auth/test_util.h"
#include "base/base64url.h"
#include "tessera/jws.h"

namespace tessera::auth {
namespace {

using store::KeyState;

constexpr std::int64_t kT0 = 1'700'000'000;

crypto::AeadKey master_of(unsigned char b) {
  crypto::AeadKey k{};
  k.fill(b);
  return k;
}

class KeyringTest : public ::testing::Test {
 protected:
  std::unique_ptr<KeyringService> make(KeyringConfig config = {}, unsigned char master = 1) {
    return std::make_unique<KeyringService>(stores_.keys, master_of(master), clock_, config);
  }

  static std::size_t count(const KeyringView& v, KeyState s) {
    std::size_t n = 0;
    for (const auto& k : v.records) n += k.state == s ? 1 : 0;
    return n;
  }

  static const store::SigningKey& only(const KeyringView& v, KeyState s) {
    for (const auto& k : v.records) {
      if (k.state == s) return k;
    }
    ADD_FAILURE() << "no key in state " << store::to_string(s);
    return v.records.front();
  }

  // Signs with the current active key; verifies with `view`'s verifiers.
  static std::string sign_now(const KeyringView& v) {
    auto t = jose::sign(*v.signer, R"({"sub":"x"})", {.kid = v.signer->kid(), .typ = "at+jwt"});
    EXPECT_TRUE(t.has_value());
    return *t;
  }
  static bool verifies(const KeyringView& v, const std::string& token) {
    return jose::verify(token, v.verifiers).has_value();
  }

  store::Stores stores_ = testing::memory_stores();
  base::ManualClock clock_{kT0};
};

TEST_F(KeyringTest, FirstStartMakesOneActiveAndOneNextKey) {
  auto ring = make();
  ASSERT_TRUE(ring->start().has_value());
  auto v = ring->current();
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(count(*v, KeyState::kActive), 1u);
  EXPECT_EQ(count(*v, KeyState::kNext), 1u);
  ASSERT_TRUE(v->signer.has_value());
  EXPECT_EQ(v->signer->alg(), jose::Alg::kES256);
  EXPECT_EQ(v->signer->kid(), only(*v, KeyState::kActive).kid);
  EXPECT_EQ(v->verifiers.keys().size(), 2u);

  // A second start (another process, a restart) adopts the stored keys.
  auto again = make();
  ASSERT_TRUE(again->start().has_value());
  EXPECT_EQ(again->current()->version, v->version);
  EXPECT_EQ(again->current()->signer->kid(), v->signer->kid());
}

TEST_F(KeyringTest, PrivateKeysAreSealedAtRestAndBoundToTheirKid) {
  auto ring = make();
  ASSERT_TRUE(ring->start().has_value());
  auto stored = stores_.keys->load();
  ASSERT_TRUE(stored.has_value());
  for (const auto& k : stored->keys) {
    EXPECT_EQ(k.sealed_private.find("\"d\""), std::string::npos);  // no JWK in the clear
    EXPECT_EQ(base::base64url_decode(k.sealed_private)->find("\"d\""), std::string::npos);
    EXPECT_EQ(k.public_jwk.find("\"d\""), std::string::npos);
    EXPECT_NE(k.public_jwk.find(k.kid), std::string::npos);
  }
  // Another master key cannot open them: start fails, naming the key, and never replaces them.
  auto wrong = make({}, /*master=*/2);
  auto r = wrong->start();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInternal);
  EXPECT_NE(r.error().detail.find("does not open"), std::string::npos);
  EXPECT_EQ(stores_.keys->load()->version, stored->version);

  // A sealed key swapped onto the other record does not open either.
  auto keys = stored->keys;
  std::swap(keys[0].sealed_private, keys[1].sealed_private);
  ASSERT_TRUE(stores_.keys->replace(stored->version, keys).has_value());
  EXPECT_FALSE(make()->start().has_value());
}

TEST_F(KeyringTest, JwksPublishesPublicHalvesOfEveryPublishedKeyOnly) {
  auto ring = make();
  ASSERT_TRUE(ring->start().has_value());
  ASSERT_TRUE(ring->rotate(false).has_value());  // now: retired, active, next
  auto v = ring->current();
  auto jwks = jose::Jwks::parse(v->jwks_json);
  ASSERT_TRUE(jwks.has_value());
  EXPECT_EQ(jwks->keys().size(), 3u);
  std::set<std::string> kids;
  for (const auto& k : jwks->keys()) {
    EXPECT_FALSE(k.is_private());
    kids.insert(k.kid());
  }
  EXPECT_EQ(kids.size(), 3u);  // unique
  EXPECT_EQ(v->jwks_json.find("\"d\""), std::string::npos);
}

TEST_F(KeyringTest, NormalRotationKeepsOldTokensValidUntilTheyExpire) {
  KeyringConfig config;
  config.retire_after = 930;
  auto ring = make(config);
  ASSERT_TRUE(ring->start().has_value());
  auto v1 = ring->current();
  const std::string next_kid = only(*v1, KeyState::kNext).kid;
  const std::string old_token = sign_now(*v1);

  auto v2 = ring->rotate(false);
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ((*v2)->signer->kid(), next_kid);  // the published next key signs now
  EXPECT_EQ(only(**v2, KeyState::kRetired).kid, v1->signer->kid());
  EXPECT_TRUE(verifies(**v2, old_token));
  EXPECT_TRUE(verifies(**v2, sign_now(**v2)));

  // Past retire_after, the next rotation removes the retired key: its tokens fail.
  clock_.advance(config.retire_after);
  auto v3 = ring->rotate(false);
  ASSERT_TRUE(v3.has_value());
  EXPECT_FALSE(verifies(**v3, old_token));
  EXPECT_EQ(count(**v3, KeyState::kRetired), 1u);  // only v2's active
  EXPECT_EQ(count(**v3, KeyState::kActive), 1u);
  EXPECT_EQ(count(**v3, KeyState::kNext), 1u);
}

TEST_F(KeyringTest, EmergencyRotationKillsEveryTokenAndEveryOldKey) {
  auto ring = make();
  ASSERT_TRUE(ring->start().has_value());
  auto v1 = ring->current();
  const std::string token = sign_now(*v1);
  std::set<std::string> old_kids;
  for (const auto& k : v1->records) old_kids.insert(k.kid);

  auto v2 = ring->rotate(true);
  ASSERT_TRUE(v2.has_value());
  EXPECT_FALSE(verifies(**v2, token));
  EXPECT_EQ((*v2)->records.size(), 2u);
  for (const auto& k : (*v2)->records) EXPECT_EQ(old_kids.count(k.kid), 0u) << k.kid;
}

TEST_F(KeyringTest, AnotherProcessRotationIsPickedUpByRefresh) {
  auto server = make();
  ASSERT_TRUE(server->start().has_value());
  const auto before = server->current();
  auto cli = make();  // `tessera keys rotate` in another process
  ASSERT_TRUE(cli->start().has_value());
  ASSERT_TRUE(cli->rotate(true).has_value());
  EXPECT_EQ(server->current()->version, before->version);  // not yet
  ASSERT_TRUE(server->refresh().has_value());
  EXPECT_EQ(server->current()->version, cli->current()->version);
  EXPECT_EQ(server->current()->signer->kid(), cli->current()->signer->kid());
}

TEST_F(KeyringTest, ConcurrentRotationsLeaveExactlyOneActiveKey) {
  auto a = make();
  auto b = make();
  ASSERT_TRUE(a->start().has_value());
  ASSERT_TRUE(b->start().has_value());
  std::thread t1([&] {
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(a->rotate(false).has_value());
  });
  std::thread t2([&] {
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(b->rotate(false).has_value());
  });
  t1.join();
  t2.join();
  auto stored = stores_.keys->load();
  ASSERT_TRUE(stored.has_value());
  int active = 0;
  int next = 0;
  for (const auto& k : stored->keys) {
    active += k.state == KeyState::kActive ? 1 : 0;
    next += k.state == KeyState::kNext ? 1 : 0;
  }
  EXPECT_EQ(active, 1);
  EXPECT_EQ(next, 1);
  EXPECT_EQ(stored->version, 1 + 20);  // every rotation landed, none lost
}

TEST_F(KeyringTest, AutomaticRotationOnlyWhenDue) {
  KeyringConfig config;
  config.rotate_every = 3600;
  auto ring = make(config);
  ASSERT_TRUE(ring->start().has_value());
  const auto v1 = ring->current();
  clock_.advance(3599);
  EXPECT_EQ(ring->maybe_rotate().value_or(true), false);
  EXPECT_EQ(ring->current()->version, v1->version);
  clock_.advance(1);
  EXPECT_EQ(ring->maybe_rotate().value_or(false), true);
  EXPECT_NE(ring->current()->signer->kid(), v1->signer->kid());
  // Two nodes finding it due at once: one rotation, not two.
  auto other = make(config);
  ASSERT_TRUE(other->start().has_value());
  const auto v2 = ring->current();
  clock_.advance(3600);
  EXPECT_EQ(ring->maybe_rotate().value_or(false), true);
  EXPECT_EQ(other->maybe_rotate().value_or(true), false);  // adopts ring's
  EXPECT_EQ(stores_.keys->load()->version, v2->version + 1);
  EXPECT_EQ(other->current()->version, v2->version + 1);
}

TEST_F(KeyringTest, EveryConfiguredAlgorithmSignsAndVerifies) {
  for (jose::Alg alg : {jose::Alg::kES256, jose::Alg::kEdDSA, jose::Alg::kRS256, jose::Alg::kPS256,
                        jose::Alg::kHS256, jose::Alg::kHS512}) {
    store::Stores fresh = testing::memory_stores();
    KeyringConfig config;
    config.alg = alg;
    KeyringService ring(fresh.keys, master_of(3), clock_, config);
    ASSERT_TRUE(ring.start().has_value()) << jose::alg_name(alg);
    auto v = ring.current();
    EXPECT_EQ(v->signer->alg(), alg);
    EXPECT_TRUE(verifies(*v, sign_now(*v))) << jose::alg_name(alg);
    if (alg == jose::Alg::kHS256 || alg == jose::Alg::kHS512) {
      EXPECT_EQ(v->jwks_json, R"({"keys":[]})");  // shared secrets are never published
    }
  }
}

TEST_F(KeyringTest, StoreDownFailsWithUnavailable) {
  class DownKeys final : public store::KeyStore {
   public:
    std::expected<store::Keyring, store::StoreError> load() override {
      return std::unexpected(store::StoreError::kUnavailable);
    }
    std::expected<std::int64_t, store::StoreError> version() override {
      return std::unexpected(store::StoreError::kUnavailable);
    }
    std::expected<std::int64_t, store::StoreError> replace(
        std::int64_t, const std::vector<store::SigningKey>&) override {
      return std::unexpected(store::StoreError::kUnavailable);
    }
  };
  KeyringService ring(std::make_shared<DownKeys>(), master_of(1), clock_, {});
  EXPECT_EQ(ring.start().error().code, Errc::kUnavailable);
  EXPECT_EQ(ring.current(), nullptr);
  EXPECT_EQ(ring.rotate(false).error().code, Errc::kUnavailable);
  EXPECT_EQ(ring.refresh().error().code, Errc::kUnavailable);
}

}  // namespace
}  // namespace tessera::auth
