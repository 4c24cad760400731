// The server's configuration: one struct, loaded from (lowest precedence first)
//   1. built-in defaults (zero configuration works: SQLite under ./tessera-data, 127.0.0.1:8080),
//   2. a TOML file (--config FILE),
//   3. environment variables TESSERA_<SECTION>__<KEY>, e.g. TESSERA_SERVER__LISTEN,
//   4. command-line flags for the common keys (--listen, --data-dir, --threads, --tls-*).
//
// Strict: an unknown section or key (in the file or as TESSERA_<SECTION>__<KEY>), a value of
// the wrong type, or a value out of range is an error naming the key and where it came from
// ("tessera.toml:7: server.threads: expected ..."); nothing is ignored or guessed at.
//
// Value syntax (file; environment and flags take the same text, see below):
//   strings     "..."                      lists  ["a", "b"]  (environment: "a,b"; "" = empty)
//   integers    42                         booleans  true / false
//   durations   an integer number of seconds, or a string of <number><unit> parts with units
//               s, m, h, d: 900, "15m", "1h30m", "7d". Printed in the string form.
//
// Lists of tables ([[name]] in the file, config_schema.h) come only from the file: a
// TESSERA_<NAME>__... variable naming one is an error: [[access.rules]] is one.
//
// The keys and their defaults: one header per group of sections, a member per key, and what each
// means in its section's fields() (`tessera config reference` prints them all as Markdown, the
// committed docs/configuration.md; `tessera config print` prints the effective values):
//   config_server.h   [server]
//   config_stores.h   [store] [cache]
//   config_web.h      [web]
//   config_auth.h     [auth] [sessions] [rate_limit]
//   config_tokens.h   [tokens] [refresh] [keys] [revocation]
//   config_webauthn.h [webauthn]
//   config_email.h    [email]
//   config_audit.h    [audit]
//   config_log.h      [log]
//   config_access.h   [[access.rules]]
//   config_federation.h [[federation.providers]]
// Each section's .cc file binds its keys and checks its values side by side; the rules that
// join two sections are in config.cc (check_across_sections).
//
// Secrets (keys.encryption_key, store.postgres_dsn, cache.redis_url, email.smtp_url,
// federation.providers[].client_secret) are masked as
// "********" when printed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config_access.h"
#include "app/config_audit.h"
#include "app/config_auth.h"
#include "app/config_email.h"
#include "app/config_federation.h"
#include "app/config_log.h"
#include "app/config_schema.h"
#include "app/config_server.h"
#include "app/config_stores.h"
#include "app/config_tokens.h"
#include "app/config_web.h"
#include "app/config_webauthn.h"

namespace tessera::app {

// Every section, in printing order. The member paths (config.server.listen) are the keys'.
struct Config {
  using Server = ServerSection;
  using Store = StoreSection;
  using Cache = CacheSection;
  using Web = WebSection;
  using Auth = AuthSection;
  using Sessions = SessionsSection;
  using RateLimit = RateLimitSection;
  using Tokens = TokensSection;
  using Refresh = RefreshSection;
  using Keys = KeysSection;
  using Revocation = RevocationSection;
  using Webauthn = WebauthnSection;
  using Email = EmailSection;
  using Audit = AuditSection;
  using Log = LogSection;

  Server server;
  Store store;
  Cache cache;
  Web web;
  Auth auth;
  Sessions sessions;
  RateLimit rate_limit;
  Tokens tokens;
  Refresh refresh;
  Keys keys;
  Revocation revocation;
  Webauthn webauthn;
  Email email;
  Audit audit;
  Log log;
  std::vector<AccessRuleSection> access_rules;                  // [[access.rules]]
  std::vector<FederationProviderSection> federation_providers;  // [[federation.providers]]
};

// Every section of `c` bound to its members, in printing order (config_schema.h): what loading,
// checking, printing and the reference walk. The sections refer to `c`, which must outlive them.
std::vector<detail::Section> sections(Config& c);

// The flags that override the file and the environment; unset ones do not.
struct ConfigFlags {
  std::optional<std::string> listen;
  std::optional<std::string> data_dir;
  std::optional<std::uint32_t> threads;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
};

struct ConfigSources {
  std::string file;  // --config: a TOML file; empty: none
  // Environment variables (name -> value); only TESSERA_* names are looked at.
  std::map<std::string, std::string> environment;
  ConfigFlags flags;
};

// The process environment's TESSERA_* variables, for ConfigSources::environment.
std::map<std::string, std::string> tessera_environment();

// Defaults < file < environment < flags, then validated as a whole. The error is one line
// naming the file (and line), variable or flag, and the key: for stderr, exit code 2.
std::expected<Config, std::string> load_config(const ConfigSources& sources);

// Checks what the types alone do not: addresses, CIDRs, origins, enums, ranges, the Argon2id
// floor. load_config calls it; call it again after changing a Config in code.
std::expected<void, std::string> validate(const Config& config);

// The configuration as TOML, every key in order, secrets masked; load_config of the output
// (as a file) gives the same Config back, masked secrets aside.
std::string to_toml(const Config& config);

// The Markdown reference of every key: type, default (of a default-constructed Config; secrets
// unset), environment variable and doc, section by section. docs/configuration.md is this text.
std::string reference_markdown();

// The origins CSRF checks allow: web.allowed_origins, or, when empty, the server's own URL
// (`server_url`, from Server::url()) plus, for a loopback address, the same with "localhost",
// so zero configuration works from a browser on the same machine.
std::vector<std::string> effective_allowed_origins(const Config& config,
                                                   const std::string& server_url);

// The passkeys' RP id: webauthn.rp_id, or else the host of the first of `origins`
// (effective_allowed_origins) that is a domain name, never an IP address; "" when there is none
// (passkeys are off).
std::string effective_rp_id(const Config& config, const std::vector<std::string>& origins);

// parse_duration and format_duration, the machinery's value syntax: app/config_schema.h.

}  // namespace tessera::app
