#include "api/account_pages.h"

#include <array>
#include <utility>

#include "api/web_pages.h"
#include "http/form.h"

namespace tessera::api {
namespace {

struct PageFiles {
  std::string_view path;
  std::string_view file;
};

PageFiles files_of(LifecyclePage page) {
  switch (page) {
    case LifecyclePage::kSignup:
      return {"/signup", "signup.html"};
    case LifecyclePage::kForgotPassword:
      return {"/forgot-password", "forgot_password.html"};
    case LifecyclePage::kResetPassword:
      return {"/reset-password", "reset_password.html"};
    case LifecyclePage::kVerifyEmail:
      return {"/verify-email", "verify_email.html"};
    case LifecyclePage::kConfirmEmailChange:
      return {"/confirm-email-change", "confirm_email_change.html"};
  }
  return {"/signup", "signup.html"};
}

// What the sign-up page says once it was sent: the same for a new and a taken address. With
// mail (email.smtp_url) a link to confirm the address is on its way; without, the account is
// ready.
std::pair<std::string_view, std::string_view> signup_done_words(bool email_enabled) {
  if (email_enabled) {
    return {"Check your inbox: we sent a link to confirm your address.",
            "Open the link to confirm it, then sign in. The email can take a few minutes; if it "
            "does not come, look in your spam folder."};
  }
  return {"Thank you. If the address can be used, your account is ready.", "Sign in to continue."};
}

}  // namespace

std::string_view lifecycle_path(LifecyclePage page) { return files_of(page).path; }

std::string_view lifecycle_file(LifecyclePage page) { return files_of(page).file; }

bool is_link_page(LifecyclePage page) {
  return page == LifecyclePage::kResetPassword || page == LifecyclePage::kVerifyEmail ||
         page == LifecyclePage::kConfirmEmailChange;
}

std::string_view passwords_differ(LifecyclePage page) {
  return page == LifecyclePage::kSignup
             ? "The two passwords are not the same. Type your password twice."
             : "The two passwords are not the same. Type the new password twice.";
}

http::Response lifecycle_page(LifecyclePage page, const PageView& view,
                              const WebPagesOptions& options, int status) {
  using Shows = PageView::Shows;
  const auto [done_text, done_next] = signup_done_words(options.email_enabled);
  const std::array<std::pair<std::string_view, std::string>, 13> vars = {{
      {"password_min_length", std::to_string(options.password_min_length)},
      {"error", view.error},
      {"error_hidden", hidden_unless(!view.error.empty())},
      {"form_hidden", hidden_unless(view.shows == Shows::kForm)},
      {"done_hidden", hidden_unless(view.shows == Shows::kDone)},
      {"new_link_hidden", hidden_unless(view.shows == Shows::kDeadLink)},
      {"hidden_when_done", hidden_unless(view.shows != Shows::kDone)},
      {"email", view.email},
      {"passwords_differ", std::string(passwords_differ(page))},
      // The sign-up page: its form only when auth.open_signup, else the words that it is closed.
      {"open_hidden", hidden_unless(options.open_signup)},
      {"closed_hidden", hidden_unless(!options.open_signup)},
      {"done_text", std::string(done_text)},
      {"done_next", std::string(done_next)},
  }};
  http::Response res = template_page(lifecycle_file(page), vars, status);
  set_form_referrer_policy(res.headers);
  return res;
}

std::optional<std::string> link_token(const http::Request& req) {
  auto fields = http::parse_form(req.query);
  if (!fields) return std::nullopt;
  auto token = http::form_field(*fields, "token");
  if (!token || token->empty()) return std::nullopt;
  return std::string(*token);
}

}  // namespace tessera::api
