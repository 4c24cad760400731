// Client authentication at the token endpoint (auth/client_authentication.h): each registered
// method accepted only as registered, every refusal the same invalid_client, ids the store must
// not see, store failures as 503, and private_key_jwt assertions (RFC 7523 section 3) with real
// EC P-256 and RSA keys: wrong key, HS256, none, iss/sub/aud, exp and its limit, nbf/iat, jti
// and replay.
#include "auth/client_authentication.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "auth/test_util.h"
#include "base/base64url.h"
#include "tessera/jwk.h"
#include "tessera/jws.h"

namespace tessera::auth {
namespace {

using Via = PresentedClient::Via;

constexpr std::int64_t kT0 = 1'700'000'000;
const AuditActor kBy{.user = std::nullopt, .ip = "", .user_agent = "test"};
const std::string kTokenEndpoint = "https://id.example/oauth2/token";
const std::string kIssuer = "https://id.example";
const std::vector<std::string> kAudiences = {kTokenEndpoint, kIssuer};

// A client store that counts find() calls and fails them on request.
class WatchedClients final : public store::ClientStore {
 public:
  explicit WatchedClients(std::shared_ptr<store::ClientStore> inner) : inner_(std::move(inner)) {}
  int finds = 0;
  bool fail = false;

  std::expected<void, store::StoreError> create(const store::Client& c) override {
    return inner_->create(c);
  }
  std::expected<store::Client, store::StoreError> find(std::string_view id) override {
    ++finds;
    if (fail) return std::unexpected(store::StoreError::kUnavailable);
    return inner_->find(id);
  }
  std::expected<std::vector<store::Client>, store::StoreError> list() override {
    return inner_->list();
  }
  std::expected<void, store::StoreError> update(const store::Client& c) override {
    return inner_->update(c);
  }
  std::expected<void, store::StoreError> set_secret(std::string_view id,
                                                    const std::optional<store::TokenHash>& h,
                                                    std::int64_t at) override {
    return inner_->set_secret(id, h, at);
  }
  std::expected<void, store::StoreError> remove(std::string_view id) override {
    return inner_->remove(id);
  }

 private:
  std::shared_ptr<store::ClientStore> inner_;
};

// A counter store that fails increments on request.
class FailingCounters final : public store::CounterStore {
 public:
  explicit FailingCounters(std::shared_ptr<store::CounterStore> inner) : inner_(std::move(inner)) {}
  bool fail = false;

  std::expected<store::Count, store::StoreError> increment(std::string_view key, std::int64_t now,
                                                           std::int64_t window) override {
    if (fail) return std::unexpected(store::StoreError::kUnavailable);
    return inner_->increment(key, now, window);
  }
  std::expected<store::Count, store::StoreError> get(std::string_view key,
                                                     std::int64_t now) override {
    return inner_->get(key, now);
  }
  std::expected<void, store::StoreError> reset(std::string_view key) override {
    return inner_->reset(key);
  }

 private:
  std::shared_ptr<store::CounterStore> inner_;
};

std::string jwks_of(std::initializer_list<const jose::Jwk*> keys) {
  std::string out = R"({"keys":[)";
  for (const jose::Jwk* k : keys) {
    if (out.back() != '[') out += ',';
    out += k->to_json(/*include_private=*/false);
  }
  return out + "]}";
}

class ClientAuthenticationTest : public ::testing::Test {
 protected:
  // Key generation (RSA especially) is slow: once for the suite.
  static void SetUpTestSuite() {
    ec_ = *jose::Jwk::generate(jose::Alg::kES256, "ec1");
    rsa_ = *jose::Jwk::generate(jose::Alg::kRS256, "rsa1");
    stranger_ = *jose::Jwk::generate(jose::Alg::kES256, "ec1");  // same kid, other key
  }

  NewClient add(store::ClientType type, store::ClientAuthMethod method, std::string jwks = {}) {
    ClientSpec s;
    s.name = "client";
    s.type = type;
    s.auth_method = method;
    s.jwks = std::move(jwks);
    if (type == store::ClientType::kPublic) s.redirect_uris = {"https://app.example/cb"};
    auto added = service_.add(std::move(s), kBy);
    EXPECT_TRUE(added.has_value()) << added.error().detail;
    return std::move(*added);
  }
  NewClient add_public() { return add(store::ClientType::kPublic, store::ClientAuthMethod::kNone); }
  NewClient add_secret(store::ClientAuthMethod method) {
    return add(store::ClientType::kConfidential, method);
  }
  NewClient add_jwt(std::string jwks) {
    return add(store::ClientType::kConfidential, store::ClientAuthMethod::kPrivateKeyJwt,
               std::move(jwks));
  }

