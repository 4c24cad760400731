// The authorization endpoint's decisions (auth/authorization.h), consent (auth/consents.h) and
// the token endpoint's grants (auth/oauth_grants.h), on the memory stores: every rule of the
// headers, each attack tried and seen to fail.
#include "auth/authorization.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <variant>

#include "auth/access_tokens.h"
#include "auth/consents.h"
#include "auth/id_tokens.h"
#include "auth/oauth_grants.h"
#include "auth/opaque_token.h"
#include "auth/test_util.h"
#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::auth {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000;
const AuditActor kFrom{.user = std::nullopt, .ip = "198.51.100.9", .user_agent = "test"};
// RFC 7636 appendix B.
constexpr const char* kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr const char* kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr const char* kMobileRedirect = "com.example.mobile:/oauth2redirect";
constexpr const char* kWebRedirect = "https://partner.example/callback";

nlohmann::json claims_of(const std::string& jwt) {
  const std::size_t a = jwt.find('.');
  const std::size_t b = jwt.find('.', a + 1);
  return nlohmann::json::parse(*base::base64url_decode(jwt.substr(a + 1, b - a - 1)));
}

class AuthorizationTest : public ::testing::Test {
 protected:
  AuthorizationTest() {
    EXPECT_TRUE(keyring_.start().has_value());
    EXPECT_TRUE(revocation_.start().has_value());
    store::User u;
    u.id[0] = 1;
    u.email = "alice@example.com";
    u.password_hash = "$argon2id$v=19$m=8,t=1,p=1$x$y";
    u.roles = {"user"};
    u.created_at = kT0 - 100;
    u.password_changed_at = kT0 - 100;
    EXPECT_TRUE(stores_.users->create(u).has_value());
    alice_ = u;
    mobile_ =
        add_client("Mobile", store::ClientType::kPublic, {kMobileRedirect, "http://127.0.0.1/cb"},
                   {"openid", "email", "notes:read"}, false);
    partner_ = add_client("Partner", store::ClientType::kConfidential, {kWebRedirect},
                          {"openid", "email"}, false);
    first_ = add_client("Own app", store::ClientType::kPublic, {"https://app.example/cb"},
                        {"openid"}, true);
  }

  store::Client add_client(std::string name, store::ClientType type,
                           std::vector<std::string> redirects, std::vector<std::string> scopes,
                           bool first_party) {
    ClientSpec spec;
    spec.name = std::move(name);
    spec.type = type;
    spec.redirect_uris = std::move(redirects);
    spec.scopes = std::move(scopes);
    spec.first_party = first_party;
    auto added = clients_.add(std::move(spec), kFrom);
    EXPECT_TRUE(added.has_value()) << (added ? "" : added.error().detail);
    return added->client;
  }

  AuthorizationParams mobile_request() {
    AuthorizationParams p;
    p.response_type = "code";
    p.client_id = mobile_.id;
    p.redirect_uri = kMobileRedirect;
    p.scope = "openid email";
    p.state = "st-1";
    p.nonce = "n-1";
    p.code_challenge = kChallenge;
    p.code_challenge_method = "S256";
    return p;
  }

  AuthorizationViewer viewer() const {
    return AuthorizationViewer{.user = alice_, .auth_time = kT0 - 10, .amr = "pwd"};
  }

  // validate() must fail with a page.
  void expect_page(const AuthorizationParams& p, std::string_view why) {
    auto r = authorization_.validate(p);
    ASSERT_FALSE(r.has_value()) << why;
    EXPECT_TRUE(std::holds_alternative<authorization::ErrorPage>(r.error())) << why;
  }

  // validate() must fail with an error sent to the client.
  void expect_redirect_error(const AuthorizationParams& p, OAuthErrc code, std::string_view why) {
    auto r = authorization_.validate(p);
    ASSERT_FALSE(r.has_value()) << why;
    auto* e = std::get_if<authorization::RedirectError>(&r.error());
    ASSERT_NE(e, nullptr) << why;
    EXPECT_EQ(e->error.code, code) << why;
    EXPECT_EQ(e->redirect_uri, p.redirect_uri.value_or(e->redirect_uri)) << why;
    EXPECT_EQ(e->state, p.state.value_or("")) << why;
  }

