// The gateway's access rules (api/access_rules.h): matching, the path tricks that must not
// reach another rule, and the validation errors a bad rule stops the server with.
#include "api/access_rules.h"

#include <gtest/gtest.h>

namespace tessera::api {
namespace {

AccessRuleSpec rule(std::string host, std::string path, std::vector<std::string> methods = {}) {
  return {.host = std::move(host), .path = std::move(path), .methods = std::move(methods)};
}

// The rules of docs/gateway.md's example: public assets open, /admin for admins with a second
// factor, the API's writes for editors, everything else any signed-in user.
AccessRules example() {
  AccessRuleSpec open = rule("", "/public");
  open.bypass = true;
  AccessRuleSpec health = rule("", "/healthz", {"GET", "HEAD"});
  health.bypass = true;
  AccessRuleSpec admin = rule("", "/admin");
  admin.roles = {"admin"};
  admin.mfa = true;
  AccessRuleSpec writes = rule("api.example.com", "/v1/**", {"POST", "PUT", "DELETE"});
  writes.roles = {"editor", "admin"};
  AccessRuleSpec wiki = rule("*.wiki.example.com", "/files/*.pdf");
  wiki.roles = {"reader"};
  return AccessRules({open, health, admin, writes, wiki});
}

// Which rule (by index in example()) covers METHOD on URL; -1: none.
int which(const AccessRules& rules, std::string_view method, std::string_view url) {
  auto target = rule_target(method, url);
  if (!target) return -2;
  const AccessRules::Rule* r = rules.match(*target);
  if (r == nullptr) return -1;
  return r->policy == AccessPolicy::kBypass ? (r->path == "/public" ? 0 : 1)
         : r->path == "/admin"              ? 2
         : r->host == "api.example.com"     ? 3
         : r->host == "*.wiki.example.com"  ? 4
                                            : -3;
}

TEST(AccessRules, FirstMatchByHostPathAndMethod) {
  const AccessRules rules = example();
  EXPECT_EQ(which(rules, "GET", "https://app.example.com/public"), 0);
  EXPECT_EQ(which(rules, "GET", "https://app.example.com/public/logo.png?v=2"), 0);
  EXPECT_EQ(which(rules, "GET", "https://app.example.com/publicity"), -1);
  EXPECT_EQ(which(rules, "HEAD", "https://app.example.com/healthz"), 1);
  EXPECT_EQ(which(rules, "POST", "https://app.example.com/healthz"), -1);
  EXPECT_EQ(which(rules, "GET", "https://app.example.com/admin"), 2);
  EXPECT_EQ(which(rules, "GET", "https://app.example.com/admin/users"), 2);
  EXPECT_EQ(which(rules, "GET", "https://app.example.com/administrator"), -1);
  EXPECT_EQ(which(rules, "POST", "https://api.example.com:8443/v1/items/7"), 3);
  EXPECT_EQ(which(rules, "POST", "https://api.example.com/v1"), 3);  // "/**" covers the dir
  EXPECT_EQ(which(rules, "GET", "https://api.example.com/v1/items"), -1);
  EXPECT_EQ(which(rules, "POST", "https://other.example.com/v1/items"), -1);
  EXPECT_EQ(which(rules, "GET", "https://team.wiki.example.com/files/plan.pdf"), 4);
  EXPECT_EQ(which(rules, "GET", "https://a.b.wiki.example.com/files/x.PDF"), 4);
  EXPECT_EQ(which(rules, "GET", "https://wiki.example.com/files/plan.pdf"), -1);  // not a sub
  EXPECT_EQ(which(rules, "GET", "https://team.wiki.example.com/files/a/plan.pdf"), -1);
  EXPECT_EQ(which(rules, "GET", "https://evilwiki.example.com/files/plan.pdf"), -1);
}

// Spellings of /admin that servers read as /admin: every one meets the /admin rule, never the
// bypass rule before it nor the default after it.
TEST(AccessRules, PathTricksReachTheRuleTheUpstreamServes) {
  const AccessRules rules = example();
  for (const char* path : {"/admin", "/ADMIN", "/Admin/", "//admin", "/./admin", "/public/../admin",
                           "/public/%2e%2e/admin", "/public/%2E%2E/admin", "/public/..;/admin",
                           "/admin;jsessionid=1", "/%61dmin", "/public/./../admin/", "/../admin",
                           "/public/x/../../admin", "/admin/..;/admin/x", "/%2e/admin"}) {
    EXPECT_EQ(which(rules, "GET", std::string("https://app.example.com") + path), 2) << path;
  }
  // Unreadable paths match nothing (and /auth/verify denies them).
  for (const char* path : {"/public%2F..%2Fadmin", "/public\\..\\admin", "/public/%zz",
                           "/public/%2", "/public/%00/x", "/public/%5c../admin", "/public/\x01"}) {
    auto target = rule_target("GET", std::string("https://app.example.com") + path);
    ASSERT_TRUE(target) << path;
    EXPECT_FALSE(target->path) << path;
    EXPECT_EQ(rules.match(*target), nullptr) << path;
  }
  EXPECT_EQ(normalize_path("/a//b/./c/../d;x=1/"), "/a/b/d");
  EXPECT_EQ(normalize_path("/.."), "/");
  EXPECT_EQ(normalize_path("/%41%42"), "/ab");
  EXPECT_FALSE(normalize_path("relative"));
}

TEST(AccessRules, PoliciesJudgeRolesAndMfa) {
  AccessRuleSpec admin = rule("", "/admin");
  admin.roles = {"admin", "ops"};
  AccessRuleSpec mfa = rule("", "/secure");
  mfa.mfa = true;
  AccessRuleSpec both = rule("", "/both");
  both.roles = {"admin"};
  both.mfa = true;
  AccessRuleSpec any = rule("", "/any");
  any.authenticated = true;
  const AccessRules rules({admin, mfa, both, any});
  auto at = [&](const char* path) {
    return *rules.match(*rule_target("GET", std::string("https://a.example") + path));
  };
  EXPECT_TRUE(access_allowed(at("/admin"), "user,ops", "pwd"));
  EXPECT_FALSE(access_allowed(at("/admin"), "user,operator", "pwd,otp,mfa"));
  EXPECT_FALSE(access_allowed(at("/admin"), "", ""));  // a service: no roles
  EXPECT_TRUE(access_allowed(at("/secure"), "", "pwd,otp,mfa"));
  EXPECT_FALSE(access_allowed(at("/secure"), "admin", "pwd"));
  EXPECT_FALSE(access_allowed(at("/secure"), "admin", "pwd,mfax"));
  EXPECT_FALSE(access_allowed(at("/both"), "admin", "pwd"));
  EXPECT_FALSE(access_allowed(at("/both"), "user", "pwd,hwk,mfa"));
  EXPECT_TRUE(access_allowed(at("/both"), "admin", "pwd,hwk,mfa"));
  EXPECT_TRUE(access_allowed(at("/any"), "", ""));
}

TEST(AccessRules, ValidationNamesTheKey) {
  auto key_of = [](AccessRuleSpec r) {
    auto p = check_access_rule(r);
    return p ? p->key : std::string("ok");
  };
  AccessRuleSpec r = rule("", "/x");
  EXPECT_EQ(key_of(r), "bypass");  // no policy
  r.authenticated = true;
  EXPECT_EQ(key_of(r), "ok");
  r.bypass = true;
  EXPECT_EQ(key_of(r), "bypass");  // two policies
  r.bypass = false;
  r.roles = {"admin"};
  EXPECT_EQ(key_of(r), "authenticated");
  r.authenticated = false;
  EXPECT_EQ(key_of(r), "ok");
  for (const char* bad :
       {"x", "/a/../b", "/a/./b", "//a", "/a%2fb", "/a\\b", "/a b", "/a?b", "/***"}) {
    AccessRuleSpec p = r;
    p.path = bad;
    EXPECT_EQ(key_of(p), "path") << bad;
  }
  for (const char* bad : {"*", "*.", ".example.com", "a..b", "ex ample.com", "a.*.com",
                          "https://a.com", "a.com:443"}) {
    AccessRuleSpec h = r;
    h.host = bad;
    EXPECT_EQ(key_of(h), "host") << bad;
  }
  AccessRuleSpec m = r;
  m.methods = {"GET", "BAD METHOD"};
  EXPECT_EQ(key_of(m), "methods");
  AccessRuleSpec ro = r;
  ro.roles = {"a,b"};
  EXPECT_EQ(key_of(ro), "roles");
}

}  // namespace
}  // namespace tessera::api