  // Claims that pass: iss = sub = `id`, aud the token endpoint, five minutes, a fresh jti.
  nlohmann::json claims_for(const std::string& id) {
    return {{"iss", id},
            {"sub", id},
            {"aud", kTokenEndpoint},
            {"exp", clock_.now_unix() + 300},
            {"iat", clock_.now_unix()},
            {"jti", "jti-" + std::to_string(++jtis_)}};
  }

  static std::string sign(const jose::Jwk& key, const nlohmann::json& claims,
                          jose::SignOptions options = {}) {
    auto jwt = jose::sign(key, claims.dump(), options);
    EXPECT_TRUE(jwt.has_value());
    return jwt.value_or("");
  }

  static PresentedClient by_assertion(std::string jwt, std::string client_id = {}) {
    return {.via = Via::kAssertion,
            .client_id = std::move(client_id),
            .secret = {},
            .assertion = std::move(jwt)};
  }
  static PresentedClient by_secret(Via via, std::string id, std::string secret) {
    return {.via = via, .client_id = std::move(id), .secret = std::move(secret), .assertion = {}};
  }
  static PresentedClient by_id(std::string id) {
    return {.via = Via::kNone, .client_id = std::move(id), .secret = {}, .assertion = {}};
  }

  std::expected<store::Client, OAuthError> authenticate(const PresentedClient& p) {
    return authenticator_.authenticate(p, kAudiences);
  }

  static void expect_refused(const std::expected<store::Client, OAuthError>& r) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, OAuthErrc::kInvalidClient);
    EXPECT_EQ(r.error().description, kClientAuthFailed);
  }

  static inline std::optional<jose::Jwk> ec_, rsa_, stranger_;
  store::Stores stores_ = testing::memory_stores();
  std::shared_ptr<WatchedClients> clients_ = std::make_shared<WatchedClients>(stores_.clients);
  std::shared_ptr<FailingCounters> counters_ = std::make_shared<FailingCounters>(stores_.counters);
  base::ManualClock clock_{kT0};
  AuditService audit_{stores_.audit};
  ClientService service_{clients_, audit_, clock_};
  ClientAuthenticator authenticator_{service_, counters_, clock_};
  int jtis_ = 0;
};

// --- Methods as registered ---

TEST_F(ClientAuthenticationTest, PublicClientIsIdentifiedByItsIdAndMayPresentNothingElse) {
  const NewClient app = add_public();
  auto ok = authenticate(by_id(app.client.id));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->id, app.client.id);
  expect_refused(authenticate(by_secret(Via::kSecretBasic, app.client.id, "anything")));
  expect_refused(authenticate(by_secret(Via::kSecretPost, app.client.id, "anything")));
  nlohmann::json c = claims_for(app.client.id);
  expect_refused(authenticate(by_assertion(sign(*ec_, c), app.client.id)));
}

// client_secret_basic only in the header, client_secret_post only in the body.
TEST_F(ClientAuthenticationTest, SecretClientOnlyWithItsSecretWhereItRegisteredIt) {
  struct Case {
    store::ClientAuthMethod method;
    Via registered, other;
  };
  for (const Case& m :
       {Case{store::ClientAuthMethod::kClientSecretBasic, Via::kSecretBasic, Via::kSecretPost},
        Case{store::ClientAuthMethod::kClientSecretPost, Via::kSecretPost, Via::kSecretBasic}}) {
    SCOPED_TRACE(std::string(store::to_string(m.method)));
    const NewClient c = add_secret(m.method);
    auto ok = authenticate(by_secret(m.registered, c.client.id, c.secret));
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->id, c.client.id);
    expect_refused(authenticate(by_secret(m.other, c.client.id, c.secret)));
    expect_refused(authenticate(by_id(c.client.id)));  // a confidential client presenting none
    std::string wrong = c.secret;
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    expect_refused(authenticate(by_secret(m.registered, c.client.id, wrong)));
    expect_refused(authenticate(by_secret(m.registered, c.client.id, c.secret + "x")));
    expect_refused(authenticate(by_secret(m.registered, c.client.id, "")));
    expect_refused(authenticate(by_assertion(sign(*ec_, claims_for(c.client.id)), c.client.id)));
  }
}

