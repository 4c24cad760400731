#include "app/config.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <limits>

#include "app/data_dir.h"
#include "http/client_ip.h"
#include "http/csrf.h"
#include "http/listen_address.h"

extern char** environ;

namespace tessera::app {
namespace {

using detail::Field;

constexpr std::size_t kMaxConfigFileBytes = 1 << 20;
constexpr std::int64_t kMaxDurationSeconds = std::int64_t{100} * 365 * 24 * 60 * 60;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string full_name(const Field& f) { return std::string(f.section) + "." + std::string(f.key); }

// What a field holds, for "expected ..." messages.
std::string_view expected_kind(const detail::FieldValue& v) {
  return std::visit(
      [](auto* p) -> std::string_view {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) return "a string";
        if constexpr (std::is_same_v<T, bool>) return "true or false";
        if constexpr (std::is_same_v<T, std::int64_t>) return "an integer";
        if constexpr (std::is_same_v<T, std::uint32_t> || std::is_same_v<T, std::size_t>) {
          return "a non-negative integer";
        }
        if constexpr (std::is_same_v<T, std::chrono::seconds>) {
          return "a duration (whole seconds, or a string like \"15m\" or \"1h30m\")";
        }
        if constexpr (std::is_same_v<T, std::vector<std::string>>) return "a list of strings";
      },
      v);
}

std::string_view toml_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "a list";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// An integer into an integral field, range-checked.
template <class T>
std::expected<void, std::string> store_integer(T* out, std::int64_t v) {
  if constexpr (std::is_unsigned_v<T>) {
    if (v < 0) return std::unexpected("must not be negative");
    if (static_cast<std::uint64_t>(v) > std::numeric_limits<T>::max()) {
      return std::unexpected("is too large");
    }
  }
  *out = static_cast<T>(v);
  return {};
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

// `node` (from the TOML file) into the field.
std::expected<void, std::string> set_from_toml(const Field& f, const toml::node& node) {
  auto mismatch = [&]() -> std::expected<void, std::string> {
    return std::unexpected("expected " + std::string(expected_kind(f.value)) + ", got " +
                           std::string(toml_type_name(node)));
  };
  return std::visit(
      [&](auto* p) -> std::expected<void, std::string> {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (!node.is_string()) return mismatch();
          *p = **node.as_string();
          return {};
        } else if constexpr (std::is_same_v<T, bool>) {
          if (!node.is_boolean()) return mismatch();
          *p = **node.as_boolean();
          return {};
        } else if constexpr (std::is_same_v<T, std::chrono::seconds>) {
          if (node.is_integer()) {
            std::int64_t v = **node.as_integer();
            if (v < 0 || v > kMaxDurationSeconds) return std::unexpected("duration out of range");
            *p = std::chrono::seconds(v);
            return {};
          }
          if (!node.is_string()) return mismatch();
          auto d = parse_duration(**node.as_string());
          if (!d) return std::unexpected(d.error());
          *p = *d;
          return {};
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          const toml::array* a = node.as_array();
          if (a == nullptr) return mismatch();
          std::vector<std::string> items;
          for (const toml::node& item : *a) {
            if (!item.is_string()) return mismatch();
            items.push_back(**item.as_string());
          }
          *p = std::move(items);
          return {};
        } else {
          if (!node.is_integer()) return mismatch();
          return store_integer(p, **node.as_integer());
        }
      },
      f.value);
}

// `text` (an environment variable or a flag) into the field.
std::expected<void, std::string> set_from_text(const Field& f, std::string_view text) {
  return std::visit(
      [&](auto* p) -> std::expected<void, std::string> {
        auto mismatch = [&]() -> std::expected<void, std::string> {
          return std::unexpected("expected " + std::string(expected_kind(f.value)) + ", got \"" +
                                 std::string(text) + "\"");
        };
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) {
          *p = std::string(text);
          return {};
        } else if constexpr (std::is_same_v<T, bool>) {
          if (text == "true") {
            *p = true;
          } else if (text == "false") {
            *p = false;
          } else {
            return mismatch();
          }
          return {};
        } else if constexpr (std::is_same_v<T, std::chrono::seconds>) {
          auto d = parse_duration(text);
          if (!d) return std::unexpected(d.error());
          *p = *d;
          return {};
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          std::vector<std::string> items;
          if (!trim(text).empty()) {
            std::size_t pos = 0;
            while (pos <= text.size()) {
              std::size_t comma = text.find(',', pos);
              std::size_t end = comma == std::string_view::npos ? text.size() : comma;
              std::string_view item = trim(text.substr(pos, end - pos));
              if (item.empty())
                return std::unexpected("empty list element in \"" + std::string(text) + "\"");
              items.emplace_back(item);
              pos = end + 1;
            }
          }
          *p = std::move(items);
          return {};
        } else {
          auto v = parse_int(text);
          if (!v) return mismatch();
          return store_integer(p, *v);
        }
      },
      f.value);
}