  // A code for `p` on behalf of alice, the consent given if the client needs one.
  std::string code_for(const AuthorizationParams& p) {
    auto r = authorization_.validate(p);
    EXPECT_TRUE(r.has_value());
    auto outcome = authorization_.decide(*r, viewer());
    if (auto* c = std::get_if<authorization::Consent>(&outcome)) {
      outcome = authorization_.consent(c->ticket, true, viewer(), kFrom);
    }
    auto* code = std::get_if<authorization::Code>(&outcome);
    EXPECT_NE(code, nullptr);
    return code ? code->code : std::string();
  }

  std::expected<OAuthTokenResponse, OAuthError> redeem(
      const store::Client& client, const std::string& code,
      std::optional<std::string> verifier = kVerifier,
      std::optional<std::string> redirect = std::string(kMobileRedirect)) {
    return grants_.authorization_code(
        client, CodeGrantParams{.code = code, .redirect_uri = redirect, .code_verifier = verifier},
        kFrom);
  }

  void advance(std::int64_t seconds) {
    clock_.advance(seconds);
    EXPECT_TRUE(revocation_.poll().has_value());
  }

  std::size_t audited(std::string type) {
    auto r = stores_.audit->query({.limit = 100, .type = std::move(type)});
    return r ? r->size() : 0;
  }

  store::Stores stores_ = testing::memory_stores();
  base::ManualClock clock_{kT0};
  crypto::AeadKey master_ = [] {
    crypto::AeadKey k{};
    k.fill(3);
    return k;
  }();
  KeyringService keyring_{stores_.keys, master_, clock_, KeyringConfig{}};
  RevocationService revocation_{stores_.revocations, clock_, RevocationConfig{}};
  AuditService audit_{stores_.audit};
  AccessTokens access_{keyring_, revocation_, clock_,
                       AccessTokenConfig{.issuer = "https://id.example", .audience = "api"}};
  RefreshFamilies families_{stores_.refresh, stores_.users,        access_, revocation_, audit_,
                            clock_,          RefreshFamilyConfig{}};
  ClientService clients_{stores_.clients, audit_, clock_};
  ConsentService consents_{stores_.consents, families_, audit_, clock_};
  AuthorizationService authorization_{clients_, consents_, stores_.codes, clock_,
                                      AuthorizationConfig{}};
  IdTokens id_tokens_{keyring_, access_, clock_};
  OAuthGrants grants_{stores_.codes, stores_.users, families_, access_, id_tokens_, audit_, clock_};
  store::User alice_;
  store::Client mobile_, partner_, first_;
};

// ---- Stage 1: who asks, and where the answer goes ----

TEST_F(AuthorizationTest, AValidRequestIsAccepted) {
  auto r = authorization_.validate(mobile_request());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->client.id, mobile_.id);
  EXPECT_EQ(r->redirect_uri, kMobileRedirect);
  EXPECT_EQ(r->scope, (std::vector<std::string>{"openid", "email"}));
  EXPECT_EQ(r->code_challenge, kChallenge);
}

TEST_F(AuthorizationTest, UnknownClientOrMissingClientIsAPageNeverARedirect) {
  auto p = mobile_request();
  p.client_id = "no-such-client";
  expect_page(p, "unknown client");
  p.client_id.reset();
  expect_page(p, "no client_id");
  p.client_id = std::string("\xff\xfe", 2);
  expect_page(p, "client_id not UTF-8");
}

