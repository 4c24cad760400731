// The configuration machinery on its own sections: lists of tables ([[name]]), which no real
// key uses yet, beside plain tables.
#include "app/config_schema.h"

#include <gtest/gtest.h>

#include <map>

namespace tessera::app {
namespace {

using namespace std::chrono_literals;
using detail::Field;
using detail::Problem;

// [limits]: a table before the list.
struct TestLimits {
  static constexpr std::string_view kName = "limits";
  static constexpr std::string_view kDoc = "Limits.";
  std::size_t max_clients = 4;

  std::vector<Field> fields() { return {{kName, "max_clients", &max_clients, "Clients at most."}}; }
  std::optional<Problem> check() const {
    if (max_clients < 1) return Problem{"max_clients", "must be at least 1"};
    return std::nullopt;
  }
};

// [[clients]]: the list of tables, shaped like the OAuth clients to come.
struct TestClient {
  static constexpr std::string_view kName = "clients";
  static constexpr std::string_view kDoc = "The OAuth clients.";
  std::string id;
  std::vector<std::string> redirect_uris;
  std::string secret;
  std::chrono::seconds code_ttl{60};

  std::vector<Field> fields() {
    return {{kName, "id", &id, "The client's id."},
            {kName, "redirect_uris", &redirect_uris, "Where codes may go | exactly."},
            {kName, "secret", &secret, "The client's secret.", /*secret=*/true},
            {kName, "code_ttl", &code_ttl, "How long a code works."}};
  }
  std::optional<Problem> check() const {
    if (id.empty()) return Problem{"id", "must be set"};
    if (redirect_uris.empty()) return Problem{"redirect_uris", "must not be empty"};
    return std::nullopt;
  }
};

// [audit]: a table after the list.
struct TestAudit {
  static constexpr std::string_view kName = "audit";
  static constexpr std::string_view kDoc = "The audit log.";
  bool enabled = false;

  std::vector<Field> fields() { return {{kName, "enabled", &enabled, "Whether to audit."}}; }
  std::optional<Problem> check() const { return std::nullopt; }
};

struct TestConfig {
  TestLimits limits;
  std::vector<TestClient> clients;
  TestAudit audit;

  std::vector<detail::Section> sections() {
    return {detail::table(limits), detail::table_list(clients), detail::table(audit)};
  }
};

// As load_config does: the file (named tessera.toml), then the environment, then every check.
std::expected<TestConfig, std::string> load(const std::string& toml,
                                            const std::map<std::string, std::string>& env = {}) {
  TestConfig config;
  std::vector<detail::Section> sections = config.sections();
  detail::Origins origins;
  auto ok = detail::apply_toml(toml, "tessera.toml", sections, origins);
  if (ok) ok = detail::apply_environment(env, sections, origins);
  if (!ok) return std::unexpected(ok.error());
  if (auto problem = detail::check(sections)) {
    return std::unexpected(detail::describe(*problem, origins));
  }
  return config;
}

constexpr const char* kTwoClients = R"([limits]
max_clients = 8

[[clients]]
id = "web"
redirect_uris = ["https://app.example/cb"]
secret = "s3cret"

[[clients]]
id = "cli"
redirect_uris = ["http://127.0.0.1/cb", "http://[::1]/cb"]
code_ttl = "2m"
)";

TEST(ConfigSchema, ListOfTablesLoadsEachElement) {
  auto c = load(kTwoClients);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->limits.max_clients, 8u);
  ASSERT_EQ(c->clients.size(), 2u);
  EXPECT_EQ(c->clients[0].id, "web");
  EXPECT_EQ(c->clients[0].redirect_uris, std::vector<std::string>{"https://app.example/cb"});
  EXPECT_EQ(c->clients[0].secret, "s3cret");
  EXPECT_EQ(c->clients[0].code_ttl, 60s);  // unset keys keep the element's defaults
  EXPECT_EQ(c->clients[1].id, "cli");
  EXPECT_EQ(c->clients[1].redirect_uris.size(), 2u);
  EXPECT_EQ(c->clients[1].code_ttl, 2min);
  EXPECT_FALSE(c->audit.enabled);
}

