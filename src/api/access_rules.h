// Access rules for the gateway (SPEC.md "Gateway": `[[access.rules]]`, first match wins, a
// denied rule is 403), compiled once at start (app/config_access.h validates them with the
// same check_access_rule) and matched on /auth/verify's hot path without allocating.
//
// A rule: which original requests it covers, then one policy.
//   host     "" (any), "app.example.com" (that host exactly), or "*.example.com" (any host
//            under example.com, at least one label deeper; not example.com itself). Hosts are
//            compared case-insensitively, without the port.
//   path     "" (any). Without '*': a prefix that ends at a segment boundary: "/admin" covers
//            "/admin", "/admin/" and "/admin/x/y", never "/administrator"; "/" covers every path.
//            With '*': the whole path must match, '*' standing for any run of characters
//            within one segment (no '/'), '**' for any run across segments; a trailing "/**"
//            also covers the directory itself ("/api/**" covers "/api"). Written decoded (no
//            '%'), starting with '/', without "." or ".." segments, "//", '\' or spaces.
//            Compared case-insensitively (ASCII): an upstream that ignores case must not be
//            reachable through "/ADMIN" when "/admin" is restricted.
//   methods  [] (any), or method names ("GET", "POST", ...), compared exactly.
//   policy   exactly one of: bypass = true (no sign-in needed; the upstream gets no identity),
//            authenticated = true (any signed-in user), or roles = [...] and/or mfa = true
//            (signed in with at least one of the roles, and/or with a second factor: amr
//            contains "mfa"; both given: both required).
// No rule matching: authenticated (the default without rules too).
//
// The original path is normalized before matching (normalize_path), so that no spelling of a
// path reaches a rule other than the one the upstream will serve it under: percent-decoded
// once, "." and ".." segments resolved (never above the root), empty segments ("//") dropped,
// and ";params" cut from each segment (Tomcat-style servers read "/admin;x" and "/..;/" as
// "/admin" and "/.."). A path that cannot be read safely (a '\', an encoded '/', '\' or control
// byte, a malformed escape) matches no rule and is denied (fail closed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::api {

// One rule as configured (app/config_access.h binds these keys).
struct AccessRuleSpec {
  std::string host;
  std::string path;
  std::vector<std::string> methods;
  bool bypass = false;
  bool authenticated = false;
  std::vector<std::string> roles;
  bool mfa = false;
};

// What is wrong with a rule: the key and why.
struct AccessRuleProblem {
  std::string key;
  std::string message;
};
std::optional<AccessRuleProblem> check_access_rule(const AccessRuleSpec& rule);

// `raw` (a request path as sent: no query, not decoded) normalized as described above and
// lower-cased, or nullopt when it cannot be read safely.
std::optional<std::string> normalize_path(std::string_view raw);

// The original request a rule is matched against: host lower-case without port; path from
// normalize_path (nullopt: unreadable).
struct RuleTarget {
  std::string_view method;
  std::string host;
  std::optional<std::string> path;
};

// The host and path of an absolute URL (api/gateway_request.h original_url) as a RuleTarget;
// nullopt when it is not scheme://authority/path.
std::optional<RuleTarget> rule_target(std::string_view method, std::string_view url);

enum class AccessPolicy : std::uint8_t { kBypass, kAuthenticated, kRestricted };

class AccessRules {
 public:
  struct Rule {
    std::string host;  // lower-case; a leading "*." kept as written
    std::string path;  // lower-case
    bool path_glob = false;
    std::vector<std::string> methods;
    AccessPolicy policy = AccessPolicy::kAuthenticated;
    std::vector<std::string> roles;
    bool mfa = false;
  };

  AccessRules() = default;
  // REQUIRES: check_access_rule passed for each spec (app::validate).
  explicit AccessRules(const std::vector<AccessRuleSpec>& specs);

  bool empty() const { return rules_.empty(); }

  // The first rule covering `target`, or nullptr (the default: authenticated). A target whose
  // path is unreadable matches nothing: the caller denies it.
  const Rule* match(const RuleTarget& target) const;

 private:
  std::vector<Rule> rules_;
};

// Whether a signed-in identity satisfies `rule` (not bypass): `roles` comma-separated as in
// X-User-Roles, `amr` comma-separated as in X-Amr. A service (no user) has no roles and no amr.
bool access_allowed(const AccessRules::Rule& rule, std::string_view roles, std::string_view amr);

}  // namespace tessera::api