TEST_F(AuthorizationTest, RedirectUriVariantsAreRefusedWithAPage) {
  auto p = mobile_request();
  p.client_id = partner_.id;
  p.code_challenge.reset();
  p.code_challenge_method.reset();
  for (const char* variant : {
           "https://partner.example/callback/",              // trailing slash
           "https://partner.example/callback/extra",         // extra path
           "https://partner.example/callback?x=1",           // extra query
           "https://partner.example:8443/callback",          // port
           "http://partner.example/callback",                // scheme
           "https://PARTNER.example/callback",               // host case
           "https://user@partner.example/callback",          // userinfo
           "https://partner.example.evil.example/callback",  // look-alike subdomain
           "https://evilpartner.example/callback",           // look-alike host
           "https://partner.example/callback#frag",          // fragment
           "https://partner.example/%63allback",             // percent-encoding
           "https://partner.example/callback%2F..%2Fevil",   // encoded traversal
           "",                                               // empty
       }) {
    p.redirect_uri = variant;
    expect_page(p, variant);
  }
  p.redirect_uri = kWebRedirect;
  EXPECT_TRUE(authorization_.validate(p).has_value());
}

TEST_F(AuthorizationTest, LoopbackRedirectMayUseAnyPortButNothingElseMayDiffer) {
  auto p = mobile_request();
  p.redirect_uri = "http://127.0.0.1:53817/cb";
  EXPECT_TRUE(authorization_.validate(p).has_value());
  p.redirect_uri = "http://127.0.0.1:53817/cb2";
  expect_page(p, "loopback path");
  p.redirect_uri = "http://localhost:53817/cb";
  expect_page(p, "localhost is not the loopback literal");
}

TEST_F(AuthorizationTest, AMissingRedirectUriIsTheOnlyRegisteredOne) {
  auto p = mobile_request();
  p.client_id = partner_.id;
  p.redirect_uri.reset();
  auto r = authorization_.validate(p);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->redirect_uri, kWebRedirect);
  EXPECT_FALSE(r->redirect_uri_given);
  p = mobile_request();  // two registered: which one is unknowable
  p.redirect_uri.reset();
  expect_page(p, "ambiguous redirect");
}

TEST_F(AuthorizationTest, RequestFaultsGoBackToTheClientWithState) {
  auto p = mobile_request();
  p.response_type = "token";
  expect_redirect_error(p, OAuthErrc::kUnsupportedResponseType, "implicit");
  p.response_type = "code id_token";
  expect_redirect_error(p, OAuthErrc::kUnsupportedResponseType, "hybrid");
  p = mobile_request();
  p.response_type.reset();
  expect_redirect_error(p, OAuthErrc::kInvalidRequest, "no response_type");
  p = mobile_request();
  p.scope = "openid admin";
  expect_redirect_error(p, OAuthErrc::kInvalidScope, "scope beyond the client's");
  p.scope = "openid  email";
  expect_redirect_error(p, OAuthErrc::kInvalidScope, "malformed scope");
  p = mobile_request();
  p.prompt = "none login";
  expect_redirect_error(p, OAuthErrc::kInvalidRequest, "prompt none combined");
  p.prompt = "bogus";
  expect_redirect_error(p, OAuthErrc::kInvalidRequest, "prompt unknown");
  p = mobile_request();
  for (const char* bad : {"-1", "1.5", "x", "", "99999999999999999999"}) {
    p.max_age = bad;
    expect_redirect_error(p, OAuthErrc::kInvalidRequest, bad);
  }
  p = mobile_request();
  p.request = "eyJ...";
  expect_redirect_error(p, OAuthErrc::kInvalidRequest, "request object");
  p = mobile_request();
  p.response_mode = "fragment";
  expect_redirect_error(p, OAuthErrc::kInvalidRequest, "response_mode");
  p = mobile_request();
  p.nonce = std::string(513, 'n');
  expect_redirect_error(p, OAuthErrc::kInvalidRequest, "long nonce");
}

