#include "api/access_rules.h"

#include <algorithm>

namespace tessera::api {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool valid_host_pattern(std::string_view host) {
  if (host.starts_with("*.")) host.remove_prefix(2);
  if (host.empty() || host.front() == '.' || host.back() == '.' ||
      host.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

std::optional<std::string> path_pattern_problem(std::string_view path) {
  if (!path.starts_with('/')) return "must start with '/'";
  for (char c : path) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7f || c == '\\' || c == '%' || c == '?' || c == '#' || c == ';') {
      return "must be written decoded, without spaces, '%', '\\', '?', '#' or ';'";
    }
  }
  if (path.find("//") != std::string_view::npos) return "must not contain \"//\"";
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") return "must not contain \".\" or \"..\" segments";
    if (segment.find("***") != std::string_view::npos) return "\"***\" means nothing";
    start = end + 1;
  }
  return std::nullopt;
}

// RFC 9110 section 5.6.2 token characters: what a method name is made of.
bool valid_method(std::string_view m) {
  return !m.empty() && std::all_of(m.begin(), m.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// '*' (within a segment) and '**' (across segments) against `path`, both lower-case. Dynamic
// programming over (pattern position, path position): linear in their product, no backtracking
// blow-up whatever the pattern.
bool glob_matches(std::string_view pattern, std::string_view path) {
  // A trailing "/**" also covers the directory itself.
  if (pattern.ends_with("/**") && path == pattern.substr(0, pattern.size() - 3)) return true;
  const std::size_t n = path.size();
  std::vector<char> reach(n + 1, 0), next(n + 1, 0);
  reach[0] = 1;
  for (std::size_t p = 0; p < pattern.size();) {
    std::fill(next.begin(), next.end(), 0);
    if (pattern[p] == '*') {
      const bool across = p + 1 < pattern.size() && pattern[p + 1] == '*';
      bool open = false;  // some earlier position reached, and no '/' since (within a segment)
      for (std::size_t i = 0; i <= n; ++i) {
        if (i > 0 && !across && path[i - 1] == '/') open = false;
        if (reach[i]) open = true;
        next[i] = open;
      }
      p += across ? 2 : 1;
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        if (reach[i] && path[i] == pattern[p]) next[i + 1] = 1;
      }
      ++p;
    }
    reach.swap(next);
  }
  return reach[n] != 0;
}

bool prefix_matches(std::string_view prefix, std::string_view path) {
  if (prefix == "/") return true;
  return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

bool host_matches(std::string_view pattern, std::string_view host) {
  if (pattern.empty()) return true;
  if (pattern.starts_with("*.")) {
    std::string_view parent = pattern.substr(1);  // ".example.com"
    return host.size() > parent.size() && host.ends_with(parent);
  }
  return host == pattern;
}

// `list` (comma-separated, as in X-User-Roles / X-Amr) holds `item`.
bool listed(std::string_view list, std::string_view item) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    if (list.substr(0, comma) == item) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::optional<AccessRuleProblem> check_access_rule(const AccessRuleSpec& rule) {
  if (!rule.host.empty() && !valid_host_pattern(rule.host)) {
    return AccessRuleProblem{
        "host", "\"" + rule.host + "\" is not a host name or *.domain (letters, digits, '-', '.')"};
  }
  if (!rule.path.empty()) {
    if (auto why = path_pattern_problem(rule.path)) {
      return AccessRuleProblem{"path", "\"" + rule.path + "\" " + *why};
    }
  }
  for (const std::string& m : rule.methods) {
    if (!valid_method(m)) return AccessRuleProblem{"methods", "\"" + m + "\" is not a method"};
  }
  for (const std::string& r : rule.roles) {
    if (r.empty() || r.find(',') != std::string::npos) {
      return AccessRuleProblem{"roles", "\"" + r + "\" is not a role name"};
    }
  }
  const bool restricted = !rule.roles.empty() || rule.mfa;
  const int policies = int{rule.bypass} + int{rule.authenticated} + int{restricted};
  if (policies == 0) {
    return AccessRuleProblem{"bypass",
                             "the rule needs a policy: bypass = true, authenticated = true, "
                             "roles = [...] or mfa = true"};
  }
  if (policies > 1) {
    return AccessRuleProblem{rule.bypass ? "bypass" : "authenticated",
                             "one policy per rule: bypass, authenticated, or roles and/or mfa"};
  }
  return std::nullopt;
}

std::optional<std::string> normalize_path(std::string_view raw) {
  if (!raw.starts_with('/')) return std::nullopt;
  std::vector<std::string> segments;
  std::string segment;
  bool in_params = false;  // after a ';' in this segment
  auto end_segment = [&] {
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(std::move(segment));
    }
    segment.clear();
    in_params = false;
  };
  for (std::size_t i = 1; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '/') {
      end_segment();
      continue;
    }
    if (c == '%') {
      if (i + 2 >= raw.size()) return std::nullopt;  // fewer than two digits follow
      const int hi = hex_value(raw[i + 1]);
      const int lo = hex_value(raw[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
      if (c == '/') return std::nullopt;  // an encoded '/' is read as one by some servers
    }
    const auto b = static_cast<unsigned char>(c);
    if (c == '\\' || b < 0x20 || b == 0x7f) return std::nullopt;
    if (c == ';') in_params = true;
    if (!in_params) segment += lower(c);
  }
  end_segment();
  std::string out;
  for (const std::string& s : segments) {
    out += '/';
    out += s;
  }
  if (out.empty()) out = "/";
  return out;
}

std::optional<RuleTarget> rule_target(std::string_view method, std::string_view url) {
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  std::string_view rest = url.substr(sep + 3);
  std::size_t path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  if (authority.find('@') != std::string_view::npos || authority.empty()) return std::nullopt;
  // The host without the port ("[::1]:8080" -> "[::1]").
  std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    authority = authority.substr(0, colon);
  }
  RuleTarget t;
  t.method = method;
  t.host = lowered(authority);
  std::string_view path = path_at == std::string_view::npos ? "/" : rest.substr(path_at);
  path = path.substr(0, path.find_first_of("?#"));
  if (path.empty()) path = "/";
  t.path = normalize_path(path);
  return t;
}

AccessRules::AccessRules(const std::vector<AccessRuleSpec>& specs) {
  for (const AccessRuleSpec& s : specs) {
    Rule r;
    r.host = lowered(s.host);
    r.path = lowered(s.path);
    if (r.path.size() > 1 && r.path.back() == '/' && r.path.find('*') == std::string::npos) {
      r.path.pop_back();  // "/admin/" is the prefix "/admin"
    }
    r.path_glob = r.path.find('*') != std::string::npos;
    r.methods = s.methods;
    r.policy = s.bypass          ? AccessPolicy::kBypass
               : s.authenticated ? AccessPolicy::kAuthenticated
                                 : AccessPolicy::kRestricted;
    r.roles = s.roles;
    r.mfa = s.mfa;
    rules_.push_back(std::move(r));
  }
}

const AccessRules::Rule* AccessRules::match(const RuleTarget& target) const {
  if (!target.path) return nullptr;
  for (const Rule& r : rules_) {
    if (!host_matches(r.host, target.host)) continue;
    if (!r.methods.empty() &&
        std::find(r.methods.begin(), r.methods.end(), target.method) == r.methods.end()) {
      continue;
    }
    if (!r.path.empty() && !(r.path_glob ? glob_matches(r.path, *target.path)
                                         : prefix_matches(r.path, *target.path))) {
      continue;
    }
    return &r;
  }
  return nullptr;
}

bool access_allowed(const AccessRules::Rule& rule, std::string_view roles, std::string_view amr) {
  switch (rule.policy) {
    case AccessPolicy::kBypass:
    case AccessPolicy::kAuthenticated:
      return true;
    case AccessPolicy::kRestricted:
      break;
  }
  if (rule.mfa && !listed(amr, "mfa")) return false;
  if (rule.roles.empty()) return true;
  return std::any_of(rule.roles.begin(), rule.roles.end(),
                     [&](const std::string& r) { return listed(roles, r); });
}

}  // namespace tessera::api
