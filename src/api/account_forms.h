// The account lifecycle's forms without JavaScript (issue 18 "Pages"): each page of
// api/account_pages.h posts its plain HTML form to its own path, and the answer is the page
// again, rendered here in its new state. With JavaScript the pages' scripts send the same forms
// to the JSON API instead (api/account_handlers.h, /auth/signup in api/auth_handlers.h); both
// make the same auth-layer call, and a refusal has the status, Retry-After and detail the JSON
// API gives it (api/error_mapping.h), told in the words the scripts use (api/page_words.h).
//
//   POST /signup                 email, password, confirm_password -> the "check your inbox"
//                                (or "ready") words, the same for a new and a taken address
//   POST /forgot-password        email -> the same page for a known and an unknown address
//   POST /reset-password?token=T new_password, confirm_password -> "your password was
//                                changed" with a link to sign in; no cookie, no token
//   POST /verify-email?token=T   (no fields: the button) -> "... is confirmed"
//   POST /confirm-email-change?token=T  (no fields) -> "you now sign in with ..."
// The link pages' forms have no action, so the browser posts them to the URL the link opened,
// token included (api/account_pages.h).
//
// Each answer, in order:
//   1. 403 and nothing done unless the browser names an allowed origin
//      (CsrfGuard::check_form_origin: login CSRF, with Origin or Referer required);
//   2. 400 for a form that is not exactly the page's (read_page_form), or a link page without
//      its token (the way to a new link);
//   3. 400 when the two passwords differ (what the script checks before sending);
//   4. the auth layer's refusal: the JSON API's status, Retry-After copied, the form again with
//      the words above it; a link that cannot work (invalid_link) shows the way to a new one;
//   5. success: 200 and the page's "done" state.
// Nothing here changes on GET (api/web_pages.h serves those).
#pragma once

#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "http/router.h"

namespace tessera::api {

class ApiContext;
struct WebPagesOptions;

// Registers the routes above. `ctx` must outlive the router; `pages` says what the pages show
// (app::page_options).
void add_account_form_routes(http::Router& router, const ApiContext& ctx,
                             const WebPagesOptions& pages);

// ---- The pieces, for tests ----

// The largest form body a page takes: its fields are an address and two passwords.
inline constexpr std::size_t kMaxPageFormBytes = 16 * 1024;

// The values of a page's form, in the order of `names`: Content-Type
// application/x-www-form-urlencoded, at most kMaxPageFormBytes, well-formed (http::parse_form),
// each of `names` exactly once and no other field. Else why not (for tests and logs; the page
// says kMalformedForm).
std::expected<std::vector<std::string>, std::string> read_page_form(
    const http::Request& req, std::span<const std::string_view> names);

}  // namespace tessera::api