TEST_F(AuthorizationTest, PkceIsRequiredOfPublicClientsAndOnlyS256) {
  auto p = mobile_request();
  p.code_challenge.reset();
  p.code_challenge_method.reset();
  expect_redirect_error(p, OAuthErrc::kInvalidRequest, "public client without PKCE");
  p = mobile_request();
  p.code_challenge_method = "plain";
  expect_redirect_error(p, OAuthErrc::kInvalidRequest, "plain");
  p.code_challenge_method.reset();  // absent means plain (RFC 7636 section 4.3)
  expect_redirect_error(p, OAuthErrc::kInvalidRequest, "default plain");
  p = mobile_request();
  p.code_challenge = "short";
  expect_redirect_error(p, OAuthErrc::kInvalidRequest, "malformed challenge");
  p = mobile_request();
  p.code_challenge.reset();
  expect_redirect_error(p, OAuthErrc::kInvalidRequest, "method without challenge");
  // A confidential client may go without PKCE.
  p = mobile_request();
  p.client_id = partner_.id;
  p.redirect_uri = kWebRedirect;
  p.code_challenge.reset();
  p.code_challenge_method.reset();
  EXPECT_TRUE(authorization_.validate(p).has_value());
}

TEST_F(AuthorizationTest, AClientWithoutTheCodeGrantIsUnauthorized) {
  ClientSpec spec;
  spec.name = "Service";
  spec.type = store::ClientType::kConfidential;
  spec.grant_types = {"client_credentials"};
  spec.redirect_uris = {"https://svc.example/cb"};
  auto svc = clients_.add(std::move(spec), kFrom);
  ASSERT_TRUE(svc.has_value()) << svc.error().detail;
  AuthorizationParams p;
  p.response_type = "code";
  p.client_id = svc->client.id;
  p.redirect_uri = "https://svc.example/cb";
  expect_redirect_error(p, OAuthErrc::kUnauthorizedClient, "no code grant");
}

// ---- Stage 2: sign-in and consent ----

TEST_F(AuthorizationTest, NobodySignedInGoesToLoginOrLoginRequired) {
  auto r = authorization_.validate(mobile_request());
  ASSERT_TRUE(r.has_value());
  auto outcome = authorization_.decide(*r, std::nullopt);
  auto* login = std::get_if<authorization::Login>(&outcome);
  ASSERT_NE(login, nullptr);
  r->prompt_none = true;
  outcome = authorization_.decide(*r, std::nullopt);
  auto* e = std::get_if<authorization::RedirectError>(&outcome);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->error.code, OAuthErrc::kLoginRequired);
  EXPECT_EQ(e->state, "st-1");
}

TEST_F(AuthorizationTest, PromptLoginAndMaxAgeAskForAFreshSignIn) {
  auto p = mobile_request();
  p.prompt = "login";
  auto r = authorization_.validate(p);
  ASSERT_TRUE(r.has_value());
  auto outcome = authorization_.decide(*r, viewer());
  ASSERT_TRUE(std::holds_alternative<authorization::Login>(outcome));
  // The way back drops prompt=login (a fresh sign-in satisfies it; keeping it loops).
  for (const auto& [n, v] : AuthorizationService::replay_params(*r)) {
    EXPECT_FALSE(n == "prompt" && v == "login");
    EXPECT_NE(n, "max_age");
  }
  p = mobile_request();
  p.max_age = "5";  // alice signed in 10 s ago
  r = authorization_.validate(p);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(std::holds_alternative<authorization::Login>(authorization_.decide(*r, viewer())));
  p.max_age = "60";
  r = authorization_.validate(p);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(std::holds_alternative<authorization::Login>(authorization_.decide(*r, viewer())));
}

TEST_F(AuthorizationTest, AcrValuesAal2AsksAUserWithASecondFactorToUseIt) {
  auto p = mobile_request();
  p.acr_values = "urn:example:other aal2";
  auto r = authorization_.validate(p);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->wants_mfa);
  AuthorizationViewer v = viewer();  // a password sign-in
  v.has_second_factor = true;
  EXPECT_TRUE(std::holds_alternative<authorization::Login>(authorization_.decide(*r, v)));
  // Signed in with both factors: satisfied.
  v.amr = "pwd otp mfa";
  EXPECT_FALSE(std::holds_alternative<authorization::Login>(authorization_.decide(*r, v)));
  // No second factor to ask for: a new sign-in could not do better; the ID token says aal1.
  EXPECT_FALSE(std::holds_alternative<authorization::Login>(authorization_.decide(*r, viewer())));
  // prompt=none never turns into a sign-in for a voluntary request.
  p.prompt = "none";
  r = authorization_.validate(p);
  ASSERT_TRUE(r.has_value());
  v.amr = "pwd";
  EXPECT_FALSE(std::holds_alternative<authorization::Login>(authorization_.decide(*r, v)));
  // Only aal1 asked: nothing to do.
  p = mobile_request();
  p.acr_values = "aal1";
  r = authorization_.validate(p);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->wants_mfa);
}

