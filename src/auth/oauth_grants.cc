#include "auth/oauth_grants.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "auth/clients.h"
#include "auth/opaque_token.h"
#include "auth/pkce.h"
#include "auth/scope.h"

namespace tessera::auth {
namespace {

std::unexpected<OAuthError> refuse(OAuthErrc code, std::string description = {}) {
  return std::unexpected(OAuthError{.code = code, .description = std::move(description)});
}

std::unexpected<OAuthError> invalid_grant() {
  // One description for every fault of a code: which check failed is no one's business.
  return refuse(OAuthErrc::kInvalidGrant, "the code is invalid, expired or already used");
}

}  // namespace

bool client_may_use(const store::Client& client, std::string_view grant) {
  return std::find(client.grant_types.begin(), client.grant_types.end(), grant) !=
         client.grant_types.end();
}

OAuthGrants::OAuthGrants(std::shared_ptr<store::AuthorizationCodeStore> codes,
                         std::shared_ptr<store::UserStore> users, RefreshFamilies& families,
                         AccessTokens& access, IdTokens& id_tokens, AuditService& audit,
                         const base::Clock& clock)
    : codes_(std::move(codes)),
      users_(std::move(users)),
      families_(families),
      access_(access),
      id_tokens_(id_tokens),
      audit_(audit),
      clock_(clock) {}

void OAuthGrants::revoke_replayed(const store::AuthorizationCode& code, const AuditActor& from) {
  // Best effort beyond the refusal itself: the family may be purged already.
  (void)families_.revoke_family_id(code.family, "code_replay");
  AuditActor actor = from;
  actor.user = code.user_id;
  (void)audit_.record(AuditType::kOAuthCodeReplay, clock_.now_unix(), actor,
                      nlohmann::json{{"client_id", code.client_id},
                                     {"family", RefreshFamilies::sid_of(code.family)}});
}

std::expected<OAuthTokenResponse, OAuthError> OAuthGrants::authorization_code(
    const store::Client& client, const CodeGrantParams& params, const AuditActor& from) {
  if (!client_may_use(client, kGrantAuthorizationCode)) {
    return refuse(OAuthErrc::kUnauthorizedClient, "this client may not use this grant");
  }
  const auto hash = hash_opaque_token(params.code);  // junk never reaches the store
  if (!hash) return invalid_grant();
  auto code = codes_->find(*hash);
  if (!code) {
    if (code.error() == store::StoreError::kNotFound) return invalid_grant();
    return std::unexpected(oauth_error(from_store(code.error()), OAuthErrc::kServerError));
  }
  // Another client presenting this client's code learns nothing and spends nothing.
  if (code->client_id != client.id) return invalid_grant();
  if (code->redeemed_at != 0) {
    revoke_replayed(*code, from);
    return invalid_grant();
  }
  const std::int64_t now = clock_.now_unix();
  if (now >= code->expires_at) return invalid_grant();
  if (!code->redirect_uri.empty() ? params.redirect_uri != code->redirect_uri
                                  : params.redirect_uri.has_value() &&
                                        (client.redirect_uris.size() != 1 ||
                                         *params.redirect_uri != client.redirect_uris.front())) {
    return invalid_grant();
  }
  if (code->code_challenge.empty()
          ? params.code_verifier.has_value()
          : !params.code_verifier || !pkce_matches(*params.code_verifier, code->code_challenge)) {
    return invalid_grant();
  }
  auto user = users_->find_by_id(code->user_id);
  if (!user) {
    if (user.error() == store::StoreError::kNotFound) return invalid_grant();
    return std::unexpected(oauth_error(from_store(user.error()), OAuthErrc::kServerError));
  }
  if (user->disabled) return invalid_grant();

  // The family first, then the redemption: a replay that comes between them finds the family
  // the code records, and revokes it (store/authorization_code_store.h).
  // How the user authenticated, as the code recorded it (never text we did not write).
  auto amr = Amr::parse(code->amr);
  if (!amr) {
    return std::unexpected(
        oauth_error(from_store(store::StoreError::kCorrupt), OAuthErrc::kServerError));
  }
  auto pair = families_.start(
      *user, from.ip, from.user_agent,
      FamilyGrant{
          .client_id = client.id, .scope = code->scope, .auth_time = code->auth_time, .amr = *amr});
  if (!pair) return std::unexpected(oauth_error(pair.error(), OAuthErrc::kServerError));
  auto won = codes_->redeem(*hash, now, pair->family.id);
  if (!won || !*won) {
    (void)families_.revoke_family_id(pair->family.id, "code_replay");
    if (!won) {
      return std::unexpected(oauth_error(from_store(won.error()), OAuthErrc::kServerError));
    }
    if (auto first = codes_->find(*hash)) revoke_replayed(*first, from);
    return invalid_grant();
  }

  OAuthTokenResponse out;
  out.access_token = pair->access.token;
  out.expires_in = pair->access.expires_at - pair->access.issued_ms / 1000;
  out.scope = code->scope;
  if (client_may_use(client, kGrantRefreshToken)) out.refresh_token = pair->refresh_token;
  auto scope = parse_scope(code->scope);
  if (scope && has_scope(*scope, "openid")) {
    auto id = id_tokens_.issue(*user, IdTokenRequest{.client_id = client.id,
                                                     .nonce = code->nonce,
                                                     .auth_time = code->auth_time,
                                                     .amr = code->amr,
                                                     .sid = pair->sid,
                                                     .scope = *scope,
                                                     .access_token = out.access_token});
    if (!id) return std::unexpected(oauth_error(id.error(), OAuthErrc::kServerError));
    out.id_token = std::move(*id);
  }
  AuditActor actor = from;
  actor.user = user->id;
  (void)audit_.record(AuditType::kOAuthGrant, now, actor,
                      nlohmann::json{{"client_id", client.id},
                                     {"grant_type", kGrantAuthorizationCode},
                                     {"scope", code->scope},
                                     {"family", pair->sid}});
  return out;
}

std::expected<OAuthTokenResponse, OAuthError> OAuthGrants::refresh_token(
    const store::Client& client, std::string_view refresh_token,
    const std::optional<std::string>& scope, const AuditActor& from) {
  if (!client_may_use(client, kGrantRefreshToken)) {
    return refuse(OAuthErrc::kUnauthorizedClient, "this client may not use this grant");
  }
  const auto bad = [] {
    return refuse(OAuthErrc::kInvalidGrant, "the refresh token is invalid, expired or revoked");
  };
  RefreshPresenter as{.client_id = client.id, .scope = std::nullopt};
  if (scope) {
    // RFC 6749 section 6: narrower only. Read the family's before rotating anything, so that a
    // refused scope costs the client nothing.
    auto wanted = parse_scope(*scope);
    if (!wanted || wanted->empty()) return refuse(OAuthErrc::kInvalidScope, "scope is malformed");
    auto family = families_.family_of(refresh_token);
    if (!family) {
      if (family.error().code == Errc::kUnauthenticated) return bad();
      return std::unexpected(oauth_error(family.error(), OAuthErrc::kServerError));
    }
    auto granted = parse_scope(family->scope);
    if (family->client_id == client.id && (!granted || !scope_within(*wanted, *granted))) {
      return refuse(OAuthErrc::kInvalidScope, "scope may only narrow what was granted");
    }
    as.scope = join_scope(*wanted);
  }
  auto pair = families_.refresh(refresh_token, from.ip, from.user_agent, as);
  if (!pair) {
    if (pair.error().code == Errc::kUnauthenticated) return bad();
    return std::unexpected(oauth_error(pair.error(), OAuthErrc::kServerError));
  }
  OAuthTokenResponse out;
  out.access_token = pair->access.token;
  out.expires_in = pair->access.expires_at - pair->access.issued_ms / 1000;
  out.refresh_token = std::move(pair->refresh_token);
  out.scope = as.scope.value_or(pair->family.scope);
  return out;
}

std::expected<OAuthTokenResponse, OAuthError> OAuthGrants::client_credentials(
    const store::Client& client, const std::optional<std::string>& scope) {
  if (client.type != store::ClientType::kConfidential ||
      !client_may_use(client, kGrantClientCredentials)) {
    return refuse(OAuthErrc::kUnauthorizedClient, "this client may not use this grant");
  }
  std::vector<std::string> granted = client.scopes;
  if (scope) {
    auto wanted = parse_scope(*scope);
    if (!wanted) return refuse(OAuthErrc::kInvalidScope, "scope is malformed");
    if (!scope_within(*wanted, client.scopes)) {
      return refuse(OAuthErrc::kInvalidScope, "scope asks for more than this client may have");
    }
    if (!wanted->empty()) granted = std::move(*wanted);
  }
  const std::string joined = join_scope(granted);
  auto token = access_.issue_service(client.id, joined, clock_.now_ms());
  if (!token) return std::unexpected(oauth_error(token.error(), OAuthErrc::kServerError));
  return OAuthTokenResponse{.access_token = std::move(token->token),
                            .expires_in = token->expires_at - token->issued_ms / 1000,
                            .refresh_token = {},
                            .id_token = {},
                            .scope = joined};
}

}  // namespace tessera::auth
