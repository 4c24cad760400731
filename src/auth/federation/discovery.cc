#include "auth/federation/discovery.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace tessera::auth::federation {
namespace {

using nlohmann::json;

std::string string_member(const json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A list of strings; anything else (absent, or not all strings) is empty.
std::vector<std::string> string_list(const json& doc, const char* name) {
  std::vector<std::string> out;
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_array()) return out;
  for (const json& v : *it) {
    if (!v.is_string()) return {};
    out.push_back(v.get<std::string>());
  }
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::string discovery_url(std::string_view issuer) {
  while (issuer.ends_with('/')) issuer.remove_suffix(1);
  return std::string(issuer) + "/.well-known/openid-configuration";
}

std::expected<ProviderMetadata, std::string> parse_discovery(
    std::string_view text, std::string_view issuer,
    const std::function<bool(std::string_view)>& url_allowed) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::unexpected("the discovery document is not a JSON object");
  ProviderMetadata m;
  m.issuer = string_member(doc, "issuer");
  if (m.issuer != issuer) {
    return std::unexpected("the discovery document names issuer \"" + m.issuer.substr(0, 200) +
                           "\", not the configured one");
  }
  m.authorization_endpoint = string_member(doc, "authorization_endpoint");
  m.token_endpoint = string_member(doc, "token_endpoint");
  m.jwks_uri = string_member(doc, "jwks_uri");
  for (const auto& [name, url] :
       {std::pair{"authorization_endpoint", &m.authorization_endpoint},
        std::pair{"token_endpoint", &m.token_endpoint}, std::pair{"jwks_uri", &m.jwks_uri}}) {
    if (url->empty() || !url_allowed(*url)) {
      return std::unexpected(std::string(name) + " is missing or not an allowed URL");
    }
  }
  m.userinfo_endpoint = string_member(doc, "userinfo_endpoint");
  if (!m.userinfo_endpoint.empty() && !url_allowed(m.userinfo_endpoint)) {
    return std::unexpected("userinfo_endpoint is not an allowed URL");
  }
  if (!contains(string_list(doc, "response_types_supported"), "code")) {
    return std::unexpected("the provider does not support the authorization code flow");
  }
  if (!contains(string_list(doc, "code_challenge_methods_supported"), "S256")) {
    return std::unexpected("the provider does not advertise PKCE S256");
  }
  m.id_token_signing_alg_values_supported =
      string_list(doc, "id_token_signing_alg_values_supported");
  m.token_endpoint_auth_methods_supported =
      string_list(doc, "token_endpoint_auth_methods_supported");
  if (auto it = doc.find("authorization_response_iss_parameter_supported");
      it != doc.end() && it->is_boolean()) {
    m.authorization_response_iss_parameter_supported = it->get<bool>();
  }
  return m;
}

}  // namespace tessera::auth::federation
