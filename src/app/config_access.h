// [[access.rules]]: the gateway's access rules (SPEC.md "Gateway"; what each key means and how
// rules match: api/access_rules.h). A list of tables, read only from the config file, first
// match wins; none: every request needs a signed-in user. Checked at load with the rules'
// own check (api::check_access_rule), so a bad rule stops the server with its index and key:
// "tessera.toml:12: access.rules[1].path: ...".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/access_rules.h"
#include "app/config_schema.h"

namespace tessera::app {

struct AccessRuleSection {
  static constexpr std::string_view kName = "access.rules";
  static constexpr std::string_view kDoc =
      "The gateway's access rules for `/auth/verify` (docs/gateway.md): a list of tables, from the "
      "file only, matched against the original request; the first match wins, and with none "
      "every request needs a signed-in user. Each rule has exactly one policy: `bypass`, "
      "`authenticated`, or `roles` and/or `mfa`.";

  api::AccessRuleSpec rule;

  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

// The specs of `rules`, for api::AccessRules.
std::vector<api::AccessRuleSpec> access_rule_specs(const std::vector<AccessRuleSection>& rules);

}  // namespace tessera::app