TEST_F(AuthorizationTest, ThirdPartyClientsAskOnceFirstPartyNever) {
  auto r = authorization_.validate(mobile_request());
  ASSERT_TRUE(r.has_value());
  auto outcome = authorization_.decide(*r, viewer());
  auto* consent = std::get_if<authorization::Consent>(&outcome);
  ASSERT_NE(consent, nullptr);
  // prompt=none cannot show the page.
  auto none = *r;
  none.prompt_none = true;
  auto refused = authorization_.decide(none, viewer());
  ASSERT_TRUE(std::holds_alternative<authorization::RedirectError>(refused));
  EXPECT_EQ(std::get<authorization::RedirectError>(refused).error.code,
            OAuthErrc::kConsentRequired);
  // Allowed: a code, the grant remembered and audited.
  auto allowed = authorization_.consent(consent->ticket, true, viewer(), kFrom);
  ASSERT_TRUE(std::holds_alternative<authorization::Code>(allowed));
  EXPECT_EQ(audited("oauth.consent"), 1u);
  EXPECT_TRUE(std::holds_alternative<authorization::Code>(authorization_.decide(*r, viewer())));
  EXPECT_TRUE(std::holds_alternative<authorization::Code>(authorization_.decide(none, viewer())));
  // A wider scope asks again; prompt=consent always asks.
  auto wider = *r;
  wider.scope.push_back("notes:read");
  EXPECT_TRUE(
      std::holds_alternative<authorization::Consent>(authorization_.decide(wider, viewer())));
  auto again = *r;
  again.prompt_consent = true;
  EXPECT_TRUE(
      std::holds_alternative<authorization::Consent>(authorization_.decide(again, viewer())));
  // First party: straight to a code.
  auto p = mobile_request();
  p.client_id = first_.id;
  p.redirect_uri = "https://app.example/cb";
  p.scope = "openid";
  auto own = authorization_.validate(p);
  ASSERT_TRUE(own.has_value());
  EXPECT_TRUE(std::holds_alternative<authorization::Code>(authorization_.decide(*own, viewer())));
}

TEST_F(AuthorizationTest, DenyingSendsAccessDenied) {
  auto r = authorization_.validate(mobile_request());
  ASSERT_TRUE(r.has_value());
  auto consent = std::get<authorization::Consent>(authorization_.decide(*r, viewer()));
  auto denied = authorization_.consent(consent.ticket, false, viewer(), kFrom);
  auto* e = std::get_if<authorization::RedirectError>(&denied);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->error.code, OAuthErrc::kAccessDenied);
  EXPECT_EQ(e->state, "st-1");
  EXPECT_TRUE(std::holds_alternative<authorization::Consent>(authorization_.decide(*r, viewer())));
}