TEST_F(ClientAuthenticationTest, AnotherClientsSecretDoesNotWork) {
  const NewClient a = add_secret(store::ClientAuthMethod::kClientSecretBasic);
  const NewClient b = add_secret(store::ClientAuthMethod::kClientSecretBasic);
  expect_refused(authenticate(by_secret(Via::kSecretBasic, a.client.id, b.secret)));
}

TEST_F(ClientAuthenticationTest, UnknownClientGetsTheSameAnswerAsAWrongSecret) {
  const NewClient c = add_secret(store::ClientAuthMethod::kClientSecretBasic);
  auto unknown = authenticate(by_secret(Via::kSecretBasic, "no-such-client", c.secret));
  auto wrong = authenticate(by_secret(Via::kSecretBasic, c.client.id, "wrong"));
  expect_refused(unknown);
  expect_refused(wrong);
  EXPECT_EQ(unknown.error().description, wrong.error().description);
  expect_refused(authenticate(by_id("no-such-client")));
}

TEST_F(ClientAuthenticationTest, IdsTheStoreMustNotSeeAreRefusedWithoutAsking) {
  const std::string not_utf8 = "client\xff";
  const std::string too_long(256, 'a');
  for (const std::string& id :
       {not_utf8, too_long, std::string(), std::string("a\0b", 3), std::string("line\nbreak")}) {
    const int before = clients_->finds;
    expect_refused(authenticate(by_secret(Via::kSecretBasic, id, "secret")));
    expect_refused(authenticate(by_id(id)));
    EXPECT_EQ(clients_->finds, before) << "the store was asked for " << id;
  }
  const int before = clients_->finds;
  expect_refused(authenticate(by_id(std::string(255, 'a'))));  // the longest: looked up
  EXPECT_EQ(clients_->finds, before + 1);
}

TEST_F(ClientAuthenticationTest, StoreFailureIsTemporarilyUnavailable) {
  const NewClient c = add_secret(store::ClientAuthMethod::kClientSecretBasic);
  clients_->fail = true;
  auto r = authenticate(by_secret(Via::kSecretBasic, c.client.id, c.secret));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, OAuthErrc::kTemporarilyUnavailable);
}

// --- private_key_jwt ---

TEST_F(ClientAuthenticationTest, AssertionSignedWithTheClientsEcKeyAuthenticates) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  auto with_id = authenticate(by_assertion(sign(*ec_, claims_for(c.client.id)), c.client.id));
  ASSERT_TRUE(with_id.has_value()) << with_id.error().description;
  EXPECT_EQ(with_id->id, c.client.id);
  // Without client_id the assertion's sub names the client (RFC 7521 section 4.2).
  auto by_sub = authenticate(by_assertion(sign(*ec_, claims_for(c.client.id))));
  ASSERT_TRUE(by_sub.has_value());
  EXPECT_EQ(by_sub->id, c.client.id);
}

TEST_F(ClientAuthenticationTest, AssertionSignedWithTheClientsRsaKeyAuthenticates) {
  const NewClient c = add_jwt(jwks_of({&*ec_, &*rsa_}));
  auto ok = authenticate(by_assertion(sign(*rsa_, claims_for(c.client.id)), c.client.id));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->id, c.client.id);
  auto ec = authenticate(by_assertion(sign(*ec_, claims_for(c.client.id)), c.client.id));
  EXPECT_TRUE(ec.has_value());
}

TEST_F(ClientAuthenticationTest, EitherAudienceIsAcceptedInAStringOrAnArray) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  nlohmann::json claims = claims_for(c.client.id);
  claims["aud"] = kIssuer;
  EXPECT_TRUE(authenticate(by_assertion(sign(*ec_, claims))).has_value());
  claims = claims_for(c.client.id);
  claims["aud"] = {"https://other.example", kTokenEndpoint};
  EXPECT_TRUE(authenticate(by_assertion(sign(*ec_, claims))).has_value());
}

TEST_F(ClientAuthenticationTest, TypIsNotRequired) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  jose::SignOptions typed;
  typed.typ = "JWT";
  EXPECT_TRUE(authenticate(by_assertion(sign(*ec_, claims_for(c.client.id), typed))).has_value());
}

