#include "app/config_access.h"

namespace tessera::app {

using detail::Field;
using detail::Problem;

std::vector<Field> AccessRuleSection::fields() {
  return {
      {kName, "host", &rule.host},
      {kName, "path", &rule.path},
      {kName, "methods", &rule.methods},
      {kName, "bypass", &rule.bypass},
      {kName, "authenticated", &rule.authenticated},
      {kName, "roles", &rule.roles},
      {kName, "mfa", &rule.mfa},
  };
}

std::optional<Problem> AccessRuleSection::check() const {
  if (auto p = api::check_access_rule(rule)) return Problem{p->key, p->message};
  return std::nullopt;
}

std::vector<api::AccessRuleSpec> access_rule_specs(const std::vector<AccessRuleSection>& rules) {
  std::vector<api::AccessRuleSpec> out;
  out.reserve(rules.size());
  for (const AccessRuleSection& r : rules) out.push_back(r.rule);
  return out;
}

}  // namespace tessera::app
