#include "api/request_auth.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "api/error_mapping.h"
#include "http/csrf.h"

namespace tessera::api {

ApiContext::ApiContext(auth::AuthService& auth, auth::SessionService& sessions,
                       auth::TokenService& tokens, auth::KeyringService& keyring,
                       auth::AuditService& audit, const base::Clock& clock,
                       http::TrustedProxies proxies, http::Metrics* metrics, ApiOptions options)
    : auth_(auth),
      sessions_(sessions),
      tokens_(tokens),
      keyring_(keyring),
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

namespace {

// One of our cookies from the jar: the value, "" when absent or not a value we could have
// minted, or a 400 when it was sent more than once.
std::expected<std::string_view, http::Response> single_cookie(const http::Cookies& jar,
                                                              std::string_view name) {
  http::CookieLookup c = jar.find(name);
  switch (c.state) {
    case http::CookieLookup::kPresent:
      return c.value;
    case http::CookieLookup::kDuplicate:
      // RFC 6265 section 8.6: a sibling domain can add a second cookie of the same name;
      // picking either would let it choose the credential.
      return std::unexpected(
          problem_response(400, "the " + std::string(name) + " cookie was sent more than once"));
    case http::CookieLookup::kAbsent:
    case http::CookieLookup::kInvalid:  // not a value this server minted: no credential
      break;
  }
  return std::string_view();
}

// Deletions of our cookies named in `names` (each with its own path and flags).
std::vector<std::string> deletions(std::initializer_list<std::string_view> names,
                                   http::SameSite same_site) {
  std::vector<std::string> out;
  for (std::string_view name : names) {
    http::SetCookie c{.name = std::string(name), .value = {}};
    c.same_site = same_site;
    if (name == kCsrfCookieName) c.http_only = false;
    if (name == kRefreshCookieName) {
      c.path = std::string(kRefreshCookiePath);
      c.same_site = http::SameSite::kStrict;
    }
    if (auto v = c.deletion().to_string()) out.push_back(std::move(*v));
  }
  return out;
}

void add_set_cookies(http::Response& res, const std::vector<std::string>& cookies) {
  for (const std::string& c : cookies) res.headers.add("Set-Cookie", c);
}

}  // namespace

std::expected<Authenticated, http::Response> ApiContext::authenticate_without_csrf(
    const http::Request& req) const {
  auto bearer = bearer_token(req);
  if (!bearer) return std::unexpected(std::move(bearer.error()));
  if (*bearer) return authenticate_token(**bearer, AuthMethod::kBearer);

  const http::Cookies jar = http::parse_cookies(req.headers);
  auto raw = single_cookie(jar, kSessionCookieName);
  if (!raw) return std::unexpected(std::move(raw.error()));
  if (!raw->empty()) {
    auto current = sessions_.authenticate_shared(*raw, clock_.now_unix());
    if (!current) {
      http::Response res = error_response(current.error());
      if (res.status == 401) add_set_cookies(res, clearing_cookies(AuthMethod::kSessionCookie));
      return std::unexpected(std::move(res));
    }
    Authenticated a{.method = AuthMethod::kSessionCookie,
                    .user = (*current)->user,
                    .sid = (*current)->public_id,
                    .session = std::move(*current),
                    .raw_session_id = std::string(*raw),
                    .access = nullptr};
    return a;
  }
  auto access = single_cookie(jar, kAccessCookieName);
  if (!access) return std::unexpected(std::move(access.error()));
  if (!access->empty()) {
    auto a = authenticate_token(*access, AuthMethod::kAccessCookie);
    // Only the access cookie: the refresh cookie may still get a new one.
    if (!a && a.error().status == 401) {
      add_set_cookies(a.error(), deletions({kAccessCookieName}, options_.same_site));
    }
    return a;
  }
  return std::unexpected(error_response(auth::make_error(auth::Errc::kUnauthenticated)));
}

std::expected<Authenticated, http::Response> ApiContext::authenticate_token(
    std::string_view token, AuthMethod method) const {
  auto principal = tokens_.verify(token);
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

std::expected<Authenticated, http::Response> ApiContext::authenticate(
    const http::Request& req) const {
  auto a = authenticate_without_csrf(req);
  if (!a) return a;
  if (auto ok = check_csrf(req, *a); !ok) return std::unexpected(std::move(ok.error()));
  return a;
}

std::expected<void, http::Response> ApiContext::check_origin(const http::Request& req) const {
  switch (http::check_origin(req, options_.allowed_origins)) {
    case http::OriginCheck::kOk:
      return {};
    case http::OriginCheck::kMissing:
      return std::unexpected(
          problem_response(403, "cross-site request check failed: no Origin or Referer"));
    case http::OriginCheck::kNotAllowed:
      break;
  }
  return std::unexpected(
      problem_response(403, "cross-site request check failed: origin not allowed"));
}

std::expected<void, http::Response> ApiContext::check_csrf(const http::Request& req,
                                                           const Authenticated& who) const {
  if (!who.by_cookie() || !http::is_unsafe_method(req.method)) return {};
  // SPEC.md "Browser delivery": Origin (or Referer) allowed AND the token. Both, because each
  // covers a gap of the other: the origin check does not rely on any secret, the token check
  // holds when a proxy strips Origin/Referer... and then refuses (kMissing is a failure too).
  if (auto ok = check_origin(req); !ok) return ok;
  auto token = http::presented_csrf_token(req);
  if (!token) {
    return std::unexpected(problem_response(403, "missing CSRF token (X-CSRF-Token)"));
  }
  const bool matches = who.session
                           ? auth::SessionService::csrf_matches(who.session->session, *token)
                           : tokens_.csrf_matches(who.sid, *token);
  if (!matches) return std::unexpected(problem_response(403, "CSRF token mismatch"));
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

std::vector<std::string> ApiContext::token_cookies(const auth::TokenPair& pair) const {
  const std::int64_t now = clock_.now_unix();
  http::SetCookie access{.name = std::string(kAccessCookieName), .value = pair.access.token};
  access.same_site = options_.same_site;
  access.max_age = std::max<std::int64_t>(1, pair.access.expires_at - now);
  // __Secure- rather than __Host-: the refresh cookie needs Path=/auth/refresh, so that the
  // browser sends it nowhere else (RFC 6265bis section 4.1.3.1), and SameSite=Strict.
  http::SetCookie refresh{.name = std::string(kRefreshCookieName), .value = pair.refresh_token};
  refresh.path = std::string(kRefreshCookiePath);
  refresh.same_site = http::SameSite::kStrict;
  refresh.max_age = std::max<std::int64_t>(1, pair.refresh_expires_at - now);
  // The CSRF cookie is sent with the refresh cookie (POST /auth/refresh, and logout once the
  // access cookie has expired), so it lives exactly as long: a browser-session CSRF cookie
  // beside a refresh cookie that survives a browser restart left refresh and logout answering
  // 403 while the family lived on (issue 14, defect 6).
  http::SetCookie csrf{.name = std::string(kCsrfCookieName), .value = tokens_.csrf_token(pair.sid)};
  csrf.http_only = false;
  csrf.same_site = options_.same_site;
  csrf.max_age = refresh.max_age;
  std::vector<std::string> out;
  for (const http::SetCookie* c : {&access, &refresh, &csrf}) {
    if (auto v = c->to_string()) out.push_back(std::move(*v));
  }
  return out;
}

std::vector<std::string> ApiContext::clearing_cookies(AuthMethod method) const {
  switch (method) {
    case AuthMethod::kSessionCookie:
      return deletions({kSessionCookieName, kCsrfCookieName}, options_.same_site);
    case AuthMethod::kAccessCookie:
      return deletions({kAccessCookieName, kRefreshCookieName, kCsrfCookieName},
                       options_.same_site);
    case AuthMethod::kBearer:
      break;
  }
  return {};
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
