#include "auth/clients.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "auth/opaque_token.h"
#include "auth/scope.h"
#include "auth/text.h"
#include "auth/users.h"
#include "tessera/jwk.h"
#include "uri/uri.h"

namespace tessera::auth {
namespace {

constexpr std::size_t kMaxNameBytes = 200;
constexpr std::size_t kMaxUris = 32;
constexpr std::size_t kMaxUriBytes = 2048;
constexpr std::size_t kMaxJwksBytes = 64 * 1024;

Error bad(std::string detail) { return make_error(Errc::kBadInput, std::move(detail)); }

bool has(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// A duplicate in `values`, if any.
std::optional<std::string> duplicate(const std::vector<std::string>& values) {
  std::set<std::string_view> seen;
  for (const std::string& v : values) {
    if (!seen.insert(v).second) return v;
  }
  return std::nullopt;
}

std::expected<void, Error> check_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    return std::unexpected(bad("name: 1 to 200 bytes"));
  }
  if (!valid_utf8(name)) return std::unexpected(bad("name: not UTF-8"));
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return std::unexpected(bad("name: control characters are not allowed"));
    }
  }
  return {};
}

std::expected<void, Error> check_uris(std::string_view field,
                                      const std::vector<std::string>& uris) {
  if (uris.size() > kMaxUris) {
    return std::unexpected(bad(std::string(field) + ": at most 32"));
  }
  if (auto d = duplicate(uris)) {
    return std::unexpected(bad(std::string(field) + ": " + *d + " is given twice"));
  }
  for (const std::string& u : uris) {
    if (u.size() > kMaxUriBytes) {
      return std::unexpected(bad(std::string(field) + ": a URI longer than 2048 bytes"));
    }
    if (auto k = uri::check_redirect_uri(u); !k) {
      return std::unexpected(bad(std::string(field) + ": " + u + ": " + k.error()));
    }
  }
  return {};
}

std::expected<void, Error> check_jwks(std::string_view text) {
  if (text.size() > kMaxJwksBytes) return std::unexpected(bad("jwks: larger than 64 KiB"));
  auto set = jose::Jwks::parse(text);
  if (!set) return std::unexpected(bad("jwks: not a JWK Set of signature keys"));
  if (set->keys().empty()) return std::unexpected(bad("jwks: no usable signature key"));
  for (const jose::Jwk& k : set->keys()) {
    // A shared secret is no public key, and a private key has no business here.
    if (k.is_symmetric() || k.is_private()) {
      return std::unexpected(bad("jwks: public keys only (no \"d\", no \"oct\" keys)"));
    }
  }
  return {};
}