TEST_F(AuthorizationTest, ConsentTicketsAreBoundUnforgeableAndExpire) {
  auto r = authorization_.validate(mobile_request());
  ASSERT_TRUE(r.has_value());
  const std::string ticket =
      std::get<authorization::Consent>(authorization_.decide(*r, viewer())).ticket;
  // Another user cannot use alice's ticket (nor alice another's).
  AuthorizationViewer mallory = viewer();
  mallory.user.id[0] = 2;
  EXPECT_TRUE(std::holds_alternative<authorization::ErrorPage>(
      authorization_.consent(ticket, true, mallory, kFrom)));
  // A changed byte in the body or the MAC, junk, and a ticket of another deployment.
  std::string tampered = ticket;
  tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
  for (const std::string& bad : {tampered, ticket.substr(0, ticket.size() - 2), std::string("x.y"),
                                 std::string(""), std::string(".")}) {
    EXPECT_TRUE(std::holds_alternative<authorization::ErrorPage>(
        authorization_.consent(bad, true, viewer(), kFrom)))
        << bad;
  }
  AuthorizationService other{clients_, consents_, stores_.codes, clock_, AuthorizationConfig{}};
  EXPECT_TRUE(std::holds_alternative<authorization::ErrorPage>(
      other.consent(ticket, true, viewer(), kFrom)));
  // Expired after ten minutes.
  clock_.advance(601);
  EXPECT_TRUE(std::holds_alternative<authorization::ErrorPage>(
      authorization_.consent(ticket, true, viewer(), kFrom)));
  EXPECT_EQ(audited("oauth.consent"), 0u);
}

// ---- The token endpoint's grants ----

TEST_F(AuthorizationTest, CodeExchangeGivesTokensAndAnIdToken) {
  const std::string code = code_for(mobile_request());
  auto t = redeem(mobile_, code);
  ASSERT_TRUE(t.has_value()) << t.error().description;
  EXPECT_EQ(t->scope, "openid email");
  EXPECT_FALSE(t->refresh_token.empty());
  EXPECT_EQ(t->expires_in, 15 * 60);
  auto access = access_.verify(t->access_token);
  ASSERT_TRUE(access.has_value());
  EXPECT_EQ((*access)->client_id, mobile_.id);
  EXPECT_EQ((*access)->scope, "openid email");
  EXPECT_EQ((*access)->auth_time, kT0 - 10);
  const auto id = claims_of(t->id_token);
  EXPECT_EQ(id["iss"], "https://id.example");
  EXPECT_EQ(id["sub"], store::to_uuid(alice_.id));
  EXPECT_EQ(id["aud"], mobile_.id);
  EXPECT_EQ(id["azp"], mobile_.id);
  EXPECT_EQ(id["nonce"], "n-1");
  EXPECT_EQ(id["auth_time"], kT0 - 10);
  EXPECT_EQ(id["amr"], nlohmann::json::array({"pwd"}));
  EXPECT_EQ(id["email"], "alice@example.com");
  EXPECT_EQ(id["email_verified"], false);  // no link followed yet
  EXPECT_EQ(id["at_hash"], IdTokens::at_hash(t->access_token, jose::Alg::kES256));
  EXPECT_EQ(id["sid"], (*access)->sid);
  EXPECT_EQ(audited("oauth.grant"), 1u);
  // The ID token is not an access token.
  EXPECT_FALSE(access_.verify(t->id_token).has_value());

  // Once the address is verified, the next ID token says so (OIDC Core section 5.1).
  ASSERT_TRUE(stores_.users->set_email_verified(alice_.id, true));
  auto again = redeem(mobile_, code_for(mobile_request()));
  ASSERT_TRUE(again.has_value()) << again.error().description;
  EXPECT_EQ(claims_of(again->id_token)["email_verified"], true);
}

TEST_F(AuthorizationTest, AtHashIsTheLeftHalfOfTheHash) {
  // OIDC Core section 3.1.3.6 with SHA-256: 16 bytes -> 22 base64url characters.
  const std::string h = IdTokens::at_hash("token", jose::Alg::kES256);
  const auto full = crypto::sha256("token");
  EXPECT_EQ(
      h, base::base64url_encode(std::string_view(reinterpret_cast<const char*>(full.data()), 16)));
  EXPECT_EQ(IdTokens::at_hash("token", jose::Alg::kES384).size(), 32u);
  EXPECT_EQ(IdTokens::at_hash("token", jose::Alg::kEdDSA).size(), 43u);
}