TEST_F(ClientAuthenticationTest, AssertionSignedWithAnotherKeyIsRefused) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  expect_refused(authenticate(by_assertion(sign(*stranger_, claims_for(c.client.id)))));
  expect_refused(authenticate(by_assertion(sign(*rsa_, claims_for(c.client.id)))));  // no kid
}

TEST_F(ClientAuthenticationTest, Hs256IsRefusedWhateverTheSecret) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  // Keyed with the client's own public JWK, the key-confusion attack, under its kid.
  auto confused = jose::Jwk::from_secret(jose::Alg::kHS256, ec_->to_json(false), "ec1");
  ASSERT_TRUE(confused.has_value());
  expect_refused(authenticate(by_assertion(sign(*confused, claims_for(c.client.id)))));

  // Even a stored JWKS holding an oct key (registration refuses one) verifies no HS256.
  auto oct = jose::Jwk::from_secret(jose::Alg::kHS256, std::string(64, 's'), "oct1");
  ASSERT_TRUE(oct.has_value());
  store::Client raw = c.client;
  raw.id = "raw-oct-client";
  raw.jwks = R"({"keys":[)" + oct->to_json(true) + "]}";
  ASSERT_TRUE(stores_.clients->create(raw).has_value());
  expect_refused(authenticate(by_assertion(sign(*oct, claims_for(raw.id)), raw.id)));
}

TEST_F(ClientAuthenticationTest, AlgNoneIsRefused) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  const std::string header = base::base64url_encode(R"({"alg":"none","kid":"ec1"})");
  const std::string payload = base::base64url_encode(claims_for(c.client.id).dump());
  expect_refused(authenticate(by_assertion(header + "." + payload + ".")));
  expect_refused(authenticate(by_assertion(header + "." + payload + ".", c.client.id)));
}

TEST_F(ClientAuthenticationTest, IssAndSubMustBothBeTheClient) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  const NewClient other = add_jwt(jwks_of({&*ec_}));  // the same key, registered twice
  nlohmann::json claims = claims_for(c.client.id);
  claims["iss"] = other.client.id;
  expect_refused(authenticate(by_assertion(sign(*ec_, claims), c.client.id)));
  expect_refused(authenticate(by_assertion(sign(*ec_, claims), other.client.id)));
  claims = claims_for(c.client.id);
  claims["sub"] = other.client.id;
  expect_refused(authenticate(by_assertion(sign(*ec_, claims), c.client.id)));
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));
  // A valid assertion of one client, presented with another's client_id.
  expect_refused(authenticate(by_assertion(sign(*ec_, claims_for(c.client.id)), other.client.id)));
  claims = claims_for(c.client.id);
  claims.erase("iss");
  expect_refused(authenticate(by_assertion(sign(*ec_, claims), c.client.id)));
  claims = claims_for(c.client.id);
  claims.erase("sub");
  expect_refused(authenticate(by_assertion(sign(*ec_, claims), c.client.id)));
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));  // nothing names the client
}

TEST_F(ClientAuthenticationTest, AudienceMustBeOneOfOurs) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  nlohmann::json claims = claims_for(c.client.id);
  claims["aud"] = "https://other.example/token";
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));
  claims = claims_for(c.client.id);
  claims.erase("aud");
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));
  // No audiences configured: no assertion is for us.
  auto none = authenticator_.authenticate(by_assertion(sign(*ec_, claims_for(c.client.id))), {});
  expect_refused(none);
}

TEST_F(ClientAuthenticationTest, ExpiredAssertionIsRefusedBeyondTheLeeway) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  nlohmann::json claims = claims_for(c.client.id);
  claims["exp"] = kT0 - ClientAuthenticator::kLeewaySeconds;
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));
  claims = claims_for(c.client.id);
  claims["exp"] = kT0 - ClientAuthenticator::kLeewaySeconds + 1;  // within the leeway
  EXPECT_TRUE(authenticate(by_assertion(sign(*ec_, claims))).has_value());
  claims = claims_for(c.client.id);
  claims.erase("exp");
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));
  claims = claims_for(c.client.id);
  claims["exp"] = std::to_string(kT0 + 60);  // a string is no NumericDate
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));
}

TEST_F(ClientAuthenticationTest, AssertionValidForMoreThanAnHourIsRefused) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  nlohmann::json claims = claims_for(c.client.id);
  claims["exp"] = kT0 + ClientAuthenticator::kMaxAssertionLifetime + 1;
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));
  claims["exp"] = kT0 + ClientAuthenticator::kMaxAssertionLifetime;
  EXPECT_TRUE(authenticate(by_assertion(sign(*ec_, claims))).has_value());
}

