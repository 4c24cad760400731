// Client registration (auth/clients.h): the defaults, every refusal of the header's table, and
// secrets: shown once, stored as a hash, matched in constant time, replaced by rotation.
#include "auth/clients.h"

#include <gtest/gtest.h>

#include "auth/opaque_token.h"
#include "auth/test_util.h"
#include "tessera/jwk.h"

namespace tessera::auth {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000;
const AuditActor kBy{.user = std::nullopt, .ip = "", .user_agent = "test"};

class ClientsTest : public ::testing::Test {
 protected:
  std::expected<NewClient, Error> add(ClientSpec spec) {
    return service_.add(std::move(spec), kBy);
  }

  static ClientSpec web_app() {
    ClientSpec s;
    s.name = "Partner portal";
    s.type = store::ClientType::kConfidential;
    s.redirect_uris = {"https://partner.example/callback"};
    return s;
  }

  static ClientSpec mobile_app() {
    ClientSpec s;
    s.name = "Mobile";
    s.type = store::ClientType::kPublic;
    s.redirect_uris = {"com.example.mobile:/oauth2redirect", "http://127.0.0.1/cb"};
    return s;
  }

  std::size_t audited(std::string type) {
    auto r = stores_.audit->query({.limit = 100, .type = std::move(type)});
    return r ? r->size() : 0;
  }

