// The browser pages (issue 3 "Browser pages"): a server-rendered login page and account page,
// and their one script and one stylesheet, all from web/ compiled into the binary
// (api/web_assets.h). The pages talk to the JSON API (/auth/login, /auth/me, /auth/sessions,
// ...) from web/static/app.js; nothing here authenticates anyone.
//
// Routes (add_web_routes):
//   GET /              303 to /account when signed in, else to /login
//   GET /login         the login form; 303 to /account (or the return_to) when the viewer
//                      lookup finds a session
//   GET /account       the account page; 303 to /login when signed out (see WebPagesOptions)
//   GET /signup        the sign-up form (auth.open_signup; else a page saying sign-up is
//                      closed); 303 to /account when the viewer lookup finds a session
//   GET /forgot-password, /reset-password, /verify-email, /confirm-email-change
//                      the account lifecycle's pages (api/account_pages.h): opening one
//                      changes nothing (a link page without its ?token= says the link is
//                      incomplete); only its form's POST does, sent by the page's script to the
//                      JSON API (api/account_handlers.h) or, without JavaScript, by the browser
//                      to the page's own path (POST /signup, /forgot-password, ...:
//                      api/account_forms.h, registered by the app beside these)
//   GET /static/FILE   each file under web/static/ (ETag, 304 on If-None-Match)
// HEAD works on each (the router runs GET; the server sends no body).
//
// Every response here carries the page security headers (set_page_security_headers): a
// Content-Security-Policy that allows only same-origin script, style, images and fetches, no
// inline code, no plugins, no framing (also X-Frame-Options: DENY), no <base>, and form posts
// only to this origin (a lifecycle page's form is answered with a page, not a redirect, so
// form-action 'self' covers it); Referrer-Policy: no-referrer, or same-origin on the pages whose
// plain HTML forms post here (the lifecycle pages, consent, logout: see form_page). The CSRF
// check reads Origin first and falls back to Referer only when Origin is absent; the login and
// account pages' unsafe requests are fetch() calls, which always send Origin, so the missing
// Referer costs nothing.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/cookie_names.h"
#include "api/return_target.h"
#include "api/web_assets.h"
#include "http/message.h"
#include "http/router.h"

