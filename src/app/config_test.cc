#include "app/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace tessera::app {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ConfigTest : public ::testing::Test {
 protected:
  ConfigTest() {
    std::string tmpl = (fs::temp_directory_path() / "tessera-config-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
  }
  ~ConfigTest() override { fs::remove_all(dir_); }

  std::string write(const std::string& text, const std::string& name = "tessera.toml") {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

  fs::path dir_;
};

TEST_F(ConfigTest, ZeroConfigurationIsTheDefaults) {
  auto c = load_config({});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->server.listen, "127.0.0.1:8080");
  EXPECT_EQ(c->server.threads, 0u);
  EXPECT_EQ(c->store.backend, "sqlite");
  EXPECT_EQ(c->store.data_dir, "./tessera-data");
  EXPECT_EQ(c->web.mode, "session");
  EXPECT_FALSE(c->auth.open_signup);
  EXPECT_EQ(c->auth.argon2_memory_kib, 19456u);
  EXPECT_EQ(c->auth.argon2_iterations, 2u);
  EXPECT_EQ(c->sessions.idle_timeout, 2h);
  EXPECT_EQ(c->rate_limit.email_failures, 5);
  EXPECT_EQ(c->rate_limit.ip_window, 15min);
  EXPECT_TRUE(validate(Config{}));
}

TEST_F(ConfigTest, FileSetsValuesOfEveryType) {
  std::string file = write(R"(
# comment
[server]
listen = "0.0.0.0:9000"
threads = 4
trusted_proxies = ["10.0.0.0/8", "::1"]
read_timeout = 5
idle_timeout = "1m30s"

[store]
backend = "memory"
data_dir = "/var/lib/tessera"

[web]
allowed_origins = ["https://app.example.com"]
same_site = "strict"
cors_origins = ["https://app.example.com", "http://localhost:5173", "http://[::1]:3000"]

[auth]
open_signup = true
argon2_memory_kib = 47104
argon2_iterations = 1

[sessions]
idle_timeout = "30m"
absolute_lifetime = "7d"

[rate_limit]
email_failures = 0
)");
  auto c = load_config({.file = file});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c->server.threads, 4u);
  EXPECT_EQ(c->server.trusted_proxies, (std::vector<std::string>{"10.0.0.0/8", "::1"}));
  EXPECT_EQ(c->server.read_timeout, 5s);
  EXPECT_EQ(c->server.idle_timeout, 90s);
  EXPECT_EQ(c->store.backend, "memory");
  EXPECT_EQ(c->store.data_dir, "/var/lib/tessera");
  EXPECT_EQ(c->web.allowed_origins, std::vector<std::string>{"https://app.example.com"});
  EXPECT_EQ(c->web.same_site, "strict");
  EXPECT_EQ(c->web.cors_origins,
            (std::vector<std::string>{"https://app.example.com", "http://localhost:5173",
                                      "http://[::1]:3000"}));
  EXPECT_TRUE(c->auth.open_signup);
  EXPECT_EQ(c->auth.argon2_memory_kib, 47104u);
  EXPECT_EQ(c->sessions.idle_timeout, 30min);
  EXPECT_EQ(c->sessions.absolute_lifetime, 7 * 24h);
  EXPECT_EQ(c->rate_limit.email_failures, 0);
  EXPECT_EQ(c->rate_limit.ip_failures, 50);  // untouched keys keep their defaults
}

