// The account lifecycle's pages (issue 18 "Pages"): sign-up, forgot password, and the pages the
// emailed links open (reset password, confirm the address, confirm a new address). Each is one
// template under web/ rendered in one of three states:
//   - the form: a GET, or a refusal the person can fix (its words above the form, role=alert);
//   - done: what happened, in the words the page's script shows too (role=status), the form
//     gone;
//   - a dead link: a link that cannot work (used, expired, unknown, or cut short), its words
//     beside the way to a new link, the form gone.
// With JavaScript the script (web/static/signup.js, account_links.js) submits the form to the
// JSON API and switches the states itself; the words of "done" and of the page-level checks
// live in the templates (filled from here), so both ways say the same. Without JavaScript the
// form posts to the page's own path and api/account_forms.h answers with the page in its new
// state.
//
// Every lifecycle page has Referrer-Policy: same-origin (form_page's reason: under no-referrer
// a browser's form POST says `Origin: null`, which the origin check must refuse). The link
// pages' token stays in their URL (their forms have no action: they post to the URL they were
// opened at); same-origin sends that URL only to this server, never to another site.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace tessera::api {

struct WebPagesOptions;  // api/web_pages.h

enum class LifecyclePage : std::uint8_t {
  kSignup,              // GET|POST /signup              signup.html
  kForgotPassword,      // GET|POST /forgot-password     forgot_password.html
  kResetPassword,       // GET|POST /reset-password      reset_password.html (a link page)
  kVerifyEmail,         // GET|POST /verify-email        verify_email.html (a link page)
  kConfirmEmailChange,  // GET|POST /confirm-email-change  confirm_email_change.html (a link page)
};

inline constexpr LifecyclePage kLifecyclePages[] = {
    LifecyclePage::kSignup, LifecyclePage::kForgotPassword, LifecyclePage::kResetPassword,
    LifecyclePage::kVerifyEmail, LifecyclePage::kConfirmEmailChange};

// The page's path ("/reset-password") and its template under web/ ("reset_password.html").
std::string_view lifecycle_path(LifecyclePage page);
std::string_view lifecycle_file(LifecyclePage page);
// Whether the page is opened from an emailed link and needs its ?token=.
bool is_link_page(LifecyclePage page);

// What a page shows.
struct PageView {
  enum class Shows : std::uint8_t { kForm, kDone, kDeadLink };
  Shows shows = Shows::kForm;
  std::string error;  // words for the person (role=alert); empty: none
  std::string email;  // the form's prefill, and the address the done words name
};

// Words the server says without the scripts' help (a link without its token, a form from
// another site, a form that does not decode).
inline constexpr std::string_view kIncompleteLink =
    "This link is not complete. Open the whole link from your email again, or ask for a new one.";
inline constexpr std::string_view kCrossSiteForm =
    "This form was not sent from this site's own page, so nothing was changed. Open the page "
    "again and send the form from there.";
inline constexpr std::string_view kMalformedForm =
    "Something in the form was not right, so nothing was changed. Fill it in again and send it.";

// The words when the two password fields differ: the script checks before sending (it reads
// them from the form's data-mismatch), the server when the form comes without it.
std::string_view passwords_differ(LifecyclePage page);

// `page` in state `view`, with `status` (not cacheable, the page security headers,
// Referrer-Policy: same-origin). `options` gives what every state shows (password length,
// whether sign-up is open, whether a sign-up mails a link). Every placeholder is HTML-escaped.
http::Response lifecycle_page(LifecyclePage page, const PageView& view,
                              const WebPagesOptions& options, int status = 200);

// The non-empty token of a link page's URL (?token=...), read as one query field; nullopt
// when it is absent, empty, repeated or the query does not decode. Other query fields (a mail
// program's tracking parameters) are ignored.
std::optional<std::string> link_token(const http::Request& req);

}  // namespace tessera::api
