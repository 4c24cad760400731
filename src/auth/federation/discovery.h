// An upstream provider's discovery document (OpenID Connect Discovery 1.0 section 3; RFC 8414
// for iss in responses, RFC 9207), parsed and checked against what Tessera needs: pure, no I/O.
//
// Checked (section 4.3 and SPEC.md "Federated sign-in"): the document's issuer is exactly the
// configured one (a document for another issuer is a mix-up or a misconfiguration), the
// authorization, token and JWKS endpoints are present and allowed URLs (https, or http to a
// loopback IP), the code flow ("code" in response_types_supported) and PKCE S256
// (code_challenge_methods_supported) are supported. A provider that does not say it supports
// S256 is refused rather than assumed to: PKCE is what binds the code to this browser's flow.
#pragma once

#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::auth::federation {

struct ProviderMetadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  std::string userinfo_endpoint;  // "" when not advertised
  std::vector<std::string> id_token_signing_alg_values_supported;
  std::vector<std::string> token_endpoint_auth_methods_supported;  // empty: basic (the default)
  bool authorization_response_iss_parameter_supported = false;     // RFC 9207 section 3
};

// Parses and checks `json` for `issuer`. `url_allowed` decides which endpoint URLs may be used
// (net::allowed_url). The error says what is wrong, for the log and /readyz (no secrets in it).
std::expected<ProviderMetadata, std::string> parse_discovery(
    std::string_view json, std::string_view issuer,
    const std::function<bool(std::string_view)>& url_allowed);

// {issuer}/.well-known/openid-configuration (Discovery section 4: any trailing '/' of the
// issuer removed first).
std::string discovery_url(std::string_view issuer);

}  // namespace tessera::auth::federation