TEST_F(ConfigTest, PrecedenceFileThenEnvironmentThenFlags) {
  std::string file = write(
      "[server]\nlisten = \"127.0.0.1:1111\"\nthreads = 1\n[store]\ndata_dir = \"/from/file\"\n"
      "[sessions]\nidle_timeout = \"10m\"\n");
  ConfigSources s{.file = file};
  auto from_file = load_config(s);
  ASSERT_TRUE(from_file) << from_file.error();
  EXPECT_EQ(from_file->server.listen, "127.0.0.1:1111");

  s.environment = {{"TESSERA_SERVER__LISTEN", "127.0.0.1:2222"},
                   {"TESSERA_SESSIONS__IDLE_TIMEOUT", "20m"},
                   {"TESSERA_STORE__DATA_DIR", "/from/env"},
                   {"TESSERA_WEB__ALLOWED_ORIGINS", "https://a.example, https://b.example"},
                   {"TESSERA_AUTH__OPEN_SIGNUP", "true"},
                   {"TESSERA_BINARY", "/ignored/not/configuration"},
                   {"PATH", "/usr/bin"}};
  auto from_env = load_config(s);
  ASSERT_TRUE(from_env) << from_env.error();
  EXPECT_EQ(from_env->server.listen, "127.0.0.1:2222");
  EXPECT_EQ(from_env->server.threads, 1u);  // the file's, not overridden
  EXPECT_EQ(from_env->sessions.idle_timeout, 20min);
  EXPECT_EQ(from_env->store.data_dir, "/from/env");
  EXPECT_EQ(from_env->web.allowed_origins,
            (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_TRUE(from_env->auth.open_signup);

  s.flags = {.listen = "127.0.0.1:3333", .data_dir = "/from/flag", .threads = 3};
  auto from_flags = load_config(s);
  ASSERT_TRUE(from_flags) << from_flags.error();
  EXPECT_EQ(from_flags->server.listen, "127.0.0.1:3333");
  EXPECT_EQ(from_flags->store.data_dir, "/from/flag");
  EXPECT_EQ(from_flags->server.threads, 3u);
  EXPECT_EQ(from_flags->sessions.idle_timeout, 20min);  // env, no flag for it
}

TEST_F(ConfigTest, EnvironmentListCanBeEmptied) {
  ConfigSources s{.file = write("[server]\ntrusted_proxies = [\"10.0.0.0/8\"]\n")};
  s.environment = {{"TESSERA_SERVER__TRUSTED_PROXIES", ""}};
  auto c = load_config(s);
  ASSERT_TRUE(c) << c.error();
  EXPECT_TRUE(c->server.trusted_proxies.empty());
}

TEST_F(ConfigTest, UnknownSectionsAndKeysAreNamed) {
  struct Case {
    std::string toml, expect;
  };
  for (const Case& k : std::vector<Case>{
           {"[server]\nlistn = \"x\"\n", "tessera.toml:2: unknown key server.listn"},
           {"[servr]\nlisten = \"x\"\n", "tessera.toml:1: unknown section [servr]"},
           {"listen = \"127.0.0.1:1\"\n", "unknown section [listen]"},
           {"[server.extra]\nx = 1\n", "unknown key server.extra"},
           {"[store]\nbackend = \"sqlite\"\n[keyz]\nencryption_key = \"x\"\n",
            "unknown section [keyz]"},
       }) {
    auto c = load_config({.file = write(k.toml)});
    ASSERT_FALSE(c) << k.toml;
    EXPECT_NE(c.error().find(k.expect), std::string::npos) << c.error();
  }
}

TEST_F(ConfigTest, WrongTypesAreNamed) {
  struct Case {
    std::string toml, expect;
  };
  for (const Case& k : std::vector<Case>{
           {"[server]\nthreads = \"4\"\n",
            "tessera.toml:2: server.threads: expected a non-negative integer, got a string"},
           {"[server]\nthreads = -1\n", "server.threads: must not be negative"},
           {"[server]\nlisten = 8080\n", "server.listen: expected a string, got an integer"},
           {"[auth]\nopen_signup = \"yes\"\n", "auth.open_signup: expected true or false"},
           {"[server]\ntrusted_proxies = \"10.0.0.0/8\"\n",
            "expected a list of strings, got a string"},
           {"[server]\ntrusted_proxies = [\"10.0.0.0/8\", 1]\n", "expected a list of strings"},
           {"[sessions]\nidle_timeout = \"15 minutes\"\n", "is not a duration"},
           {"[sessions]\nidle_timeout = 1.5\n", "got a floating-point number"},
           {"[sessions]\nidle_timeout = -5\n", "duration out of range"},
           {"[server]\nthreads = 99999999999\n", "server.threads: is too large"},
           {"[server]\nlisten = \"a\"\nlisten = \"b\"\n", "tessera.toml:3"},  // TOML itself
           {"[server\n", "tessera.toml:1"},
       }) {
    auto c = load_config({.file = write(k.toml)});
    ASSERT_FALSE(c) << k.toml;
    EXPECT_NE(c.error().find(k.expect), std::string::npos) << c.error();
  }
}

TEST_F(ConfigTest, BadValuesNameTheirSource) {
  struct Case {
    ConfigSources sources;
    std::string expect;
  };
  std::string file = write("[server]\nlisten = \"nonsense\"\n");
  std::string weak = write("[auth]\nargon2_memory_kib = 8192\n", "weak.toml");
  for (const Case& k : std::vector<Case>{
           {{.file = file}, "tessera.toml:2: server.listen: "},
           {{.environment = {{"TESSERA_SERVER__LISTEN", "nonsense"}}},
            "environment TESSERA_SERVER__LISTEN: server.listen: "},
           {{.flags = {.listen = "nonsense"}}, "--listen: server.listen: "},
           {{.environment = {{"TESSERA_SERVER__THREADS", "four"}}},
            "environment TESSERA_SERVER__THREADS: server.threads: expected a non-negative integer, "
            "got \"four\""},
           {{.environment = {{"TESSERA_SERVER__LISTN", "x"}}},
            "environment TESSERA_SERVER__LISTN: unknown key server.listn"},
           {{.environment = {{"TESSERA_NOPE__X", "x"}}}, "unknown key nope.x"},
           {{.environment = {{"TESSERA_SERVER_LISTEN", "x"}}}, "two underscores"},
           {{.environment = {{"TESSERA_AUTH__OPEN_SIGNUP", "yes"}}}, "expected true or false"},
           {{.environment = {{"TESSERA_SERVER__TRUSTED_PROXIES", "10.0.0.0/8,,::1"}}},
            "empty list element"},
           {{.environment = {{"TESSERA_SERVER__TRUSTED_PROXIES", "10.0.0.1/8"}}},
            "server.trusted_proxies: trusted proxy \"10.0.0.1/8\""},
           {{.environment = {{"TESSERA_WEB__ALLOWED_ORIGINS", "https://a.example/"}}},
            "web.allowed_origins: \"https://a.example/\" is not an origin"},
           {{.environment = {{"TESSERA_WEB__ALLOWED_ORIGINS", "null"}}}, "web.allowed_origins"},
           // web.cors_origins: exact https origins; http only to a loopback host.
           {{.environment = {{"TESSERA_WEB__CORS_ORIGINS", "*"}}},
            "web.cors_origins: \"*\": no wildcards"},
           {{.environment = {{"TESSERA_WEB__CORS_ORIGINS", "https://*.example.com"}}},
            "web.cors_origins: \"https://*.example.com\": no wildcards"},
           {{.environment = {{"TESSERA_WEB__CORS_ORIGINS", "https://app.example.com/spa"}}},
            "web.cors_origins: \"https://app.example.com/spa\" is not an origin"},
           {{.environment = {{"TESSERA_WEB__CORS_ORIGINS", "http://app.example.com"}}},
            "web.cors_origins: \"http://app.example.com\": http:// only for localhost"},
           {{.environment = {{"TESSERA_WEB__CORS_ORIGINS", "http://localhost.evil.net"}}},
            "http:// only for localhost"},
           {{.environment = {{"TESSERA_WEB__CORS_ORIGINS", "null"}}}, "web.cors_origins"},
           {{.environment = {{"TESSERA_SERVER__MAX_CONNECTIONS_PER_CLIENT", "0"}}},
            "server.max_connections_per_client: must be 1..server.max_connections"},
           {{.environment = {{"TESSERA_SERVER__MAX_CONNECTIONS", "10"},
                             {"TESSERA_SERVER__MAX_CONNECTIONS_PER_CLIENT", "11"}}},
            "server.max_connections_per_client: must be 1..server.max_connections"},
           {{.environment = {{"TESSERA_WEB__MODE", "cookies"}}}, "web.mode: must be"},
           {{.environment = {{"TESSERA_STORE__BACKEND", "mysql"}}}, "store.backend: must be"},
           {{.environment = {{"TESSERA_STORE__BACKEND", "postgres"}}},
            "store.postgres_dsn: must be set when store.backend is \"postgres\""},
           {{.environment = {{"TESSERA_STORE__POSTGRES_DSN", "host=db"}}},
            "store.postgres_dsn: is only used when store.backend is \"postgres\""},
           {{.environment = {{"TESSERA_STORE__BACKEND", "postgres"},
                             {"TESSERA_STORE__POSTGRES_DSN", "host=db"}}},
            "tokens.issuer: must be set when store.backend is \"postgres\""},
           {{.environment = {{"TESSERA_STORE__BACKEND", "postgres"},
                             {"TESSERA_STORE__POSTGRES_DSN", "host=db"},
                             {"TESSERA_TOKENS__ISSUER", "https://auth.example.com"}}},
            "keys.encryption_key: must be set when store.backend is \"postgres\""},
           {{.environment = {{"TESSERA_STORE__NETWORK_TIMEOUT", "0s"}}},
            "store.network_timeout: must be 1s..1m"},
           {{.environment = {{"TESSERA_CACHE__BACKEND", "memcached"}}}, "cache.backend: must be"},
           {{.environment = {{"TESSERA_CACHE__BACKEND", "redis"}}},
            "cache.redis_url: must be set when cache.backend is \"redis\""},
           {{.environment = {{"TESSERA_CACHE__BACKEND", "redis"},
                             {"TESSERA_CACHE__REDIS_URL", "http://127.0.0.1:6379"}}},
            "cache.redis_url: must be a redis:// URL"},
           {{.environment = {{"TESSERA_CACHE__REDIS_POOL", "0"}}}, "cache.redis_pool: must be"},
           {{.file = weak},
            "weak.toml:2: auth.argon2_memory_kib: Argon2id m=8192 KiB, t=2 is weaker"},
           {{.environment = {{"TESSERA_AUTH__ARGON2_PARALLELISM", "4"}}},
            "auth.argon2_parallelism"},
           {{.environment = {{"TESSERA_AUTH__PASSWORD_MIN_LENGTH", "6"}}}, "must be 8..128"},
           {{.flags = {.tls_cert = "cert.pem"}},
            "--tls-cert: server.tls_cert: needs server.tls_key"},
           {{.environment = {{"TESSERA_SESSIONS__IDLE_TIMEOUT", "0s"}}}, "sessions.idle_timeout"},
           {{.environment = {{"TESSERA_RATE_LIMIT__IP_FAILURES", "-1"}}}, "rate_limit.ip_failures"},
           {{.file = (dir_ / "missing.toml").string()}, "cannot read config file"},
           {{.environment = {{"TESSERA_TOKENS__ALGORITHM", "none"}}}, "tokens.algorithm: must be"},
           {{.environment = {{"TESSERA_TOKENS__ALGORITHM", "HS256 "}}}, "tokens.algorithm"},
           {{.environment = {{"TESSERA_TOKENS__ACCESS_TTL", "5s"}}}, "tokens.access_ttl"},
           {{.environment = {{"TESSERA_TOKENS__AUDIENCE", ""}}}, "tokens.audience"},
           {{.environment = {{"TESSERA_REFRESH__REUSE_GRACE", "5m"}}}, "refresh.reuse_grace"},
           {{.environment = {{"TESSERA_REFRESH__ABSOLUTE_LIFETIME", "1h"}}},
            "refresh.absolute_lifetime"},
           {{.environment = {{"TESSERA_KEYS__ROTATE_EVERY", "10m"}}}, "keys.rotate_every"},
           {{.environment = {{"TESSERA_KEYS__ENCRYPTION_KEY", "c2VjcmV0"}}},
            "keys.encryption_key: must be base64url of exactly 32 bytes"},
           {{.environment = {{"TESSERA_REVOCATION__BLOOM_FALSE_POSITIVE_PPM", "0"}}},
            "revocation.bloom_false_positive_ppm"},
           {{.environment = {{"TESSERA_WEBAUTHN__RP_ID", "127.0.0.1"}}},
            "environment TESSERA_WEBAUTHN__RP_ID: webauthn.rp_id: \"127.0.0.1\" is an IP address"},
           {{.environment = {{"TESSERA_WEBAUTHN__RP_ID", "[::1]"}}}, "is an IP address"},
           {{.environment = {{"TESSERA_WEBAUTHN__RP_ID", "::1"}}}, "is an IP address"},
           {{.environment = {{"TESSERA_WEBAUTHN__RP_ID", "10.1"}}}, "is an IP address"},
           {{.environment = {{"TESSERA_WEBAUTHN__RP_ID", "example.0x7f"}}}, "is an IP address"},
           {{.environment = {{"TESSERA_WEBAUTHN__RP_ID", "example.com:443"}}}, "has a port"},
           {{.environment = {{"TESSERA_WEBAUTHN__RP_ID", "https://example.com"}}},
            "webauthn.rp_id: \"https://example.com\" is a URL"},
           {{.environment = {{"TESSERA_WEBAUTHN__RP_ID", "Example.com"}}},
            "is not a lower-case domain name"},
           {{.environment = {{"TESSERA_WEBAUTHN__RP_ID", "example.com."}}},
            "is not a lower-case domain name"},
           {{.environment = {{"TESSERA_WEBAUTHN__RP_ID", "-a.example"}}},
            "is not a lower-case domain name"},
           {{.environment = {{"TESSERA_WEBAUTHN__RP_ID", std::string(64, 'a') + ".example"}}},
            "is not a lower-case domain name"},
           {{.environment = {{"TESSERA_WEBAUTHN__RP_NAME", ""}}}, "webauthn.rp_name: must be"},
           {{.environment = {{"TESSERA_WEBAUTHN__RP_ID", "example.com"},
                             {"TESSERA_WEB__ALLOWED_ORIGINS",
                              "https://example.org,https://xexample.com"}}},
            "webauthn.rp_id: must be the host of one of web.allowed_origins"},
       }) {
    auto c = load_config(k.sources);
    ASSERT_FALSE(c) << k.expect;
    EXPECT_NE(c.error().find(k.expect), std::string::npos) << c.error();
  }
}

// web.cookie_domain hands the session cookie to every host under it: only a real domain name,
// written as it is (no leading dot), covering the server and every allowed origin.
TEST_F(ConfigTest, CookieDomainIsCheckedAtLoad) {
  const std::map<std::string, std::string> good = {
      {"TESSERA_WEB__COOKIE_DOMAIN", "example.test"},
      {"TESSERA_SERVER__PUBLIC_URL", "https://auth.example.test"},
      {"TESSERA_WEB__ALLOWED_ORIGINS", "https://app.example.test,https://example.test:8443"}};
  auto ok = load_config({.environment = good});
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(ok->web.cookie_domain, "example.test");
  EXPECT_EQ(load_config({})->web.cookie_domain, "");  // default: host-only cookies

  struct Case {
    std::map<std::string, std::string> change;
    std::string expect;
  };
  for (const Case& k : std::vector<Case>{
           {{{"TESSERA_WEB__COOKIE_DOMAIN", ".example.test"}},
            "web.cookie_domain: write \"example.test\" without the leading dot"},
           {{{"TESSERA_WEB__COOKIE_DOMAIN", "test"}}, "\"test\" is a single label"},
           {{{"TESSERA_WEB__COOKIE_DOMAIN", "localhost"}}, "is a single label"},
           {{{"TESSERA_WEB__COOKIE_DOMAIN", "Example.test"}}, "is not a lower-case domain name"},
           {{{"TESSERA_WEB__COOKIE_DOMAIN", "127.0.0.1"}},
            "\"127.0.0.1\" is an IP address; a cookie domain is a domain name, never one"},
           {{{"TESSERA_WEB__COOKIE_DOMAIN", "[::1]"}}, "is an IP address"},
           {{{"TESSERA_WEB__COOKIE_DOMAIN", "example.test:443"}}, "has a port"},
           {{{"TESSERA_WEB__COOKIE_DOMAIN", "https://example.test"}}, "is a URL"},
           {{{"TESSERA_SERVER__PUBLIC_URL", ""}}, "web.cookie_domain: needs server.public_url"},
           {{{"TESSERA_SERVER__PUBLIC_URL", "https://auth.example.com"}},
            "web.cookie_domain: needs server.public_url on \"example.test\""},
           {{{"TESSERA_SERVER__PUBLIC_URL", "https://badexample.test"}}, "needs server.public_url"},
           {{{"TESSERA_SERVER__PUBLIC_URL", "https://127.0.0.1"}}, "needs server.public_url"},
           {{{"TESSERA_WEB__ALLOWED_ORIGINS", "https://app.example.test,https://evil.test"}},
            "web.cookie_domain: web.allowed_origins entry \"https://evil.test\" is not"},
           {{{"TESSERA_WEB__ALLOWED_ORIGINS", "https://example.test.evil.com"}},
            "is not \"example.test\" or under it"},
       }) {
    std::map<std::string, std::string> env = good;
    for (const auto& [key, value] : k.change) env[key] = value;
    auto c = load_config({.environment = env});
    ASSERT_FALSE(c) << k.expect;
    EXPECT_NE(c.error().find(k.expect), std::string::npos) << c.error();
  }
}

TEST_F(ConfigTest, OwaspEquivalentArgon2RowsAreAccepted) {
  for (auto [m, t] : std::vector<std::pair<int, int>>{
           {47104, 1}, {19456, 2}, {12288, 3}, {9216, 4}, {7168, 5}, {65536, 3}}) {
    ConfigSources s;
    s.environment = {{"TESSERA_AUTH__ARGON2_MEMORY_KIB", std::to_string(m)},
                     {"TESSERA_AUTH__ARGON2_ITERATIONS", std::to_string(t)}};
    EXPECT_TRUE(load_config(s)) << m << "," << t;
  }
  for (auto [m, t] :
       std::vector<std::pair<int, int>>{{47103, 1}, {19456, 1}, {7168, 4}, {4096, 10}}) {
    ConfigSources s;
    s.environment = {{"TESSERA_AUTH__ARGON2_MEMORY_KIB", std::to_string(m)},
                     {"TESSERA_AUTH__ARGON2_ITERATIONS", std::to_string(t)}};
    EXPECT_FALSE(load_config(s)) << m << "," << t;
  }
}

TEST(Duration, ParseAndFormat) {
  EXPECT_EQ(parse_duration("900").value(), 900s);
  EXPECT_EQ(parse_duration("15m").value(), 15min);
  EXPECT_EQ(parse_duration("1h30m").value(), 90min);
  EXPECT_EQ(parse_duration("2d").value(), 48h);
  EXPECT_EQ(parse_duration("0s").value(), 0s);
  EXPECT_EQ(parse_duration("90s").value(), 90s);
  for (const char* bad : {"", "m", "15", "-5", "15x", "1.5h", "15 m", "1h 30m", "h1", "15mm",
                          "99999999999999d", " 15m"}) {
    if (std::string_view(bad) == "15") continue;  // plain digits are seconds
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
  EXPECT_EQ(format_duration(0s), "0s");
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(15min), "15m");
  EXPECT_EQ(format_duration(24h), "1d");
  EXPECT_EQ(format_duration(90min), "1h30m");
  EXPECT_EQ(format_duration(26h + 1s), "1d2h1s");
}

// [[access.rules]] (SPEC.md "Gateway"): a list of tables under a dotted name, each rule checked
// at load with an error naming its index, key and line; never from the environment.
TEST_F(ConfigTest, AccessRulesLoadAndBadOnesNameTheirIndexAndKey) {
  auto c = load_config({.file = write(R"([[access.rules]]
path = "/public"
bypass = true

[[access.rules]]
host = "*.example.com"
path = "/admin/**"
methods = ["GET", "POST"]
roles = ["admin"]
mfa = true
)")});
  ASSERT_TRUE(c) << c.error();
  ASSERT_EQ(c->access_rules.size(), 2u);
  EXPECT_TRUE(c->access_rules[0].rule.bypass);
  EXPECT_EQ(c->access_rules[1].rule.host, "*.example.com");
  EXPECT_EQ(c->access_rules[1].rule.roles, std::vector<std::string>{"admin"});
  const std::string printed = to_toml(*c);
  EXPECT_NE(printed.find("[[access.rules]]"), std::string::npos);
  auto again = load_config({.file = write(printed, "printed.toml")});
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(to_toml(*again), printed);

  auto bad = load_config({.file = write(R"([[access.rules]]
path = "/ok"
authenticated = true

[[access.rules]]
path = "/a/../admin"
roles = ["admin"]
)")});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("tessera.toml:6: access.rules[1].path: \"/a/../admin\""),
            std::string::npos)
      << bad.error();
  auto no_policy = load_config({.file = write("[[access.rules]]\npath = \"/x\"\n")});
  ASSERT_FALSE(no_policy);
  EXPECT_NE(
      no_policy.error().find("tessera.toml:1: access.rules[0].bypass: the rule needs a policy"),
      std::string::npos)
      << no_policy.error();
  auto unknown = load_config({.file = write("[[access.rules]]\npath = \"/x\"\nbypas = true\n")});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("unknown key access.rules[0].bypas"), std::string::npos)
      << unknown.error();
  auto other = load_config({.file = write("[access.other]\nx = 1\n")});
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().find("unknown section [access.other]"), std::string::npos)
      << other.error();
  auto env = load_config({.environment = {{"TESSERA_ACCESS__RULES", "x"}}});
  ASSERT_FALSE(env);
  EXPECT_NE(env.error().find("read only from the config file"), std::string::npos) << env.error();
}

TEST_F(ConfigTest, PrintedConfigLoadsBackTheSame) {
  ConfigSources s;
  s.environment = {{"TESSERA_SERVER__TRUSTED_PROXIES", "10.0.0.0/8,::1"},
                   {"TESSERA_STORE__DATA_DIR", "/weird \"dir\"\\x"},
                   {"TESSERA_SESSIONS__IDLE_TIMEOUT", "5400"},
                   {"TESSERA_AUTH__OPEN_SIGNUP", "true"}};
  auto c = load_config(s);
  ASSERT_TRUE(c) << c.error();
  std::string text = to_toml(*c);
  EXPECT_TRUE(text.starts_with("[server]\nlisten = \"127.0.0.1:8080\"\n")) << text;
  EXPECT_NE(text.find("trusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("idle_timeout = \"1h30m\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("open_signup = true\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n[rate_limit]\n"), std::string::npos) << text;
  auto again = load_config({.file = write(text, "printed.toml")});
  ASSERT_TRUE(again) << again.error() << "\n" << text;
  EXPECT_EQ(to_toml(*again), text);
  EXPECT_EQ(again->store.data_dir, "/weird \"dir\"\\x");
}

TEST(ConfigPrint, SecretsAreMasked) {
  struct Keys {
    std::string encryption_key = "c2VjcmV0";
    std::string empty_secret;
    std::vector<std::string> dsns = {"postgres://u:pw@h/db"};
    std::string label = "shown";
  } k;
  std::vector<detail::Field> fields = {
      {"keys", "encryption_key", &k.encryption_key, "A key.", /*secret=*/true},
      {"keys", "empty_secret", &k.empty_secret, "An unset secret.", /*secret=*/true},
      {"keys", "dsns", &k.dsns, "Secret strings.", /*secret=*/true},
      {"keys", "label", &k.label, "A label.", /*secret=*/false},
  };
  std::string text = detail::render_toml(fields);
  EXPECT_EQ(text,
            "[keys]\nencryption_key = \"********\"\nempty_secret = \"\"\n"
            "dsns = [\"********\"]\nlabel = \"shown\"\n");
  EXPECT_EQ(text.find("c2VjcmV0"), std::string::npos);
  EXPECT_EQ(text.find("pw@"), std::string::npos);
}

TEST_F(ConfigTest, ScaleOutKeysLoadAndTheirSecretsAreNeverPrinted) {
  auto c = load_config({.environment = {
                            {"TESSERA_STORE__BACKEND", "postgres"},
                            {"TESSERA_STORE__POSTGRES_DSN", "postgresql://u:pg-secret@db/tessera"},
                            {"TESSERA_STORE__NETWORK_TIMEOUT", "5s"},
                            {"TESSERA_CACHE__BACKEND", "redis"},
                            {"TESSERA_CACHE__REDIS_URL", "redis://:redis-secret@cache:6379/2"},
                            {"TESSERA_KEYS__ENCRYPTION_KEY", std::string(43, 'A')},
                            {"TESSERA_TOKENS__ISSUER", "https://auth.example.com"},
                        }});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->store.backend, "postgres");
  EXPECT_EQ(c->store.network_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c->cache.backend, "redis");
  const std::string text = to_toml(*c);
  EXPECT_NE(text.find("[cache]"), std::string::npos);
  EXPECT_EQ(text.find("pg-secret"), std::string::npos) << text;
  EXPECT_EQ(text.find("redis-secret"), std::string::npos) << text;
}

TEST_F(ConfigTest, TokenSectionsDefaultsAndTheEncryptionKeyIsNeverPrinted) {
  auto d = load_config({});
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->tokens.algorithm, "ES256");
  EXPECT_EQ(d->tokens.access_ttl, 15min);
  EXPECT_EQ(d->tokens.leeway, 30s);
  EXPECT_EQ(d->refresh.reuse_grace, 0s);
  EXPECT_EQ(d->keys.rotate_every, 0s);
  EXPECT_TRUE(d->keys.encryption_key.empty());

  const std::string key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";  // 32 bytes
  auto c = load_config({.environment = {{"TESSERA_KEYS__ENCRYPTION_KEY", key},
                                        {"TESSERA_TOKENS__ALGORITHM", "EdDSA"},
                                        {"TESSERA_KEYS__ROTATE_EVERY", "30d"}}});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->keys.encryption_key, key);
  EXPECT_EQ(c->keys.rotate_every, 30 * 24h);
  const std::string text = to_toml(*c);
  EXPECT_EQ(text.find(key), std::string::npos);
  EXPECT_NE(text.find("[keys]\nencryption_key = \"********\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("algorithm = \"EdDSA\"\n"), std::string::npos) << text;
}

// [email] and server.public_url (issue 18): what mail needs is checked at load, and the SMTP
// URL, which may carry a password, is never printed.
TEST(Config, EmailSettingsAreCheckedAndTheSmtpUrlIsASecret) {
  auto error_of = [](std::map<std::string, std::string> env) {
    auto c = load_config({.environment = std::move(env)});
    return c ? std::string() : c.error();
  };
  EXPECT_NE(error_of({{"TESSERA_EMAIL__SMTP_URL", "http://mail.example.com"}}).find("smtp_url"),
            std::string::npos);
  EXPECT_NE(error_of({{"TESSERA_EMAIL__SMTP_URL", "smtp://mail.example.com"}}).find("email.from"),
            std::string::npos);  // mail needs a From address
  EXPECT_NE(error_of({{"TESSERA_EMAIL__OUTBOX_ONLY", "true"}}).find("email.from"),
            std::string::npos);
  EXPECT_NE(error_of({{"TESSERA_EMAIL__SMTP_URL", "smtp://mail.example.com"},
                      {"TESSERA_EMAIL__FROM", "a@example.com"},
                      {"TESSERA_EMAIL__OUTBOX_ONLY", "true"}})
                .find("outbox_only"),
            std::string::npos);
  EXPECT_NE(error_of({{"TESSERA_EMAIL__FROM", "not an address"}}).find("email.from"),
            std::string::npos);
  EXPECT_NE(error_of({{"TESSERA_EMAIL__STARTTLS", "never"}}).find("starttls"), std::string::npos);
  EXPECT_NE(
      error_of({{"TESSERA_SERVER__PUBLIC_URL", "https://id.example.com/?x=1"}}).find("public_url"),
      std::string::npos);
  EXPECT_NE(error_of({{"TESSERA_SERVER__PUBLIC_URL", "id.example.com"}}).find("public_url"),
            std::string::npos);
  EXPECT_NE(error_of({{"TESSERA_AUTH__RESET_LINK_TTL", "2d"}}).find("reset_link_ttl"),
            std::string::npos);

  auto c = load_config(
      {.environment = {{"TESSERA_EMAIL__SMTP_URL", "smtps://user:s3cret@mail.example.com"},
                       {"TESSERA_EMAIL__FROM", "no-reply@example.com"},
                       {"TESSERA_SERVER__PUBLIC_URL", "https://example.com/auth"}}});
  ASSERT_TRUE(c) << c.error();
  EXPECT_TRUE(c->email.enabled());
  EXPECT_FALSE(Config{}.email.enabled());
  const std::string text = to_toml(*c);
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  EXPECT_NE(text.find("[email]\nsmtp_url = \"********\"\n"), std::string::npos) << text;
}

TEST(Config, EffectiveAllowedOrigins) {
  Config c;
  EXPECT_EQ(effective_allowed_origins(c, "http://127.0.0.1:8080"),
            (std::vector<std::string>{"http://127.0.0.1:8080", "http://localhost:8080"}));
  EXPECT_EQ(effective_allowed_origins(c, "https://[::1]:8443"),
            (std::vector<std::string>{"https://[::1]:8443", "https://localhost:8443"}));
  EXPECT_EQ(effective_allowed_origins(c, "http://10.0.0.5:80"),
            (std::vector<std::string>{"http://10.0.0.5:80"}));
  c.web.allowed_origins = {"https://app.example.com"};
  EXPECT_EQ(effective_allowed_origins(c, "http://127.0.0.1:8080"),
            (std::vector<std::string>{"https://app.example.com"}));
}

TEST_F(ConfigTest, WebauthnSection) {
  auto c = load_config({});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->webauthn.rp_id, "");
  EXPECT_EQ(c->webauthn.rp_name, "Tessera");
  EXPECT_NE(to_toml(*c).find("\n[webauthn]\nrp_id = \"\"\nrp_name = \"Tessera\"\n"),
            std::string::npos);
  c = load_config({.file = write(R"(
[web]
allowed_origins = ["https://login.example.com", "https://example.com:8443"]
[webauthn]
rp_id = "example.com"
rp_name = "Example"
)")});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->webauthn.rp_id, "example.com");
  EXPECT_EQ(c->webauthn.rp_name, "Example");
  // Without allowed origins (the server's own URL) nothing joins the two at load time.
  EXPECT_TRUE(load_config({.environment = {{"TESSERA_WEBAUTHN__RP_ID", "localhost"}}}));
}

TEST(Config, EffectiveRpIdIsNeverAnIpAddress) {
  Config c;
  // Zero configuration: the loopback URL, then "localhost".
  EXPECT_EQ(effective_rp_id(c, effective_allowed_origins(c, "http://127.0.0.1:8080")), "localhost");
  EXPECT_EQ(effective_rp_id(c, effective_allowed_origins(c, "https://[::1]:8443")), "localhost");
  // Only IP addresses: passkeys are off.
  EXPECT_EQ(effective_rp_id(c, effective_allowed_origins(c, "http://10.0.0.5:80")), "");
  EXPECT_EQ(effective_rp_id(c, {"http://192.168.1.1", "https://[2001:db8::1]"}), "");
  // The first that is a domain name, whatever its port.
  EXPECT_EQ(effective_rp_id(c, {"http://192.168.1.1:8080", "https://Auth.Example.com:8443",
                                "https://other.example"}),
            "auth.example.com");
  c.webauthn.rp_id = "example.com";
  EXPECT_EQ(effective_rp_id(c, {"https://auth.example.com"}), "example.com");
  EXPECT_TRUE(origin_within_rp_id("https://auth.example.com", "example.com"));
  EXPECT_TRUE(origin_within_rp_id("https://example.com:8443", "example.com"));
  EXPECT_FALSE(origin_within_rp_id("https://badexample.com", "example.com"));
  EXPECT_FALSE(origin_within_rp_id("https://example.com.evil", "example.com"));
  EXPECT_FALSE(origin_within_rp_id("http://127.0.0.1", "127.0.0.1"));
}

TEST(Config, ProcessEnvironmentIsRead) {
  ::setenv("TESSERA_CONFIG_TEST__PROBE", "1", 1);
  auto env = tessera_environment();
  EXPECT_EQ(env["TESSERA_CONFIG_TEST__PROBE"], "1");
  for (const auto& [name, value] : env) EXPECT_TRUE(name.starts_with("TESSERA_")) << name;
  ::unsetenv("TESSERA_CONFIG_TEST__PROBE");
}

// Every section and key is described once, in its section's fields(): the reference
// (docs/configuration.md) has no blank description. A list's keys are those of a default element.
TEST(ConfigReference, EverySectionAndFieldHasADoc) {
  Config c;
  std::size_t fields = 0;
  for (const detail::Section& s : sections(c)) {
    EXPECT_FALSE(s.doc.empty()) << s.name;
    if (s.list) s.resize(1);
    for (const detail::Field& f : s.fields(0)) {
      ++fields;
      EXPECT_FALSE(f.doc.empty()) << s.name << "." << f.key << " has no doc";
      EXPECT_TRUE(f.doc.ends_with('.')) << s.name << "." << f.key << ": " << f.doc;
      EXPECT_EQ(f.doc.find('\n'), std::string_view::npos) << s.name << "." << f.key;
    }
  }
  EXPECT_GT(fields, 50u);
}

// One row per key with its type, default (a secret unset), variable and doc.
TEST(ConfigReference, EveryKeyHasARow) {
  const std::string text = reference_markdown();
  Config c;
  for (const detail::Section& s : sections(c)) {
    const std::string header =
        s.list ? "[[" + std::string(s.name) + "]]" : "[" + std::string(s.name) + "]";
    EXPECT_NE(text.find("\n## " + header + "\n"), std::string::npos) << s.name;
    if (s.list && s.size() == 0) s.resize(1);  // a default element, as the reference shows
    for (const detail::Field& f : s.fields(0)) {
      const std::string row = "| `" + std::string(f.key) + "` | ";
      EXPECT_NE(text.find(row), std::string::npos) << row;
      if (s.list) continue;  // a list comes from the file only: no variable
      const std::string variable = "`" + detail::environment_variable(s.name, f.key) + "`";
      EXPECT_NE(text.find(variable), std::string::npos) << variable;
    }
  }
  for (const char* row : {
           "| `listen` | string | `\"127.0.0.1:8080\"` | `TESSERA_SERVER__LISTEN` | ",
           "| `encryption_key` | string | unset (secret) | `TESSERA_KEYS__ENCRYPTION_KEY` | ",
           "| `access_ttl` | duration | `\"15m\"` | `TESSERA_TOKENS__ACCESS_TTL` | ",
           "| `email_failures` | integer | `5` | `TESSERA_RATE_LIMIT__EMAIL_FAILURES` | ",
           "| `trusted_proxies` | list of strings | `[]` | `TESSERA_SERVER__TRUSTED_PROXIES` | ",
       }) {
    EXPECT_NE(text.find(row), std::string::npos) << row;
  }
}

// [[federation.providers]] (SPEC.md "Federated sign-in"): loaded from the file, the secret
// masked when printed, and each bad value named by index and key (exit 2 at start).
TEST_F(ConfigTest, FederationProvidersLoadAndBadOnesAreNamed) {
  auto c = load_config({.file = write(R"([[federation.providers]]
id = "corp"
name = "Corp SSO"
issuer = "https://idp.example.com"
client_id = "tessera"
client_secret = "s3cret"
link = "never"
create_users = true

[[federation.providers]]
id = "test"
name = "Test"
issuer = "http://127.0.0.1:9999/oidc"
client_id = "t"
client_secret_file = "/run/secret"
token_endpoint_auth_method = "client_secret_post"
)")});
  ASSERT_TRUE(c) << c.error();
  ASSERT_EQ(c->federation_providers.size(), 2u);
  EXPECT_EQ(c->federation_providers[0].link, "never");
  EXPECT_TRUE(c->federation_providers[0].create_users);
  EXPECT_EQ(c->federation_providers[1].scopes,
            (std::vector<std::string>{"openid", "email", "profile"}));
  const std::string printed = to_toml(*c);
  EXPECT_EQ(printed.find("s3cret"), std::string::npos);
  EXPECT_NE(printed.find("[[federation.providers]]"), std::string::npos);

  auto expect_bad = [&](const std::string& body, const std::string& needle) {
    auto bad = load_config({.file = write(body)});
    ASSERT_FALSE(bad) << body;
    EXPECT_NE(bad.error().find(needle), std::string::npos) << bad.error();
  };
  const std::string good =
      "[[federation.providers]]\nid = \"a\"\nname = \"A\"\nissuer = \"https://a.example\"\n"
      "client_id = \"c\"\nclient_secret = \"s\"\n";
  expect_bad(good +
                 "[[federation.providers]]\nid = \"a\"\nname = \"B\"\nissuer = "
                 "\"https://b.example\"\nclient_id = \"c\"\nclient_secret = \"s\"\n",
             "federation.providers[1].id: \"a\" is also federation.providers[0]'s id");
  // Plain http only on loopback IP literals: not a name, not 0.0.0.0.
  for (const char* issuer : {"http://idp.example.com", "http://0.0.0.0:1", "http://localhost:1",
                             "https://a/?x=1", "https://u@a.example"}) {
    expect_bad("[[federation.providers]]\nid = \"a\"\nname = \"A\"\nissuer = \"" +
                   std::string(issuer) + "\"\nclient_id = \"c\"\nclient_secret = \"s\"\n",
               "federation.providers[0].issuer");
  }
  expect_bad(good + "client_secret_file = \"/x\"\n", "set exactly one of client_secret");
  expect_bad(good + "scopes = [\"email\"]\n", "must include \"openid\"");
  expect_bad(good + "link = \"email\"\n", "federation.providers[0].link");
  expect_bad(good + "token_endpoint_auth_method = \"none\"\n", "token_endpoint_auth_method");
  // private_key_jwt takes a key file and no secret; the others no key file.
  expect_bad(good + "token_endpoint_auth_method = \"private_key_jwt\"\n",
             "federation.providers[0].private_key_file: must be set for private_key_jwt");
  expect_bad(good + "token_endpoint_auth_method = \"private_key_jwt\"\nprivate_key_file = \"/k\"\n",
             "client_secret: is not used with private_key_jwt");
  expect_bad(good + "private_key_file = \"/k\"\n", "is only used with private_key_jwt");
  auto jwt = load_config(
      {.file = write(
           "[[federation.providers]]\nid = \"a\"\nname = \"A\"\nissuer = \"https://a.example\"\n"
           "client_id = \"c\"\ntoken_endpoint_auth_method = \"private_key_jwt\"\n"
           "private_key_file = \"/run/key.json\"\n")});
  ASSERT_TRUE(jwt) << jwt.error();
  // 127.0.0.0/8 is loopback too.
  EXPECT_TRUE(load_config({.file = write("[[federation.providers]]\nid = \"a\"\nname = \"A\"\n"
                                         "issuer = \"http://127.0.0.2:8\"\nclient_id = \"c\"\n"
                                         "client_secret = \"s\"\n")}));
  expect_bad("[[federation.providers]]\nid = \"Bad Id\"\n", "federation.providers[0].id");
}

}  // namespace
}  // namespace tessera::app