TEST_F(AuthorizationTest, AReplayedCodeIsRefusedAndRevokesWhatItIssued) {
  const std::string code = code_for(mobile_request());
  auto first = redeem(mobile_, code);
  ASSERT_TRUE(first.has_value());
  auto replay = redeem(mobile_, code);
  ASSERT_FALSE(replay.has_value());
  EXPECT_EQ(replay.error().code, OAuthErrc::kInvalidGrant);
  advance(1);
  EXPECT_FALSE(access_.verify(first->access_token).has_value());
  auto refreshed = grants_.refresh_token(mobile_, first->refresh_token, std::nullopt, kFrom);
  ASSERT_FALSE(refreshed.has_value());
  EXPECT_EQ(refreshed.error().code, OAuthErrc::kInvalidGrant);
  EXPECT_EQ(audited("oauth.code_replay"), 1u);
}

TEST_F(AuthorizationTest, CodeRedemptionChecksVerifierClientRedirectAndTime) {
  const std::string code = code_for(mobile_request());
  std::string wrong = kVerifier;
  wrong[0] = 'e';
  const auto refused = [](const auto& r) {
    return !r.has_value() && r.error().code == OAuthErrc::kInvalidGrant;
  };
  EXPECT_TRUE(refused(redeem(mobile_, code, wrong)));
  EXPECT_TRUE(refused(redeem(mobile_, code, std::nullopt)));             // verifier missing
  EXPECT_TRUE(refused(redeem(mobile_, code, std::string(kChallenge))));  // plain
  EXPECT_TRUE(refused(redeem(mobile_, code, kVerifier, std::string("http://127.0.0.1/cb"))));
  EXPECT_TRUE(refused(redeem(mobile_, code, kVerifier, std::nullopt)));  // named, so required
  EXPECT_TRUE(refused(redeem(partner_, code)));                          // another client
  EXPECT_TRUE(refused(redeem(mobile_, "not-a-code")));
  EXPECT_TRUE(refused(redeem(mobile_, new_opaque_token())));
  // None of those spent it.
  EXPECT_TRUE(redeem(mobile_, code).has_value());
  // Codes live one minute.
  const std::string late = code_for(mobile_request());
  clock_.advance(60);
  EXPECT_TRUE(refused(redeem(mobile_, late)));
}

TEST_F(AuthorizationTest, CodesAreKeptADayPastExpirySoALateReplayStillRevokes) {
  const std::string code = code_for(mobile_request());
  auto first = redeem(mobile_, code);
  ASSERT_TRUE(first.has_value());
  clock_.advance(60 + 24 * 60 * 60 - 1);
  ASSERT_TRUE(authorization_.purge().has_value());
  EXPECT_FALSE(redeem(mobile_, code).has_value());
  EXPECT_EQ(audited("oauth.code_replay"), 1u);  // still recognised
  clock_.advance(2);
  auto purged = authorization_.purge();
  ASSERT_TRUE(purged.has_value());
  EXPECT_EQ(*purged, 1u);
  EXPECT_FALSE(redeem(mobile_, code).has_value());
  EXPECT_EQ(audited("oauth.code_replay"), 1u);  // gone: refused, nothing left to revoke
}

TEST_F(AuthorizationTest, AVerifierForACodeWithoutChallengeIsTheDowngradeAndRefused) {
  auto p = mobile_request();
  p.client_id = partner_.id;
  p.redirect_uri = kWebRedirect;
  p.code_challenge.reset();
  p.code_challenge_method.reset();
  const std::string code = code_for(p);
  auto r = redeem(partner_, code, kVerifier, std::string(kWebRedirect));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, OAuthErrc::kInvalidGrant);
  EXPECT_TRUE(redeem(partner_, code, std::nullopt, std::string(kWebRedirect)).has_value());
}

