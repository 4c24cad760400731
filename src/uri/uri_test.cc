#include "uri/uri.h"

#include <gtest/gtest.h>

namespace tessera::uri {
namespace {

TEST(WithQueryParams, AppendsAfterTheQueryThatIsThereAndKeepsTheRest) {
  EXPECT_EQ(
      with_query_params("https://app.example/cb", {{"code", "abc"}, {"state", "xyz"}}).value(),
      "https://app.example/cb?code=abc&state=xyz");
  EXPECT_EQ(with_query_params("https://app.example:8443/cb?tenant=a%20b", {{"code", "1"}}).value(),
            "https://app.example:8443/cb?tenant=a%20b&code=1");
  EXPECT_EQ(with_query_params("com.example.app:/oauth2redirect", {{"code", "1"}}).value(),
            "com.example.app:/oauth2redirect?code=1");
}

TEST(WithQueryParams, EncodesWhatWouldChangeTheQuery) {
  auto out = with_query_params("https://app.example/cb",
                               {{"state", "a&b=c#d e+f%"}, {"error_description", "é"}});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, "https://app.example/cb?state=a%26b%3Dc%23d%20e%2Bf%25&error_description=%C3%A9");
}

TEST(WithQueryParams, RefusesWhatIsNotAnAbsoluteUriWithoutFragment) {
  for (const char* bad : {"/cb", "app.example/cb", "", "https://app.example/cb#frag",
                          "https://app.example/c b", "https://[::1/cb"}) {
    EXPECT_FALSE(with_query_params(bad, {{"code", "1"}}).has_value()) << bad;
  }
}

TEST(CheckRedirectUri, AcceptsHttpsLoopbackAndReverseDomainSchemes) {
  EXPECT_EQ(check_redirect_uri("https://app.example/cb").value(), RedirectKind::kHttps);
  EXPECT_EQ(check_redirect_uri("https://app.example:8443/cb?tenant=1").value(),
            RedirectKind::kHttps);
  EXPECT_EQ(check_redirect_uri("http://127.0.0.1/cb").value(), RedirectKind::kLoopback);
  EXPECT_EQ(check_redirect_uri("http://127.0.0.1:53121/oauth").value(), RedirectKind::kLoopback);
  EXPECT_EQ(check_redirect_uri("http://[::1]:8080/cb").value(), RedirectKind::kLoopback);
  EXPECT_EQ(check_redirect_uri("com.example.app:/oauth2redirect").value(),
            RedirectKind::kPrivateUse);
}

TEST(CheckRedirectUri, RefusesWhatAnAttackerOrAMistakeCouldUse) {
  for (const char* bad : {
           "https://app.example/cb#frag",     // fragment (RFC 6749 section 3.1.2)
           "/cb",                             // relative
           "http://app.example/cb",           // plain http to a host
           "http://localhost:8080/cb",        // localhost (RFC 8252 section 8.3)
           "http://127.0.0.2/cb",             // not the loopback literal registered
           "https://user:pw@app.example/cb",  // userinfo
           "https:///cb",                     // no host
           "javascript:alert(1)",             // run by the browser
           "data:text/html,x",                //
           "myapp:/cb",                       // private-use scheme without a '.'
           "HTTPS://app.example/cb",          // not lower case: not "https"
           "https://app.example:99999/cb",    // no such port
           "http://127.0.0.1:0/cb",           //
           "",                                //
       }) {
    EXPECT_FALSE(check_redirect_uri(bad).has_value()) << bad;
  }
}

// Exact matching: every variant an attacker could try is another URI.
TEST(RedirectUriMatches, OnlyTheRegisteredStringMatches) {
  const std::string reg = "https://app.example/cb";
  EXPECT_TRUE(redirect_uri_matches(reg, reg));
  for (const char* variant : {
           "https://app.example/cb/",              // trailing slash
           "https://app.example/cb/more",          // extra path
           "https://app.example/cb?x=1",           // extra query
           "https://app.example:443/cb",           // explicit default port
           "https://app.example:8443/cb",          // another port
           "http://app.example/cb",                // scheme
           "https://APP.example/cb",               // host case
           "https://evil@app.example/cb",          // userinfo
           "https://app.example.evil.example/cb",  // look-alike host
           "https://evilapp.example/cb",           //
           "https://app.example/cb#x",             // fragment
           "https://app.example/%63b",             // percent-encoding of the same path
           "https://app.example/CB",               // path case
           "https://app.example/cb ",              // trailing space
           "",                                     //
       }) {
    EXPECT_FALSE(redirect_uri_matches(reg, variant)) << variant;
  }
}

// RFC 8252 section 7.3: a loopback registration matches any port, and nothing else varies.
TEST(RedirectUriMatches, LoopbackAllowsAnyPortAndNothingElse) {
  const std::string reg = "http://127.0.0.1/cb";
  EXPECT_TRUE(redirect_uri_matches(reg, "http://127.0.0.1:51004/cb"));
  EXPECT_TRUE(redirect_uri_matches(reg, "http://127.0.0.1/cb"));
  EXPECT_TRUE(redirect_uri_matches("http://127.0.0.1:8080/cb", "http://127.0.0.1:9/cb"));
  EXPECT_TRUE(redirect_uri_matches("http://[::1]/cb", "http://[::1]:3000/cb"));
  EXPECT_TRUE(redirect_uri_matches("http://127.0.0.1/cb?a=1", "http://127.0.0.1:7/cb?a=1"));
  for (const char* variant : {
           "http://127.0.0.1:51004/cb/",   // path
           "http://127.0.0.1:51004/cb?x",  // query
           "http://127.0.0.1:/cb",         // empty port
           "http://127.0.0.1:99999/cb",    // no such port
           "http://localhost:51004/cb",    // host
           "http://[::1]:51004/cb",        // the other loopback
           "https://127.0.0.1:51004/cb",   // scheme
           "http://x@127.0.0.1:51004/cb",  // userinfo
           "http://127.0.0.1:51004/cb#f",  // fragment
       }) {
    EXPECT_FALSE(redirect_uri_matches(reg, variant)) << variant;
  }
  // The port rule is for loopback registrations only.
  EXPECT_FALSE(redirect_uri_matches("https://app.example/cb", "https://app.example:8443/cb"));
}

TEST(EncodeQuery, EncodesAllButUnreserved) {
  EXPECT_EQ(encode_query({{"a", "b c"}, {"x&y", "1=2/3?#%"}, {"u", "-._~"}}),
            "a=b%20c&x%26y=1%3D2%2F3%3F%23%25&u=-._~");
  EXPECT_EQ(encode_query({}), "");
}

TEST(PercentEncode, EncodesEveryByteButUnreserved) {
  EXPECT_EQ(percent_encode("ACME Co:a+b@x.example/?#&=%"),
            "ACME%20Co%3Aa%2Bb%40x.example%2F%3F%23%26%3D%25");
  EXPECT_EQ(percent_encode("-._~AZaz09"), "-._~AZaz09");
  EXPECT_EQ(percent_encode(std::string_view("\0\xC3\xA9", 3)), "%00%C3%A9");
  EXPECT_EQ(percent_encode(""), "");
}

// CSP 3 source expressions for the consent form's answer (api/oauth_authorize.h).
TEST(CspSourceOf, OriginForHostsSchemeForPrivateUse) {
  EXPECT_EQ(csp_source_of("https://notes.example/cb?x=1"), "https://notes.example");
  EXPECT_EQ(csp_source_of("https://notes.example:8443/cb"), "https://notes.example:8443");
  EXPECT_EQ(csp_source_of("http://127.0.0.1:5000/cb"), "http://127.0.0.1:5000");
  EXPECT_EQ(csp_source_of("http://[::1]/cb"), "http://[::1]");
  EXPECT_EQ(csp_source_of("com.example.app:/oauth2redirect"), "com.example.app:");
  EXPECT_FALSE(csp_source_of("/relative").has_value());
  EXPECT_FALSE(csp_source_of("not a uri").has_value());
}

}  // namespace
TEST(NavigationOrigin, HttpsOrLoopbackHttpWithAHostAndNoUserinfo) {
  EXPECT_EQ(navigation_origin("https://App.Example.com/x?y=1").value(), "https://app.example.com");
  EXPECT_EQ(navigation_origin("HTTPS://a.example:8443").value(), "https://a.example:8443");
  EXPECT_EQ(navigation_origin("http://127.0.0.1:8080/p").value(), "http://127.0.0.1:8080");
  EXPECT_EQ(navigation_origin("http://[::1]:9/").value(), "http://[::1]:9");
  for (const char* bad :
       {"", "/x", "//a.example/", "http://a.example/", "http://localhost/", "https:a.example",
        "https:///x", "https://u@a.example/", "https://@a.example/", "https://u:p@a.example/",
        "https://a.example/#f", "https://a%2eexample/", "https://a.example:0/",
        "https://a.example:70000/", "javascript:alert(1)", "data:text/html,x", "ftp://a.example/",
        "https://[v1.x]/"}) {
    EXPECT_FALSE(navigation_origin(bad)) << bad;
  }
}

}  // namespace tessera::uri