Field* find_field(std::vector<Field>& fields, std::string_view section, std::string_view key) {
  for (Field& f : fields) {
    if (f.section == section && f.key == key) return &f;
  }
  return nullptr;
}

bool known_section(const std::vector<Field>& fields, std::string_view section) {
  for (const Field& f : fields) {
    if (f.section == section) return true;
  }
  return false;
}

// Where each key's value came from, for error messages.
using Origins = std::map<std::string, std::string>;

std::expected<std::string, std::string> read_config_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return std::unexpected("cannot read config file " + path);
  std::string text;
  char buf[8192];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    text.append(buf, n);
    if (text.size() > kMaxConfigFileBytes) {
      std::fclose(f);
      return std::unexpected("config file " + path + " is larger than 1 MiB");
    }
  }
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return std::unexpected("cannot read config file " + path);
  return text;
}

std::expected<void, std::string> apply_file(const std::string& path, std::vector<Field>& fields,
                                            Origins& origins) {
  auto text = read_config_file(path);
  if (!text) return std::unexpected(text.error());
  toml::table root;
  try {
    root = toml::parse(*text, std::string_view(path));
  } catch (const toml::parse_error& e) {
    return std::unexpected(path + ":" + std::to_string(e.source().begin.line) + ":" +
                           std::to_string(e.source().begin.column) + ": " +
                           std::string(e.description()));
  }
  auto where = [&](const toml::node& n) {
    return path + ":" + std::to_string(n.source().begin.line);
  };
  for (auto&& [section_key, section_node] : root) {
    std::string_view section = section_key.str();
    const toml::table* table = section_node.as_table();
    if (!known_section(fields, section)) {
      return std::unexpected(where(section_node) + ": unknown section [" + std::string(section) +
                             "]");
    }
    if (table == nullptr) {
      return std::unexpected(where(section_node) + ": " + std::string(section) +
                             " must be a section ([" + std::string(section) + "])");
    }
    for (auto&& [key, node] : *table) {
      Field* f = find_field(fields, section, key.str());
      std::string name = std::string(section) + "." + std::string(key.str());
      if (f == nullptr) return std::unexpected(where(node) + ": unknown key " + name);
      if (auto ok = set_from_toml(*f, node); !ok) {
        return std::unexpected(where(node) + ": " + name + ": " + ok.error());
      }
      origins[name] = where(node);
    }
  }
  return {};
}

std::expected<void, std::string> apply_environment(const std::map<std::string, std::string>& env,
                                                   std::vector<Field>& fields, Origins& origins) {
  constexpr std::string_view kPrefix = "TESSERA_";
  for (const auto& [name, value] : env) {
    if (!name.starts_with(kPrefix)) continue;
    std::string rest = lower(std::string_view(name).substr(kPrefix.size()));
    std::size_t sep = rest.find("__");
    if (sep == std::string::npos) {
      // TESSERA_SERVER_LISTEN: a section name with one underscore is a typo, not someone
      // else's variable.
      for (const Field& f : fields) {
        if (rest.starts_with(std::string(f.section) + "_")) {
          return std::unexpected("environment " + name +
                                 ": section and key are separated by two "
                                 "underscores (TESSERA_<SECTION>__<KEY>)");
        }
      }
      continue;  // another TESSERA_ variable (not configuration)
    }
    std::string section = rest.substr(0, sep), key = rest.substr(sep + 2);
    Field* f = find_field(fields, section, key);
    if (f == nullptr) {
      return std::unexpected("environment " + name + ": unknown key " + section + "." + key);
    }
    if (auto ok = set_from_text(*f, value); !ok) {
      return std::unexpected("environment " + name + ": " + full_name(*f) + ": " + ok.error());
    }
    origins[full_name(*f)] = "environment " + name;
  }
  return {};
}

