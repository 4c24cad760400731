#include "api/request_auth.h"

#include <utility>

#include "api/error_mapping.h"
#include "http/csrf.h"

namespace tessera::api {

ApiContext::ApiContext(auth::AuthService& auth, auth::SessionService& sessions,
                       auth::TokenService& tokens, auth::AuditService& audit,
                       const base::Clock& clock, http::TrustedProxies proxies,
                       http::Metrics* metrics, ApiOptions options)
    : auth_(auth),
      sessions_(sessions),
      tokens_(tokens),
      audit_(audit),
      clock_(clock),
      proxies_(std::move(proxies)),
      metrics_(metrics),
      options_(std::move(options)) {}

void ApiContext::set_allowed_origins(std::vector<std::string> origins) {
  options_.allowed_origins = std::move(origins);
}

auth::RequestContext ApiContext::request_context(const http::Request& req) const {
  auth::RequestContext ctx;
  ctx.ip = http::client_ip(req, proxies_);
  if (auto ua = req.headers.get("User-Agent")) ctx.user_agent = std::string(*ua);
  return ctx;
}

std::expected<std::string_view, http::Response> session_cookie(const http::Request&,
                                                               const http::Cookies& jar) {
  http::CookieLookup c = jar.find(kSessionCookieName);
  switch (c.state) {
    case http::CookieLookup::kPresent:
      return c.value;
    case http::CookieLookup::kDuplicate:
      // RFC 6265 section 8.6: a sibling domain can add a second cookie of the same name;
      // picking either would let it choose the session.
      return std::unexpected(problem_response(400, "the session cookie was sent more than once"));
    case http::CookieLookup::kAbsent:
    case http::CookieLookup::kInvalid:  // not a value this server minted: no session
      break;
  }
  return std::string_view();
}

std::expected<Authenticated, http::Response> ApiContext::authenticate_without_csrf(
    const http::Request& req) const {
  // Bearer access tokens (web.mode "jwt", native clients) join here in the JWT issue; they
  // will set AuthMethod::kBearer and skip the CSRF step.
  auto jar = http::parse_cookies(req.headers);
  if (!jar) return std::unexpected(problem_response(400, jar.error()));
  auto raw = session_cookie(req, *jar);
  if (!raw) return std::unexpected(std::move(raw.error()));
  if (raw->empty())
    return std::unexpected(error_response(auth::make_error(auth::Errc::kUnauthenticated)));
  auto current = sessions_.authenticate(*raw, clock_.now_unix());
  if (!current) return std::unexpected(error_response(current.error()));
  return Authenticated{.current = std::move(*current),
                       .raw_session_id = std::string(*raw),
                       .method = AuthMethod::kSessionCookie};
}

std::expected<Authenticated, http::Response> ApiContext::authenticate(
    const http::Request& req) const {
  auto a = authenticate_without_csrf(req);
  if (!a) return a;
  if (a->method == AuthMethod::kSessionCookie && http::is_unsafe_method(req.method)) {
    if (auto ok = check_csrf(req, a->current.session); !ok) {
      return std::unexpected(std::move(ok.error()));
    }
  }
  return a;
}

std::expected<void, http::Response> ApiContext::check_csrf(const http::Request& req,
                                                           const store::Session& session) const {
  // SPEC.md "Browser delivery": Origin (or Referer) allowed AND the token. Both, because each
  // covers a gap of the other: the origin check does not rely on any secret, the token check
  // holds when a proxy strips Origin/Referer... and then refuses (kMissing is a failure too).
  switch (http::check_origin(req, options_.allowed_origins)) {
    case http::OriginCheck::kOk:
      break;
    case http::OriginCheck::kMissing:
      return std::unexpected(
          problem_response(403, "cross-site request check failed: no Origin or Referer"));
    case http::OriginCheck::kNotAllowed:
      return std::unexpected(
          problem_response(403, "cross-site request check failed: origin not allowed"));
  }
  auto token = http::presented_csrf_token(req);
  if (!token) {
    return std::unexpected(problem_response(403, "missing CSRF token (X-CSRF-Token)"));
  }
  if (!auth::SessionService::csrf_matches(session, *token)) {
    return std::unexpected(problem_response(403, "CSRF token mismatch"));
  }
  return {};
}

std::expected<void, http::Response> ApiContext::check_login_origin(const http::Request& req) const {
  if (http::check_origin(req, options_.allowed_origins) == http::OriginCheck::kNotAllowed) {
    return std::unexpected(
        problem_response(403, "cross-site request check failed: origin not allowed"));
  }
  return {};
}

std::vector<std::string> ApiContext::session_cookies(const auth::NewSession& s) const {
  // SPEC.md "Browser delivery": __Host- (Secure, Path=/, no Domain: RFC 6265bis section
  // 4.1.3.2), HttpOnly for the session, NOT HttpOnly for the CSRF token (the page reads it and
  // echoes it in X-CSRF-Token). No Max-Age: browser-session cookies; the server enforces the
  // idle and absolute timeouts whatever the browser keeps.
  std::vector<std::string> out;
  http::SetCookie session{.name = std::string(kSessionCookieName), .value = s.id};
  session.same_site = options_.same_site;
  http::SetCookie csrf{.name = std::string(kCsrfCookieName), .value = s.csrf_token};
  csrf.http_only = false;
  csrf.same_site = options_.same_site;
  for (const http::SetCookie* c : {&session, &csrf}) {
    if (auto v = c->to_string()) out.push_back(std::move(*v));
  }
  return out;
}

std::vector<std::string> ApiContext::clearing_cookies() const {
  std::vector<std::string> out;
  http::SetCookie session{.name = std::string(kSessionCookieName), .value = {}};
  session.same_site = options_.same_site;
  http::SetCookie csrf{.name = std::string(kCsrfCookieName), .value = {}};
  csrf.http_only = false;
  csrf.same_site = options_.same_site;
  for (const http::SetCookie* c : {&session, &csrf}) {
    if (auto v = c->deletion().to_string()) out.push_back(std::move(*v));
  }
  return out;
}

void ApiContext::count_login_failure(const auth::Error& e) const {
  switch (e.code) {
    case auth::Errc::kRateLimited:
    case auth::Errc::kConcurrencyLimited:
      return count_login("rate_limited");
    case auth::Errc::kBusy:
      return count_login("busy");
    default:
      return count_login("failure");
  }
}

void ApiContext::count_login(std::string_view result) const {
  if (metrics_ != nullptr) metrics_->logins().inc(result);
}

void ApiContext::count_revocations(std::string_view kind, std::uint64_t n) const {
  if (metrics_ != nullptr && n > 0) metrics_->revocations().inc(kind, n);
}

std::expected<std::optional<std::string_view>, http::Response> bearer_token(
    const http::Request& req) {
  std::optional<std::string_view> value;
  for (const auto& [name, v] : req.headers) {
    if (name.size() != 13 || !http::iequals(name, "authorization")) continue;
    if (value)
      return std::unexpected(
          error_response(auth::make_error(auth::Errc::kUnauthenticated)));  // ambiguous
    value = v;
  }
  if (!value) return std::nullopt;
  constexpr std::string_view kScheme = "bearer ";  // scheme compared case-insensitively
  if (value->size() <= kScheme.size() ||
      !http::iequals(value->substr(0, kScheme.size()), kScheme)) {
    return std::unexpected(error_response(auth::make_error(auth::Errc::kUnauthenticated)));
  }
  std::string_view token = value->substr(kScheme.size());
  // b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
  std::size_t i = 0;
  auto token_char = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
  };
  while (i < token.size() && token_char(token[i])) ++i;
  if (i == 0)
    return std::unexpected(error_response(auth::make_error(auth::Errc::kUnauthenticated)));
  while (i < token.size() && token[i] == '=') ++i;
  if (i != token.size())
    return std::unexpected(error_response(auth::make_error(auth::Errc::kUnauthenticated)));
  return token;
}

}  // namespace tessera::api