namespace tessera::api {

inline constexpr std::string_view kPageContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// One "Sign in with ..." button of the login page (SPEC.md "Federated sign-in"): a plain link
// to /auth/federation/{id}/start, so it works without JavaScript and is not a form (the
// page's CSP has form-action 'self', which would also apply to the redirect to the provider).
// An unavailable provider's button says so and links nowhere.
struct FederationButton {
  std::string id;
  std::string name;
  bool available = true;
};

// Who is signed in, as far as a page needs to know. Rendered HTML-escaped.
struct Viewer {
  std::string user_id;  // UUID
  std::string email;
  std::vector<std::string> roles;
  // The user must set up a second factor first (auth.require_mfa_roles): the account page,
  // where that is done, is the only page for them; /login sends them there, never to a
  // return_to (the authorization endpoint would send them back: a redirect loop).
  bool must_enrol = false;
  bool email_verified = false;  // the account page says whether the address is confirmed
};

// The signed-in viewer behind a request's cookies, or nullopt. Runs for each page request on
// an I/O thread (or a store worker: add_viewer_route), so it must not block for long (a
// session lookup, never a password hash).
using ViewerLookup = std::function<std::optional<Viewer>(const http::Request&)>;

struct WebPagesOptions {
  // Unset (until the session service is wired in): GET / and GET /account go by the presence
  // of a session or access cookie (none: to /login), /login never redirects, and the account
  // page is rendered without the user; its script fills it from GET /auth/me and sends a
  // signed-out browser to /login. (A stale cookie therefore costs one extra hop, never a
  // redirect loop: /login does not redirect on a mere cookie.)
  ViewerLookup viewer;
  // The cookies whose presence means "maybe signed in" when `viewer` is unset (the session and
  // access cookies; the server passes its configured names).
  CookieNames cookies = cookie_names("");
  // Registers the routes that call `viewer` (GET /, /login, /account); unset: Router::add.
  // The server passes api::add_store_route, so that with networked stores the lookup runs on
  // the store pool (api/store_routes.h).
  std::function<void(const std::string& method, const std::string& path, http::Handler)>
      add_viewer_route;
  // auth.open_signup: the login page offers "Create an account" and /signup shows its form;
  // off, /signup says that this server does not take sign-ups.
  bool open_signup = false;
  // email.smtp_url or outbox_only (app/config_email.h enabled()): a sign-up mails a link to
  // confirm the address, and the sign-up page says to check the inbox; off, it says to sign in.
  bool email_enabled = false;
  // auth.password_min_length: what the sign-up and reset pages say a password needs.
  std::size_t password_min_length = 8;
  // Whether /login may send the browser back to a ?return_to= once signed in: the server
  // passes ReturnTargets::allows (api/return_target.h: the authorization endpoint, or a URL on
  // an allowed origin, e.g. the page a gateway protected). Unset: safe_return_to only.
  std::function<bool(std::string_view)> return_target_allowed;
  // The configured upstream providers, asked at each /login (their availability changes);
  // unset: none.
  std::function<std::vector<FederationButton>()> federation_buttons;
};

// Registers the routes above. REQUIRES: the paths are not registered yet (the router throws
// std::logic_error), and web/ held login.html and account.html at build time (else throws
// std::logic_error: a build bug, found at startup).
void add_web_routes(http::Router& router, WebPagesOptions options = {});

// ---- The pieces, for tests and for handlers elsewhere that answer with a page ----

// CSP, X-Frame-Options, Referrer-Policy, X-Content-Type-Options and the cross-origin
// isolation headers (COOP, CORP) described above.
void set_page_security_headers(http::Headers& headers);

// `text` with & < > " ' replaced by character references: safe in element content and in
// quoted attribute values.
std::string html_escape(std::string_view text);

// `tmpl` with each {{name}} replaced by html_escape(value of name) from `vars`; a name not in
// `vars` becomes empty. Text outside placeholders is copied unchanged.
std::string render_template(std::string_view tmpl,
                            std::span<const std::pair<std::string_view, std::string>> vars);

// The value of a {{name_hidden}} placeholder, written inside an element's start tag: the
// boolean attribute `hidden` (app.css: display none) unless the element is to show.
std::string hidden_unless(bool shown);

// Referrer-Policy: same-origin, for a page whose plain HTML form posts to this server (see
// form_page below for why not no-referrer).
void set_form_referrer_policy(http::Headers& headers);

// The embedded file at `path` (relative to web/), or nullptr.
const EmbeddedFile* find_web_file(std::string_view path);

// Media type for a file name by extension ("text/javascript; charset=utf-8" for ".js"),
// application/octet-stream when unknown.
std::string_view media_type_for(std::string_view path);

// Whether the request carries a cookie `name` with a non-empty value.
bool has_cookie(const http::Request& req, std::string_view name);

// 303 See Other to `location` (a path on this origin), not cacheable.
http::Response redirect(std::string_view location);

// The login page (text/html, not cacheable). `return_to`: where the browser goes once signed in
// (REQUIRES: checked, see WebPagesOptions::return_target_allowed; "": the account page);
// `login_hint`: the email to prefill;
// `offer_signup`: the "Create an account" link shows (auth.open_signup); `buttons`: one per
// upstream provider, each carrying the return_to on to its start.
http::Response login_page(std::string_view return_to = {}, std::string_view login_hint = {},
                          bool offer_signup = false,
                          std::span<const FederationButton> buttons = {});

// The template web/`file` rendered with `vars` as a page: `status`, not cacheable, the page
// security headers with `csp` as the Content-Security-Policy.
http::Response template_page(std::string_view file,
                             std::span<const std::pair<std::string_view, std::string>> vars,
                             int status = 200, std::string_view csp = kPageContentSecurityPolicy);

// A page whose plain HTML form posts to this server and is answered with a redirect to another
// site (`target_uri`: the consent and logout forms, answered with a redirect to the app). Two
// headers differ from template_page():
//   - the CSP's form-action also allows target_uri's origin (or its scheme, for a private-use
//     scheme), since browsers apply form-action to the redirect that answers a form too;
//   - Referrer-Policy is same-origin, not no-referrer: under no-referrer a browser sends
//     `Origin: null` with a form POST (Fetch: a navigation's origin is serialized as null when
//     its referrer policy is no-referrer), which the CSRF origin check must refuse. same-origin
//     still sends no Referer to any other site.
// An empty or unparsable target_uri adds nothing to form-action.
http::Response form_page(std::string_view file,
                         std::span<const std::pair<std::string_view, std::string>> vars,
                         std::string_view target_uri);

// The account page; the who-am-I fields (and whether the address is confirmed) are filled when
// `viewer` is known, else empty.
http::Response account_page(const std::optional<Viewer>& viewer);

// `file` with its media type, `Cache-Control: no-cache` and a strong ETag from its SHA-256;
// 304 without a body when the request's If-None-Match lists that ETag (or is "*").
http::Response static_file(const http::Request& req, const EmbeddedFile& file);

}  // namespace tessera::api
