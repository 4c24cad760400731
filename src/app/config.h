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
// The keys and their defaults (`tessera config print` prints the effective values):
//   [server]
//   listen = "127.0.0.1:8080"    # ADDR:PORT, [IPv6]:PORT or localhost:PORT; port 0: any free
//   threads = 0                  # I/O threads; 0: one per core
//   tls_cert = ""                # PEM chain; with tls_key: serve HTTPS
//   tls_key = ""
//   trusted_proxies = []         # CIDRs whose X-Forwarded-For is believed (client_ip.h)
//   max_connections = 10000
//   max_connections_per_client = 256  # per IPv4 address / IPv6 /64; trusted_proxies exempt
//   hsts_max_age = "365d"        # with tls_cert: Strict-Transport-Security max-age (0: tells
//                                # browsers to forget it); never sent over plain HTTP
//   max_header_bytes = 8192      # request line + headers (431 beyond); 1 KiB .. 1 MiB
//   read_timeout = "30s"         # a request's first byte to its last
//   write_timeout = "30s"
//   idle_timeout = "1m"          # keep-alive wait for the next request
//   handler_timeout = "30s"      # async handlers (password hashing) answer within, else 503
//   drain_timeout = "10s"        # SIGTERM: in-flight requests get this long
//   [store]
//   backend = "sqlite"           # "sqlite" | "memory" | "postgres" (memory: nothing survives
//                                # a restart; postgres: scale-out, every node on one database)
//   data_dir = "./tessera-data"  # keys and the SQLite file; created 0700
//   postgres_dsn = ""            # SECRET (may hold a password): libpq conninfo or URI
//   postgres_pool = 16           # connections per node
//   network_timeout = "2s"       # PostgreSQL/Redis: connect and per-operation bound; beyond
//                                # it the request fails closed (503) and the link is re-made
//   [cache]
//   backend = ""                 # "" | "redis": sessions, rate-limit counters, the revocation
//                                # state in Redis, and revocations broadcast to every node
//   redis_url = ""               # SECRET (may hold a password): redis://[:pw@]host:port[/db]
//   redis_prefix = "tessera:"    # every key starts with it
//   redis_pool = 16              # connections per node
//   [web]
//   mode = "session"             # "session" | "jwt": what the browser cookie carries
//   allowed_origins = []         # CSRF: origins allowed to send cookie-authenticated unsafe
//                                # requests; empty: the server's own URL (see
//                                # effective_allowed_origins)
//   same_site = "lax"            # "lax" | "strict": the session and CSRF cookies' SameSite
//   [auth]
//   open_signup = false          # POST /auth/signup creates accounts (else 403)
//   argon2_memory_kib = 19456    # Argon2id m, t, p; never weaker than OWASP's table (m=19 MiB,
//   argon2_iterations = 2        # t=2 or an equivalent row); p is 1 (libsodium is single-lane)
//   argon2_parallelism = 1
//   password_min_length = 8      # code points; 8 .. 128
//   hash_threads = 0             # hashing worker pool; 0: one per core
//   hash_queue_per_thread = 256  # queued hashes per worker before 503 (busy)
//   [sessions]
//   idle_timeout = "2h"
//   absolute_lifetime = "1d"
//   max_sessions_per_user = 10   # the oldest is evicted beyond this
//   [rate_limit]
//   email_failures = 5           # failed logins per email per window (0: no limit)
//   email_window = "15m"
//   ip_failures = 50             # failed logins per client IP per window (0: no limit)
//   ip_window = "15m"
//   signup_ip = 20               # sign-ups (each an Argon2id hash) per client IP per window
//   signup_window = "1h"         #   (0: no limit)
//   [tokens]
//   issuer = ""                  # access tokens' "iss"; empty: the server's own URL
//   audience = "tessera"         # access tokens' "aud"
//   algorithm = "ES256"          # ES256 | EdDSA | RS256 | PS256 | HS256 | HS384 | HS512
//   access_ttl = "15m"
//   leeway = "30s"               # clock skew accepted on exp/nbf/iat
//   [refresh]
//   absolute_lifetime = "30d"    # a refresh family's whole life
//   idle_timeout = "7d"          # longest gap between two refreshes
//   reuse_grace = "0s"           # a rotated token presented again within this gets the same
//                                # successor (two tabs); 0: every reuse revokes the family
//   [keys]
//   encryption_key = ""          # SECRET: base64url of 32 bytes sealing the private keys in
//                                # the store; empty: <data_dir>/master.key (created 0600)
//   rotate_every = "0s"          # automatic rotation period; 0: off (tessera keys rotate)
//   jwks_max_age = "5m"          # Cache-Control max-age of /.well-known/jwks.json
//   [revocation]
//   bloom_expected = 100000      # denylisted tokens alive at once (sizes the Bloom filter)
//   bloom_false_positive_ppm = 1000  # its false-positive rate at that size, per million
//
// Secrets (keys.encryption_key, store.postgres_dsn, cache.redis_url) are masked as "********"
// when printed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tessera::app {