std::expected<void, std::string> apply_flags(const ConfigFlags& flags, std::vector<Field>& fields,
                                             Config& config, Origins& origins) {
  auto text_flag = [&](const std::optional<std::string>& v, std::string_view flag,
                       std::string_view section,
                       std::string_view key) -> std::expected<void, std::string> {
    if (!v) return {};
    Field* f = find_field(fields, section, key);
    if (auto ok = set_from_text(*f, *v); !ok) {
      return std::unexpected(std::string(flag) + ": " + ok.error());
    }
    origins[full_name(*f)] = std::string(flag);
    return {};
  };
  if (auto ok = text_flag(flags.listen, "--listen", "server", "listen"); !ok) return ok;
  if (auto ok = text_flag(flags.data_dir, "--data-dir", "store", "data_dir"); !ok) return ok;
  if (auto ok = text_flag(flags.tls_cert, "--tls-cert", "server", "tls_cert"); !ok) return ok;
  if (auto ok = text_flag(flags.tls_key, "--tls-key", "server", "tls_key"); !ok) return ok;
  if (flags.threads) {
    config.server.threads = *flags.threads;
    origins["server.threads"] = "--threads";
  }
  return {};
}

// One validation failure: the key and what is wrong with its value.
struct Problem {
  std::string key;
  std::string message;
};

