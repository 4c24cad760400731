// OAuth 2.0 / OpenID Connect end to end (issue 16): the real `tessera serve`, clients
// registered with `tessera client add`, a browser-like client following every redirect by hand
// so each hop is checked: the authorization endpoint sends a signed-out browser to the login
// page and back, shows the consent page, issues a code; the token endpoint exchanges it (PKCE),
// refreshes, refuses a replay and revokes what the code issued; client credentials; the gateway
// headers; connected apps; and the refusals (error pages never redirect, RFC 6749 section 5.2
// bodies). Runs on SQLite and on PostgreSQL + Redis (CMakeLists.txt), where a code issued by one
// node is redeemed on another.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api_client.h"
#include "token_text.h"
#include "uri/uri.h"

namespace {

using json = nlohmann::json;
using tessera::http::testing::announced_port;
using tessera::http::testing::ApiServerTest;
using tessera::http::testing::base64;
using tessera::http::testing::Fields;
using tessera::http::testing::jwt_claims;
using tessera::http::testing::request;
using tessera::http::testing::Response;
using tessera::http::testing::run_cli;
using tessera::http::testing::TesseraProcess;
using Browser = tessera::http::testing::SessionBrowser;

constexpr char kPassword[] = "correct horse battery staple";
constexpr char kOrigin[] = "https://app.example.com";
// RFC 7636 appendix B.
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr char kChallenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr char kAppRedirect[] = "https://notes.example/cb";
constexpr char kForm[] = "application/x-www-form-urlencoded";

std::string pct_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  tessera::uri::QueryParams params;
  for (const auto& [k, v] : fields) params.emplace_back(k, v);
  return tessera::uri::encode_query(params);
}

