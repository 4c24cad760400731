#include "api/web_pages.h"

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>
#include <utility>

#include "api/account_pages.h"
#include "base/text_template.h"
#include "http/cookies.h"
#include "http/form.h"
#include "uri/uri.h"

namespace tessera::api {
namespace {

constexpr std::string_view kStaticPrefix = "static/";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string etag_of(const EmbeddedFile& file) {
  // 128 bits of the SHA-256 are plenty to tell versions apart.
  return "\"" + std::string(file.sha256.substr(0, 32)) + "\"";
}

// RFC 9110 section 13.1.2: If-None-Match uses the weak comparison, so W/"x" matches "x".
bool none_match_hits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (item == "*") return true;
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag) return true;
  }
  return false;
}

const EmbeddedFile& required_file(std::string_view path) {
  const EmbeddedFile* file = find_web_file(path);
  if (file == nullptr) {
    throw std::logic_error("web/" + std::string(path) + " was not embedded at build time");
  }
  return *file;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

}  // namespace

std::string hidden_unless(bool shown) { return shown ? std::string() : std::string("hidden"); }

void set_form_referrer_policy(http::Headers& headers) {
  headers.set("Referrer-Policy", "same-origin");
}

void set_page_security_headers(http::Headers& headers) {
  headers.set("Content-Security-Policy", std::string(kPageContentSecurityPolicy));
  headers.set("X-Frame-Options", "DENY");
  headers.set("Referrer-Policy", "no-referrer");
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  headers.set("Cross-Origin-Resource-Policy", "same-origin");
}

std::string html_escape(std::string_view text) { return base::html_escape(text); }

std::string render_template(std::string_view tmpl,
                            std::span<const std::pair<std::string_view, std::string>> vars) {
  return base::fill_template(
      tmpl,
      [&](std::string_view name) -> std::optional<std::string_view> {
        for (const auto& [key, value] : vars) {
          if (key == name) return value;
        }
        return std::nullopt;
      },
      base::Escape::kHtml);
}

const EmbeddedFile* find_web_file(std::string_view path) {
  for (const EmbeddedFile& file : embedded_web_files()) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

std::string_view media_type_for(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
  }};
  for (const auto& [ext, type] : kTypes) {
    if (ends_with(path, ext)) return type;
  }
  return "application/octet-stream";
}

bool has_cookie(const http::Request& req, std::string_view name) {
  // Every Cookie field, read as http/cookies.h reads them (the one Cookie parser).
  const http::Cookies jar = http::parse_cookies(req.headers);
  for (const http::Cookies::Pair& p : jar.pairs()) {
    if (p.name == name && !p.value.empty()) return true;
  }
  return false;
}

http::Response redirect(std::string_view location) {
  http::Response res;
  res.status = 303;  // RFC 9110 section 15.4.4: the target is fetched with GET
  res.headers.set("Location", std::string(location));
  res.headers.set("Cache-Control", "no-store");
  set_page_security_headers(res.headers);
  return res;
}

http::Response template_page(std::string_view file,
                             std::span<const std::pair<std::string_view, std::string>> vars,
                             int status, std::string_view csp) {
  http::Response res = http::make_response(status, render_template(required_file(file).data, vars),
                                           "text/html; charset=utf-8");
  // Pages may carry the user's data (account) and depend on who asks: never stored.
  res.headers.set("Cache-Control", "no-store");
  set_page_security_headers(res.headers);
  res.headers.set("Content-Security-Policy", std::string(csp));
  return res;
}

http::Response form_page(std::string_view file,
                         std::span<const std::pair<std::string_view, std::string>> vars,
                         std::string_view target_uri) {
  std::string csp(kPageContentSecurityPolicy);
  if (auto target = uri::csp_source_of(target_uri)) {
    const std::string_view from = "form-action 'self'";
    csp.insert(csp.find(from) + from.size(), " " + *target);
  }
  http::Response res = template_page(file, vars, 200, csp);
  set_form_referrer_policy(res.headers);
  return res;
}

namespace {

// The HTML of the provider buttons (web/login.html's federation block), every value escaped.
std::string federation_buttons_html(std::span<const FederationButton> buttons,
                                    std::string_view return_to) {
  std::string html;
  for (const FederationButton& b : buttons) {
    if (b.available) {
      std::string href = "/auth/federation/" + uri::percent_encode(b.id) + "/start";
      if (!return_to.empty()) href += "?return_to=" + uri::percent_encode(return_to);
      html += "<a class=\"button secondary federation\" data-provider=\"" + html_escape(b.id) +
              "\" href=\"" + html_escape(href) + "\">Sign in with " + html_escape(b.name) +
              "</a>\n";
    } else {
      html += "<span class=\"button secondary federation\" data-provider=\"" + html_escape(b.id) +
              "\" aria-disabled=\"true\">" + html_escape(b.name) +
              " is unavailable right now</span>\n";
    }
  }
  return html;
}

}  // namespace

http::Response login_page(std::string_view return_to, std::string_view login_hint,
                          bool offer_signup, std::span<const FederationButton> buttons) {
  std::array<std::pair<std::string_view, std::string>, 4> vars = {
      {{"return_to", std::string(return_to)},
       {"login_hint", std::string(login_hint)},
       {"signup_hidden", hidden_unless(offer_signup)},
       {"federation_hidden", hidden_unless(!buttons.empty())}}};
  http::Response res = template_page("login.html", vars);
  // The one block of markup built here rather than in the template: a list of links.
  constexpr std::string_view kMarker = "<!--federation-buttons-->";
  if (auto at = res.body.find(kMarker); at != std::string::npos) {
    res.body.replace(at, kMarker.size(), federation_buttons_html(buttons, return_to));
  }
  return res;
}