std::optional<Problem> check(const Config& c) {
  using std::chrono::seconds;
  auto one_of = [](const std::string& v, std::initializer_list<std::string_view> allowed) {
    for (std::string_view a : allowed) {
      if (v == a) return true;
    }
    return false;
  };

  if (auto l = http::parse_listen_address(c.server.listen); !l) {
    return Problem{"server.listen", l.error()};
  }
  if (c.server.threads > 1024) return Problem{"server.threads", "must be 0..1024"};
  if (c.server.tls_cert.empty() != c.server.tls_key.empty()) {
    // Named after the one that is set, so the message points at where it was set.
    return c.server.tls_cert.empty()
               ? Problem{"server.tls_key", "needs server.tls_cert (they go together)"}
               : Problem{"server.tls_cert", "needs server.tls_key (they go together)"};
  }
  if (auto p = http::TrustedProxies::parse(c.server.trusted_proxies); !p) {
    return Problem{"server.trusted_proxies", p.error()};
  }
  if (c.server.max_connections < 1 || c.server.max_connections > 1'000'000) {
    return Problem{"server.max_connections", "must be 1..1000000"};
  }
  if (c.server.max_connections_per_client < 1 ||
      c.server.max_connections_per_client > c.server.max_connections) {
    return Problem{"server.max_connections_per_client", "must be 1..server.max_connections"};
  }
  if (c.server.max_header_bytes < 1024 || c.server.max_header_bytes > 1024 * 1024) {
    return Problem{"server.max_header_bytes", "must be 1024..1048576"};
  }
  for (auto [key, value] : {std::pair{"server.read_timeout", c.server.read_timeout},
                            std::pair{"server.write_timeout", c.server.write_timeout},
                            std::pair{"server.idle_timeout", c.server.idle_timeout},
                            std::pair{"server.handler_timeout", c.server.handler_timeout}}) {
    if (value < seconds(1)) return Problem{key, "must be at least 1s"};
  }

  if (!one_of(c.store.backend, {"sqlite", "memory", "postgres"})) {
    return Problem{"store.backend", "must be \"sqlite\", \"memory\" or \"postgres\""};
  }
  if (c.store.data_dir.empty()) return Problem{"store.data_dir", "must not be empty"};
  if ((c.store.backend == "postgres") != !c.store.postgres_dsn.empty()) {
    return Problem{"store.postgres_dsn", c.store.backend == "postgres"
                                             ? "must be set when store.backend is \"postgres\""
                                             : "is only used when store.backend is \"postgres\""};
  }
  if (c.store.backend == "postgres" && c.tokens.issuer.empty()) {
    // Every node must sign and accept the same "iss": the default (each server's own URL)
    // would make a token from one node unacceptable to the next.
    return Problem{"tokens.issuer", "must be set when store.backend is \"postgres\""};
  }
  if (c.store.backend == "postgres" && c.keys.encryption_key.empty()) {
    // Every node must open the private keys the others sealed: a per-node master.key file
    // would give each node a keyring no other node can read.
    return Problem{"keys.encryption_key", "must be set when store.backend is \"postgres\""};
  }
  if (c.store.postgres_pool < 1 || c.store.postgres_pool > 1000) {
    return Problem{"store.postgres_pool", "must be 1..1000"};
  }
  if (c.store.network_timeout < seconds(1) || c.store.network_timeout > seconds(60)) {
    return Problem{"store.network_timeout", "must be 1s..1m"};
  }
  if (!one_of(c.cache.backend, {"", "redis"})) {
    return Problem{"cache.backend", "must be \"\" (none) or \"redis\""};
  }
  if ((c.cache.backend == "redis") != !c.cache.redis_url.empty()) {
    return Problem{"cache.redis_url", c.cache.backend == "redis"
                                          ? "must be set when cache.backend is \"redis\""
                                          : "is only used when cache.backend is \"redis\""};
  }
  if (c.cache.backend == "redis" && !c.cache.redis_url.starts_with("redis://")) {
    return Problem{"cache.redis_url", "must be a redis:// URL"};
  }
  if (c.cache.redis_prefix.empty()) return Problem{"cache.redis_prefix", "must not be empty"};
  if (c.cache.redis_pool < 1 || c.cache.redis_pool > 1000) {
    return Problem{"cache.redis_pool", "must be 1..1000"};
  }

  if (!one_of(c.web.mode, {"session", "jwt"})) {
    return Problem{"web.mode", "must be \"session\" or \"jwt\""};
  }
  for (const std::string& o : c.web.allowed_origins) {
    if (auto n = http::normalize_origin(o); !n) {
      return Problem{"web.allowed_origins",
                     "\"" + o + "\" is not an origin (scheme://host[:port]): " + n.error()};
    }
  }
  if (!one_of(c.web.same_site, {"lax", "strict"})) {
    return Problem{"web.same_site", "must be \"lax\" or \"strict\""};
  }

  // OWASP Password Storage Cheat Sheet, Argon2id: equivalent (m KiB, t) rows, p = 1. The
  // configuration must be at least as strong as one row in both m and t.
  constexpr std::array<std::pair<std::uint32_t, std::uint32_t>, 5> kOwasp = {
      {{47104, 1}, {19456, 2}, {12288, 3}, {9216, 4}, {7168, 5}}};
  bool strong_enough = false;
  for (auto [m, t] : kOwasp) {
    strong_enough =
        strong_enough || (c.auth.argon2_memory_kib >= m && c.auth.argon2_iterations >= t);
  }
  if (!strong_enough) {
    return Problem{"auth.argon2_memory_kib",
                   "Argon2id m=" + std::to_string(c.auth.argon2_memory_kib) +
                       " KiB, t=" + std::to_string(c.auth.argon2_iterations) +
                       " is weaker than OWASP's minimum (m=19456, t=2, or an equivalent row)"};
  }
  if (c.auth.argon2_memory_kib > 4u * 1024 * 1024) {
    return Problem{"auth.argon2_memory_kib", "must be at most 4194304 (4 GiB)"};
  }
  if (c.auth.argon2_iterations > 64) return Problem{"auth.argon2_iterations", "must be at most 64"};
  if (c.auth.argon2_parallelism != 1) {
    return Problem{"auth.argon2_parallelism", "must be 1 (libsodium's Argon2id uses one lane)"};
  }
  if (c.auth.password_min_length < 8 || c.auth.password_min_length > 128) {
    return Problem{"auth.password_min_length", "must be 8..128"};
  }
  if (c.auth.hash_threads > 1024) return Problem{"auth.hash_threads", "must be 0..1024"};
  if (c.auth.hash_queue_per_thread < 1 || c.auth.hash_queue_per_thread > 1'000'000) {
    return Problem{"auth.hash_queue_per_thread", "must be 1..1000000"};
  }

  if (c.sessions.idle_timeout < seconds(1)) {
    return Problem{"sessions.idle_timeout", "must be at least 1s"};
  }
  if (c.sessions.absolute_lifetime < seconds(1)) {
    return Problem{"sessions.absolute_lifetime", "must be at least 1s"};
  }
  if (c.sessions.max_sessions_per_user < 1 || c.sessions.max_sessions_per_user > 10'000) {
    return Problem{"sessions.max_sessions_per_user", "must be 1..10000"};
  }

  if (c.rate_limit.email_failures < 0) {
    return Problem{"rate_limit.email_failures", "must not be negative (0: no limit)"};
  }
  if (c.rate_limit.ip_failures < 0) {
    return Problem{"rate_limit.ip_failures", "must not be negative (0: no limit)"};
  }
  if (c.rate_limit.email_window < seconds(1)) {
    return Problem{"rate_limit.email_window", "must be at least 1s"};
  }
  if (c.rate_limit.ip_window < seconds(1)) {
    return Problem{"rate_limit.ip_window", "must be at least 1s"};
  }
  if (c.rate_limit.signup_ip < 0) {
    return Problem{"rate_limit.signup_ip", "must not be negative (0: no limit)"};
  }
  if (c.rate_limit.signup_window < seconds(1)) {
    return Problem{"rate_limit.signup_window", "must be at least 1s"};
  }

  if (c.tokens.audience.empty()) return Problem{"tokens.audience", "must not be empty"};
  static constexpr std::string_view kAlgs[] = {"ES256", "EdDSA", "RS256", "PS256",
                                               "HS256", "HS384", "HS512"};
  if (std::find(std::begin(kAlgs), std::end(kAlgs), c.tokens.algorithm) == std::end(kAlgs)) {
    return Problem{"tokens.algorithm",
                   "must be one of ES256, EdDSA, RS256, PS256, HS256, HS384, HS512"};
  }
  if (c.tokens.access_ttl < seconds(10) || c.tokens.access_ttl > seconds(24 * 60 * 60)) {
    return Problem{"tokens.access_ttl", "must be 10s..1d"};
  }
  if (c.tokens.leeway > seconds(5 * 60)) return Problem{"tokens.leeway", "must be 0s..5m"};
  if (c.refresh.idle_timeout < seconds(60)) {
    return Problem{"refresh.idle_timeout", "must be at least 1m"};
  }
  if (c.refresh.absolute_lifetime < c.refresh.idle_timeout) {
    return Problem{"refresh.absolute_lifetime", "must be at least refresh.idle_timeout"};
  }
  if (c.refresh.reuse_grace > seconds(60)) {
    return Problem{"refresh.reuse_grace", "must be 0s..1m (a longer window lets a thief in)"};
  }
  if (c.keys.rotate_every != seconds(0) &&
      c.keys.rotate_every < c.keys.jwks_max_age + c.tokens.access_ttl + c.tokens.leeway) {
    return Problem{"keys.rotate_every",
                   "must be 0 (off) or longer than keys.jwks_max_age + tokens.access_ttl + "
                   "tokens.leeway, so verifiers see each key before it signs"};
  }
  if (!c.keys.encryption_key.empty()) {
    // The value itself is never echoed: it is a secret.
    if (auto key = master_key_from_text(c.keys.encryption_key); !key) {
      return Problem{"keys.encryption_key", key.error()};
    }
  }
  if (c.keys.jwks_max_age > seconds(24 * 60 * 60)) {
    return Problem{"keys.jwks_max_age", "must be 0s..1d"};
  }
  if (c.revocation.bloom_expected < 1 || c.revocation.bloom_expected > 100'000'000) {
    return Problem{"revocation.bloom_expected", "must be 1..100000000"};
  }
  if (c.revocation.bloom_false_positive_ppm < 1 ||
      c.revocation.bloom_false_positive_ppm > 100'000) {
    return Problem{"revocation.bloom_false_positive_ppm", "must be 1..100000"};
  }
  return std::nullopt;
}

