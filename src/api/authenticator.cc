#include "api/authenticator.h"

#include <algorithm>
#include <string>
#include <utility>

#include "api/error_mapping.h"

namespace tessera::api {

Authenticator::Authenticator(auth::AuthService& auth, auth::SessionService& sessions,
                             auth::AccessTokens& access_tokens, auth::SecondFactors& factors,
                             const BrowserCookies& cookies, const CsrfGuard& csrf,
                             const base::Clock& clock, std::int64_t step_up_max_age,
                             std::vector<std::string> require_mfa_roles)
    : auth_(auth),
      sessions_(sessions),
      access_tokens_(access_tokens),
      factors_(factors),
      cookies_(cookies),
      csrf_(csrf),
      clock_(clock),
      step_up_max_age_(step_up_max_age),
      require_mfa_roles_(std::move(require_mfa_roles)) {}

bool Authenticator::enrolment_matters(const std::vector<std::string>& roles,
                                      const auth::Amr& methods) const {
  if (require_mfa_roles_.empty() || methods.has(auth::AuthMethodRef::kMfa)) return false;
  return std::ranges::any_of(roles, [this](const std::string& role) {
    return std::ranges::find(require_mfa_roles_, role) != require_mfa_roles_.end();
  });
}

std::expected<void, http::Response> Authenticator::require_factor(const store::UserId& user) const {
  auto status = factors_.status(user);
  if (!status) return std::unexpected(error_response(status.error()));
  if (status->enrolled()) return {};
  return std::unexpected(error_response(auth::make_error(auth::Errc::kMfaEnrollmentRequired)));
}

std::expected<void, http::Response> Authenticator::require_enrolled(const Authenticated& a) const {
  if (!gates_anyone()) return {};
  if (a.access && a.access->service) return {};  // a service's token names no user
  if (!enrolment_matters(a.user.roles, a.authentication().methods)) return {};
  return require_factor(a.user.id);
}

std::expected<Authenticated, http::Response> Authenticator::authenticate_recent(
    const http::Request& req, MfaGate gate) const {
  auto a = authenticate(req, gate);
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
    const http::Request& req, MfaGate gate) const {
  auto a = identify(req);
  if (!a || gate == MfaGate::kExempt) return a;
  if (auto enrolled = require_enrolled(*a); !enrolled) {
    return std::unexpected(std::move(enrolled.error()));
  }
  return a;
}

std::expected<Authenticated, http::Response> Authenticator::identify(
    const http::Request& req) const {
  http::Cookies jar;  // the credential's value may point into it
  auto credential = presented_credential(req, cookies_.names(), jar);
  if (!credential) {
    switch (credential.error()) {
      case CredentialRefusal::kDuplicateSession:
        return std::unexpected(problem_response(
            400, http::codes::kDuplicateCookie,
            "the " + cookies_.names().session + " cookie was sent more than once"));
      case CredentialRefusal::kDuplicateAccess:
        return std::unexpected(
            problem_response(400, http::codes::kDuplicateCookie,
                             "the " + cookies_.names().access + " cookie was sent more than once"));
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

std::expected<Authenticated, http::Response> Authenticator::authenticate(const http::Request& req,
                                                                         MfaGate gate) const {
  auto a = identify(req);
  if (!a) return a;
  if (auto ok = csrf_.check(req, *a); !ok) return std::unexpected(std::move(ok.error()));
  if (gate == MfaGate::kEnforce) {
    if (auto enrolled = require_enrolled(*a); !enrolled) {
      return std::unexpected(std::move(enrolled.error()));
    }
  }
  return a;
}

}  // namespace tessera::api
