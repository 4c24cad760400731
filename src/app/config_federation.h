// [[federation.providers]]: the upstream OpenID Connect providers users may sign in with
// (SPEC.md "Federated sign-in"; docs/federation.md). A list of tables, read only from the config
// file, one per provider. Each element is checked on its own here (a bad value stops the server
// with its index and key: "tessera.toml:12: federation.providers[1].issuer: ..."); the rules
// across elements (unique ids) are config.cc's. Whether the provider answers is not checked
// here: its discovery is fetched at start, and an unreachable one only makes its button
// unavailable (auth/federation/providers.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config_schema.h"

namespace tessera::app {

struct FederationProviderSection {
  static constexpr std::string_view kName = "federation.providers";
  static constexpr std::string_view kDoc =
      "Upstream OpenID Connect providers for \"Sign in with ...\" (docs/federation.md): a list of "
      "tables, from the file only, one per provider. Tessera is the relying party: the "
      "authorization code flow with PKCE, the ID token verified against the provider's keys, "
      "and the callback `{server.public_url}/auth/federation/{id}/callback` to register with "
      "the provider.";

  std::string id;
  std::string name;
  std::string issuer;
  std::string client_id;
  std::string client_secret;
  std::string client_secret_file;
  std::string token_endpoint_auth_method = "client_secret_basic";
  std::string private_key_file;
  std::vector<std::string> scopes = {"openid", "email", "profile"};
  std::string link = "verified_email";
  bool create_users = false;

  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
