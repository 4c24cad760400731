#include "auth/token_introspection.h"

#include <utility>

#include "auth/refresh_token_format.h"

namespace tessera::auth {
namespace {

using json = nlohmann::ordered_json;

json inactive() { return json{{"active", false}}; }

std::unexpected<OAuthError> failed(const Error& e) {
  return std::unexpected(oauth_error(e, OAuthErrc::kServerError));
}

// Whether `token` has a JWT's shape (three dot-separated parts), i.e. is no refresh token.
bool looks_like_jwt(std::string_view token) {
  const std::size_t a = token.find('.');
  return a != std::string_view::npos && token.find('.', a + 1) != std::string_view::npos;
}

}  // namespace

TokenIntrospection::TokenIntrospection(AccessTokens& access, RefreshFamilies& families,
                                       std::shared_ptr<store::UserStore> users)
    : access_(access), families_(families), users_(std::move(users)) {}

std::expected<nlohmann::ordered_json, OAuthError> TokenIntrospection::introspect(
    const store::Client& client, std::string_view token, std::string_view hint) {
  (void)client;  // any authenticated client may ask (see the header)
  (void)hint;    // the token's shape tells the two kinds apart: no lookup to order
  if (looks_like_jwt(token)) {
    auto p = access_.verify(token);
    if (!p) {
      if (p.error().code == Errc::kUnauthenticated) return inactive();
      return failed(p.error());
    }
    const AccessPrincipal& a = **p;
    json out = {{"active", true}, {"token_type", "Bearer"}};
    if (!a.scope.empty() || !a.client_id.empty()) out["scope"] = a.scope;
    if (!a.client_id.empty()) out["client_id"] = a.client_id;
    if (a.service) {
      out["sub"] = a.client_id;
    } else {
      // A user since disabled or deleted: the token is no longer honoured (the Authenticator's
      // rule), so it is not active either.
      auto user = users_->find_by_id(a.user);
      if (!user) {
        if (user.error() == store::StoreError::kNotFound) return inactive();
        return failed(from_store(user.error()));
      }
      if (user->disabled) return inactive();
      out["sub"] = a.user_uuid;
      out["username"] = user->email;
      out["sid"] = a.sid;
    }
    out["iss"] = access_.config().issuer;
    out["aud"] = access_.config().audience;
    out["iat"] = a.issued_ms / 1000;
    out["exp"] = a.expires_at;
    out["jti"] = a.jti;
    return out;
  }
  auto family = families_.live_family_of(token);
  if (!family) {
    if (family.error().code == Errc::kUnauthenticated) return inactive();
    return failed(family.error());
  }
  auto user = users_->find_by_id(family->user_id);
  if (!user) {
    if (user.error() == store::StoreError::kNotFound) return inactive();
    return failed(from_store(user.error()));
  }
  if (user->disabled || user->password_changed_at != family->password_changed_at) {
    return inactive();
  }
  json out = {{"active", true}, {"token_type", "refresh_token"}};
  if (!family->client_id.empty()) {
    out["scope"] = family->scope;
    out["client_id"] = family->client_id;
  }
  out["sub"] = store::to_uuid(family->user_id);
  out["username"] = user->email;
  out["sid"] = RefreshFamilies::sid_of(family->id);
  out["iss"] = access_.config().issuer;
  out["iat"] = family->last_used_at;
  out["exp"] = std::min(family->created_at + families_.config().absolute_lifetime,
                        family->last_used_at + families_.config().idle_timeout);
  return out;
}

std::expected<void, OAuthError> TokenIntrospection::revoke(const store::Client& client,
                                                           std::string_view token,
                                                           std::string_view hint) {
  (void)hint;
  const auto not_yours = [] {
    return std::unexpected(OAuthError{.code = OAuthErrc::kUnauthorizedClient,
                                      .description = "the token was not issued to this client"});
  };
  if (looks_like_jwt(token)) {
    auto p = access_.verify(token);
    if (!p) {
      if (p.error().code == Errc::kUnauthenticated) return {};  // dead or not ours: nothing to do
      return failed(p.error());
    }
    if ((*p)->client_id != client.id) return not_yours();
    if (auto r = access_.revoke(**p); !r) return failed(r.error());
    return {};
  }
  auto family = families_.family_of(token);
  if (!family) {
    if (family.error().code == Errc::kUnauthenticated) return {};
    return failed(family.error());
  }
  if (family->client_id != client.id) return not_yours();
  if (family->revoked_at != 0) return {};
  if (auto r = families_.revoke_family_id(family->id, "client_revoked"); !r) {
    if (r.error().code == Errc::kNotFound) return {};
    return failed(r.error());
  }
  return {};
}

}  // namespace tessera::auth