// The query parameters of a URL (the part after '?').
std::map<std::string, std::string> query_of(const std::string& url) {
  std::map<std::string, std::string> out;
  const std::size_t q = url.find('?');
  if (q == std::string::npos) return out;
  std::string_view rest = std::string_view(url).substr(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const std::size_t eq = pair.find('=');
    out[pct_decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : pct_decode(pair.substr(eq + 1));
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  return out;
}

class OAuthApiTest : public ApiServerTest {
 protected:
  OAuthApiTest()
      : ApiServerTest(
            "[server]\n"
            "trusted_proxies = [\"127.0.0.1\"]\n"
            "[web]\n"
            "allowed_origins = [\"https://app.example.com\"]\n") {}

  void SetUp() override {
    ApiServerTest::SetUp();
    add_user("alice@example.com", {}, kPassword);
  }

  // `tessera client add ARGS...`: the printed JSON.
  json add_client(std::vector<std::string> args) {
    args.insert(args.begin(), {"client", "add"});
    auto r = cli(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }

  // A third-party public app (PKCE) that may refresh.
  json notes_app() {
    return add_client({"--name", "Notes", "--type", "public", "--redirect-uri", kAppRedirect,
                       "--scope", "openid", "--scope", "email", "--grant", "authorization_code",
                       "--grant", "refresh_token"});
  }

  void login(Browser& b) {
    Response r = send("POST", "/auth/login", {{"Content-Type", "application/json"}},
                      json({{"email", "alice@example.com"}, {"password", kPassword}}).dump());
    ASSERT_EQ(r.status, 200) << r.body;
    b.take_cookies(r);
  }

  std::string authorize_path(const std::string& client_id,
                             std::vector<std::pair<std::string, std::string>> extra = {}) {
    std::vector<std::pair<std::string, std::string>> p = {{"response_type", "code"},
                                                          {"client_id", client_id},
                                                          {"redirect_uri", kAppRedirect},
                                                          {"scope", "openid email"},
                                                          {"state", "xyz"},
                                                          {"nonce", "n-0S6"},
                                                          {"code_challenge", kChallenge},
                                                          {"code_challenge_method", "S256"}};
    p.insert(p.end(), extra.begin(), extra.end());
    return "/oauth2/authorize?" + form(p);
  }

  // Follows the flow for a signed-in browser through consent: the code.
  std::string code_via_consent(Browser& b, const std::string& client_id) {
    Response page = send("GET", authorize_path(client_id), b.cookies_only());
    EXPECT_EQ(page.status, 200) << page.body;
    const std::string marker = "name=\"ticket\" value=\"";
    const std::size_t at = page.body.find(marker);
    EXPECT_NE(at, std::string::npos) << page.body;
    const std::string ticket = page.body.substr(
        at + marker.size(), page.body.find('"', at + marker.size()) - at - marker.size());
    Fields h = b.cookies_only();
    h.emplace_back("Origin", kOrigin);
    h.emplace_back("Content-Type", kForm);
    Response answer =
        send("POST", "/oauth2/consent", h, form({{"ticket", ticket}, {"decision", "allow"}}));
    EXPECT_EQ(answer.status, 303) << answer.body;
    return query_of(answer.header("location"))["code"];
  }

  Response token(const std::vector<std::pair<std::string, std::string>>& fields,
                 Fields extra = {}) {
    extra.emplace_back("Content-Type", kForm);
    return send("POST", "/oauth2/token", extra, form(fields));
  }

  Response redeem(const std::string& client_id, const std::string& code) {
    return token({{"grant_type", "authorization_code"},
                  {"code", code},
                  {"redirect_uri", kAppRedirect},
                  {"client_id", client_id},
                  {"code_verifier", kVerifier}});
  }

  static void expect_oauth_error(const Response& r, int status, const std::string& error) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.header("cache-control"), "no-store");
    EXPECT_EQ(r.body_json()["error"], error) << r.body;
  }
};

TEST_F(OAuthApiTest, CodeFlowWithLoginConsentPkceRefreshAndReplay) {
  const json app = notes_app();
  const std::string id = app["client_id"];
  Browser b;

  // Signed out: to the login page, which will come back to this very request.
  Response first = send("GET", authorize_path(id), {});
  ASSERT_EQ(first.status, 303) << first.body;
  const std::string to_login = first.header("location");
  ASSERT_EQ(to_login.rfind("/login?", 0), 0u) << to_login;
  const std::string return_to = query_of(to_login)["return_to"];
  EXPECT_EQ(return_to.rfind("/oauth2/authorize?", 0), 0u) << return_to;
  EXPECT_EQ(query_of(return_to)["client_id"], id);
  EXPECT_EQ(query_of(return_to)["code_challenge"], kChallenge);
  Response login_page = send("GET", to_login, {});
  ASSERT_EQ(login_page.status, 200);
  EXPECT_NE(login_page.body.find("data-return-to=\"/oauth2/authorize?"), std::string::npos);
  // An open redirect through the login page is refused: the page carries no return path.
  for (const char* evil : {"https://evil.example/", "//evil.example/", "/\\evil.example",
                           "/account/../oauth2/authorize?x", "javascript:alert(1)"}) {
    Response p = send("GET", "/login?" + form({{"return_to", evil}}), {});
    EXPECT_EQ(p.status, 200);
    EXPECT_NE(p.body.find("data-return-to=\"\""), std::string::npos) << evil;
  }
  login(b);
  // Signed in, the login page sends the browser straight back.
  Response back = send("GET", to_login, b.cookies_only());
  EXPECT_EQ(back.status, 303);
  EXPECT_EQ(back.header("location"), return_to);

  // The consent page: plain HTML, strict CSP that still lets the form's answer go to the app.
  Response page = send("GET", return_to, b.cookies_only());
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("Notes"), std::string::npos);
  EXPECT_NE(page.body.find("openid email"), std::string::npos);
  const std::string csp = page.header("content-security-policy");
  EXPECT_NE(csp.find("form-action 'self' https://notes.example"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  // A form page: a browser sends `Origin: null` with a form POST under no-referrer, which the
  // origin check refuses; same-origin keeps the real Origin and still no Referer to the app.
  EXPECT_EQ(page.header("referrer-policy"), "same-origin");
  EXPECT_EQ(page.header("cache-control"), "no-store");

  // Consent from another origin is refused (login CSRF rule), and so is a forged ticket.
  Fields cross = b.cookies_only();
  cross.emplace_back("Origin", "https://evil.example");
  cross.emplace_back("Content-Type", kForm);
  EXPECT_EQ(send("POST", "/oauth2/consent", cross, form({{"ticket", "x.y"}, {"decision", "allow"}}))
                .status,
            403);
  Fields same = b.cookies_only();
  same.emplace_back("Origin", kOrigin);
  same.emplace_back("Content-Type", kForm);
  Response forged =
      send("POST", "/oauth2/consent", same, form({{"ticket", "e30.AAAA"}, {"decision", "allow"}}));
  EXPECT_EQ(forged.status, 400);
  EXPECT_TRUE(forged.header("location").empty());

  const std::string code = code_via_consent(b, id);
  ASSERT_EQ(code.size(), 43u);

  Response t = redeem(id, code);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.header("cache-control"), "no-store");
  EXPECT_EQ(t.header("pragma"), "no-cache");
  const json tokens = t.body_json();
  EXPECT_EQ(tokens["token_type"], "Bearer");
  EXPECT_EQ(tokens["scope"], "openid email");
  EXPECT_TRUE(tokens["refresh_token"].is_string());
  const json id_token = jwt_claims(tokens["id_token"]);
  EXPECT_EQ(id_token["aud"], id);
  EXPECT_EQ(id_token["nonce"], "n-0S6");
  EXPECT_EQ(id_token["email"], "alice@example.com");
  const json access = jwt_claims(tokens["access_token"]);
  EXPECT_EQ(access["client_id"], id);
  EXPECT_EQ(access["scope"], "openid email");
  EXPECT_EQ(access["iss"], id_token["iss"]);

  // The gateway forwards the client and scope.
  Response v = send("GET", "/auth/verify",
                    {{"Authorization", "Bearer " + tokens["access_token"].get<std::string>()}});
  ASSERT_EQ(v.status, 200);
  EXPECT_EQ(v.header("x-client-id"), id);
  EXPECT_EQ(v.header("x-scope"), "openid email");
  EXPECT_EQ(v.header("x-user-id"), access["sub"]);

  // Refresh, narrowing the scope; widening is refused.
  Response wider = token({{"grant_type", "refresh_token"},
                          {"refresh_token", tokens["refresh_token"]},
                          {"client_id", id},
                          {"scope", "openid email phone"}});
  expect_oauth_error(wider, 400, "invalid_scope");
  Response r = token({{"grant_type", "refresh_token"},
                      {"refresh_token", tokens["refresh_token"]},
                      {"client_id", id},
                      {"scope", "openid"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body_json()["scope"], "openid");
  EXPECT_NE(r.body_json()["refresh_token"], tokens["refresh_token"]);

  // The code again: refused, and everything it issued dies (within the revocation poll).
  expect_oauth_error(redeem(id, code), 400, "invalid_grant");
  bool dead = false;
  for (int i = 0; i < 40 && !dead; ++i) {
    dead = send("GET", "/auth/verify",
                {{"Authorization", "Bearer " + r.body_json()["access_token"].get<std::string>()}})
               .status == 401;
    if (!dead) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(dead);
  expect_oauth_error(token({{"grant_type", "refresh_token"},
                            {"refresh_token", r.body_json()["refresh_token"]},
                            {"client_id", id}}),
                     400, "invalid_grant");
}

TEST_F(OAuthApiTest, AuthorizationErrorsArePagesUntilTheRedirectIsTrusted) {
  const std::string id = notes_app()["client_id"];
  const auto expect_page = [&](const std::string& path) {
    Response r = send("GET", path, {});
    EXPECT_EQ(r.status, 400) << path << " " << r.body;
    EXPECT_TRUE(r.header("location").empty()) << path;
    EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(r.header("content-security-policy").find("default-src 'none'"), std::string::npos);
  };
  expect_page(authorize_path("no-such-client"));
  expect_page("/oauth2/authorize?" + form({{"response_type", "code"},
                                           {"client_id", id},
                                           {"redirect_uri", "https://notes.example/cb/"}}));
  expect_page(authorize_path(id) + "&client_id=" + id);  // repeated
  expect_page(authorize_path(id) + "&redirect_uri=x");
  expect_page("/oauth2/authorize?client_id=%ZZ");
  // Trusted redirect: errors go to the app with state and iss (RFC 9207).
  Response none = send("GET", authorize_path(id, {{"prompt", "none"}}), {});
  ASSERT_EQ(none.status, 303);
  auto q = query_of(none.header("location"));
  EXPECT_EQ(none.header("location").rfind(std::string(kAppRedirect) + "?", 0), 0u);
  EXPECT_EQ(q["error"], "login_required");
  EXPECT_EQ(q["state"], "xyz");
  EXPECT_FALSE(q["iss"].empty());
  Response plain = send("GET", authorize_path(id, {{"code_challenge_method", "plain"}}), {});
  // code_challenge_method is now repeated: a page, not a redirect.
  EXPECT_EQ(plain.status, 400);
  Response implicit = send("GET",
                           "/oauth2/authorize?" + form({{"response_type", "token"},
                                                        {"client_id", id},
                                                        {"redirect_uri", kAppRedirect},
                                                        {"state", "s"}}),
                           {});
  ASSERT_EQ(implicit.status, 303);
  EXPECT_EQ(query_of(implicit.header("location"))["error"], "unsupported_response_type");
  Response no_pkce =
      send("GET",
           "/oauth2/authorize?" +
               form({{"response_type", "code"}, {"client_id", id}, {"redirect_uri", kAppRedirect}}),
           {});
  ASSERT_EQ(no_pkce.status, 303);
  EXPECT_EQ(query_of(no_pkce.header("location"))["error"], "invalid_request");
}

TEST_F(OAuthApiTest, TokenEndpointRefusesBadRequestsPerRfc6749Section52) {
  const json svc = add_client({"--name", "Billing", "--type", "confidential", "--grant",
                               "client_credentials", "--scope", "invoices:read"});
  const std::string id = svc["client_id"];
  const std::string secret = svc["client_secret"];
  const std::string basic = "Basic " + base64(id + ":" + secret);
  const std::vector<std::pair<std::string, std::string>> cc = {
      {"grant_type", "client_credentials"}};

  Response ok = token(cc, {{"Authorization", basic}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  const json t = ok.body_json();
  EXPECT_EQ(t["scope"], "invoices:read");
  EXPECT_FALSE(t.contains("refresh_token"));
  EXPECT_EQ(jwt_claims(t["access_token"])["sub"], id);
  // A service token: the gateway names the client and no user; /auth/me refuses it.
  Response v = send("GET", "/auth/verify",
                    {{"Authorization", "Bearer " + t["access_token"].get<std::string>()}});
  ASSERT_EQ(v.status, 200);
  EXPECT_EQ(v.header("x-client-id"), id);
  EXPECT_TRUE(v.header("x-user-id").empty());
  EXPECT_EQ(
      send("GET", "/auth/me", {{"Authorization", "Bearer " + t["access_token"].get<std::string>()}})
          .status,
      401);

  // Client authentication first: a wrong secret is invalid_client, challenged when Basic was used.
  Response bad = token(cc, {{"Authorization", "Basic " + base64(id + ":wrong")}});
  expect_oauth_error(bad, 401, "invalid_client");
  EXPECT_NE(bad.header("www-authenticate").find("Basic"), std::string::npos);
  expect_oauth_error(token(cc), 401, "invalid_client");  // no credentials at all
  expect_oauth_error(
      token({{"grant_type", "client_credentials"}, {"client_id", id}, {"client_secret", secret}}),
      401, "invalid_client");  // registered for Basic, not the body
  expect_oauth_error(token({{"grant_type", "password"}}, {{"Authorization", basic}}), 400,
                     "unsupported_grant_type");
  expect_oauth_error(token({}, {{"Authorization", basic}}), 400, "invalid_request");
  expect_oauth_error(
      token({{"grant_type", "client_credentials"}, {"grant_type", "client_credentials"}},
            {{"Authorization", basic}}),
      400, "invalid_request");
  expect_oauth_error(token({{"grant_type", "client_credentials"}, {"scope", "invoices:write"}},
                           {{"Authorization", basic}}),
                     400, "invalid_scope");
  expect_oauth_error(
      token({{"grant_type", "authorization_code"}, {"code", "x"}}, {{"Authorization", basic}}), 400,
      "unauthorized_client");
  // Garbage bodies: 400, never 5xx.
  for (const auto& [type, body] :
       std::vector<std::pair<std::string, std::string>>{{kForm, "%zz"},
                                                        {kForm, "grant_type=\x01"},
                                                        {"application/json", "{\"grant_type\":1}"},
                                                        {kForm, std::string(60 * 1024, 'a')},
                                                        {kForm, "a=\xff\xfe"}}) {
    Response r =
        send("POST", "/oauth2/token", {{"Content-Type", type}, {"Authorization", basic}}, body);
    EXPECT_GE(r.status, 400) << body.substr(0, 20);
    EXPECT_LT(r.status, 500) << body.substr(0, 20);
  }
}

TEST_F(OAuthApiTest, ConnectedAppsAreListedAndDisconnectingEndsTheirTokens) {
  const std::string id = notes_app()["client_id"];
  Browser b;
  login(b);
  const std::string code = code_via_consent(b, id);
  Response t = redeem(id, code);
  ASSERT_EQ(t.status, 200) << t.body;
  // Consent is remembered: the next request gets a code at once.
  Response again = send("GET", authorize_path(id), b.cookies_only());
  ASSERT_EQ(again.status, 303) << again.body;
  EXPECT_FALSE(query_of(again.header("location"))["code"].empty());

  Response apps = send("GET", "/auth/apps", b.cookies_only());
  ASSERT_EQ(apps.status, 200) << apps.body;
  ASSERT_EQ(apps.body_json()["apps"].size(), 1u);
  EXPECT_EQ(apps.body_json()["apps"][0]["client_id"], id);
  EXPECT_EQ(apps.body_json()["apps"][0]["name"], "Notes");
  EXPECT_EQ(send("DELETE", "/auth/apps/" + id, b.cookies_only()).status, 403);  // CSRF
  EXPECT_EQ(send("DELETE", "/auth/apps/" + id, b.unsafe()).status, 204);
  EXPECT_EQ(send("DELETE", "/auth/apps/" + id, b.unsafe()).status, 404);
  EXPECT_EQ(send("DELETE", "/auth/apps/%FF", b.unsafe()).status, 404);
  expect_oauth_error(token({{"grant_type", "refresh_token"},
                            {"refresh_token", t.body_json()["refresh_token"]},
                            {"client_id", id}}),
                     400, "invalid_grant");
  // Asked again next time.
  EXPECT_EQ(send("GET", authorize_path(id), b.cookies_only()).status, 200);
}

TEST_F(OAuthApiTest, ACodeIssuedByOneNodeIsRedeemedOnAnother) {
  const std::string id = notes_app()["client_id"];
  Browser b;
  login(b);
  const std::string code = code_via_consent(b, id);
  // A second node on the same stores and master key (the data dir's, or the scale-out stores).
  TesseraProcess other({"serve", "--listen", "127.0.0.1:0", "--data-dir", data_.string(),
                        "--config", config_.string(), "--threads", "1"},
                       TesseraProcess::Stderr::kDiscard);
  const std::uint16_t port = announced_port(other.first_line().value_or(""));
  ASSERT_NE(port, 0);
  auto r = request(port, "POST", "/oauth2/token", {{"Content-Type", kForm}},
                   form({{"grant_type", "authorization_code"},
                         {"code", code},
                         {"redirect_uri", kAppRedirect},
                         {"client_id", id},
                         {"code_verifier", kVerifier}}),
                   "10.0.0.1", std::chrono::seconds(30));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 200) << r->body;
  // And the first node refuses it now.
  expect_oauth_error(redeem(id, code), 400, "invalid_grant");
}

TEST_F(OAuthApiTest, DiscoveryStatesExactlyWhatIsServed) {
  for (const char* path :
       {"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"}) {
    Response r = send("GET", path, {});
    ASSERT_EQ(r.status, 200) << path;
    const json d = r.body_json();
    const std::string iss = d["issuer"];
    EXPECT_EQ(d["authorization_response_iss_parameter_supported"], true);
    EXPECT_EQ(d["code_challenge_methods_supported"], json({"S256"}));
    EXPECT_EQ(d["response_types_supported"], json({"code"}));
    EXPECT_EQ(d["id_token_signing_alg_values_supported"], json({"ES256"}));
    // Every endpoint it names answers here (not 404): what is stated exists.
    for (const char* key : {"authorization_endpoint", "token_endpoint", "userinfo_endpoint",
                            "jwks_uri", "introspection_endpoint", "revocation_endpoint"}) {
      const std::string url = d[key];
      ASSERT_EQ(url.rfind(iss, 0), 0u) << key;
      const std::string local = url.substr(iss.size());
      const bool post = std::string(key) == "token_endpoint" ||
                        std::string(key) == "introspection_endpoint" ||
                        std::string(key) == "revocation_endpoint";
      Response e = send(post ? "POST" : "GET", local, {{"Content-Type", kForm}});
      EXPECT_NE(e.status, 404) << key;
    }
  }
}

TEST_F(OAuthApiTest, IntrospectionRevocationAndUserinfo) {
  const std::string app = notes_app()["client_id"];
  const json rs =
      add_client({"--name", "API", "--type", "confidential", "--auth-method", "client_secret_post",
                  "--grant", "client_credentials", "--scope", "notes:read"});
  const std::vector<std::pair<std::string, std::string>> rs_auth = {
      {"client_id", rs["client_id"]}, {"client_secret", rs["client_secret"]}};
  const auto with = [](std::vector<std::pair<std::string, std::string>> a,
                       std::vector<std::pair<std::string, std::string>> b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  Browser b;
  login(b);
  Response t = redeem(app, code_via_consent(b, app));
  ASSERT_EQ(t.status, 200) << t.body;
  const std::string access = t.body_json()["access_token"];
  const std::string refresh = t.body_json()["refresh_token"];

  // Userinfo: by scope; refused without a token, with junk, with a service token.
  Response ui = send("GET", "/oauth2/userinfo", {{"Authorization", "Bearer " + access}});
  ASSERT_EQ(ui.status, 200) << ui.body;
  EXPECT_EQ(ui.body_json()["email"], "alice@example.com");
  EXPECT_EQ(ui.body_json()["sub"], jwt_claims(access)["sub"]);
  Response bare = send("GET", "/oauth2/userinfo", {});
  EXPECT_EQ(bare.status, 401);
  EXPECT_EQ(bare.header("www-authenticate").find("error="), std::string::npos);
  Response junk = send("GET", "/oauth2/userinfo", {{"Authorization", "Bearer abc.def.ghi"}});
  EXPECT_EQ(junk.status, 401);
  EXPECT_NE(junk.header("www-authenticate").find("invalid_token"), std::string::npos);
  Response svc = token(with({{"grant_type", "client_credentials"}}, rs_auth));
  ASSERT_EQ(svc.status, 200) << svc.body;
  EXPECT_EQ(
      send("GET", "/oauth2/userinfo",
           {{"Authorization", "Bearer " + svc.body_json()["access_token"].get<std::string>()}})
          .status,
      401);

  // Introspection by the resource server: both kinds active; junk inactive; a public client may not
  // ask.
  Response ia = send("POST", "/oauth2/introspect", {{"Content-Type", kForm}},
                     form(with({{"token", access}}, rs_auth)));
  ASSERT_EQ(ia.status, 200) << ia.body;
  EXPECT_EQ(ia.body_json()["active"], true);
  EXPECT_EQ(ia.body_json()["client_id"], app);
  EXPECT_EQ(ia.body_json()["scope"], "openid email");
  EXPECT_EQ(ia.header("cache-control"), "no-store");
  Response ir = send("POST", "/oauth2/introspect", {{"Content-Type", kForm}},
                     form(with({{"token", refresh}}, rs_auth)));
  ASSERT_EQ(ir.status, 200);
  EXPECT_EQ(ir.body_json()["active"], true);
  EXPECT_EQ(ir.body_json()["token_type"], "refresh_token");
  Response ij = send("POST", "/oauth2/introspect", {{"Content-Type", kForm}},
                     form(with({{"token", "junk"}}, rs_auth)));
  EXPECT_EQ(ij.body_json(), json({{"active", false}}));
  expect_oauth_error(send("POST", "/oauth2/introspect", {{"Content-Type", kForm}},
                          form({{"token", access}, {"client_id", app}})),
                     401, "invalid_client");

  // Revocation: only the app's own tokens; another client's is refused and stays live.
  expect_oauth_error(send("POST", "/oauth2/revoke", {{"Content-Type", kForm}},
                          form(with({{"token", access}}, rs_auth))),
                     400, "unauthorized_client");
  Response still = send("POST", "/oauth2/introspect", {{"Content-Type", kForm}},
                        form(with({{"token", access}}, rs_auth)));
  EXPECT_EQ(still.body_json()["active"], true);
  Response rv = send("POST", "/oauth2/revoke", {{"Content-Type", kForm}},
                     form({{"token", access}, {"client_id", app}}));
  EXPECT_EQ(rv.status, 200) << rv.body;
  // The jti is denied everywhere within a second (the revocation log's poll).
  bool inactive = false;
  for (int i = 0; i < 40 && !inactive; ++i) {
    inactive = send("POST", "/oauth2/introspect", {{"Content-Type", kForm}},
                    form(with({{"token", access}}, rs_auth)))
                   .body_json()["active"] == false;
    if (!inactive) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_TRUE(inactive);
  EXPECT_EQ(send("GET", "/oauth2/userinfo", {{"Authorization", "Bearer " + access}}).status, 401);
  // Revoking the refresh token ends the family; revoking it again (or junk) is still 200.
  EXPECT_EQ(send("POST", "/oauth2/revoke", {{"Content-Type", kForm}},
                 form({{"token", refresh}, {"client_id", app}}))
                .status,
            200);
  EXPECT_EQ(send("POST", "/oauth2/revoke", {{"Content-Type", kForm}},
                 form({{"token", refresh}, {"client_id", app}}))
                .status,
            200);
  EXPECT_EQ(send("POST", "/oauth2/revoke", {{"Content-Type", kForm}},
                 form({{"token", "junk"}, {"client_id", app}}))
                .status,
            200);
  expect_oauth_error(
      token({{"grant_type", "refresh_token"}, {"refresh_token", refresh}, {"client_id", app}}), 400,
      "invalid_grant");
}

TEST_F(OAuthApiTest, RpInitiatedLogout) {
  const json app =
      add_client({"--name", "Notes", "--type", "public", "--redirect-uri", kAppRedirect,
                  "--post-logout-redirect-uri", "https://notes.example/bye", "--scope", "openid",
                  "--scope", "email", "--grant", "authorization_code", "--grant", "refresh_token"});
  const std::string id = app["client_id"];
  Browser b;
  login(b);
  Response t = redeem(id, code_via_consent(b, id));
  ASSERT_EQ(t.status, 200) << t.body;
  const std::string id_token = t.body_json()["id_token"];
  const auto logout_path = [&](std::vector<std::pair<std::string, std::string>> p) {
    return "/oauth2/logout?" + form(p);
  };
  const auto expect_page = [&](const Response& r) {
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_TRUE(r.header("location").empty());
  };
  // Refusals never redirect: an unregistered return address, a forged hint, a hint of another app.
  expect_page(send("GET",
                   logout_path({{"id_token_hint", id_token},
                                {"post_logout_redirect_uri", "https://evil.example/"}}),
                   b.cookies_only()));
  expect_page(send("GET", logout_path({{"id_token_hint", "a.b.c"}}), b.cookies_only()));
  expect_page(send("GET", logout_path({{"id_token_hint", t.body_json()["access_token"]}}),
                   b.cookies_only()));
  expect_page(send("GET", logout_path({{"id_token_hint", id_token}, {"client_id", "someone-else"}}),
                   b.cookies_only()));
  expect_page(send("GET", logout_path({{"post_logout_redirect_uri", "https://notes.example/bye"}}),
                   b.cookies_only()));
  EXPECT_EQ(send("GET", "/auth/me", b.cookies_only()).status, 200);  // none of those signed out

  // With the hint of the signed-in user: signed out at once, back to the app with state.
  Response out = send("GET",
                      logout_path({{"id_token_hint", id_token},
                                   {"post_logout_redirect_uri", "https://notes.example/bye"},
                                   {"state", "s1"}}),
                      b.cookies_only());
  ASSERT_EQ(out.status, 303) << out.body;
  EXPECT_EQ(out.header("location"), "https://notes.example/bye?state=s1");
  EXPECT_FALSE(out.all("set-cookie").empty());
  EXPECT_EQ(send("GET", "/auth/me", b.cookies_only()).status, 401);
  // The app's tokens of that sign-in end too.
  expect_oauth_error(token({{"grant_type", "refresh_token"},
                            {"refresh_token", t.body_json()["refresh_token"]},
                            {"client_id", id}}),
                     400, "invalid_grant");

  // Without a hint the user is asked; the confirmation must come from an allowed origin.
  Browser c;
  login(c);
  Response ask = send(
      "GET",
      logout_path({{"client_id", id}, {"post_logout_redirect_uri", "https://notes.example/bye"}}),
      c.cookies_only());
  ASSERT_EQ(ask.status, 200) << ask.body;
  EXPECT_NE(ask.body.find("Sign out?"), std::string::npos);
  EXPECT_NE(ask.header("content-security-policy").find("form-action 'self' https://notes.example"),
            std::string::npos);
  EXPECT_EQ(send("GET", "/auth/me", c.cookies_only()).status, 200);
  const std::string confirm = form({{"client_id", id},
                                    {"post_logout_redirect_uri", "https://notes.example/bye"},
                                    {"state", ""},
                                    {"confirm", "yes"}});
  Fields evil = c.cookies_only();
  evil.emplace_back("Origin", "https://evil.example");
  evil.emplace_back("Content-Type", kForm);
  EXPECT_EQ(send("POST", "/oauth2/logout", evil, confirm).status, 403);
  EXPECT_EQ(send("GET", "/auth/me", c.cookies_only()).status, 200);
  Fields ok = c.cookies_only();
  ok.emplace_back("Origin", kOrigin);
  ok.emplace_back("Content-Type", kForm);
  Response done = send("POST", "/oauth2/logout", ok, confirm);
  ASSERT_EQ(done.status, 303) << done.body;
  EXPECT_EQ(done.header("location"), "https://notes.example/bye");
  EXPECT_EQ(send("GET", "/auth/me", c.cookies_only()).status, 401);
  // Signed out already, no return address: a page that says so.
  Response page = send("GET", "/oauth2/logout", {});
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("signed out"), std::string::npos);
}

TEST_F(OAuthApiTest, PrivateKeyJwtClientAuthentication) {
  // The client's key pair, made and used by the CLI (an independent path to the same JOSE).
  const auto key = run_cli({"keys", "generate", "--alg", "ES256"}, "");
  ASSERT_EQ(key.code, 0) << key.err;
  const auto pub = run_cli({"keys", "public"}, key.out);
  ASSERT_EQ(pub.code, 0) << pub.err;
  const std::filesystem::path jwks = root_ / "client-jwks.json";
  const std::filesystem::path priv = root_ / "client-key.json";
  std::ofstream(jwks) << json({{"keys", {json::parse(pub.out)}}}).dump();
  std::ofstream(priv) << key.out;
  const json svc =
      add_client({"--name", "Signer", "--type", "confidential", "--auth-method", "private_key_jwt",
                  "--jwks", jwks.string(), "--grant", "client_credentials", "--scope", "reports"});
  const std::string id = svc["client_id"];
  EXPECT_FALSE(svc.contains("client_secret"));
  const std::string iss =
      send("GET", "/.well-known/openid-configuration", {}).body_json()["issuer"];
  const auto assertion = [&](const std::string& aud, const std::string& jti, std::int64_t ttl) {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    const json claims = {{"iss", id},  {"sub", id},  {"aud", aud},
                         {"jti", jti}, {"iat", now}, {"exp", now + ttl}};
    auto signed_jwt = run_cli({"jws", "sign", "--jwk", priv.string()}, claims.dump());
    EXPECT_EQ(signed_jwt.code, 0) << signed_jwt.err;
    std::string out = signed_jwt.out;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  };
  const auto with_assertion = [&](const std::string& a) {
    return token(
        {{"grant_type", "client_credentials"},
         {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
         {"client_assertion", a}});
  };
  const std::string good = assertion(iss + "/oauth2/token", "jti-1", 60);
  Response ok = with_assertion(good);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(jwt_claims(ok.body_json()["access_token"])["sub"], id);
  // The same assertion again: single use.
  expect_oauth_error(with_assertion(good), 401, "invalid_client");
  // Another audience, too long a life, a secret instead: refused.
  expect_oauth_error(with_assertion(assertion("https://elsewhere.example/token", "jti-2", 60)), 401,
                     "invalid_client");
  expect_oauth_error(with_assertion(assertion(iss + "/oauth2/token", "jti-3", 7200)), 401,
                     "invalid_client");
  expect_oauth_error(token({{"grant_type", "client_credentials"}},
                           {{"Authorization", "Basic " + base64(id + ":x")}}),
                     401, "invalid_client");
  // The issuer itself is an accepted audience (RFC 7523 section 3 leaves it to the server).
  EXPECT_EQ(with_assertion(assertion(iss, "jti-4", 60)).status, 200);
}

TEST_F(OAuthApiTest, OversizeAndMalformedRequestsAre4xx) {
  const std::string id = notes_app()["client_id"];
  // Beyond the body limit (64 KiB): 413 from the edge, at both front and back channel.
  const std::string huge(70 * 1024, 'a');
  for (const char* path :
       {"/oauth2/token", "/oauth2/authorize", "/oauth2/introspect", "/oauth2/revoke",
        "/oauth2/logout", "/oauth2/consent", "/oauth2/userinfo"}) {
    Response r = send("POST", path, {{"Content-Type", kForm}}, "x=" + huge);
    EXPECT_GE(r.status, 400) << path;
    EXPECT_LT(r.status, 500) << path;
  }
  // A long query on the authorize endpoint, bad UTF-8, NULs, junk: pages, never 5xx.
  for (const std::string& q :
       {std::string("client_id=") + std::string(4000, 'x'), std::string("client_id=%C0%AF"),
        std::string("client_id=%00"), std::string("%"), std::string("&&&="),
        "client_id=" + id + "&redirect_uri=" + std::string(3000, 'y')}) {
    Response r = send("GET", "/oauth2/authorize?" + q, {});
    EXPECT_GE(r.status, 400) << q.substr(0, 30);
    EXPECT_LT(r.status, 500) << q.substr(0, 30);
    EXPECT_TRUE(r.header("location").empty()) << q.substr(0, 30);
  }
}

}  // namespace