TEST(ConfigSchema, InlineListsAndEmptyListsLoadToo) {
  auto inline_list = load("clients = [{id = \"a\", redirect_uris = [\"https://a.example\"]}]\n");
  ASSERT_TRUE(inline_list) << inline_list.error();
  ASSERT_EQ(inline_list->clients.size(), 1u);
  EXPECT_EQ(inline_list->clients[0].id, "a");

  auto empty = load("clients = []\n[limits]\nmax_clients = 2\n");
  ASSERT_TRUE(empty) << empty.error();
  EXPECT_TRUE(empty->clients.empty());
  EXPECT_EQ(empty->limits.max_clients, 2u);

  auto none = load("");
  ASSERT_TRUE(none) << none.error();
  EXPECT_TRUE(none->clients.empty());
}

TEST(ConfigSchema, ErrorsNameTheElementAndTheLine) {
  struct Case {
    std::string toml, expect;
  };
  const std::string two = kTwoClients;
  for (const Case& k : std::vector<Case>{
           // Strict keys: unknown ones name the element's index.
           {two + "redirect_uri = \"x\"\n", "tessera.toml:13: unknown key clients[1].redirect_uri"},
           {"[[clients]]\nid = \"a\"\nredirect_uris = [\"x\"]\n[clients.extra]\nx = 1\n",
            "tessera.toml:4: unknown key clients[0].extra"},
           // Types.
           {two + "[[clients]]\nid = \"x\"\nredirect_uris = \"https://x.example\"\n",
            "tessera.toml:15: clients[2].redirect_uris: expected a list of strings, got a string"},
           {"[[clients]]\nid = 7\n",
            "tessera.toml:2: clients[0].id: expected a string, got an "
            "integer"},
           {"[[clients]]\nid = \"a\"\nredirect_uris = [\"x\"]\ncode_ttl = \"soon\"\n",
            "tessera.toml:4: clients[0].code_ttl: \"soon\" is not a duration"},
           // Checks: a key set in the file names its line; a missing one, its element's.
           {two + "[[clients]]\nid = \"\"\n", "tessera.toml:14: clients[2].id: must be set"},
           {two + "[[clients]]\nid = \"x\"\n",
            "tessera.toml:13: clients[2].redirect_uris: must not be empty"},
           // Shapes: a list is not a table and a table is not a list.
           {"[clients]\nid = \"a\"\n",
            "tessera.toml:1: clients must be a list of tables ([[clients]])"},
           {"clients = [\"a\"]\n",
            "tessera.toml:1: clients must be a list of tables ([[clients]])"},
           {"clients = [{id = \"a\", redirect_uris = [\"x\"]}, 1]\n",
            "clients must be a list of tables ([[clients]])"},
           {"clients = \"a\"\n", "clients must be a list of tables ([[clients]])"},
           {"[[limits]]\nmax_clients = 2\n", "tessera.toml:1: limits must be a section ([limits])"},
           {"[[client]]\nid = \"a\"\n", "tessera.toml:1: unknown section [client]"},
           // A table's problems still name the table.
           {"[limits]\nmax_clients = 0\n",
            "tessera.toml:2: limits.max_clients: must be at least 1"},
       }) {
    auto c = load(k.toml);
    ASSERT_FALSE(c) << k.toml;
    EXPECT_NE(c.error().find(k.expect), std::string::npos) << c.error() << "\n" << k.toml;
  }
}

TEST(ConfigSchema, ListsComeOnlyFromTheFile) {
  for (const char* variable : {"TESSERA_CLIENTS__ID", "TESSERA_CLIENTS__0__ID",
                               "TESSERA_CLIENTS_ID", "TESSERA_CLIENTS__REDIRECT_URIS"}) {
    auto c = load(kTwoClients, {{variable, "x"}});
    ASSERT_FALSE(c) << variable;
    EXPECT_EQ(c.error(), "environment " + std::string(variable) +
                             ": clients is a list of tables ([[clients]]), read only from the "
                             "config file");
  }
  // The tables around it still take the environment, and the file's list stays as it was.
  auto c =
      load(kTwoClients, {{"TESSERA_LIMITS__MAX_CLIENTS", "3"}, {"TESSERA_AUDIT__ENABLED", "true"}});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->limits.max_clients, 3u);
  EXPECT_TRUE(c->audit.enabled);
  EXPECT_EQ(c->clients.size(), 2u);
  auto unknown = load("", {{"TESSERA_LIMITS__NOPE", "1"}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), "environment TESSERA_LIMITS__NOPE: unknown key limits.nope");
}