void append_toml_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

namespace detail {

std::vector<Field> fields(Config& c) {
  return {
      {"server", "listen", &c.server.listen},
      {"server", "threads", &c.server.threads},
      {"server", "tls_cert", &c.server.tls_cert},
      {"server", "tls_key", &c.server.tls_key},
      {"server", "trusted_proxies", &c.server.trusted_proxies},
      {"server", "max_connections", &c.server.max_connections},
      {"server", "max_connections_per_client", &c.server.max_connections_per_client},
      {"server", "hsts_max_age", &c.server.hsts_max_age},
      {"server", "max_header_bytes", &c.server.max_header_bytes},
      {"server", "read_timeout", &c.server.read_timeout},
      {"server", "write_timeout", &c.server.write_timeout},
      {"server", "idle_timeout", &c.server.idle_timeout},
      {"server", "handler_timeout", &c.server.handler_timeout},
      {"server", "drain_timeout", &c.server.drain_timeout},
      {"store", "backend", &c.store.backend},
      {"store", "data_dir", &c.store.data_dir},
      {"store", "postgres_dsn", &c.store.postgres_dsn, /*secret=*/true},
      {"store", "postgres_pool", &c.store.postgres_pool},
      {"store", "network_timeout", &c.store.network_timeout},
      {"cache", "backend", &c.cache.backend},
      {"cache", "redis_url", &c.cache.redis_url, /*secret=*/true},
      {"cache", "redis_prefix", &c.cache.redis_prefix},
      {"cache", "redis_pool", &c.cache.redis_pool},
      {"web", "mode", &c.web.mode},
      {"web", "allowed_origins", &c.web.allowed_origins},
      {"web", "same_site", &c.web.same_site},
      {"auth", "open_signup", &c.auth.open_signup},
      {"auth", "argon2_memory_kib", &c.auth.argon2_memory_kib},
      {"auth", "argon2_iterations", &c.auth.argon2_iterations},
      {"auth", "argon2_parallelism", &c.auth.argon2_parallelism},
      {"auth", "password_min_length", &c.auth.password_min_length},
      {"auth", "hash_threads", &c.auth.hash_threads},
      {"auth", "hash_queue_per_thread", &c.auth.hash_queue_per_thread},
      {"sessions", "idle_timeout", &c.sessions.idle_timeout},
      {"sessions", "absolute_lifetime", &c.sessions.absolute_lifetime},
      {"sessions", "max_sessions_per_user", &c.sessions.max_sessions_per_user},
      {"rate_limit", "email_failures", &c.rate_limit.email_failures},
      {"rate_limit", "email_window", &c.rate_limit.email_window},
      {"rate_limit", "ip_failures", &c.rate_limit.ip_failures},
      {"rate_limit", "ip_window", &c.rate_limit.ip_window},
      {"rate_limit", "signup_ip", &c.rate_limit.signup_ip},
      {"rate_limit", "signup_window", &c.rate_limit.signup_window},
      {"tokens", "issuer", &c.tokens.issuer},
      {"tokens", "audience", &c.tokens.audience},
      {"tokens", "algorithm", &c.tokens.algorithm},
      {"tokens", "access_ttl", &c.tokens.access_ttl},
      {"tokens", "leeway", &c.tokens.leeway},
      {"refresh", "absolute_lifetime", &c.refresh.absolute_lifetime},
      {"refresh", "idle_timeout", &c.refresh.idle_timeout},
      {"refresh", "reuse_grace", &c.refresh.reuse_grace},
      {"keys", "encryption_key", &c.keys.encryption_key, /*secret=*/true},
      {"keys", "rotate_every", &c.keys.rotate_every},
      {"keys", "jwks_max_age", &c.keys.jwks_max_age},
      {"revocation", "bloom_expected", &c.revocation.bloom_expected},
      {"revocation", "bloom_false_positive_ppm", &c.revocation.bloom_false_positive_ppm},
  };
}

std::string render_toml(const std::vector<Field>& fields) {
  std::string out;
  std::string_view section;
  for (const Field& f : fields) {
    if (f.section != section) {
      if (!out.empty()) out += '\n';
      out += "[" + std::string(f.section) + "]\n";
      section = f.section;
    }
    out += std::string(f.key) + " = ";
    std::visit(
        [&](auto* p) {
          using T = std::remove_pointer_t<decltype(p)>;
          if constexpr (std::is_same_v<T, std::string>) {
            append_toml_string(out, f.secret && !p->empty() ? "********" : *p);
          } else if constexpr (std::is_same_v<T, bool>) {
            out += *p ? "true" : "false";
          } else if constexpr (std::is_same_v<T, std::chrono::seconds>) {
            append_toml_string(out, format_duration(*p));
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            out += '[';
            for (std::size_t i = 0; i < p->size(); ++i) {
              if (i > 0) out += ", ";
              append_toml_string(out, f.secret ? "********" : (*p)[i]);
            }
            out += ']';
          } else {
            out += std::to_string(*p);
          }
        },
        f.value);
    out += '\n';
  }
  return out;
}

}  // namespace detail