  store::Stores stores_ = testing::memory_stores();
  base::ManualClock clock_{kT0};
  AuditService audit_{stores_.audit};
  ClientService service_{stores_.clients, audit_, clock_};
};

TEST_F(ClientsTest, ConfidentialClientGetsASecretShownOnceAndStoredAsItsHash) {
  auto added = add(web_app());
  ASSERT_TRUE(added.has_value()) << added.error().detail;
  EXPECT_TRUE(store::parse_uuid(added->client.id).has_value()) << added->client.id;
  EXPECT_EQ(added->secret.size(), 43u);  // 256 random bits, base64url
  EXPECT_EQ(added->client.auth_method, store::ClientAuthMethod::kClientSecretBasic);
  EXPECT_EQ(added->client.grant_types,
            (std::vector<std::string>{"authorization_code", "refresh_token"}));
  EXPECT_EQ(added->client.scopes, std::vector<std::string>{"openid"});
  EXPECT_EQ(added->client.created_at, kT0);

  auto stored = service_.find(added->client.id);
  ASSERT_TRUE(stored.has_value());
  ASSERT_TRUE(stored->secret_hash.has_value());
  EXPECT_EQ(*stored->secret_hash, *hash_opaque_token(added->secret));
  EXPECT_EQ(auth::client_json(*stored).dump().find(added->secret), std::string::npos);
  EXPECT_TRUE(ClientService::secret_matches(*stored, added->secret));
  std::string altered = added->secret;
  altered[5] = altered[5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(ClientService::secret_matches(*stored, altered));
  EXPECT_FALSE(ClientService::secret_matches(*stored, ""));
  EXPECT_FALSE(ClientService::secret_matches(*stored, added->secret + "x"));

  auto other = add(web_app());
  ASSERT_TRUE(other.has_value());
  EXPECT_NE(other->client.id, added->client.id);
  EXPECT_FALSE(ClientService::secret_matches(*stored, other->secret));
  EXPECT_EQ(audited("client.added"), 2u);
}

TEST_F(ClientsTest, PublicClientHasNoSecretAndNothingMatchesOne) {
  auto added = add(mobile_app());
  ASSERT_TRUE(added.has_value()) << added.error().detail;
  EXPECT_TRUE(added->secret.empty());
  EXPECT_EQ(added->client.auth_method, store::ClientAuthMethod::kNone);
  EXPECT_FALSE(added->client.secret_hash.has_value());
  EXPECT_FALSE(ClientService::secret_matches(added->client, new_opaque_token()));
  EXPECT_EQ(service_.rotate_secret(added->client.id, kBy).error().code, Errc::kBadInput);
}

TEST_F(ClientsTest, ServiceClientDefaultsToClientCredentials) {
  ClientSpec s;
  s.name = "Billing service";
  s.type = store::ClientType::kConfidential;
  auto added = add(s);
  ASSERT_TRUE(added.has_value()) << added.error().detail;
  EXPECT_EQ(added->client.grant_types, std::vector<std::string>{"client_credentials"});
}

TEST_F(ClientsTest, RotatingTheSecretEndsTheOldOne) {
  auto added = add(web_app());
  ASSERT_TRUE(added.has_value());
  clock_.advance(60);
  auto fresh = service_.rotate_secret(added->client.id, kBy);
  ASSERT_TRUE(fresh.has_value());
  auto stored = service_.find(added->client.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_TRUE(ClientService::secret_matches(*stored, *fresh));
  EXPECT_FALSE(ClientService::secret_matches(*stored, added->secret));
  EXPECT_EQ(stored->updated_at, kT0 + 60);
  EXPECT_EQ(audited("client.secret_rotated"), 1u);
  EXPECT_EQ(service_.rotate_secret("nope", kBy).error().code, Errc::kNotFound);
}

TEST_F(ClientsTest, RemovedClientIsGone) {
  auto added = add(web_app());
  ASSERT_TRUE(added.has_value());
  ASSERT_TRUE(service_.remove(added->client.id, kBy).has_value());
  EXPECT_EQ(service_.find(added->client.id).error().code, Errc::kNotFound);
  EXPECT_EQ(service_.remove(added->client.id, kBy).error().code, Errc::kNotFound);
  EXPECT_EQ(audited("client.removed"), 1u);
}

TEST_F(ClientsTest, PrivateKeyJwtNeedsAPublicSignatureKeySet) {
  auto key = jose::Jwk::generate(jose::Alg::kES256, "k1");
  ASSERT_TRUE(key.has_value());
  ClientSpec s = web_app();
  s.auth_method = store::ClientAuthMethod::kPrivateKeyJwt;
  s.jwks = R"({"keys":[)" + key->to_json(false) + "]}";
  auto added = add(s);
  ASSERT_TRUE(added.has_value()) << added.error().detail;
  EXPECT_TRUE(added->secret.empty());  // it authenticates with its key
  EXPECT_FALSE(added->client.secret_hash.has_value());
  EXPECT_EQ(added->client.jwks, s.jwks);

  s.jwks = R"({"keys":[)" + key->to_json(true) + "]}";  // the private key: refused
  EXPECT_EQ(add(s).error().code, Errc::kBadInput);
}

// Every rule of the header, broken once: kBadInput naming the field, nothing stored.
TEST_F(ClientsTest, EveryRuleIsEnforced) {
  struct Case {
    const char* what;
    std::function<void(ClientSpec&)> change;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"empty name", [](ClientSpec& s) { s.name.clear(); }, "name"},
      {"long name", [](ClientSpec& s) { s.name = std::string(201, 'x'); }, "name"},
      {"control character", [](ClientSpec& s) { s.name = "a\nb"; }, "name"},
      {"not UTF-8", [](ClientSpec& s) { s.name = "\xff"; }, "name"},
      {"public with a secret method",
       [](ClientSpec& s) {
         s.type = store::ClientType::kPublic;
         s.auth_method = store::ClientAuthMethod::kClientSecretBasic;
       },
       "auth_method"},
      {"confidential without a credential",
       [](ClientSpec& s) { s.auth_method = store::ClientAuthMethod::kNone; }, "auth_method"},
      {"private_key_jwt without keys",
       [](ClientSpec& s) { s.auth_method = store::ClientAuthMethod::kPrivateKeyJwt; }, "jwks"},
      {"jwks for a secret client", [](ClientSpec& s) { s.jwks = R"({"keys":[]})"; }, "jwks"},
      {"http redirect", [](ClientSpec& s) { s.redirect_uris = {"http://partner.example/cb"}; },
       "redirect_uris"},
      {"fragment", [](ClientSpec& s) { s.redirect_uris = {"https://partner.example/cb#x"}; },
       "redirect_uris"},
      {"duplicate redirect",
       [](ClientSpec& s) { s.redirect_uris.push_back(s.redirect_uris.front()); }, "redirect_uris"},
      {"bad post-logout URI",
       [](ClientSpec& s) { s.post_logout_redirect_uris = {"javascript:alert(1)"}; },
       "post_logout_redirect_uris"},
      {"unknown grant", [](ClientSpec& s) { s.grant_types = {"password"}; }, "grant_types"},
      {"implicit grant", [](ClientSpec& s) { s.grant_types = {"implicit"}; }, "grant_types"},
      {"refresh without code",
       [](ClientSpec& s) {
         s.grant_types = {"client_credentials", "refresh_token"};
       },
       "grant_types"},
      {"duplicate grant",
       [](ClientSpec& s) {
         s.grant_types = {"authorization_code", "authorization_code"};
       },
       "grant_types"},
      {"code without redirect",
       [](ClientSpec& s) {
         s.redirect_uris.clear();
         s.grant_types = {"authorization_code"};
       },
       "redirect_uris"},
      {"public client_credentials",
       [](ClientSpec& s) {
         s.type = store::ClientType::kPublic;
         s.grant_types = {"client_credentials"};
       },
       "grant_types"},
      {"scope with space", [](ClientSpec& s) { s.scopes = {"read write"}; }, "scopes"},
      {"scope with quote", [](ClientSpec& s) { s.scopes = {"a\"b"}; }, "scopes"},
      {"duplicate scope",
       [](ClientSpec& s) {
         s.scopes = {"openid", "openid"};
       },
       "scopes"},
  };
  for (const Case& c : cases) {
    ClientSpec s = web_app();
    c.change(s);
    auto r = add(s);
    ASSERT_FALSE(r.has_value()) << c.what;
    EXPECT_EQ(r.error().code, Errc::kBadInput) << c.what;
    EXPECT_EQ(r.error().detail.rfind(c.field, 0), 0u) << c.what << ": " << r.error().detail;
  }
  EXPECT_TRUE(service_.list()->empty());
  EXPECT_EQ(audited("client.added"), 0u);
}

// The lookup cache (clients.h): changes through the service apply at once; changes made
// elsewhere (another service on the same store: the CLI, another node) within the TTL.
TEST_F(ClientsTest, CachedLookupsFollowLocalChangesAtOnceAndOthersWithinTheTtl) {
  ClientService cached{stores_.clients, audit_, clock_, /*cache_ttl_ms=*/1000};
  ClientService elsewhere{stores_.clients, audit_, clock_};
  auto added = add(web_app());
  ASSERT_TRUE(added.has_value());
  const std::string id = added->client.id;
  ASSERT_TRUE(cached.find(id).has_value());
  // A secret rotated through the caching service: the old one fails at once.
  auto fresh = cached.rotate_secret(id, kBy);
  ASSERT_TRUE(fresh.has_value());
  auto c = cached.find(id);
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(ClientService::secret_matches(*c, added->secret));
  EXPECT_TRUE(ClientService::secret_matches(*c, *fresh));
  // Rotated elsewhere: the cached record serves until the TTL, then the store's.
  auto other = elsewhere.rotate_secret(id, kBy);
  ASSERT_TRUE(other.has_value());
  EXPECT_TRUE(ClientService::secret_matches(*cached.find(id), *fresh));
  clock_.advance_ms(1000);
  EXPECT_FALSE(ClientService::secret_matches(*cached.find(id), *fresh));
  EXPECT_TRUE(ClientService::secret_matches(*cached.find(id), *other));
  // Removed through the caching service: gone at once.
  ASSERT_TRUE(cached.remove(id, kBy).has_value());
  EXPECT_EQ(cached.find(id).error().code, Errc::kNotFound);
  // Unknown ids are never cached: one created afterwards is found at once.
  EXPECT_EQ(cached.find("no-such-client").error().code, Errc::kNotFound);
  auto later = add(web_app());
  ASSERT_TRUE(later.has_value());
  EXPECT_TRUE(cached.find(later->client.id).has_value());
}

}  // namespace
}  // namespace tessera::auth