struct Config {
  struct Server {
    std::string listen = "127.0.0.1:8080";
    std::uint32_t threads = 0;
    std::string tls_cert;
    std::string tls_key;
    std::vector<std::string> trusted_proxies;
    std::size_t max_connections = 10'000;
    std::size_t max_connections_per_client = 256;
    std::chrono::seconds hsts_max_age{365 * 24 * 60 * 60};
    std::size_t max_header_bytes = 8 * 1024;
    std::chrono::seconds read_timeout{30};
    std::chrono::seconds write_timeout{30};
    std::chrono::seconds idle_timeout{60};
    std::chrono::seconds handler_timeout{30};
    std::chrono::seconds drain_timeout{10};
  } server;

  struct Store {
    std::string backend = "sqlite";
    std::string data_dir = "./tessera-data";
    std::string postgres_dsn;
    std::size_t postgres_pool = 16;
    std::chrono::seconds network_timeout{2};
  } store;

  struct Cache {
    std::string backend;
    std::string redis_url;
    std::string redis_prefix = "tessera:";
    std::size_t redis_pool = 16;
  } cache;

  struct Web {
    std::string mode = "session";
    std::vector<std::string> allowed_origins;
    std::string same_site = "lax";
  } web;

  struct Auth {
    bool open_signup = false;
    std::uint32_t argon2_memory_kib = 19 * 1024;
    std::uint32_t argon2_iterations = 2;
    std::uint32_t argon2_parallelism = 1;
    std::size_t password_min_length = 8;
    std::size_t hash_threads = 0;
    std::size_t hash_queue_per_thread = 256;
  } auth;

  struct Sessions {
    std::chrono::seconds idle_timeout{2 * 60 * 60};
    std::chrono::seconds absolute_lifetime{24 * 60 * 60};
    std::size_t max_sessions_per_user = 10;
  } sessions;

  struct RateLimit {
    std::int64_t email_failures = 5;
    std::chrono::seconds email_window{15 * 60};
    std::int64_t ip_failures = 50;
    std::chrono::seconds ip_window{15 * 60};
    std::int64_t signup_ip = 20;
    std::chrono::seconds signup_window{60 * 60};
  } rate_limit;

  struct Tokens {
    std::string issuer;
    std::string audience = "tessera";
    std::string algorithm = "ES256";
    std::chrono::seconds access_ttl{15 * 60};
    std::chrono::seconds leeway{30};
  } tokens;

  struct Refresh {
    std::chrono::seconds absolute_lifetime{30 * 24 * 60 * 60};
    std::chrono::seconds idle_timeout{7 * 24 * 60 * 60};
    std::chrono::seconds reuse_grace{0};
  } refresh;

  struct Keys {
    std::string encryption_key;
    std::chrono::seconds rotate_every{0};
    std::chrono::seconds jwks_max_age{5 * 60};
  } keys;

  struct Revocation {
    std::size_t bloom_expected = 100'000;
    std::size_t bloom_false_positive_ppm = 1'000;
  } revocation;
};

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

// The origins CSRF checks allow: web.allowed_origins, or, when empty, the server's own URL
// (`server_url`, from Server::url()) plus, for a loopback address, the same with "localhost",
// so zero configuration works from a browser on the same machine.
std::vector<std::string> effective_allowed_origins(const Config& config,
                                                   const std::string& server_url);

// Parses a duration ("15m", "1h30m", "90s", "2d", or digits: seconds).
std::expected<std::chrono::seconds, std::string> parse_duration(std::string_view text);
// The canonical text of a duration: "1h30m", "15m", "0s".
std::string format_duration(std::chrono::seconds d);

namespace detail {

// One configuration key bound to where its value lives: the table behind loading, environment
// overrides, printing and masking (exposed for tests of the printer).
using FieldValue = std::variant<std::string*, bool*, std::uint32_t*, std::size_t*, std::int64_t*,
                                std::chrono::seconds*, std::vector<std::string>*>;
struct Field {
  std::string_view section;
  std::string_view key;
  FieldValue value;
  bool secret = false;  // printed as "********" when set
};

// Every key of `config`, sections and keys in documentation order.
std::vector<Field> fields(Config& config);

// TOML for `fields`: one [section] per run of fields, secrets masked.
std::string render_toml(const std::vector<Field>& fields);

}  // namespace detail

}  // namespace tessera::app