TEST(ConfigSchema, ListsPrintAsArraysOfTablesAndLoadBackTheSame) {
  auto c = load(kTwoClients);
  ASSERT_TRUE(c) << c.error();
  c->clients[1].secret = "";
  std::string text = detail::render_toml(c->sections());
  EXPECT_EQ(text,
            "[limits]\nmax_clients = 8\n"
            "\n[[clients]]\nid = \"web\"\nredirect_uris = [\"https://app.example/cb\"]\n"
            "secret = \"********\"\ncode_ttl = \"1m\"\n"
            "\n[[clients]]\nid = \"cli\"\n"
            "redirect_uris = [\"http://127.0.0.1/cb\", \"http://[::1]/cb\"]\n"
            "secret = \"\"\ncode_ttl = \"2m\"\n"
            "\n[audit]\nenabled = false\n");
  auto again = load(text);
  ASSERT_TRUE(again) << again.error() << "\n" << text;
  EXPECT_EQ(detail::render_toml(again->sections()), text);
  ASSERT_EQ(again->clients.size(), 2u);
  EXPECT_EQ(again->clients[1].redirect_uris, c->clients[1].redirect_uris);

  // An empty list prints nothing, which loads back as the (empty) default.
  TestConfig empty;
  std::string none = detail::render_toml(empty.sections());
  EXPECT_EQ(none, "[limits]\nmax_clients = 4\n\n[audit]\nenabled = false\n");
  auto back = load(none);
  ASSERT_TRUE(back) << back.error();
  EXPECT_TRUE(back->clients.empty());
}

TEST(ConfigSchema, FindFieldSeesTablesOnly) {
  TestConfig c;
  std::vector<detail::Section> sections = c.sections();
  auto f = detail::find_field(sections, "limits", "max_clients");
  ASSERT_TRUE(f);
  ASSERT_TRUE(detail::set_from_text(*f, "9"));
  EXPECT_EQ(c.limits.max_clients, 9u);
  EXPECT_FALSE(detail::find_field(sections, "clients", "id"));
  EXPECT_FALSE(detail::find_field(sections, "limits", "nope"));
}

TEST(ConfigSchema, EnvironmentVariableNamesAreTheOnesRead) {
  EXPECT_EQ(detail::environment_variable("rate_limit", "email_window"),
            "TESSERA_RATE_LIMIT__EMAIL_WINDOW");
  auto c = load("", {{detail::environment_variable("limits", "max_clients"), "3"}});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->limits.max_clients, 3u);
}

// The reference of tables and of a list (from a default element, though the list is empty):
// every key's row, secrets unset, a list's keys file-only, '|' in a doc escaped.
TEST(ConfigSchema, ReferencePrintsEveryKeyOfTablesAndLists) {
  TestConfig c;
  std::string text = detail::render_reference(c.sections());
  for (const char* row : {
           "\n## [limits]\n\nLimits.\n",
           "| `max_clients` | integer ≥ 0 | `4` | `TESSERA_LIMITS__MAX_CLIENTS` | Clients at most. "
           "|\n",
           "\n## [[clients]]\n\nThe OAuth clients.\n",
           "| `id` | string | `\"\"` | file only | The client's id. |\n",
           "| `redirect_uris` | list of strings | `[]` | file only | Where codes may go \\| "
           "exactly. |\n",
           "| `secret` | string | unset (secret) | file only | The client's secret. |\n",
           "| `code_ttl` | duration | `\"1m\"` | file only | How long a code works. |\n",
           "| `enabled` | boolean | `false` | `TESSERA_AUDIT__ENABLED` | Whether to audit. |\n",
       }) {
    EXPECT_NE(text.find(row), std::string::npos) << row << "\n" << text;
  }
  EXPECT_LT(text.find("## [limits]"), text.find("## [[clients]]"));
  EXPECT_LT(text.find("## [[clients]]"), text.find("## [audit]"));
}

// A set secret is still printed unset: the reference shows defaults, never values.
TEST(ConfigSchema, ReferenceNeverPrintsASecret) {
  TestConfig c;
  c.clients.resize(1);
  c.clients[0].secret = "s3cret";
  std::string text = detail::render_reference(c.sections());
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  EXPECT_EQ(text.find("********"), std::string::npos);
}

}  // namespace
}  // namespace tessera::app
