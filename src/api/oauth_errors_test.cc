// The one mapping to OAuth 2.0 error responses (oauth_errors.h): every code's registered name
// and status, the token-style body and headers (RFC 6749 section 5.2), invalid_client's Basic
// challenge only after an Authorization-header attempt, the Bearer challenge (RFC 6750 section
// 3), and redirect-borne errors with state and iss (RFC 6749 section 4.1.2.1, RFC 9207).
#include "api/oauth_errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace tessera::api {
namespace {

struct Row {
  OAuthErrc code;
  std::string_view name;
  int status;
};

// oauth_errors.h's table, row by row.
constexpr Row kTable[] = {
    {OAuthErrc::kInvalidRequest, "invalid_request", 400},
    {OAuthErrc::kInvalidClient, "invalid_client", 401},
    {OAuthErrc::kInvalidGrant, "invalid_grant", 400},
    {OAuthErrc::kUnauthorizedClient, "unauthorized_client", 400},
    {OAuthErrc::kUnsupportedGrantType, "unsupported_grant_type", 400},
    {OAuthErrc::kInvalidScope, "invalid_scope", 400},
    {OAuthErrc::kUnsupportedTokenType, "unsupported_token_type", 400},
    {OAuthErrc::kInvalidToken, "invalid_token", 401},
    {OAuthErrc::kInsufficientScope, "insufficient_scope", 403},
    {OAuthErrc::kAccessDenied, "access_denied", 403},
    {OAuthErrc::kUnsupportedResponseType, "unsupported_response_type", 400},
    {OAuthErrc::kLoginRequired, "login_required", 400},
    {OAuthErrc::kConsentRequired, "consent_required", 400},
    {OAuthErrc::kInteractionRequired, "interaction_required", 400},
    {OAuthErrc::kServerError, "server_error", 500},
    {OAuthErrc::kTemporarilyUnavailable, "temporarily_unavailable", 503},
};

TEST(OAuthErrors, EveryCodeHasItsNameAndStatusAndATokenStyleBody) {
  std::set<std::string_view> names;
  for (const Row& row : kTable) {
    SCOPED_TRACE(std::string(row.name));
    EXPECT_EQ(oauth_error_code(row.code), row.name);
    EXPECT_TRUE(names.insert(row.name).second);
    http::Response res = oauth_token_error({.code = row.code, .description = {}});
    EXPECT_EQ(res.status, row.status);
    EXPECT_EQ(res.headers.get("Cache-Control").value_or(""), "no-store");
    EXPECT_EQ(res.headers.get("Content-Type").value_or(""), "application/json");
    const auto body = nlohmann::json::parse(res.body);
    EXPECT_EQ(body, nlohmann::json({{"error", row.name}}));  // no description when none given
    // RFC 9110 section 11.6.1: a 401 carries a challenge, nothing else does.
    EXPECT_EQ(res.headers.get("WWW-Authenticate").has_value(), row.status == 401);
    EXPECT_EQ(res.headers.get("Retry-After").has_value(), row.status == 503);
  }
  EXPECT_EQ(names.size(), std::size(kTable));
}

TEST(OAuthErrors, TokenStyleDescriptionIsJsonEscaped) {
  http::Response res = oauth_token_error(
      {.code = OAuthErrc::kInvalidGrant, .description = "a \"quoted\" \\ \n line"});
  const auto body = nlohmann::json::parse(res.body);
  EXPECT_EQ(body["error"], "invalid_grant");
  EXPECT_EQ(body["error_description"], "a \"quoted\" \\ \n line");
}

TEST(OAuthErrors, InvalidClientChallengesBasicOnlyAfterAnAuthorizationHeaderAttempt) {
  const OAuthError e{.code = OAuthErrc::kInvalidClient, .description = {}};
  EXPECT_EQ(oauth_token_error(e, ClientAuthVia::kAuthorizationHeader)
                .headers.get("WWW-Authenticate")
                .value_or(""),
            R"(Basic realm="tessera")");
  for (ClientAuthVia via : {ClientAuthVia::kNone, ClientAuthVia::kBody}) {
    http::Response res = oauth_token_error(e, via);
    EXPECT_EQ(res.status, 401);
    EXPECT_EQ(res.headers.get("WWW-Authenticate").value_or(""), R"(Bearer realm="tessera")");
  }
}

TEST(OAuthErrors, DomainErrorsKeepFailClosedAndBadInputMeaningsAndNothingElseLeaks) {
  constexpr std::string_view kLeak = "postgres: connection to 10.0.0.5 refused";
  auto mapped = [&](auth::Errc c) {
    return oauth_error(auth::make_error(c, std::string(kLeak)), OAuthErrc::kInvalidGrant);
  };
  EXPECT_EQ(mapped(auth::Errc::kUnavailable).code, OAuthErrc::kTemporarilyUnavailable);
  EXPECT_EQ(mapped(auth::Errc::kBusy).code, OAuthErrc::kTemporarilyUnavailable);
  EXPECT_EQ(mapped(auth::Errc::kInternal).code, OAuthErrc::kServerError);
  EXPECT_EQ(mapped(auth::Errc::kBadInput).code, OAuthErrc::kInvalidRequest);
  for (auth::Errc c : {auth::Errc::kUnauthenticated, auth::Errc::kInvalidCredentials,
                       auth::Errc::kForbidden, auth::Errc::kNotFound}) {
    EXPECT_EQ(mapped(c).code, OAuthErrc::kInvalidGrant);
  }
  for (auth::Errc c : {auth::Errc::kUnavailable, auth::Errc::kBusy, auth::Errc::kInternal,
                       auth::Errc::kUnauthenticated, auth::Errc::kNotFound}) {
    EXPECT_EQ(oauth_token_error(mapped(c)).body.find(kLeak), std::string::npos);
  }
}

TEST(OAuthErrors, BearerChallengeFollowsRfc6750Section3) {
  // No token presented: 401 with the bare challenge, no error attribute (section 3.1).
  http::Response none =
      oauth_bearer_error({.code = OAuthErrc::kInvalidToken, .description = {}}, false);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers.get("WWW-Authenticate").value_or(""), R"(Bearer realm="tessera")");
  EXPECT_TRUE(none.body.empty());

