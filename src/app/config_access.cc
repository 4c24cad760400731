#include "app/config_access.h"

namespace tessera::app {

using detail::Field;
using detail::Problem;

std::vector<Field> AccessRuleSection::fields() {
  return {
      {kName, "host", &rule.host,
       "Which hosts the rule covers: empty (any), `app.example.com` (that host exactly) or "
       "`*.example.com` (any host under it, not `example.com` itself); case-insensitive, "
       "without the port."},
      {kName, "path", &rule.path,
       "Which paths: empty (any); without `*`, a prefix ending at a segment boundary (`/admin` "
       "covers `/admin/x`, never `/administrator`); with `*`, the whole path (`*` within one "
       "segment, `**` across segments). Decoded, from `/`, case-insensitive."},
      {kName, "methods", &rule.methods,
       "Which methods (`[\"GET\", \"POST\"]`), compared exactly; empty: any."},
      {kName, "bypass", &rule.bypass,
       "Policy: no sign-in needed, and the upstream gets no identity."},
      {kName, "authenticated", &rule.authenticated, "Policy: any signed-in user."},
      {kName, "roles", &rule.roles,
       "Policy: a signed-in user with at least one of these roles (403 otherwise)."},
      {kName, "mfa", &rule.mfa,
       "Policy: a sign-in with a second factor (`amr` holds `mfa`; 403 otherwise). With `roles`, "
       "both are required."},
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
