#include "api/web_pages.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "api/account_forms.h"
#include "api/account_pages.h"
#include "api/page_words.h"

namespace tessera::api {
namespace {

http::Request get(std::string path) {
  http::Request req;
  req.method = "GET";
  req.target = path;
  req.path = std::move(path);
  return req;
}

// `referrer_policy`: the lifecycle pages, whose forms post without JavaScript, send
// same-origin (api/account_pages.h).
void expect_security_headers(const http::Response& res,
                             std::string_view referrer_policy = "no-referrer") {
  EXPECT_EQ(res.headers.get("Content-Security-Policy"),
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  EXPECT_EQ(res.headers.get("X-Frame-Options"), "DENY");
  EXPECT_EQ(res.headers.get("Referrer-Policy"), referrer_policy);
  EXPECT_EQ(res.headers.get("X-Content-Type-Options"), "nosniff");
}

http::Router router_with(WebPagesOptions options = {}) {
  http::Router router;
  add_web_routes(router, std::move(options));
  return router;
}

TEST(WebAssets, EmbedsEveryWebFileByteForByte) {
  const EmbeddedFile* js = find_web_file("static/app.js");
  ASSERT_NE(js, nullptr);
  EXPECT_EQ(js->sha256.size(), 64u);
  EXPECT_NE(js->data.find("import { initLogin } from './login.js';"), std::string_view::npos);
  ASSERT_NE(find_web_file("static/app.css"), nullptr);
  ASSERT_NE(find_web_file("login.html"), nullptr);
  ASSERT_NE(find_web_file("account.html"), nullptr);
  EXPECT_EQ(find_web_file("nope.html"), nullptr);
  std::string_view previous;
  for (const EmbeddedFile& f : embedded_web_files()) {
    EXPECT_LT(previous, f.path) << "sorted, unique";
    previous = f.path;
  }
}

// The CSP forbids inline code; a template that relied on it would break silently in the
// browser, so the templates are checked here.
TEST(WebAssets, TemplatesHaveNoInlineScriptOrStyle) {
  for (std::string_view name :
       {"login.html", "account.html", "signup.html", "forgot_password.html", "reset_password.html",
        "verify_email.html", "confirm_email_change.html"}) {
    ASSERT_NE(find_web_file(name), nullptr) << name;
    std::string html(find_web_file(name)->data);
    SCOPED_TRACE(std::string(name));
    EXPECT_FALSE(std::regex_search(html, std::regex("<style", std::regex::icase)));
    EXPECT_FALSE(std::regex_search(html, std::regex("\\sstyle\\s*=", std::regex::icase)));
    EXPECT_FALSE(std::regex_search(html, std::regex("\\son[a-z]+\\s*=", std::regex::icase)));
    EXPECT_FALSE(std::regex_search(html, std::regex("javascript:", std::regex::icase)));
    // Every <script> has a same-origin src and no body.
    std::smatch m;
    std::string rest = html;
    int scripts = 0;
    while (std::regex_search(rest, m, std::regex("<script([^>]*)>([^<]*)</script>"))) {
      EXPECT_EQ(m[1].str(), " type=\"module\" src=\"/static/app.js\"");
      EXPECT_EQ(m[2].str(), "");
      ++scripts;
      rest = m.suffix();
    }
    EXPECT_EQ(scripts, 1);
  }
}

// The scripts: static/app.js, the ES module the templates load, and the modules it imports.
std::vector<const EmbeddedFile*> scripts() {
  std::vector<const EmbeddedFile*> out;
  for (const EmbeddedFile& f : embedded_web_files()) {
    if (f.path.starts_with("static/") && f.path.ends_with(".js")) out.push_back(&f);
  }
  return out;
}

TEST(WebAssets, ScriptNeverParsesServerDataAsHtml) {
  ASSERT_GE(scripts().size(), 2u);
  for (const EmbeddedFile* f : scripts()) {
    SCOPED_TRACE(std::string(f->path));
    for (std::string_view sink :
         {".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval(",
          "new Function", "setTimeout('", "setTimeout(\""}) {
      EXPECT_EQ(f->data.find(sink), std::string_view::npos) << sink;
    }
  }
}

// A module that imports a file the build did not embed fails in the browser only (the whole
// page's script stops): every relative import names an embedded sibling under static/.
TEST(WebAssets, ModulesImportOnlyEmbeddedSiblings) {
  const std::regex import_from(R"(\bfrom\s+'([^']*)')");
  int imports = 0;
  for (const EmbeddedFile* f : scripts()) {
    SCOPED_TRACE(std::string(f->path));
    const std::string js(f->data);
    for (auto it = std::sregex_iterator(js.begin(), js.end(), import_from);
         it != std::sregex_iterator(); ++it) {
      const std::string target = (*it)[1].str();
      ASSERT_TRUE(target.starts_with("./")) << target;
      EXPECT_NE(find_web_file("static/" + target.substr(2)), nullptr) << target;
      ++imports;
    }
  }
  EXPECT_GE(imports, 2);
}

TEST(HtmlEscape, EscapesTheFiveSpecials) {
  EXPECT_EQ(html_escape(R"(<a href="x">'&'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(html_escape("plain \xc3\xa9"), "plain \xc3\xa9");
}

TEST(RenderTemplate, SubstitutesEscapesAndDropsUnknownNames) {
  std::pair<std::string_view, std::string> vars[] = {{"name", "<b>"}, {"n", "1"}};
  EXPECT_EQ(render_template("a {{name}} b {{ n }} c {{missing}} d", vars), "a &lt;b&gt; b 1 c  d");
  EXPECT_EQ(render_template("no close {{name", vars), "no close {{name");
  EXPECT_EQ(render_template("", vars), "");
}

TEST(HasCookie, FindsANamedNonEmptyCookieInAnyCookieField) {
  http::Request req = get("/");
  req.headers.add("Cookie", "a=1; __Host-tessera_sessionx=2; b=");
  EXPECT_TRUE(has_cookie(req, "a"));
  EXPECT_FALSE(has_cookie(req, "b"));  // empty value
  EXPECT_FALSE(has_cookie(req, "__Host-tessera_session"));
  req.headers.add("cookie", "__Host-tessera_session=abc");
  EXPECT_TRUE(has_cookie(req, "__Host-tessera_session"));
}

TEST(WebRoutes, RootRedirectsByCookieWithoutAViewerLookup) {
  http::Router router = router_with();
  http::Response out = router.route(get("/"));
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(out.headers.get("Location"), "/login");
  EXPECT_EQ(out.headers.get("Cache-Control"), "no-store");
  expect_security_headers(out);

  http::Request in = get("/");
  in.headers.add("Cookie", "__Host-tessera_session=abc");
  EXPECT_EQ(router.route(in).headers.get("Location"), "/account");
}

TEST(WebRoutes, LoginAndAccountPagesWithoutAViewerLookup) {
  http::Router router = router_with();
  auto with_cookie = [](std::string path) {
    http::Request req = get(std::move(path));
    req.headers.add("Cookie", "__Host-tessera_session=maybe");
    return req;
  };
  // No cookie at all: surely signed out.
  http::Response bounced = router.route(get("/account"));
  EXPECT_EQ(bounced.status, 303);
  EXPECT_EQ(bounced.headers.get("Location"), "/login");
  for (std::string path : {"/login", "/account"}) {
    SCOPED_TRACE(path);
    http::Response res = router.route(with_cookie(path));
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.headers.get("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(res.headers.get("Cache-Control"), "no-store");
    expect_security_headers(res);
    EXPECT_NE(res.body.find("<script type=\"module\" src=\"/static/app.js\"></script>"),
              std::string::npos);
    EXPECT_EQ(res.body.find("{{"), std::string::npos) << "every placeholder rendered";
  }
  EXPECT_NE(router.route(get("/login")).body.find("data-page=\"login\""), std::string::npos);
  EXPECT_NE(router.route(with_cookie("/account")).body.find("<dd id=\"me-email\"></dd>"),
            std::string::npos);
  // /login never redirects on a mere cookie (a stale one would loop otherwise).
  EXPECT_EQ(router.route(with_cookie("/login")).status, 200);
}

// SPEC.md "Federated sign-in": one plain link per provider (no form: the CSP's form-action
// 'self' would stop the redirect to the provider), its name escaped and the return_to carried
// on percent-encoded; an unavailable provider links nowhere; no provider, no block.
TEST(LoginPage, FederationButtonsArePlainEscapedLinks) {
  const std::vector<FederationButton> buttons = {
      {.id = "corp", .name = "Corp <SSO> & co", .available = true},
      {.id = "down", .name = "Down", .available = false}};
  http::Response res = login_page("https://app.example.com/x?a=1&b=2", "", false, buttons);
  EXPECT_NE(res.body.find("<a class=\"button secondary federation\" data-provider=\"corp\" "
                          "href=\"/auth/federation/corp/start?return_to=https%3A%2F%2Fapp.example."
                          "com%2Fx%3Fa%3D1%26b%3D2\">Sign in with Corp &lt;SSO&gt; &amp; co</a>"),
            std::string::npos)
      << res.body;
  EXPECT_NE(res.body.find("data-provider=\"down\" aria-disabled=\"true\">Down is unavailable"),
            std::string::npos);
  EXPECT_EQ(res.body.find("/auth/federation/down/start"), std::string::npos);
  EXPECT_EQ(res.body.find("action=\"/auth/federation"), std::string::npos);
  EXPECT_NE(res.body.find("<div id=\"federation-login\" class=\"alternative\" >"),
            std::string::npos);
  http::Response none = login_page();
  EXPECT_NE(none.body.find("<div id=\"federation-login\" class=\"alternative\" hidden>"),
            std::string::npos);
  EXPECT_EQ(none.body.find("/auth/federation/"), std::string::npos);
}

TEST(WebRoutes, ViewerLookupDrivesRedirectsAndRendersTheViewerEscaped) {
  WebPagesOptions options;
  options.viewer = [](const http::Request& req) -> std::optional<Viewer> {
    if (!has_cookie(req, cookie_names("").session)) return std::nullopt;
    return Viewer{"0f0e0d0c-0b0a-4908-8706-050403020100", "<eve>@example.com", {"user", "a&b"}};
  };
  http::Router router = router_with(std::move(options));

  // Signed out: / and /account go to /login, /login is the form.
  EXPECT_EQ(router.route(get("/")).headers.get("Location"), "/login");
  EXPECT_EQ(router.route(get("/account")).headers.get("Location"), "/login");
  EXPECT_EQ(router.route(get("/login")).status, 200);

  auto signed_in = [](std::string path) {
    http::Request req = get(std::move(path));
    req.headers.add("Cookie", "__Host-tessera_session=valid");
    return req;
  };
  EXPECT_EQ(router.route(signed_in("/")).headers.get("Location"), "/account");
  EXPECT_EQ(router.route(signed_in("/login")).headers.get("Location"), "/account");
  http::Response account = router.route(signed_in("/account"));
  ASSERT_EQ(account.status, 200);
  EXPECT_NE(account.body.find("<dd id=\"me-email\">&lt;eve&gt;@example.com</dd>"),
            std::string::npos);
  EXPECT_NE(account.body.find("0f0e0d0c-0b0a-4908-8706-050403020100"), std::string::npos);
  EXPECT_NE(account.body.find("<dd id=\"me-roles\">user, a&amp;b</dd>"), std::string::npos);
}

TEST(WebRoutes, StaticFilesWithTypesAndRevalidation) {
  http::Router router = router_with();
  http::Response js = router.route(get("/static/app.js"));
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.headers.get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body, find_web_file("static/app.js")->data);
  EXPECT_EQ(js.headers.get("Cache-Control"), "no-cache");
  expect_security_headers(js);
  auto etag = js.headers.get("ETag");
  ASSERT_TRUE(etag.has_value());
  EXPECT_EQ(etag->size(), 34u);

  http::Request again = get("/static/app.js");
  again.headers.add("If-None-Match", "\"other\", W/" + std::string(*etag));
  http::Response not_modified = router.route(again);
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_TRUE(not_modified.body.empty());
  EXPECT_EQ(not_modified.headers.get("ETag"), *etag);

  http::Request stale = get("/static/app.js");
  stale.headers.add("If-None-Match", "\"other\"");
  EXPECT_EQ(router.route(stale).status, 200);

  // Browsers refuse to run a module script served with any other type (HTML 8.1.3.7).
  for (const EmbeddedFile* f : scripts()) {
    http::Response module = router.route(get("/" + std::string(f->path)));
    EXPECT_EQ(module.status, 200) << f->path;
    EXPECT_EQ(module.headers.get("Content-Type"), "text/javascript; charset=utf-8") << f->path;
  }

  http::Response css = router.route(get("/static/app.css"));
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.headers.get("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(router.route(get("/static/favicon.svg")).headers.get("Content-Type"), "image/svg+xml");

  // Templates are rendered, never served raw; nothing outside static/ is reachable.
  EXPECT_EQ(router.route(get("/static/login.html")).status, 404);
  EXPECT_EQ(router.route(get("/login.html")).status, 404);
  EXPECT_EQ(router.route(get("/static/../login.html")).status, 404);
}

TEST(WebRoutes, PagesAreGetOnly) {
  http::Router router = router_with();
  http::Request post = get("/login");
  post.method = "POST";
  EXPECT_EQ(router.route(post).status, 405);
}

TEST(MediaType, ByExtension) {
  EXPECT_EQ(media_type_for("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(media_type_for("x/y.svg"), "image/svg+xml");
  EXPECT_EQ(media_type_for("noext"), "application/octet-stream");
}

// The login page's way back (api/web_pages.h): only the authorization endpoint, as this server
// encodes it; never another origin, path or scheme.
TEST(SafeReturnTo, OnlyTheAuthorizationEndpoint) {
  EXPECT_TRUE(
      safe_return_to("/oauth2/authorize?response_type=code&client_id=a-b&scope=openid%20email"));
  for (const char* bad :
       {"", "/", "/account", "//evil.example/oauth2/authorize?x=1",
        "https://evil.example/oauth2/authorize?x=1", "/\\evil.example", "/oauth2/authorize",
        "/oauth2/authorize/../account?x=1", "/oauth2/authorize?x=1#frag",
        "/oauth2/authorize?x=<script>", "/oauth2/authorize?x=1\r\nSet-Cookie:a",
        "/oauth2/authorizex?y=1", "/oauth2/authorize?x=/..//evil"}) {
    EXPECT_FALSE(safe_return_to(bad)) << bad;
  }
}

TEST(WebRoutes, LoginPageCarriesOnlyASafeReturnPath) {
  http::Router router = router_with();
  http::Request req = get("/login");
  req.query = "return_to=%2Foauth2%2Fauthorize%3Fclient_id%3Dx&login_hint=a%40b.example";
  http::Response res = router.route(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("data-return-to=\"/oauth2/authorize?client_id=x\""), std::string::npos);
  EXPECT_NE(res.body.find("value=\"a@b.example\""), std::string::npos);
  req.query = "return_to=https%3A%2F%2Fevil.example%2F";
  res = router.route(req);
  EXPECT_NE(res.body.find("data-return-to=\"\""), std::string::npos);
  EXPECT_EQ(res.body.find("evil"), std::string::npos);
}

// A gateway sent the browser here (api/verify_handler.h): the page goes back to the protected URL
// only when the server's return target check allows it, and a signed-in viewer is sent there.
TEST(WebRoutes, LoginPageReturnsToAnAllowedAbsoluteUrlOnly) {
  WebPagesOptions options;
  const ReturnTargets targets({"https://app.example.com"}, "");
  options.return_target_allowed = [targets](std::string_view t) { return targets.allows(t); };
  http::Router router = router_with(options);
  http::Request req = get("/login");
  req.query = "return_to=https%3A%2F%2Fapp.example.com%2Fwiki%3Fp%3D1";
  http::Response res = router.route(req);
  EXPECT_NE(res.body.find("data-return-to=\"https://app.example.com/wiki?p=1\""),
            std::string::npos);
  for (const char* bad :
       {"https%3A%2F%2Fevil.example%2F", "%2F%2Fevil.example",
        "https%3A%2F%2Fapp.example.com%40evil.example%2F", "javascript%3Aalert(1)"}) {
    req.query = std::string("return_to=") + bad;
    res = router.route(req);
    EXPECT_NE(res.body.find("data-return-to=\"\""), std::string::npos) << bad;
  }
  options.viewer = [](const http::Request&) -> std::optional<Viewer> { return Viewer{}; };
  http::Router signed_in = router_with(options);
  req.query = "return_to=https%3A%2F%2Fapp.example.com%2Fwiki";
  res = signed_in.route(req);
  EXPECT_EQ(res.status, 303);
  EXPECT_EQ(res.headers.get("Location").value_or(""), "https://app.example.com/wiki");
  req.query = "return_to=https%3A%2F%2Fevil.example%2F";
  EXPECT_EQ(signed_in.route(req).headers.get("Location").value_or(""), "/account");
}

// auth.require_mfa_roles: a signed-in user without a second factor yet has the account page
// (the enrolment) and nothing else; /login never returns them to the authorization endpoint,
// which would send them back to /login.
TEST(WebRoutes, AViewerWhoMustEnrolIsSentToTheAccountPage) {
  WebPagesOptions options;
  options.viewer = [](const http::Request&) -> std::optional<Viewer> {
    return Viewer{.user_id = "0f0e0d0c-0b0a-4908-8706-050403020100",
                  .email = "staff@example.com",
                  .roles = {"staff"},
                  .must_enrol = true};
  };
  http::Router router = router_with(std::move(options));
  http::Request login = get("/login");
  login.query = "return_to=%2Foauth2%2Fauthorize%3Fclient_id%3Dx";
  http::Response res = router.route(login);
  EXPECT_EQ(res.status, 303);
  EXPECT_EQ(res.headers.get("Location"), "/account");
  EXPECT_EQ(router.route(get("/")).headers.get("Location"), "/account");
  http::Response account = router.route(get("/account"));
  EXPECT_EQ(account.status, 200);
  EXPECT_NE(account.body.find("staff@example.com"), std::string::npos);
}

// auth.open_signup decides whether the login page offers "Create an account" and whether
// /signup has its form; a signed-in viewer is sent to the account page.
TEST(WebRoutes, SignUpOnlyWhenOpen) {
  http::Router closed = router_with();
  http::Response login = closed.route(get("/login"));
  EXPECT_NE(login.body.find("<a id=\"signup-link\" href=\"/signup\" hidden>"), std::string::npos);
  http::Response page = closed.route(get("/signup"));
  EXPECT_EQ(page.status, 200);
  expect_security_headers(page, "same-origin");
  EXPECT_NE(page.body.find("<p id=\"signup-closed\" >"), std::string::npos);
  EXPECT_NE(page.body.find("<div id=\"signup\" hidden>"), std::string::npos);

  WebPagesOptions options;
  options.open_signup = true;
  options.email_enabled = true;
  options.password_min_length = 12;
  options.viewer = [](const http::Request& req) -> std::optional<Viewer> {
    if (!has_cookie(req, cookie_names("").session)) return std::nullopt;
    return Viewer{.user_id = "0f0e0d0c-0b0a-4908-8706-050403020100", .email = "a@example.com"};
  };
  http::Router open = router_with(std::move(options));
  login = open.route(get("/login"));
  EXPECT_NE(login.body.find("<a id=\"signup-link\" href=\"/signup\" >"), std::string::npos);
  page = open.route(get("/signup"));
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<p id=\"signup-closed\" hidden>"), std::string::npos);
  EXPECT_NE(page.body.find("<div id=\"signup\" >"), std::string::npos);
  EXPECT_NE(page.body.find("Check your inbox: we sent a link"), std::string::npos);
  EXPECT_NE(page.body.find("minlength=\"12\""), std::string::npos);
  EXPECT_NE(page.body.find("At least 12 characters"), std::string::npos);
  EXPECT_EQ(page.body.find("{{"), std::string::npos) << "every placeholder rendered";
  http::Request signed_in = get("/signup");
  signed_in.headers.add("Cookie", "__Host-tessera_session=valid");
  EXPECT_EQ(open.route(signed_in).headers.get("Location"), "/account");
  http::Response reset = open.route(get("/reset-password"));
  EXPECT_NE(reset.body.find("minlength=\"12\""), std::string::npos);
  EXPECT_NE(reset.body.find("At least 12 characters"), std::string::npos);
}

// The account lifecycle's pages: every placeholder rendered, the page security headers, and
// the same answer whoever asks (opening a link changes nothing).
TEST(WebRoutes, LifecyclePagesRender) {
  http::Router router = router_with();
  for (std::string path : {"/forgot-password", "/reset-password", "/verify-email",
                           "/confirm-email-change", "/signup"}) {
    SCOPED_TRACE(path);
    http::Request req = get(path);
    req.query = "token=abc";
    http::Response res = router.route(req);
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.headers.get("Cache-Control"), "no-store");
    expect_security_headers(res, "same-origin");
    EXPECT_EQ(res.body.find("{{"), std::string::npos);
    EXPECT_EQ(res.body.find("<noscript"), std::string::npos) << "the form works without";
    EXPECT_EQ(res.body.find("abc"), std::string::npos) << "the token stays in the URL";
  }
}

TEST(WebRoutes, AccountPageSaysWhetherTheEmailIsConfirmed) {
  for (bool verified : {false, true}) {
    Viewer who{.user_id = "u", .email = "a@example.com", .email_verified = verified};
    http::Response res = account_page(who);
    EXPECT_NE(res.body.find(verified ? "<dd id=\"me-email-state\">Confirmed</dd>"
                                     : "<dd id=\"me-email-state\">Not confirmed yet</dd>"),
              std::string::npos);
  }
  EXPECT_NE(account_page(std::nullopt).body.find("<dd id=\"me-email-state\"></dd>"),
            std::string::npos);
}

// Opening a link without its token (cut by the mail program) says so at once, with the way to
// a new link, and shows no form: without JavaScript nothing else would.
TEST(WebRoutes, ALinkPageWithoutItsTokenSaysSo) {
  http::Router router = router_with();
  for (std::string path : {"/reset-password", "/verify-email", "/confirm-email-change"}) {
    SCOPED_TRACE(path);
    http::Response res = router.route(get(path));
    EXPECT_EQ(res.status, 200);
    EXPECT_NE(res.body.find(html_escape(kIncompleteLink)), std::string::npos);
    EXPECT_NE(res.body.find("-new-link\" class=\"links\" >"), std::string::npos);
    EXPECT_TRUE(std::regex_search(res.body, std::regex("<form [^>]*method=\"post\"[^>]* hidden>")));
    EXPECT_FALSE(std::regex_search(res.body, std::regex("<form [^>]*action=")))
        << "a link page's form posts to its own URL, token included";
    http::Request with_token = get(path);
    with_token.query = "token=abc&utm_source=mail";
    res = router.route(with_token);
    EXPECT_EQ(res.body.find(html_escape(kIncompleteLink)), std::string::npos);
    EXPECT_TRUE(std::regex_search(res.body, std::regex("<form [^>]*method=\"post\"[^>]* >")));
  }
}

// The states a page answers a form with: the error above the form (role=alert), or what
// happened (role=status) with the form gone; what the user typed is escaped.
TEST(LifecyclePages, RenderEachStateEscaped) {
  WebPagesOptions options;
  options.open_signup = true;
  const std::string evil = "<b>\"x\"@example.com";
  const std::string escaped = html_escape(evil);
  for (LifecyclePage page : kLifecyclePages) {
    for (PageView::Shows shows :
         {PageView::Shows::kForm, PageView::Shows::kDone, PageView::Shows::kDeadLink}) {
      SCOPED_TRACE(std::string(lifecycle_path(page)) + " " + std::to_string(int(shows)));
      http::Response res =
          lifecycle_page(page, {.shows = shows, .error = evil, .email = evil}, options, 429);
      EXPECT_EQ(res.status, 429);
      expect_security_headers(res, "same-origin");
      EXPECT_EQ(res.body.find("{{"), std::string::npos);
      EXPECT_EQ(res.body.find(evil), std::string::npos);
      EXPECT_TRUE(std::regex_search(
          res.body, std::regex("class=\"error\" role=\"alert\"[^>]* >" + escaped + "</p>")));
      const bool form_shown =
          std::regex_search(res.body, std::regex("<form [^>]*method=\"post\"[^>]* >"));
      EXPECT_EQ(form_shown, shows == PageView::Shows::kForm);
      const bool done_shown = std::regex_search(res.body, std::regex("-done\" >"));
      EXPECT_EQ(done_shown, shows == PageView::Shows::kDone);
    }
  }
  http::Response forgot =
      lifecycle_page(LifecyclePage::kForgotPassword,
                     {.shows = PageView::Shows::kDone, .email = "a@example.com"}, options);
  EXPECT_NE(forgot.body.find("<span id=\"forgot-email\">a@example.com</span>"), std::string::npos);
  EXPECT_NE(forgot.body.find("role=\"status\""), std::string::npos);
  EXPECT_NE(forgot.body.find("<p id=\"forgot-error\" class=\"error\" role=\"alert\" hidden></p>"),
            std::string::npos);
  http::Response reset =
      lifecycle_page(LifecyclePage::kResetPassword, {.shows = PageView::Shows::kDone}, options);
  EXPECT_NE(reset.body.find("<a id=\"reset-sign-in\" href=\"/login\">"), std::string::npos);
  EXPECT_NE(reset.body.find("data-mismatch=\"" +
                            html_escape(passwords_differ(LifecyclePage::kResetPassword)) + "\""),
            std::string::npos);
  options.email_enabled = false;
  http::Response signup =
      lifecycle_page(LifecyclePage::kSignup, {.shows = PageView::Shows::kDone}, options);
  EXPECT_NE(signup.body.find("If the address can be used, your account is ready."),
            std::string::npos);
}

http::Request form_post(std::string body, std::string type = "application/x-www-form-urlencoded") {
  http::Request req;
  req.method = "POST";
  req.path = req.target = "/forgot-password";
  req.headers.set("Content-Type", std::move(type));
  req.body = std::move(body);
  return req;
}

// A page's form is read strictly: exactly its fields, once each, well-formed, not too long.
TEST(AccountForms, ReadPageFormIsStrict) {
  constexpr std::array<std::string_view, 2> names = {"new_password", "confirm_password"};
  auto ok = read_page_form(form_post("confirm_password=b+c&new_password=a%26"), names);
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(*ok, (std::vector<std::string>{"a&", "b c"}));
  EXPECT_TRUE(read_page_form(form_post(""), {}));
  for (const http::Request& bad :
       {form_post("new_password=a&confirm_password=b", "application/json"),
        form_post("new_password=a&new_password=a&confirm_password=b"),
        form_post("new_password=a&confirm_password=b&token=x"), form_post("new_password=a"),
        form_post("new_password=%zz&confirm_password=b"),
        form_post("new_password=" + std::string(kMaxPageFormBytes, 'a') + "&confirm_password=b")}) {
    SCOPED_TRACE(bad.body.substr(0, 60));
    EXPECT_FALSE(read_page_form(bad, names));
  }
  EXPECT_FALSE(read_page_form(form_post("x=1"), {})) << "a button's form has no fields";
}

// describe_problem is the twin of web/static/api.js describeError: both are checked against
// tests/e2e/problem_words.json (page_text.mjs checks the script).
TEST(PageWords, SayWhatTheScriptSays) {
  std::ifstream in(TESSERA_PROBLEM_WORDS);
  ASSERT_TRUE(in) << TESSERA_PROBLEM_WORDS;
  const nlohmann::json cases = nlohmann::json::parse(in)["cases"];
  ASSERT_GT(cases.size(), 10U);
  for (const nlohmann::json& c : cases) {
    SCOPED_TRACE(c.dump());
    nlohmann::json body = {{"status", c["status"]}, {"detail", c["detail"]}};
    if (c.contains("code")) body["code"] = c["code"];
    http::Response problem = http::make_response(c["status"].get<int>(), body.dump());
    if (c.contains("retry_after"))
      problem.headers.set("Retry-After", c["retry_after"].get<std::string>());
    std::vector<std::string> keys;
    const nlohmann::json own_words = c.value("own", nlohmann::json::object());
    keys.reserve(own_words.size());
    std::vector<OwnWords> own;
    for (const auto& [key, words] : own_words.items()) {
      keys.push_back(key);
      const bool is_status =
          !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
      own.push_back({.status = is_status ? std::stoi(key) : 0,
                     .code = is_status ? std::string_view() : std::string_view(keys.back()),
                     .words = words.get_ref<const std::string&>()});
    }
    EXPECT_EQ(describe_problem(problem, own), c["words"].get<std::string>());
  }
}

}  // namespace
}  // namespace tessera::api