std::expected<std::chrono::seconds, std::string> parse_duration(std::string_view text) {
  auto bad = [&]() -> std::expected<std::chrono::seconds, std::string> {
    return std::unexpected("\"" + std::string(text) +
                           "\" is not a duration (whole seconds, or like \"15m\", \"1h30m\", "
                           "\"7d\")");
  };
  if (text.empty()) return bad();
  if (auto plain = parse_int(text)) {
    if (*plain < 0 || *plain > kMaxDurationSeconds) return bad();
    return std::chrono::seconds(*plain);
  }
  std::int64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t digits = pos;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == pos || digits == text.size() || digits - pos > 12) return bad();
    std::int64_t n = *parse_int(text.substr(pos, digits - pos));
    std::int64_t unit = 0;
    switch (text[digits]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 60 * 60;
        break;
      case 'd':
        unit = 24 * 60 * 60;
        break;
      default:
        return bad();
    }
    total += n * unit;
    if (total > kMaxDurationSeconds) return bad();
    pos = digits + 1;
  }
  return std::chrono::seconds(total);
}

std::string format_duration(std::chrono::seconds d) {
  std::int64_t s = d.count();
  if (s <= 0) return "0s";
  std::string out;
  for (auto [unit, suffix] :
       {std::pair<std::int64_t, char>{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}}) {
    if (s >= unit) {
      out += std::to_string(s / unit) + suffix;
      s %= unit;
    }
  }
  return out;
}