http::Response account_page(const std::optional<Viewer>& viewer) {
  std::array<std::pair<std::string_view, std::string>, 4> vars;
  if (viewer) {
    vars = {{{"email", viewer->email},
             {"user_id", viewer->user_id},
             {"roles", join(viewer->roles, ", ")},
             {"email_state", viewer->email_verified ? "Confirmed" : "Not confirmed yet"}}};
  }
  return template_page("account.html", vars);
}

http::Response static_file(const http::Request& req, const EmbeddedFile& file) {
  std::string etag = etag_of(file);
  http::Response res;
  if (auto inm = req.headers.get("If-None-Match"); inm && none_match_hits(*inm, etag)) {
    res.status = 304;  // RFC 9110 section 15.4.5: no body, same validators
  } else {
    res = http::make_response(200, std::string(file.data), std::string(media_type_for(file.path)));
  }
  // Revalidate every time (a cheap 304): a new build's assets are picked up at once, with no
  // versioned URLs to keep in step with the templates.
  res.headers.set("Cache-Control", "no-cache");
  res.headers.set("ETag", std::move(etag));
  set_page_security_headers(res.headers);
  return res;
}

void add_web_routes(http::Router& router, WebPagesOptions options) {
  // Fail at startup, not at the first request, if the build lost a template.
  required_file("login.html");
  required_file("account.html");
  auto viewer = std::make_shared<const ViewerLookup>(std::move(options.viewer));

  // Without a lookup, a request with neither cookie is surely signed out; one with a cookie
  // may be (the account page's script finds out).
  auto maybe_signed_in = [names = options.cookies](const http::Request& req) {
    return has_cookie(req, names.session) || has_cookie(req, names.access);
  };
  auto add = options.add_viewer_route
                 ? std::move(options.add_viewer_route)
                 : [&router](const std::string& method, const std::string& path, http::Handler h) {
                     router.add(method, path, std::move(h));
                   };
  add("GET", "/", [viewer, maybe_signed_in](const http::Request& req) {
    bool signed_in = *viewer ? (*viewer)(req).has_value() : maybe_signed_in(req);
    return redirect(signed_in ? "/account" : "/login");
  });
  const bool open_signup = options.open_signup;
  std::function<bool(std::string_view)> allowed =
      options.return_target_allowed ? std::move(options.return_target_allowed)
                                    : [](std::string_view t) { return safe_return_to(t); };
  auto buttons = options.federation_buttons;
  add("GET", "/login", [viewer, open_signup, allowed, buttons](const http::Request& req) {
    // ?return_to=TARGET (a path from /oauth2/authorize, or the URL /auth/verify sent a browser
    // here from) and ?login_hint=EMAIL; anything else, a repeated or malformed parameter
    // included, is ignored: this page has nothing to refuse. A target not allowed is dropped.
    std::string return_to, login_hint;
    if (auto fields = http::parse_form(req.query)) {
      return_to = http::form_field(*fields, "return_to").value_or("");
      login_hint = http::form_field(*fields, "login_hint").value_or("");
    }
    if (!allowed(return_to)) return_to.clear();
    if (*viewer) {
      if (std::optional<Viewer> who = (*viewer)(req)) {
        return redirect(return_to.empty() || who->must_enrol ? "/account" : return_to);
      }
    }
    return login_page(return_to, login_hint, open_signup,
                      buttons ? buttons() : std::vector<FederationButton>{});
  });
  // The same page for everyone signed out: rendered once.
  add("GET", "/signup",
      [viewer,
       page = lifecycle_page(LifecyclePage::kSignup, {}, options)](const http::Request& req) {
        if (*viewer && (*viewer)(req)) return redirect("/account");
        return page;
      });
  add("GET", "/account", [viewer, maybe_signed_in](const http::Request& req) {
    if (!*viewer) return maybe_signed_in(req) ? account_page(std::nullopt) : redirect("/login");
    std::optional<Viewer> who = (*viewer)(req);
    if (!who) return redirect("/login");
    return account_page(who);
  });
  // The account lifecycle's pages (api/account_pages.h). Opening one changes nothing: an
  // emailed link's token stays in the page's URL until the form's POST uses it (the JSON API's,
  // or the page's own: api/account_forms.h). A link without its token says so at once.
  auto lifecycle_options = std::make_shared<const WebPagesOptions>(options);
  for (LifecyclePage page : kLifecyclePages) {
    required_file(lifecycle_file(page));
    if (page == LifecyclePage::kSignup) continue;  // above: it looks at the viewer
    router.add("GET", std::string(lifecycle_path(page)),
               [page, lifecycle_options](const http::Request& req) {
                 PageView view;
                 if (is_link_page(page) && !link_token(req)) {
                   view = {.shows = PageView::Shows::kDeadLink,
                           .error = std::string(kIncompleteLink)};
                 }
                 return lifecycle_page(page, view, *lifecycle_options);
               });
  }
  for (const EmbeddedFile& file : embedded_web_files()) {
    if (!file.path.starts_with(kStaticPrefix)) continue;  // templates are not served raw
    router.add("GET", "/" + std::string(file.path),
               [&file](const http::Request& req) { return static_file(req, file); });
  }
}

}  // namespace tessera::api
