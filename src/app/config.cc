#include "app/config.h"

#include <unistd.h>

#include <algorithm>

#include "app/domain_name.h"
#include "http/csrf.h"

extern char** environ;

namespace tessera::app {
namespace {

using detail::Origins;
using detail::Problem;

// web.cookie_domain must cover where the cookies are set and used: the server's public URL,
// which must be set (its responses set them; a browser refuses a Domain the setting host is not
// within), and every allowed origin (one outside it would act without ever holding them).
std::optional<Problem> check_cookie_domain_reach(const Config& c) {
  const std::string& domain = c.web.cookie_domain;
  if (domain.empty()) return std::nullopt;
  // Without server.public_url the server's own URL (an IP address, or localhost) would set
  // cookies its browsers refuse.
  auto origin = http::origin_of_url(c.server.public_url);
  if (!origin || !origin_within_domain(*origin, domain)) {
    return Problem{"web.cookie_domain", "needs server.public_url on \"" + domain +
                                            "\" or a host under it (the host setting the cookies)"};
  }
  for (const std::string& o : c.web.allowed_origins) {
    if (!origin_within_domain(o, domain)) {
      return Problem{"web.cookie_domain", "web.allowed_origins entry \"" + o + "\" is not \"" +
                                              domain + "\" or under it"};
    }
  }
  return std::nullopt;
}

// Each provider's id is its URL path and button: two of one id would be one route.
std::optional<Problem> check_federation_ids(const Config& c) {
  const auto& providers = c.federation_providers;
  for (std::size_t i = 0; i < providers.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (providers[i].id == providers[j].id) {
        return Problem{"federation.providers[" + std::to_string(i) + "].id",
                       "\"" + providers[i].id + "\" is also federation.providers[" +
                           std::to_string(j) + "]'s id"};
      }
    }
  }
  return std::nullopt;
}

// The rules that join two sections; each section's own rules are in its check().
std::optional<Problem> check_across_sections(const Config& c) {
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
  if (c.keys.rotate_every != std::chrono::seconds(0) &&
      c.keys.rotate_every < c.keys.jwks_max_age + c.tokens.access_ttl + c.tokens.leeway) {
    return Problem{"keys.rotate_every",
                   "must be 0 (off) or longer than keys.jwks_max_age + tokens.access_ttl + "
                   "tokens.leeway, so verifiers see each key before it signs"};
  }
  if (c.auth.require_verified_email && !c.email.enabled()) {
    // Nobody could ever confirm an address: every sign-in would be refused.
    return Problem{"auth.require_verified_email", "needs email.smtp_url (or email.outbox_only)"};
  }
  if (!c.webauthn.rp_id.empty() && !c.web.allowed_origins.empty() &&
      std::none_of(
          c.web.allowed_origins.begin(), c.web.allowed_origins.end(),
          [&](const std::string& o) { return origin_within_rp_id(o, c.webauthn.rp_id); })) {
    // W3C WebAuthn section 5.1.4.1: no browser would run a ceremony for it from these origins.
    return Problem{"webauthn.rp_id",
                   "must be the host of one of web.allowed_origins or a parent domain of it"};
  }
  if (auto p = check_cookie_domain_reach(c)) return p;
  if (auto p = check_federation_ids(c)) return p;
  return std::nullopt;
}

// Each section's rules, then the ones across sections, which may take each section's own values
// as sane. (With several problems at once, the one named first follows that order.)
std::optional<Problem> check(const Config& config) {
  Config copy = config;  // sections() binds mutable pointers; checking never changes the copy
  if (auto problem = detail::check(sections(copy))) return problem;
  return check_across_sections(config);
}

std::expected<void, std::string> apply_flags(const ConfigFlags& flags,
                                             const std::vector<detail::Section>& bound,
                                             Config& config, Origins& origins) {
  auto text_flag = [&](const std::optional<std::string>& v, std::string_view flag,
                       std::string_view section,
                       std::string_view key) -> std::expected<void, std::string> {
    if (!v) return {};
    detail::Field f = *detail::find_field(bound, section, key);  // names below all exist
    if (auto ok = detail::set_from_text(f, *v); !ok) {
      return std::unexpected(std::string(flag) + ": " + ok.error());
    }
    origins[std::string(section) + "." + std::string(key)] = std::string(flag);
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

}  // namespace

std::vector<detail::Section> sections(Config& c) {
  using detail::table;
  return {table(c.server),
          table(c.store),
          table(c.cache),
          table(c.web),
          table(c.auth),
          table(c.sessions),
          table(c.rate_limit),
          table(c.tokens),
          table(c.refresh),
          table(c.keys),
          table(c.revocation),
          table(c.webauthn),
          table(c.email),
          table(c.audit),
          table(c.log),
          detail::table_list(c.access_rules),
          detail::table_list(c.federation_providers)};
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
  std::vector<detail::Section> bound = sections(config);
  Origins origins;
  if (!sources.file.empty()) {
    if (auto ok = detail::apply_file(sources.file, bound, origins); !ok) {
      return std::unexpected(ok.error());
    }
  }
  if (auto ok = detail::apply_environment(sources.environment, bound, origins); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = apply_flags(sources.flags, bound, config, origins); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto problem = check(config)) return std::unexpected(detail::describe(*problem, origins));
  return config;
}

std::expected<void, std::string> validate(const Config& config) {
  if (auto problem = check(config)) return std::unexpected(problem->key + ": " + problem->message);
  return {};
}

std::string to_toml(const Config& config) {
  Config copy = config;  // sections() binds mutable pointers; printing never changes the copy
  return detail::render_toml(sections(copy));
}

std::string reference_markdown() {
  Config defaults;  // render_reference may give its lists a default element
  return detail::render_reference(sections(defaults));
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

std::string effective_rp_id(const Config& config, const std::vector<std::string>& origins) {
  if (!config.webauthn.rp_id.empty()) return config.webauthn.rp_id;
  for (const std::string& o : origins) {
    auto normalized = http::normalize_origin(o);
    if (!normalized) continue;
    if (auto id = rp_id_of_origin(*normalized)) return *id;
  }
  return {};
}

}  // namespace tessera::app
