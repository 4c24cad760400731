#include "api/account_forms.h"

#include <array>
#include <memory>
#include <utility>

#include "api/account_pages.h"
#include "api/api_context.h"
#include "api/error_mapping.h"
#include "api/page_words.h"
#include "api/store_routes.h"
#include "api/web_pages.h"
#include "http/form.h"

namespace tessera::api {
namespace {

using http::Request;
using http::Response;
using Shows = PageView::Shows;

// The words of a link that cannot work when the server gave none (account_links.js says so).
constexpr std::string_view kDeadLinkWords = "This link does not work any more.";

// The words when the server cannot send mail: the JSON API's 503 not_configured
// (account_links.js mailWords says the same).
constexpr std::string_view kMailOffWords =
    "This server cannot send email right now, so no link can be sent. Ask the people who run it "
    "for help.";

// The sign-up page's words for its 403 (signup.js says the same).
constexpr std::string_view kSignupClosedWords =
    "This server does not take new sign-ups. Ask the people who run it for an account.";

// One page's form handling: what every answer of that page needs.
class FormPage {
 public:
  FormPage(const ApiContext& ctx, std::shared_ptr<const WebPagesOptions> options,
           LifecyclePage page)
      : ctx_(&ctx), options_(std::move(options)), page_(page) {}

  const ApiContext& ctx() const { return *ctx_; }

  Response show(const PageView& view, int status = 200) const {
    return lifecycle_page(page_, view, *options_, status);
  }

  // Steps 1 and 2 (account_forms.h): the origin, then the form's fields (in the order of
  // `names`), else the page as `view` says with the words of what went wrong.
  std::expected<std::vector<std::string>, Response> accept(const Request& req,
                                                           std::span<const std::string_view> names,
                                                           PageView view) const {
    if (auto origin = ctx_->csrf().check_form_origin(req); !origin) {
      view.error = std::string(kCrossSiteForm);
      return std::unexpected(show(view, origin.error().status));
    }
    auto fields = read_page_form(req, names);
    if (!fields) {
      view.error = std::string(kMalformedForm);
      return std::unexpected(show(view, 400));
    }
    return std::move(*fields);
  }

  // Step 4: the auth layer's refusal as the JSON API answers it, in the scripts' words.
  Response refused(const auth::Error& error, PageView view) const {
    const Response problem = error_response(error);
    if (problem_code(problem) == "invalid_link") {
      view.shows = Shows::kDeadLink;
      view.error = problem_detail(problem);
      if (view.error.empty()) view.error = std::string(kDeadLinkWords);
    } else {
      std::vector<OwnWords> own;
      if (problem.status == 503 && problem_code(problem) == http::codes::kNotConfigured.value()) {
        own.push_back({.status = 503, .words = kMailOffWords});
      }
      if (page_ == LifecyclePage::kSignup)
        own.push_back({.status = 403, .words = kSignupClosedWords});
      view.shows = Shows::kForm;
      view.error = describe_problem(problem, own);
    }
    Response res = show(view, problem.status);
    if (auto wait = problem.headers.get("Retry-After"))
      res.headers.set("Retry-After", std::string(*wait));
    return res;
  }