// `spec` with the defaults filled in and every rule of the header checked.
std::expected<store::Client, Error> client_of(ClientSpec spec) {
  if (auto ok = check_name(spec.name); !ok) return std::unexpected(ok.error());
  const bool confidential = spec.type == store::ClientType::kConfidential;
  const store::ClientAuthMethod method = spec.auth_method.value_or(
      confidential ? store::ClientAuthMethod::kClientSecretBasic : store::ClientAuthMethod::kNone);
  if (!confidential && method != store::ClientAuthMethod::kNone) {
    return std::unexpected(bad("auth_method: a public client authenticates with none"));
  }
  if (confidential && method == store::ClientAuthMethod::kNone) {
    return std::unexpected(bad("auth_method: a confidential client needs a credential"));
  }
  if (method == store::ClientAuthMethod::kPrivateKeyJwt) {
    if (spec.jwks.empty()) return std::unexpected(bad("jwks: required by private_key_jwt"));
    if (auto ok = check_jwks(spec.jwks); !ok) return std::unexpected(ok.error());
  } else if (!spec.jwks.empty()) {
    return std::unexpected(bad("jwks: only for private_key_jwt"));
  }
  if (auto ok = check_uris("redirect_uris", spec.redirect_uris); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = check_uris("post_logout_redirect_uris", spec.post_logout_redirect_uris); !ok) {
    return std::unexpected(ok.error());
  }
  if (spec.grant_types.empty()) {
    if (confidential && spec.redirect_uris.empty()) {
      spec.grant_types = {std::string(kGrantClientCredentials)};
    } else {
      spec.grant_types = {std::string(kGrantAuthorizationCode), std::string(kGrantRefreshToken)};
    }
  }
  if (auto d = duplicate(spec.grant_types)) {
    return std::unexpected(bad("grant_types: " + *d + " is given twice"));
  }
  for (const std::string& g : spec.grant_types) {
    if (g != kGrantAuthorizationCode && g != kGrantRefreshToken && g != kGrantClientCredentials) {
      return std::unexpected(
          bad("grant_types: " + g +
              " is not one of authorization_code, refresh_token, client_credentials"));
    }
  }
  if (has(spec.grant_types, kGrantClientCredentials) && !confidential) {
    return std::unexpected(bad("grant_types: client_credentials needs a confidential client"));
  }
  if (has(spec.grant_types, kGrantRefreshToken) &&
      !has(spec.grant_types, kGrantAuthorizationCode)) {
    return std::unexpected(bad("grant_types: refresh_token only beside authorization_code"));
  }
  if (has(spec.grant_types, kGrantAuthorizationCode) && spec.redirect_uris.empty()) {
    return std::unexpected(bad("redirect_uris: authorization_code needs at least one"));
  }
  if (spec.scopes.empty()) spec.scopes = {"openid"};
  if (spec.scopes.size() > kMaxScopeTokens) return std::unexpected(bad("scopes: at most 64"));
  if (auto d = duplicate(spec.scopes)) {
    return std::unexpected(bad("scopes: " + *d + " is given twice"));
  }
  for (const std::string& s : spec.scopes) {
    if (!is_scope_token(s)) {
      return std::unexpected(bad("scopes: " + s + " is not a scope token (RFC 6749 section 3.3)"));
    }
  }
  store::Client c;
  c.name = std::move(spec.name);
  c.type = spec.type;
  c.auth_method = method;
  c.redirect_uris = std::move(spec.redirect_uris);
  c.post_logout_redirect_uris = std::move(spec.post_logout_redirect_uris);
  c.grant_types = std::move(spec.grant_types);
  c.scopes = std::move(spec.scopes);
  c.first_party = spec.first_party;
  c.jwks = std::move(spec.jwks);
  return c;
}

bool uses_secret(store::ClientAuthMethod m) {
  return m == store::ClientAuthMethod::kClientSecretBasic ||
         m == store::ClientAuthMethod::kClientSecretPost;
}

}  // namespace

nlohmann::ordered_json client_json(const store::Client& c) {
  // Checked at registration; shown as null should a stored value not parse.
  nlohmann::ordered_json jwks = nullptr;
  if (!c.jwks.empty()) {
    jwks = nlohmann::ordered_json::parse(c.jwks, nullptr, false);
    if (jwks.is_discarded()) jwks = nullptr;
  }
  return {{"client_id", c.id},
          {"name", c.name},
          {"type", store::to_string(c.type)},
          {"token_endpoint_auth_method", store::to_string(c.auth_method)},
          {"redirect_uris", c.redirect_uris},
          {"post_logout_redirect_uris", c.post_logout_redirect_uris},
          {"grant_types", c.grant_types},
          {"scopes", c.scopes},
          {"first_party", c.first_party},
          {"has_secret", c.secret_hash.has_value()},
          {"jwks", std::move(jwks)},
          {"created_at", c.created_at},
          {"updated_at", c.updated_at}};
}

ClientService::ClientService(std::shared_ptr<store::ClientStore> store, AuditService& audit,
                             const base::Clock& clock, std::int64_t cache_ttl_ms)
    : store_(std::move(store)), audit_(audit), clock_(clock), cache_ttl_ms_(cache_ttl_ms) {}

