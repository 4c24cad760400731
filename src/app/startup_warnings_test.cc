#include "app/startup_warnings.h"

#include <gtest/gtest.h>

namespace tessera::app {
namespace {

bool warns(const std::vector<StartupWarning>& ws, std::string_view start) {
  for (const StartupWarning& w : ws) {
    if (w.msg.starts_with(start) && !w.fix.empty()) return true;
  }
  return false;
}

TEST(StartupWarningsTest, NoneForTheZeroConfigurationLoopbackServer) {
  EXPECT_TRUE(startup_warnings(Config{}, "http://127.0.0.1:8080").empty());
  EXPECT_TRUE(startup_warnings(Config{}, "http://[::1]:8080").empty());
}

TEST(StartupWarningsTest, PlainHttpOffLoopbackDropsSecureCookies) {
  EXPECT_TRUE(warns(startup_warnings(Config{}, "http://0.0.0.0:8080"), "browsers will drop"));
  Config c;
  c.server.public_url = "http://auth.example.com";
  EXPECT_TRUE(warns(startup_warnings(c, "http://127.0.0.1:8080"), "browsers will drop"));
  c.server.public_url = "http://localhost:8080";
  EXPECT_FALSE(warns(startup_warnings(c, "http://127.0.0.1:8080"), "browsers will drop"));
  c.server.public_url = "https://auth.example.com";
  c.server.trusted_proxies = {"127.0.0.1"};
  EXPECT_TRUE(startup_warnings(c, "http://127.0.0.1:8080").empty());
}

TEST(StartupWarningsTest, AllowedOriginsWithoutThePublicUrlRefuseOurOwnPages) {
  Config c;
  c.server.public_url = "https://auth.example.com/base";
  c.server.trusted_proxies = {"127.0.0.1"};
  c.web.allowed_origins = {"https://app.example.com"};
  EXPECT_TRUE(warns(startup_warnings(c, "http://127.0.0.1:8080"), "the server's own pages"));
  c.web.allowed_origins.push_back("https://AUTH.example.com:443");
  EXPECT_TRUE(startup_warnings(c, "http://127.0.0.1:8080").empty());
}

TEST(StartupWarningsTest, MailLinksAndProxiesNeedTheirKeys) {
  Config c;
  c.email.outbox_only = true;
  EXPECT_TRUE(warns(startup_warnings(c, "https://10.0.0.5:8443"), "links in mails"));
  EXPECT_FALSE(warns(startup_warnings(c, "http://127.0.0.1:8080"), "links in mails"));
  Config p;
  p.server.public_url = "https://auth.example.com";
  EXPECT_TRUE(warns(startup_warnings(p, "http://127.0.0.1:8080"), "every client will look"));
}

}  // namespace
}  // namespace tessera::app