 private:
  const ApiContext* ctx_;
  std::shared_ptr<const WebPagesOptions> options_;
  LifecyclePage page_;
};

// A link page's token, or the page's way to a new link (400).
std::expected<std::string, Response> token_of(const FormPage& fp, const Request& req) {
  if (auto token = link_token(req)) return std::move(*token);
  return std::unexpected(
      fp.show({.shows = Shows::kDeadLink, .error = std::string(kIncompleteLink)}, 400));
}

// Step 3: the two password fields agree.
std::expected<void, Response> same_passwords(const FormPage& fp, LifecyclePage page,
                                             std::string_view a, std::string_view b,
                                             PageView view) {
  if (a == b) return {};
  view.error = std::string(passwords_differ(page));
  return std::unexpected(fp.show(view, 400));
}

constexpr std::array<std::string_view, 3> kSignupFields = {"email", "password", "confirm_password"};
constexpr std::array<std::string_view, 1> kForgotFields = {"email"};
constexpr std::array<std::string_view, 2> kResetFields = {"new_password", "confirm_password"};

// POST /signup: AuthService::signup, as POST /auth/signup; the same page for a new and a taken
// address.
void signup(const FormPage& fp, const Request& req, const http::Responder& respond) {
  auto f = fp.accept(req, kSignupFields, {});
  if (!f) return respond(std::move(f.error()));
  PageView view{.email = (*f)[0]};
  if (auto same = same_passwords(fp, LifecyclePage::kSignup, (*f)[1], (*f)[2], view); !same) {
    return respond(std::move(same.error()));
  }
  fp.ctx().auth().signup(std::move((*f)[0]), std::move((*f)[1]), fp.ctx().request_context(req),
                         [fp, view, respond](std::expected<auth::Signup, auth::Error> r) mutable {
                           if (!r) return respond(fp.refused(r.error(), std::move(view)));
                           view.shows = Shows::kDone;
                           respond(fp.show(view));
                         });
}

// POST /forgot-password: AccountLifecycle::forgot_password, as POST /auth/password/forgot; the
// same page for a known and an unknown address.
Response forgot(const FormPage& fp, const Request& req) {
  auto f = fp.accept(req, kForgotFields, {});
  if (!f) return std::move(f.error());
  PageView view{.email = (*f)[0]};
  auto r = fp.ctx().lifecycle().forgot_password(view.email, fp.ctx().request_context(req));
  if (!r) return fp.refused(r.error(), std::move(view));
  view.shows = Shows::kDone;
  return fp.show(view);
}

// POST /reset-password?token=T: AccountLifecycle::reset_password, as POST /auth/password/reset.
// A refused password leaves the link usable: the form again.
void reset(const FormPage& fp, const Request& req, const http::Responder& respond) {
  auto f = fp.accept(req, kResetFields, {});
  if (!f) return respond(std::move(f.error()));
  auto token = token_of(fp, req);
  if (!token) return respond(std::move(token.error()));
  if (auto same = same_passwords(fp, LifecyclePage::kResetPassword, (*f)[0], (*f)[1], {}); !same) {
    return respond(std::move(same.error()));
  }
  fp.ctx().lifecycle().reset_password(std::move(*token), std::move((*f)[0]),
                                      fp.ctx().request_context(req),
                                      [fp, respond](std::expected<store::User, auth::Error> r) {
                                        if (!r) return respond(fp.refused(r.error(), {}));
                                        respond(fp.show({.shows = Shows::kDone}));
                                      });
}

// POST /verify-email?token=T and /confirm-email-change?token=T: a button and the link's token;
// `use` is AccountLifecycle::verify_email or confirm_email_change (as POST /auth/email/verify
// and /auth/email/change/confirm). Done names the address.
template <typename Use>
Response use_link(const FormPage& fp, const Request& req, Use use) {
  auto f = fp.accept(req, {}, {});
  if (!f) return std::move(f.error());
  auto token = token_of(fp, req);
  if (!token) return std::move(token.error());
  auto user = use(*token, fp.ctx().request_context(req));
  if (!user) return fp.refused(user.error(), {});
  return fp.show({.shows = Shows::kDone, .email = user->email});
}

}  // namespace

std::expected<std::vector<std::string>, std::string> read_page_form(
    const http::Request& req, std::span<const std::string_view> names) {
  if (!http::has_media_type(req, "application/x-www-form-urlencoded")) {
    return std::unexpected("the body must be application/x-www-form-urlencoded");
  }
  if (req.body.size() > kMaxPageFormBytes) return std::unexpected("the form is too long");
  auto fields = http::parse_form(req.body);
  if (!fields) return std::unexpected(fields.error());
  std::vector<std::string> values;
  for (std::string_view name : names) {
    auto value = http::form_field(*fields, name);
    if (!value)
      return std::unexpected("the field " + std::string(name) + " is missing or repeated");
    values.emplace_back(*value);
  }
  if (fields->size() != names.size()) return std::unexpected("the form has fields it should not");
  return values;
}

void add_account_form_routes(http::Router& router, const ApiContext& ctx,
                             const WebPagesOptions& pages) {
  auto options = std::make_shared<const WebPagesOptions>(pages);
  auth::HashPool* pool = ctx.offload_pool();
  // Each page's POST, on its own path; every one reads or writes the stores.
  auto add = [&](LifecyclePage p, auto handle) {
    add_store_route(
        router, pool, "POST", std::string(lifecycle_path(p)),
        [fp = FormPage(ctx, options, p), handle](const Request& req) { return handle(fp, req); });
  };
  auto add_async = [&](LifecyclePage p, auto handle) {
    add_store_route_async(router, pool, "POST", std::string(lifecycle_path(p)),
                          [fp = FormPage(ctx, options, p), handle](
                              Request req, http::Responder respond) { handle(fp, req, respond); });
  };
  add_async(LifecyclePage::kSignup, signup);
  add(LifecyclePage::kForgotPassword, forgot);
  add_async(LifecyclePage::kResetPassword, reset);
  add(LifecyclePage::kVerifyEmail, [](const FormPage& fp, const Request& req) {
    return use_link(fp, req, [&](const std::string& token, const auth::RequestContext& from) {
      return fp.ctx().lifecycle().verify_email(token, from);
    });
  });
  add(LifecyclePage::kConfirmEmailChange, [](const FormPage& fp, const Request& req) {
    return use_link(fp, req, [&](const std::string& token, const auth::RequestContext& from) {
      return fp.ctx().lifecycle().confirm_email_change(token, from);
    });
  });
}

}  // namespace tessera::api
