#include "api/api_context.h"

#include <utility>

namespace tessera::api {

ApiContext::ApiContext(ApiServices services, http::TrustedProxies proxies, http::Metrics* metrics,
                       ApiOptions options)
    : services_(services),
      proxies_(std::move(proxies)),
      metrics_(metrics),
      token_metrics_(metrics),
      options_(std::move(options)),
      cookies_(services_.family_csrf, services_.clock, options_.same_site,
               cookie_names(options_.cookie_domain)),
      csrf_(services_.family_csrf, {}, options_.cookie_domain),
      authenticator_(services_.auth, services_.sessions, services_.access_tokens,
                     services_.second_factors, cookies_, csrf_, services_.clock,
                     options_.step_up_max_age, options_.require_mfa_roles) {}

void ApiContext::set_allowed_origins(std::vector<std::string> origins) {
  return_targets_ = ReturnTargets(origins, options_.cookie_domain);
  csrf_.set_allowed_origins(std::move(origins));
}

void ApiContext::set_public_url(std::string_view public_url) {
  while (public_url.ends_with('/')) public_url.remove_suffix(1);
  public_url_ = std::string(public_url);
  login_url_ = public_url_ + "/login";
}

auth::RequestContext ApiContext::request_context(const http::Request& req) const {
  auth::RequestContext ctx;
  ctx.ip = http::client_ip(req, proxies_);
  if (auto ua = req.headers.get("User-Agent")) ctx.user_agent = std::string(*ua);
  ctx.request_id = req.request_id;
  return ctx;
}

auth::AuditActor ApiContext::audit_actor(const http::Request& req,
                                         std::optional<store::UserId> user) const {
  auth::RequestContext from = request_context(req);
  return auth::AuditActor{.user = user,
                          .ip = std::move(from.ip),
                          .user_agent = std::move(from.user_agent),
                          .request_id = std::move(from.request_id)};
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

void ApiContext::count_oauth_token(std::string_view grant) const {
  if (metrics_ != nullptr) metrics_->oauth_tokens().inc(grant);
}

void ApiContext::count_oauth_error(OAuthErrc error) const {
  if (metrics_ != nullptr) metrics_->oauth_errors().inc(oauth_error_code(error));
}

void ApiContext::count_oauth_authorization(std::string_view outcome) const {
  if (metrics_ != nullptr) metrics_->oauth_authorizations().inc(outcome);
}

void ApiContext::count_revocations(std::string_view kind, std::uint64_t n) const {
  if (metrics_ != nullptr && n > 0) metrics_->revocations().inc(kind, n);
}

}  // namespace tessera::api