TEST_F(ClientAuthenticationTest, NbfAndIatInTheFutureAreRefusedBeyondTheLeeway) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  nlohmann::json claims = claims_for(c.client.id);
  claims["nbf"] = kT0 + ClientAuthenticator::kLeewaySeconds + 1;
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));
  claims = claims_for(c.client.id);
  claims["iat"] = kT0 + ClientAuthenticator::kLeewaySeconds + 1;
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));
  claims = claims_for(c.client.id);
  claims["nbf"] = kT0 + ClientAuthenticator::kLeewaySeconds;
  claims["iat"] = kT0 + ClientAuthenticator::kLeewaySeconds;
  EXPECT_TRUE(authenticate(by_assertion(sign(*ec_, claims))).has_value());
  claims = claims_for(c.client.id);
  claims.erase("iat");  // optional
  EXPECT_TRUE(authenticate(by_assertion(sign(*ec_, claims))).has_value());
}

TEST_F(ClientAuthenticationTest, JtiIsRequired) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  nlohmann::json claims = claims_for(c.client.id);
  claims.erase("jti");
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));
  claims["jti"] = "";
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));
  claims["jti"] = std::string(256, 'j');
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));
  claims["jti"] = std::string("a\0b", 3);
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));
}

TEST_F(ClientAuthenticationTest, AnAssertionWorksOnceUntilItExpires) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  nlohmann::json claims = claims_for(c.client.id);
  const std::string jwt = sign(*ec_, claims);
  ASSERT_TRUE(authenticate(by_assertion(jwt)).has_value());
  expect_refused(authenticate(by_assertion(jwt)));
  expect_refused(authenticate(by_assertion(jwt, c.client.id)));
  // The same jti in a new assertion is the same assertion replayed.
  claims["iat"] = kT0 + 1;
  expect_refused(authenticate(by_assertion(sign(*ec_, claims))));
  // Remembered exactly while it could be accepted: until exp + leeway.
  const std::string key =
      "client-assertion:" + c.client.id + ":" + claims["jti"].get<std::string>();
  auto count = stores_.counters->get(key, kT0);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(count->window_ends,
            claims["exp"].get<std::int64_t>() + ClientAuthenticator::kLeewaySeconds);
  // At the window's last second the assertion is not yet expired (the leeway), and still
  // refused as a replay; from the window's end on it is expired.
  clock_.set(count->window_ends - 1);
  expect_refused(authenticate(by_assertion(jwt)));
  clock_.set(count->window_ends);
  expect_refused(authenticate(by_assertion(jwt)));
  // Another jti is another assertion; so is the same jti of another client.
  clock_.set(kT0);
  EXPECT_TRUE(authenticate(by_assertion(sign(*ec_, claims_for(c.client.id)))).has_value());
  const NewClient other = add_jwt(jwks_of({&*ec_}));
  nlohmann::json theirs = claims_for(other.client.id);
  theirs["jti"] = claims["jti"];
  EXPECT_TRUE(authenticate(by_assertion(sign(*ec_, theirs))).has_value());
}

TEST_F(ClientAuthenticationTest, AnInvalidAssertionDoesNotUseUpItsJti) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  nlohmann::json claims = claims_for(c.client.id);
  expect_refused(authenticate(by_assertion(sign(*stranger_, claims))));
  EXPECT_TRUE(authenticate(by_assertion(sign(*ec_, claims))).has_value());
}

TEST_F(ClientAuthenticationTest, CounterStoreFailureIsTemporarilyUnavailable) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  counters_->fail = true;
  auto r = authenticate(by_assertion(sign(*ec_, claims_for(c.client.id))));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, OAuthErrc::kTemporarilyUnavailable);
}

TEST_F(ClientAuthenticationTest, GarbageAssertionsAreRefused) {
  const NewClient c = add_jwt(jwks_of({&*ec_}));
  for (const std::string& jwt :
       {std::string(), std::string("a.b.c"), std::string("not a jwt"), std::string(9000, 'a')}) {
    expect_refused(authenticate(by_assertion(jwt, c.client.id)));
    expect_refused(authenticate(by_assertion(jwt)));
  }
}

}  // namespace
}  // namespace tessera::auth
