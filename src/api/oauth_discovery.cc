#include "api/oauth_discovery.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "auth/auth_context.h"
#include "auth/client_authentication.h"
#include "tessera/jwk.h"

namespace tessera::api {
namespace {

// The algorithms a private_key_jwt assertion may use (auth/client_authentication.h).
std::vector<std::string> assertion_algs() {
  std::vector<std::string> out;
  for (jose::Alg a : auth::kClientAssertionAlgs) out.emplace_back(jose::alg_name(a));
  return out;
}

http::Response metadata(const ApiContext& ctx) {
  const std::string& iss = ctx.access_tokens().config().issuer;
  const auto view = ctx.keyring().current();
  const std::string alg =
      view && view->signer ? std::string(jose::alg_name(view->signer->alg())) : "ES256";
  const std::vector<std::string> auth_methods = {"client_secret_basic", "client_secret_post",
                                                 "private_key_jwt", "none"};
  nlohmann::ordered_json doc = {
      {"issuer", iss},
      {"authorization_endpoint", iss + "/oauth2/authorize"},
      {"token_endpoint", iss + "/oauth2/token"},
      {"userinfo_endpoint", iss + "/oauth2/userinfo"},
      {"jwks_uri", iss + "/.well-known/jwks.json"},
      {"introspection_endpoint", iss + "/oauth2/introspect"},
      {"revocation_endpoint", iss + "/oauth2/revoke"},
      {"end_session_endpoint", iss + "/oauth2/logout"},
      {"scopes_supported", {"openid", "email"}},
      {"response_types_supported", {"code"}},
      {"response_modes_supported", {"query"}},
      {"grant_types_supported", {"authorization_code", "refresh_token", "client_credentials"}},
      {"subject_types_supported", {"public"}},
      {"id_token_signing_alg_values_supported", {alg}},
      {"token_endpoint_auth_methods_supported", auth_methods},
      {"token_endpoint_auth_signing_alg_values_supported", assertion_algs()},
      {"introspection_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post", "private_key_jwt"}},
      {"revocation_endpoint_auth_methods_supported", auth_methods},
      {"code_challenge_methods_supported", {"S256"}},
      {"prompt_values_supported", {"none", "login", "consent", "select_account"}},
      {"claims_supported",
       {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "azp", "at_hash", "sid", "amr",
        "acr", "email", "email_verified"}},
      {"acr_values_supported",
       {std::string(auth::kAcrSingleFactor), std::string(auth::kAcrMultiFactor)}},
      {"authorization_response_iss_parameter_supported", true},
      {"request_parameter_supported", false},
      {"request_uri_parameter_supported", false},
      {"claims_parameter_supported", false},
  };
  http::Response res = http::make_response(200, doc.dump());
  res.headers.set("Cache-Control", "public, max-age=300");
  return res;
}

}  // namespace

void add_oauth_discovery_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  for (const char* path :
       {"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"}) {
    router.add("GET", path, [c](const http::Request&) { return metadata(*c); });
  }
}

}  // namespace tessera::api