std::map<std::string, std::string> tessera_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry = *e;
    if (!entry.starts_with("TESSERA_")) continue;
    std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

std::expected<Config, std::string> load_config(const ConfigSources& sources) {
  Config config;
  std::vector<Field> fields = detail::fields(config);
  Origins origins;
  if (!sources.file.empty()) {
    if (auto ok = apply_file(sources.file, fields, origins); !ok)
      return std::unexpected(ok.error());
  }
  if (auto ok = apply_environment(sources.environment, fields, origins); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = apply_flags(sources.flags, fields, config, origins); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto problem = check(config)) {
    auto from = origins.find(problem->key);
    std::string where = from == origins.end() ? "" : from->second + ": ";
    return std::unexpected(where + problem->key + ": " + problem->message);
  }
  return config;
}

std::expected<void, std::string> validate(const Config& config) {
  if (auto problem = check(config)) return std::unexpected(problem->key + ": " + problem->message);
  return {};
}

std::string to_toml(const Config& config) {
  Config copy = config;  // fields() binds mutable pointers; printing never changes the copy
  return detail::render_toml(detail::fields(copy));
}

std::vector<std::string> effective_allowed_origins(const Config& config,
                                                   const std::string& server_url) {
  if (!config.web.allowed_origins.empty()) return config.web.allowed_origins;
  std::vector<std::string> out = {server_url};
  // "http://127.0.0.1:8080" -> also "http://localhost:8080"; the same for [::1].
  for (std::string_view loopback : {"://127.0.0.1:", "://[::1]:"}) {
    std::size_t at = server_url.find(loopback);
    if (at == std::string::npos) continue;
    out.push_back(server_url.substr(0, at) +
                  "://localhost:" + server_url.substr(at + loopback.size()));
  }
  return out;
}

}  // namespace tessera::app
