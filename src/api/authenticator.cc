#include "api/authenticator.h"

#include <string>
#include <utility>

#include "api/error_mapping.h"

namespace tessera::api {

Authenticator::Authenticator(auth::AuthService& auth, auth::SessionService& sessions,
                             auth::AccessTokens& access_tokens, const BrowserCookies& cookies,
                             const CsrfGuard& csrf, const base::Clock& clock,
                             std::int64_t step_up_max_age)
    : auth_(auth),
      sessions_(sessions),
      access_tokens_(access_tokens),
      cookies_(cookies),
      csrf_(csrf),
      clock_(clock),
      step_up_max_age_(step_up_max_age) {}

std::expected<Authenticated, http::Response> Authenticator::authenticate_recent(
    const http::Request& req) const {
  auto a = authenticate(req);
  if (!a) return a;
  if (auto recent = require_recent(*a); !recent) return std::unexpected(std::move(recent.error()));
  return a;
}

std::expected<void, http::Response> Authenticator::require_recent(const Authenticated& a) const {
  if (!auth::recent_enough(a.authentication().time, clock_.now_unix(), step_up_max_age_)) {
    return std::unexpected(step_up_response(step_up_max_age_));
  }
  return {};
}

std::expected<Authenticated, http::Response> Authenticator::authenticate_without_csrf(
    const http::Request& req) const {
  http::Cookies jar;  // the credential's value may point into it
  auto credential = presented_credential(req, jar);
  if (!credential) {
    switch (credential.error()) {
      case CredentialRefusal::kDuplicateSession:
        return std::unexpected(problem_response(
            400, "the " + std::string(kSessionCookieName) + " cookie was sent more than once"));
      case CredentialRefusal::kDuplicateAccess:
        return std::unexpected(problem_response(
            400, "the " + std::string(kAccessCookieName) + " cookie was sent more than once"));
      case CredentialRefusal::kNone:
      case CredentialRefusal::kBadAuthorization:
        break;
    }
    return std::unexpected(error_response(auth::make_error(auth::Errc::kUnauthenticated)));
  }
  switch (credential->method) {
    case AuthMethod::kBearer:
      return authenticate_token(credential->value, AuthMethod::kBearer);
    case AuthMethod::kAccessCookie: {
      auto a = authenticate_token(credential->value, AuthMethod::kAccessCookie);
      // Only the access cookie: the refresh cookie may still get a new one.
      if (!a && a.error().status == 401) {
        add_set_cookies(a.error(), cookies_.clearing_access_cookie());
      }
      return a;
    }
    case AuthMethod::kSessionCookie:
      break;
  }
  auto current = sessions_.authenticate_shared(credential->value, clock_.now_unix());
  if (!current) {
    http::Response res = error_response(current.error());
    if (res.status == 401) {
      add_set_cookies(res, cookies_.clearing_cookies(AuthMethod::kSessionCookie));
    }
    return std::unexpected(std::move(res));
  }
  return Authenticated{.method = AuthMethod::kSessionCookie,
                       .user = (*current)->user,
                       .sid = (*current)->public_id,
                       .session = std::move(*current),
                       .raw_session_id = std::string(credential->value),
                       .access = nullptr};
}

std::expected<Authenticated, http::Response> Authenticator::authenticate_token(
    std::string_view token, AuthMethod method) const {
  auto principal = access_tokens_.verify(token);
  if (!principal) {
    if (principal.error().code == auth::Errc::kUnauthenticated) {
      return std::unexpected(invalid_token_response());
    }
    return std::unexpected(error_response(principal.error()));
  }
  auto user = auth_.token_user(**principal);
  if (!user) {
    if (user.error().code == auth::Errc::kUnauthenticated) {
      return std::unexpected(invalid_token_response());
    }
    return std::unexpected(error_response(user.error()));
  }
  return Authenticated{.method = method,
                       .user = std::move(*user),
                       .sid = (*principal)->sid,
                       .session = nullptr,
                       .raw_session_id = {},
                       .access = std::move(*principal)};
}

std::expected<Authenticated, http::Response> Authenticator::authenticate(
    const http::Request& req) const {
  auto a = authenticate_without_csrf(req);
  if (!a) return a;
  if (auto ok = csrf_.check(req, *a); !ok) return std::unexpected(std::move(ok.error()));
  return a;
}

}  // namespace tessera::api
