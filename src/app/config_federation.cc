#include "app/config_federation.h"

#include <algorithm>

#include "net/http_client.h"

namespace tessera::app {

using detail::Field;
using detail::one_of;
using detail::Problem;

std::vector<Field> FederationProviderSection::fields() {
  return {
      {kName, "id", &id,
       "The provider's name in URLs (`/auth/federation/{id}/start`): 1 to 32 of `a-z 0-9 - _`, "
       "unique among the providers. Linked identities are keyed by issuer, not by this id."},
      {kName, "name", &name, "What the sign-in button says (\"Sign in with {name}\")."},
      {kName, "issuer", &issuer,
       "The provider's issuer URL exactly as its ID tokens' `iss` (discovery is "
       "`{issuer}/.well-known/openid-configuration`, and must name the same issuer). `https://`; "
       "`http://` only to a loopback IP address (127.0.0.0/8, [::1]) for tests. No query or "
       "fragment."},
      {kName, "client_id", &client_id, "Tessera's client id at the provider."},
      {kName, "client_secret", &client_secret,
       "Tessera's client secret at the provider (or `client_secret_file`; exactly one, except "
       "with `private_key_jwt`, which takes neither).",
       /*secret=*/true},
      {kName, "client_secret_file", &client_secret_file,
       "Path of a file holding the client secret (trailing newlines ignored), read at start; "
       "instead of `client_secret`."},
      {kName, "token_endpoint_auth_method", &token_endpoint_auth_method,
       "How Tessera authenticates when it redeems the code at the token endpoint: "
       "`client_secret_basic` (HTTP Basic, RFC 6749 section 2.3.1), `client_secret_post` (in the "
       "form), or `private_key_jwt` (a signed assertion, RFC 7523 and OpenID Connect Core "
       "section 9, with `private_key_file`)."},
      {kName, "private_key_file", &private_key_file,
       "For `private_key_jwt`: path of a file holding Tessera's private key at the provider as a "
       "JWK (JSON, asymmetric, with `kid`; register its public half with the provider), read at "
       "start."},
      {kName, "scopes", &scopes,
       "The scopes asked for; must include `openid`. `email` is needed to link or create "
       "accounts by email."},
      {kName, "link", &link,
       "A first sign-in whose email already has an account: `verified_email` links the identity "
       "to it only when the provider says `email_verified: true`; `never` refuses it (the user "
       "signs in with their password and adds the provider from the account page)."},
      {kName, "create_users", &create_users,
       "A first sign-in with no account to link: create one (email from the provider, no "
       "password) or refuse with a clear message."},
  };
}

namespace {

bool valid_id(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

}  // namespace

std::optional<Problem> FederationProviderSection::check() const {
  if (!valid_id(id)) return Problem{"id", "must be 1 to 32 of a-z 0-9 - _"};
  if (name.empty() || name.size() > 64 || name.find_first_of("\r\n") != std::string::npos) {
    return Problem{"name", "must be 1 to 64 bytes on one line"};
  }
  // net::allowed_url: https, or http to a loopback IP literal (a plain-http issuer elsewhere
  // would let anyone on the path forge the provider); no userinfo, query or fragment.
  if (!net::allowed_url(issuer) || issuer.find_first_of("?#@") != std::string::npos) {
    return Problem{"issuer",
                   "\"" + issuer +
                       "\" must be an https:// URL (http:// only to a loopback IP "
                       "address: 127.0.0.0/8, [::1]) without userinfo, query or fragment"};
  }
  if (client_id.empty()) return Problem{"client_id", "must be set"};
  if (!one_of(token_endpoint_auth_method,
              {"client_secret_basic", "client_secret_post", "private_key_jwt"})) {
    return Problem{"token_endpoint_auth_method",
                   "must be \"client_secret_basic\", \"client_secret_post\" or "
                   "\"private_key_jwt\""};
  }
  if (token_endpoint_auth_method == "private_key_jwt") {
    if (private_key_file.empty())
      return Problem{"private_key_file", "must be set for private_key_jwt"};
    if (!client_secret.empty() || !client_secret_file.empty()) {
      return Problem{"client_secret", "is not used with private_key_jwt: remove it"};
    }
  } else {
    if (client_secret.empty() == client_secret_file.empty()) {
      return Problem{"client_secret", "set exactly one of client_secret and client_secret_file"};
    }
    if (!private_key_file.empty()) {
      return Problem{"private_key_file", "is only used with private_key_jwt"};
    }
  }
  if (std::find(scopes.begin(), scopes.end(), "openid") == scopes.end()) {
    return Problem{"scopes", "must include \"openid\""};
  }
  for (const std::string& s : scopes) {
    if (s.empty() || s.find_first_of(" \"\\") != std::string::npos) {
      return Problem{"scopes", "\"" + s + "\" is not a scope token"};
    }
  }
  if (!one_of(link, {"verified_email", "never"})) {
    return Problem{"link", "must be \"verified_email\" or \"never\""};
  }
  return std::nullopt;
}

}  // namespace tessera::app
