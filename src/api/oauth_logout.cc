#include "api/oauth_logout.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <utility>

#include "api/browser_cookies.h"
#include "api/oauth_errors.h"
#include "api/oauth_request.h"
#include "api/store_routes.h"
#include "api/web_pages.h"
#include "auth/text.h"
#include "uri/uri.h"

namespace tessera::api {
namespace {

constexpr std::size_t kMaxClientIdBytes = 255;

struct LogoutParams {
  std::optional<std::string> id_token_hint, client_id, post_logout_redirect_uri, state, confirm;
};

std::expected<LogoutParams, http::Response> read_params(const http::Request& req) {
  LogoutParams p;
  const std::array<std::pair<std::string_view, std::optional<std::string>*>, 5> slots = {{
      {"id_token_hint", &p.id_token_hint},
      {"client_id", &p.client_id},
      {"post_logout_redirect_uri", &p.post_logout_redirect_uri},
      {"state", &p.state},
      {"confirm", &p.confirm},
  }};
  if (auto r = read_front_channel_params(req, slots, /*empty_is_absent=*/true); !r) {
    return std::unexpected(std::move(r.error()));
  }
  return p;
}

// RP-Initiated Logout 1.0 sections 2-3, as the header describes.
http::Response logout(const ApiContext& ctx, const http::Request& req) {
  auto params = read_params(req);
  if (!params) return std::move(params.error());
  const LogoutParams& p = *params;

  std::optional<auth::IdTokenHint> hint;
  if (p.id_token_hint) {
    auto h = ctx.id_tokens().verify_hint(*p.id_token_hint);
    if (!h) {
      if (h.error().code == auth::Errc::kUnauthenticated) {
        return invalid_request_page("id_token_hint is not an ID token of this server");
      }
      return oauth_error_page(oauth_error(h.error(), OAuthErrc::kServerError));
    }
    hint = std::move(*h);
  }
  std::optional<std::string> client_id = p.client_id;
  if (hint) {
    if (client_id && std::find(hint->aud.begin(), hint->aud.end(), *client_id) == hint->aud.end()) {
      return invalid_request_page("client_id is not the audience of id_token_hint");
    }
    if (!client_id && !hint->aud.empty()) client_id = hint->aud.front();
  }
  std::optional<store::Client> client;
  if (client_id) {
    if (client_id->size() > kMaxClientIdBytes || !auth::valid_utf8(*client_id)) {
      return invalid_request_page("unknown client");
    }
    auto c = ctx.clients().find(*client_id);
    if (!c) {
      if (c.error().code == auth::Errc::kNotFound) return invalid_request_page("unknown client");
      return oauth_error_page(oauth_error(c.error(), OAuthErrc::kServerError));
    }
    client = std::move(*c);
  }
  if (p.post_logout_redirect_uri) {
    if (!client)
      return invalid_request_page("post_logout_redirect_uri needs client_id or id_token_hint");
    const auto& registered = client->post_logout_redirect_uris;
    const bool known = std::any_of(registered.begin(), registered.end(), [&](const std::string& r) {
      return uri::redirect_uri_matches(r, *p.post_logout_redirect_uri);
    });
    if (!known)
      return invalid_request_page("post_logout_redirect_uri is not one registered for the client");
  }

  auto who = ctx.credentials().authenticate_without_csrf(req, MfaGate::kExempt);
  if (!who && who.error().status >= 500) return std::move(who.error());
  const bool signed_in = who.has_value() && who->by_cookie();
  const bool hinted = signed_in && hint && hint->sub == store::to_uuid(who->user.id);
  const bool confirmed = req.method == "POST" && p.confirm == "yes";
  if (confirmed) {
    if (auto origin = ctx.csrf().check_login_origin(req); !origin) return std::move(origin.error());
  }
  if (signed_in && !hinted && !confirmed) {
    const std::array<std::pair<std::string_view, std::string>, 5> vars = {{
        {"client_name", client ? client->name : std::string("An application")},
        {"email", who->user.email},
        {"client_id", client ? client->id : std::string()},
        {"post_logout_redirect_uri", p.post_logout_redirect_uri.value_or("")},
        {"state", p.state.value_or("")},
    }};
    return form_page("logout.html", vars, p.post_logout_redirect_uri.value_or(""));
  }

  http::Response res;
  if (signed_in) {
    const auth::RequestContext from = ctx.request_context(req);
    auto r = who->session ? ctx.auth().logout(who->raw_session_id, from)
                          : ctx.auth().logout_token(*who->access, from);
    if (!r && r.error().code != auth::Errc::kUnauthenticated)
      return oauth_error_page(oauth_error(r.error(), OAuthErrc::kServerError));
    if (hinted && !hint->sid.empty()) {
      // The app's tokens of this sign-in; not found (another user's sid, or gone) is fine.
      auto f = ctx.families().revoke_family(who->user.id, hint->sid, "rp_logout");
      if (!f && f.error().code != auth::Errc::kNotFound)
        return oauth_error_page(oauth_error(f.error(), OAuthErrc::kServerError));
    }
    ctx.count_revocations("logout");
  }
  if (p.post_logout_redirect_uri) {
    uri::QueryParams q;
    if (p.state) q.emplace_back("state", *p.state);
    auto location = uri::with_query_params(*p.post_logout_redirect_uri, q);
    if (!location) return invalid_request_page("post_logout_redirect_uri cannot carry state");
    res.status = 303;
    res.headers.set("Location", std::move(*location));
    res.headers.set("Cache-Control", "no-store");
  } else {
    res = template_page("logged_out.html", {});
  }
  if (signed_in) add_set_cookies(res, ctx.cookies().clearing_cookies(who->method));
  return res;
}

}  // namespace

void add_oauth_logout_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  for (const char* method : {"GET", "POST"}) {
    add_store_route(router, ctx.offload_pool(), method, "/oauth2/logout",
                    [c](const http::Request& req) { return logout(*c, req); });
  }
}

}  // namespace tessera::api
