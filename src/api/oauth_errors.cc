#include "api/oauth_errors.h"

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "api/error_mapping.h"
#include "api/json_text.h"
#include "api/web_pages.h"
#include "uri/uri.h"

namespace tessera::api {
namespace {

// RFC 6750 section 3: auth-param values are quoted-strings; error_description and scope are
// restricted to printable ASCII without '"' and '\' (%x20-21 / %x23-5B / %x5D-7E), so a
// description outside that set is left out of the challenge rather than escaped.
bool challenge_safe(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

int oauth_status(OAuthErrc code) {
  switch (code) {
    case OAuthErrc::kInvalidClient:
    case OAuthErrc::kInvalidToken:
      return 401;
    case OAuthErrc::kInsufficientScope:
    case OAuthErrc::kAccessDenied:
      return 403;
    case OAuthErrc::kServerError:
      return 500;
    case OAuthErrc::kTemporarilyUnavailable:
      return 503;
    case OAuthErrc::kInvalidRequest:
    case OAuthErrc::kInvalidGrant:
    case OAuthErrc::kUnauthorizedClient:
    case OAuthErrc::kUnsupportedGrantType:
    case OAuthErrc::kInvalidScope:
    case OAuthErrc::kUnsupportedTokenType:
    case OAuthErrc::kUnsupportedResponseType:
    case OAuthErrc::kLoginRequired:
    case OAuthErrc::kConsentRequired:
    case OAuthErrc::kInteractionRequired:
      break;
  }
  return 400;
}

http::Response oauth_token_error(const OAuthError& error, ClientAuthVia via) {
  nlohmann::ordered_json body = {{"error", oauth_error_code(error.code)}};
  if (!error.description.empty()) body["error_description"] = error.description;
  http::Response res = http::make_response(oauth_status(error.code), dump_json(body));
  res.headers.set("Cache-Control", "no-store");  // RFC 6749 section 5.1, errors alike
  if (error.code == OAuthErrc::kInvalidClient && via == ClientAuthVia::kAuthorizationHeader) {
    res.headers.set("WWW-Authenticate", R"(Basic realm="tessera")");
  } else if (oauth_status(error.code) == 401) {
    // Every 401 carries a challenge (RFC 9110 section 11.6.1).
    res.headers.set("WWW-Authenticate", std::string(kWwwAuthenticate));
  }
  if (error.code == OAuthErrc::kTemporarilyUnavailable) res.headers.set("Retry-After", "1");
  return res;
}

http::Response oauth_bearer_error(const OAuthError& error, bool token_presented,
                                  std::string_view scope) {
  http::Response res;
  res.status = token_presented ? oauth_status(error.code) : 401;
  std::string challenge(kWwwAuthenticate);
  if (token_presented) {
    challenge += ", error=\"";
    challenge += oauth_error_code(error.code);
    challenge += '"';
    if (!error.description.empty() && challenge_safe(error.description)) {
      challenge += ", error_description=\"" + error.description + '"';
    }
    if (error.code == OAuthErrc::kInsufficientScope && !scope.empty() && challenge_safe(scope)) {
      challenge += ", scope=\"" + std::string(scope) + '"';
    }
  }
  res.headers.set("WWW-Authenticate", std::move(challenge));
  res.headers.set("Cache-Control", "no-store");
  if (res.status == 503) res.headers.set("Retry-After", "1");
  return res;
}

http::Response oauth_error_page(const OAuthError& error) {
  const std::array<std::pair<std::string_view, std::string>, 2> vars = {
      {{"error", std::string(oauth_error_code(error.code))},
       {"description",
        error.description.empty() ? std::string("the request was refused") : error.description}}};
  http::Response res = template_page("oauth_error.html", vars, oauth_status(error.code));
  if (error.code == OAuthErrc::kTemporarilyUnavailable) res.headers.set("Retry-After", "1");
  return res;
}

http::Response oauth_redirect_error(std::string_view redirect_uri, const OAuthError& error,
                                    std::string_view state, std::string_view issuer) {
  uri::QueryParams params = {{"error", oauth_error_code(error.code)}};
  if (!error.description.empty()) params.emplace_back("error_description", error.description);
  if (!state.empty()) params.emplace_back("state", state);
  params.emplace_back("iss", issuer);  // RFC 9207 section 2
  auto location = uri::with_query_params(redirect_uri, params);
  if (!location) {
    // Registration accepts only absolute URIs without fragments: this is a bug, not input.
    return problem_response(500, http::codes::kInternalError,
                            "the client's redirect URI cannot carry an error");
  }
  http::Response res;
  res.status = 303;
  res.headers.set("Location", std::move(*location));
  res.headers.set("Cache-Control", "no-store");
  return res;
}

}  // namespace tessera::api
