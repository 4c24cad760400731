// [webauthn]: the relying party of passkeys (SPEC.md "Second factors and step-up"; W3C WebAuthn
// Level 3 section 5.4.2). Every key is a member below with its default; config_webauthn.cc binds
// each to its name and its doc (what it means, printed by `tessera config reference` into
// docs/configuration.md) and checks them. Which origins a ceremony may come from is not a key of
// its own: the allowed origins (effective_allowed_origins in config.h).
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config_schema.h"

namespace tessera::app {

struct WebauthnSection {
  static constexpr std::string_view kName = "webauthn";
  static constexpr std::string_view kDoc = "The relying party of passkeys (WebAuthn).";

  std::string rp_id;
  std::string rp_name = "Tessera";

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

// Whether `id` can be an RP id: a domain name (app/domain_name.h check_domain_name). The error
// says what is wrong.
std::expected<void, std::string> check_rp_id(std::string_view id);

// The host of an origin when it can be an RP id (app/domain_name.h domain_of_origin).
std::optional<std::string> rp_id_of_origin(std::string_view origin);

// Whether a ceremony from `origin` can use `rp_id`: its host is rp_id or a subdomain of it
// (section 5.1.4.1 step 8, registrable suffix; the public-suffix rule is the browser's).
bool origin_within_rp_id(std::string_view origin, std::string_view rp_id);

}  // namespace tessera::app
