#include "auth/access_tokens.h"

#include <utility>

#include "auth/opaque_token.h"
#include "base/base64url.h"
#include "crypto/hash.h"
#include "tessera/jws.h"
#include "tessera/jwt.h"
#include "verifier/access_claims.h"
#include "verifier/jti.h"

namespace tessera::auth {
namespace {

constexpr std::size_t kMaxTokenBytes = 8 * 1024;  // SPEC.md: oversize tokens are rejected
constexpr std::size_t kClaimsReserve = 384;       // a user's claims fit, roles and all
Error unauthenticated() { return make_error(Errc::kUnauthenticated); }

}  // namespace

AccessTokens::AccessTokens(KeyringService& keyring, RevocationService& revocation,
                           const base::Clock& clock, AccessTokenConfig config)
    : keyring_(keyring),
      revocation_(revocation),
      clock_(clock),
      config_(std::move(config)),
      policy_(verifier::access_token_policy(config_.issuer, config_.audience, config_.leeway)),
      verified_(config_.verify_cache_capacity) {}

std::optional<std::int64_t> AccessTokens::issued_ms_of(std::string_view jti) {
  return verifier::jti_issued_ms(jti);
}

std::expected<AccessToken, Error> AccessTokens::issue(const store::User& user, std::string_view sid,
                                                      std::int64_t auth_time, const Amr& amr,
                                                      std::int64_t issued_ms,
                                                      const TokenGrant& grant) {
  base::JsonObjectWriter claims(kClaimsReserve);
  claims.string("sub", store::to_uuid(user.id))
      .string("sid", sid)
      .strings("roles", user.roles)
      .integer("auth_time", auth_time)
      .strings("amr", amr.values())
      .string("acr", amr.acr());
  if (!grant.client_id.empty())
    claims.string("client_id", grant.client_id).string("scope", grant.scope);
  return sign(std::move(claims), issued_ms);
}

std::expected<AccessToken, Error> AccessTokens::issue_service(std::string_view client_id,
                                                              std::string_view scope,
                                                              std::int64_t issued_ms) {
  base::JsonObjectWriter claims(kClaimsReserve);
  claims.string("sub", client_id).string("client_id", client_id).string("scope", scope);
  return sign(std::move(claims), issued_ms);
}

std::expected<AccessToken, Error> AccessTokens::sign(base::JsonObjectWriter claims,
                                                     std::int64_t issued_ms) {
  const auto view = keyring_.current();
  if (!view || !view->signer) {
    return std::unexpected(make_error(Errc::kUnavailable, "no signing key"));
  }
  AccessToken out;
  out.issued_ms = issued_ms;
  const std::int64_t iat = out.issued_ms / 1000;
  out.expires_at = iat + config_.ttl;
  out.jti = verifier::new_jti(out.issued_ms);
  claims.string("iss", config_.issuer)
      .string("aud", config_.audience)
      .integer("iat", iat)
      .integer("exp", out.expires_at)
      .string("jti", out.jti);
  auto token = jose::sign(*view->signer, claims.take(),
                          jose::SignOptions{.kid = view->signer->kid(), .typ = "at+jwt"});
  if (!token) return std::unexpected(make_error(Errc::kInternal, "cannot sign"));
  out.token = std::move(*token);
  return out;
}

std::expected<std::shared_ptr<const AccessPrincipal>, Error> AccessTokens::verify(
    std::string_view token) {
  return *check(token, /*locally=*/false);  // never nullopt when the store may be asked
}

std::optional<std::expected<std::shared_ptr<const AccessPrincipal>, Error>>
AccessTokens::verify_locally(std::string_view token) {
  return check(token, /*locally=*/true);
}

std::optional<std::expected<std::shared_ptr<const AccessPrincipal>, Error>> AccessTokens::check(
    std::string_view token, bool locally) {
  if (token.empty() || token.size() > kMaxTokenBytes) return std::unexpected(unauthenticated());
  const auto view = keyring_.current();
  if (!view) return std::unexpected(make_error(Errc::kUnavailable));
  // One clock reading serves the expiry checks (seconds) and the revocation check's freshness
  // test (milliseconds). Floor, as Clock::now_unix() would give at the same instant.
  const std::int64_t now_ms = clock_.now_ms();
  const std::int64_t now = now_ms / 1000 - (now_ms % 1000 < 0 ? 1 : 0);
  const store::TokenHash key = token_hash_of(token);
  std::shared_ptr<const AccessPrincipal> principal = verified_.get(key, view->version);
  if (principal && now >= principal->expires_at + config_.leeway) principal = nullptr;
  if (!principal) {
    const std::uint64_t generation = verified_.generation();
    auto claims = jose::verify_jwt(token, view->verifiers, policy_, now);
    if (!claims) return std::unexpected(unauthenticated());
    auto facts = verifier::access_facts(*claims);
    if (!facts) return std::unexpected(unauthenticated());
    const bool service = facts->service;
    auto p = std::make_shared<AccessPrincipal>();
    p->user = facts->user;
    p->service = service;
    p->client_id = std::move(claims->client_id);
    p->scope = std::move(claims->scope);
    if (!service) p->user_uuid = claims->sub;
    p->roles = std::move(claims->roles);
    p->sid = std::move(claims->sid);
    p->jti = std::move(claims->jti);
    p->issued_ms = facts->issued_ms;
    p->expires_at = *claims->exp;
    p->auth_time = claims->auth_time.value_or(0);
    // Values we never issue mean the token was not minted here (or by a later version whose
    // methods this one cannot judge): refused, not read as weaker.
    auto amr = Amr::from_values(claims->amr);
    if (!amr) return std::unexpected(unauthenticated());
    p->amr = *amr;
    p->revocation = revocation_.identify(p->user, p->issued_ms, p->jti, p->sid);
    principal = std::move(p);
    verified_.put(key, principal, view->version, generation);
  }
  std::expected<bool, Error> revoked = false;
  if (locally) {
    auto local = revocation_.is_revoked_locally(principal->revocation, now_ms);
    if (!local) return std::nullopt;  // only the store can tell
    revoked = *local;
  } else {
    revoked = revocation_.is_revoked(principal->revocation, now_ms);
  }
  if (!revoked) return std::unexpected(revoked.error());
  if (*revoked) return std::unexpected(unauthenticated());
  return principal;
}

std::expected<void, Error> AccessTokens::revoke(const AccessPrincipal& principal) {
  return revocation_.deny(principal.jti, principal.expires_at + config_.leeway);
}

std::expected<void, Error> AccessTokens::revoke_family(std::string_view sid) {
  // Every access token of the family was issued by now, so none outlives this.
  return revocation_.deny_family(sid, clock_.now_unix() + config_.ttl + config_.leeway);
}

}  // namespace tessera::auth