void ClientService::forget(std::string_view id) {
  std::lock_guard lock(cache_mu_);
  ++cache_generation_;  // a find() that read the store before this change caches nothing
  if (auto it = cache_.find(id); it != cache_.end()) cache_.erase(it);
}

std::expected<NewClient, Error> ClientService::add(ClientSpec spec, const AuditActor& by) {
  auto client = client_of(std::move(spec));
  if (!client) return std::unexpected(client.error());
  NewClient out{.client = std::move(*client), .secret = {}};
  out.client.id = store::to_uuid(new_user_id());  // a random UUID, as user ids are
  out.client.created_at = clock_.now_unix();
  out.client.updated_at = out.client.created_at;
  if (uses_secret(out.client.auth_method)) {
    out.secret = new_opaque_token();
    out.client.secret_hash = hash_opaque_token(out.secret);
  }
  if (auto r = store_->create(out.client); !r) return std::unexpected(from_store(r.error()));
  (void)audit_.record(AuditType::kClientAdded, out.client.created_at, by,
                      nlohmann::json{{"client_id", out.client.id},
                                     {"name", out.client.name},
                                     {"type", store::to_string(out.client.type)},
                                     {"grant_types", out.client.grant_types}});
  return out;
}

std::expected<store::Client, Error> ClientService::find(std::string_view id) {
  const std::int64_t now_ms = cache_ttl_ms_ > 0 ? clock_.now_ms() : 0;
  std::uint64_t generation = 0;
  if (cache_ttl_ms_ > 0) {
    std::lock_guard lock(cache_mu_);
    if (auto it = cache_.find(id); it != cache_.end() && now_ms < it->second.expires_ms) {
      return it->second.client;
    }
    generation = cache_generation_;
  }
  auto c = store_->find(id);
  if (!c) return std::unexpected(from_store(c.error()));
  if (cache_ttl_ms_ > 0) {
    std::lock_guard lock(cache_mu_);
    if (generation != cache_generation_) return std::move(*c);  // changed meanwhile: not kept
    if (cache_.size() >= kClientCacheEntries) cache_.clear();
    cache_.insert_or_assign(std::string(id),
                            Cached{.client = *c, .expires_ms = now_ms + cache_ttl_ms_});
  }
  return std::move(*c);
}

std::expected<std::vector<store::Client>, Error> ClientService::list() {
  auto all = store_->list();
  if (!all) return std::unexpected(from_store(all.error()));
  return std::move(*all);
}

std::expected<void, Error> ClientService::remove(std::string_view id, const AuditActor& by) {
  if (auto r = store_->remove(id); !r) return std::unexpected(from_store(r.error()));
  forget(id);
  (void)audit_.record(AuditType::kClientRemoved, clock_.now_unix(), by,
                      nlohmann::json{{"client_id", id}});
  return {};
}

std::expected<std::string, Error> ClientService::rotate_secret(std::string_view id,
                                                               const AuditActor& by) {
  auto c = find(id);
  if (!c) return std::unexpected(c.error());
  if (!uses_secret(c->auth_method)) {
    return std::unexpected(bad("this client authenticates without a secret"));
  }
  std::string secret = new_opaque_token();
  const std::int64_t now = clock_.now_unix();
  if (auto r = store_->set_secret(id, hash_opaque_token(secret), now); !r) {
    return std::unexpected(from_store(r.error()));
  }
  forget(id);
  (void)audit_.record(AuditType::kClientSecretRotated, now, by, nlohmann::json{{"client_id", id}});
  return secret;
}

bool ClientService::secret_matches(const store::Client& client, std::string_view presented) {
  if (!client.secret_hash || !uses_secret(client.auth_method)) return false;
  const auto h = hash_opaque_token(presented);  // not 43 base64url characters: no match
  if (!h) return false;
  return same_token_hash(*h, *client.secret_hash);
}

}  // namespace tessera::auth