TEST_F(AuthorizationTest, RefreshGrantRotatesAndScopeOnlyNarrows) {
  auto t = redeem(mobile_, code_for(mobile_request()));
  ASSERT_TRUE(t.has_value());
  auto wider = grants_.refresh_token(mobile_, t->refresh_token, "openid email notes:read", kFrom);
  ASSERT_FALSE(wider.has_value());
  EXPECT_EQ(wider.error().code, OAuthErrc::kInvalidScope);
  auto narrow = grants_.refresh_token(mobile_, t->refresh_token, "email", kFrom);
  ASSERT_TRUE(narrow.has_value()) << narrow.error().description;
  EXPECT_EQ(narrow->scope, "email");
  EXPECT_NE(narrow->refresh_token, t->refresh_token);
  // The old token again: reuse, the family dies.
  auto reuse = grants_.refresh_token(mobile_, t->refresh_token, std::nullopt, kFrom);
  ASSERT_FALSE(reuse.has_value());
  EXPECT_EQ(reuse.error().code, OAuthErrc::kInvalidGrant);
  EXPECT_FALSE(
      grants_.refresh_token(mobile_, narrow->refresh_token, std::nullopt, kFrom).has_value());
}

TEST_F(AuthorizationTest, RefreshTokenOfAnotherClientIsRefusedAndRevoked) {
  auto t = redeem(mobile_, code_for(mobile_request()));
  ASSERT_TRUE(t.has_value());
  auto stolen = grants_.refresh_token(partner_, t->refresh_token, std::nullopt, kFrom);
  ASSERT_FALSE(stolen.has_value());
  EXPECT_EQ(stolen.error().code, OAuthErrc::kInvalidGrant);
  EXPECT_FALSE(grants_.refresh_token(mobile_, t->refresh_token, std::nullopt, kFrom).has_value());
}

TEST_F(AuthorizationTest, ClientCredentialsForConfidentialClientsWithinTheirScopes) {
  ClientSpec spec;
  spec.name = "Billing";
  spec.type = store::ClientType::kConfidential;
  spec.grant_types = {"client_credentials"};
  spec.scopes = {"invoices:read", "invoices:write"};
  auto svc = clients_.add(std::move(spec), kFrom);
  ASSERT_TRUE(svc.has_value()) << svc.error().detail;
  auto all = grants_.client_credentials(svc->client, std::nullopt);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->scope, "invoices:read invoices:write");
  EXPECT_TRUE(all->refresh_token.empty());
  EXPECT_TRUE(all->id_token.empty());
  const auto claims = claims_of(all->access_token);
  EXPECT_EQ(claims["sub"], svc->client.id);
  auto some = grants_.client_credentials(svc->client, "invoices:read");
  ASSERT_TRUE(some.has_value());
  EXPECT_EQ(some->scope, "invoices:read");
  auto more = grants_.client_credentials(svc->client, "invoices:read admin");
  ASSERT_FALSE(more.has_value());
  EXPECT_EQ(more.error().code, OAuthErrc::kInvalidScope);
  // Clients registered without the grant, public ones included, may not.
  auto no = grants_.client_credentials(partner_, std::nullopt);
  ASSERT_FALSE(no.has_value());
  EXPECT_EQ(no.error().code, OAuthErrc::kUnauthorizedClient);
  EXPECT_FALSE(grants_.client_credentials(mobile_, std::nullopt).has_value());
}

TEST_F(AuthorizationTest, RevokingConsentEndsTheAppsTokens) {
  auto t = redeem(mobile_, code_for(mobile_request()));
  ASSERT_TRUE(t.has_value());
  auto listed = consents_.list(alice_.id);
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].client_id, mobile_.id);
  EXPECT_EQ((*listed)[0].scope, "openid email");
  auto n = consents_.revoke(alice_.id, mobile_.id, kFrom);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 1u);
  advance(1);
  EXPECT_FALSE(access_.verify(t->access_token).has_value());
  EXPECT_FALSE(grants_.refresh_token(mobile_, t->refresh_token, std::nullopt, kFrom).has_value());
  EXPECT_EQ(consents_.revoke(alice_.id, mobile_.id, kFrom).error().code, Errc::kNotFound);
  EXPECT_EQ(audited("oauth.consent_revoked"), 1u);
}

}  // namespace
}  // namespace tessera::auth