  http::Response invalid = oauth_bearer_error(
      {.code = OAuthErrc::kInvalidToken, .description = "the token expired"}, true);
  EXPECT_EQ(invalid.status, 401);
  EXPECT_EQ(
      invalid.headers.get("WWW-Authenticate").value_or(""),
      R"(Bearer realm="tessera", error="invalid_token", error_description="the token expired")");

  http::Response scope = oauth_bearer_error(
      {.code = OAuthErrc::kInsufficientScope, .description = {}}, true, "openid email");
  EXPECT_EQ(scope.status, 403);
  EXPECT_EQ(scope.headers.get("WWW-Authenticate").value_or(""),
            R"(Bearer realm="tessera", error="insufficient_scope", scope="openid email")");

  http::Response bad =
      oauth_bearer_error({.code = OAuthErrc::kInvalidRequest, .description = {}}, true);
  EXPECT_EQ(bad.status, 400);

  // A description that would break out of the quoted-string is left out, never injected.
  http::Response injected = oauth_bearer_error(
      {.code = OAuthErrc::kInvalidToken, .description = "x\", error=\"none\r\nSet-Cookie: a=b"},
      true);
  EXPECT_EQ(injected.headers.get("WWW-Authenticate").value_or(""),
            R"(Bearer realm="tessera", error="invalid_token")");
}

TEST(OAuthErrors, RedirectCarriesErrorStateAndIssuerAfterTheRegisteredQuery) {
  http::Response res =
      oauth_redirect_error("https://app.example/cb?tenant=7",
                           {.code = OAuthErrc::kAccessDenied, .description = "the user declined"},
                           "s&1", "https://auth.example");
  EXPECT_EQ(res.status, 303);
  EXPECT_EQ(res.headers.get("Location").value_or(""),
            "https://app.example/cb?tenant=7&error=access_denied&error_description=the%20user%"
            "20declined&state=s%261&iss=https%3A%2F%2Fauth.example");
  EXPECT_EQ(res.headers.get("Cache-Control").value_or(""), "no-store");

  // No state in the request: none in the response (section 4.1.2.1: "if present").
  http::Response bare = oauth_redirect_error("com.example.app:/cb",
                                             {.code = OAuthErrc::kLoginRequired, .description = {}},
                                             "", "https://auth.example");
  EXPECT_EQ(bare.headers.get("Location").value_or(""),
            "com.example.app:/cb?error=login_required&iss=https%3A%2F%2Fauth.example");
}

}  // namespace
}  // namespace tessera::api
