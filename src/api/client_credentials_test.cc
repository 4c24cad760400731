// Reading a token request's client credentials (api/client_credentials.h): HTTP Basic with
// form-encoded parts (RFC 6749 section 2.3.1), the body methods, assertions (RFC 7521 section
// 4.2), and every refusal: repeats, two methods at once, mismatched ids, malformed headers.
#include "api/client_credentials.h"

#include <gtest/gtest.h>

#include <string>

#include "base/base64url.h"

namespace tessera::api {
namespace {

using auth::PresentedClient;
using Via = PresentedClient::Via;

constexpr char kJwt[] = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln";

// Base64 with the standard alphabet and padding, as clients send Basic credentials.
std::string base64(std::string_view bytes) {
  std::string s = base::base64url_encode(bytes);
  for (char& c : s) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (s.size() % 4 != 0) s += '=';
  return s;
}

http::Request with_authorization(std::string value) {
  http::Request req;
  req.method = "POST";
  req.headers.add("Authorization", std::move(value));
  return req;
}

http::Request basic(std::string_view id_secret) {
  return with_authorization("Basic " + base64(id_secret));
}

void expect_error(const std::expected<PresentedClient, auth::OAuthError>& r, OAuthErrc code) {
  ASSERT_FALSE(r.has_value()) << "accepted as " << r->client_id;
  EXPECT_EQ(r.error().code, code) << r.error().description;
}

TEST(ClientCredentials, BasicGivesIdAndSecret) {
  auto r = presented_client(basic("client-1:s3cret"), {});
  ASSERT_TRUE(r.has_value()) << r.error().description;
  EXPECT_EQ(r->via, Via::kSecretBasic);
  EXPECT_EQ(r->client_id, "client-1");
  EXPECT_EQ(r->secret, "s3cret");
  EXPECT_TRUE(r->assertion.empty());
  // The scheme is case-insensitive, and more than one space may follow it.
  auto lower = presented_client(with_authorization("bAsIc   " + base64("a:b")), {});
  ASSERT_TRUE(lower.has_value());
  EXPECT_EQ(lower->client_id, "a");
  EXPECT_EQ(lower->secret, "b");
}

TEST(ClientCredentials, BasicPartsAreFormDecoded) {
  // RFC 6749 section 2.3.1: each part is application/x-www-form-urlencoded first.
  auto r = presented_client(basic("my%3Aclient%20id:p%40ss+w%C3%B6rd%3A%25"), {});
  ASSERT_TRUE(r.has_value()) << r.error().description;
  EXPECT_EQ(r->client_id, "my:client id");
  EXPECT_EQ(r->secret, "p@ss w\xC3\xB6rd:%");
  // The first ':' splits; a later one (unencoded) stays in the secret.
  auto colon = presented_client(basic("id:a:b"), {});
  ASSERT_TRUE(colon.has_value());
  EXPECT_EQ(colon->client_id, "id");
  EXPECT_EQ(colon->secret, "a:b");
  // An empty secret is passed on (client authentication refuses it).
  auto empty = presented_client(basic("id:"), {});
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->secret, "");
}

TEST(ClientCredentials, MalformedBasicIsInvalidClient) {
  for (const std::string& value : {
           std::string("Basic"), std::string("Basic "), "Basic " + base64("no colon here"),
           "Basic " + base64(":secret"),                  // empty id
           "Basic " + base64("id%zz:secret"),             // malformed escape
           "Basic " + base64("id:bad%"),                  // malformed escape
           "Basic " + base64("id:%FF"),                   // not UTF-8
           "Basic " + base64("id:raw space"),             // raw bytes must be escaped
           "Basic " + base64("id:%00"),                   // NUL
           std::string("Basic !!!!"),                     // not base64
           std::string("Basic aWQ6c2VjcmV0MQ"),           // id:secret1 unpadded
           std::string("Basic aWQ6c2VjcmV0MQ="),          // too little padding
           std::string("Basic aWQ6c2VjcmV0MQ==="),        // too much padding
           std::string("Basic aWQ6c2VjcmV0MR=="),         // non-zero trailing bits
           std::string("Basic aWQ6c2Vj-mV0"),             // base64url letters
           std::string("Basic aWQ6 c2VjcmV0"),            // a space inside
           std::string("Basicx ") + base64("id:secret"),  // not the Basic scheme
       }) {
    SCOPED_TRACE(value);
    expect_error(presented_client(with_authorization(value), {}), OAuthErrc::kInvalidClient);
  }
  // The padded form of the same credentials is fine.
  auto padded = presented_client(with_authorization("Basic aWQ6c2VjcmV0MQ=="), {});
  ASSERT_TRUE(padded.has_value());
  EXPECT_EQ(padded->secret, "secret1");
}

TEST(ClientCredentials, OtherAuthorizationSchemesAreInvalidClient) {
  expect_error(presented_client(with_authorization("Bearer abc.def.ghi"), {}),
               OAuthErrc::kInvalidClient);
  expect_error(presented_client(with_authorization("Digest username=\"x\""), {}),
               OAuthErrc::kInvalidClient);
  // Even with a client_id in the body: the header was a (failed) authentication attempt.
  expect_error(presented_client(with_authorization("Bearer abc"), {{"client_id", "c"}}),
               OAuthErrc::kInvalidClient);
}

TEST(ClientCredentials, BasicBesideAFormClientIdMustNameTheSameClient) {
  auto same = presented_client(basic("c1:s"), {{"client_id", "c1"}});
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->client_id, "c1");
  expect_error(presented_client(basic("c1:s"), {{"client_id", "c2"}}), OAuthErrc::kInvalidRequest);
}

TEST(ClientCredentials, SecretInTheBody) {
  auto r = presented_client({}, {{"grant_type", "x"}, {"client_id", "c1"}, {"client_secret", "s"}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->via, Via::kSecretPost);
  EXPECT_EQ(r->client_id, "c1");
  EXPECT_EQ(r->secret, "s");
  // client_secret without client_id: a required parameter missing.
  expect_error(presented_client({}, {{"client_secret", "s"}}), OAuthErrc::kInvalidRequest);
}

TEST(ClientCredentials, ClientIdAloneIsAPublicClient) {
  auto r = presented_client({}, {{"client_id", "app"}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->via, Via::kNone);
  EXPECT_EQ(r->client_id, "app");
  EXPECT_TRUE(r->secret.empty());
}

TEST(ClientCredentials, NothingAtAllIsInvalidClient) {
  expect_error(presented_client({}, {}), OAuthErrc::kInvalidClient);
  expect_error(presented_client({}, {{"grant_type", "client_credentials"}}),
               OAuthErrc::kInvalidClient);
  // A parameter without a value is an absent one (RFC 6749 section 3.2).
  expect_error(presented_client({}, {{"client_id", ""}}), OAuthErrc::kInvalidClient);
  auto empty_secret = presented_client({}, {{"client_id", "c"}, {"client_secret", ""}});
  ASSERT_TRUE(empty_secret.has_value());
  EXPECT_EQ(empty_secret->via, Via::kNone);
}

TEST(ClientCredentials, Assertion) {
  const std::string type(auth::kJwtBearerAssertionType);
  auto r = presented_client({}, {{"client_assertion_type", type}, {"client_assertion", kJwt}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->via, Via::kAssertion);
  EXPECT_EQ(r->client_id, "");  // the assertion's sub names the client
  EXPECT_EQ(r->assertion, kJwt);
  auto with_id = presented_client(
      {}, {{"client_id", "c1"}, {"client_assertion_type", type}, {"client_assertion", kJwt}});
  ASSERT_TRUE(with_id.has_value());
  EXPECT_EQ(with_id->client_id, "c1");
  EXPECT_EQ(with_id->via, Via::kAssertion);
}

TEST(ClientCredentials, AssertionNeedsBothParametersAndTheJwtBearerType) {
  const std::string type(auth::kJwtBearerAssertionType);
  expect_error(presented_client({}, {{"client_assertion", kJwt}}), OAuthErrc::kInvalidRequest);
  expect_error(presented_client({}, {{"client_id", "c"}, {"client_assertion_type", type}}),
               OAuthErrc::kInvalidRequest);
  for (const std::string& other :
       {std::string("urn:ietf:params:oauth:client-assertion-type:saml2-bearer"),
        std::string("URN:IETF:PARAMS:OAUTH:CLIENT-ASSERTION-TYPE:JWT-BEARER"), type + " "}) {
    SCOPED_TRACE(other);
    expect_error(
        presented_client({}, {{"client_assertion_type", other}, {"client_assertion", kJwt}}),
        OAuthErrc::kInvalidClient);
  }
}

TEST(ClientCredentials, RepeatedParametersAreInvalidRequest) {
  const std::string type(auth::kJwtBearerAssertionType);
  expect_error(presented_client({}, {{"client_id", "a"}, {"client_id", "a"}}),
               OAuthErrc::kInvalidRequest);
  expect_error(presented_client({}, {{"client_id", "a"}, {"client_id", ""}}),
               OAuthErrc::kInvalidRequest);
  expect_error(
      presented_client({}, {{"client_id", "a"}, {"client_secret", "s"}, {"client_secret", "t"}}),
      OAuthErrc::kInvalidRequest);
  expect_error(presented_client({}, {{"client_assertion_type", type},
                                     {"client_assertion_type", type},
                                     {"client_assertion", kJwt}}),
               OAuthErrc::kInvalidRequest);
  expect_error(presented_client({}, {{"client_assertion_type", type},
                                     {"client_assertion", kJwt},
                                     {"client_assertion", kJwt}}),
               OAuthErrc::kInvalidRequest);
  // A repeated client_id beside Basic too.
  expect_error(presented_client(basic("a:s"), {{"client_id", "a"}, {"client_id", "a"}}),
               OAuthErrc::kInvalidRequest);
  // Two Authorization fields.
  http::Request twice = basic("a:s");
  twice.headers.add("authorization", "Basic " + base64("a:s"));
  expect_error(presented_client(twice, {}), OAuthErrc::kInvalidRequest);
}

TEST(ClientCredentials, MoreThanOneMethodIsInvalidRequest) {
  const std::string type(auth::kJwtBearerAssertionType);
  expect_error(presented_client(basic("a:s"), {{"client_id", "a"}, {"client_secret", "s"}}),
               OAuthErrc::kInvalidRequest);
  expect_error(
      presented_client(basic("a:s"), {{"client_assertion_type", type}, {"client_assertion", kJwt}}),
      OAuthErrc::kInvalidRequest);
  expect_error(presented_client({}, {{"client_id", "a"},
                                     {"client_secret", "s"},
                                     {"client_assertion_type", type},
                                     {"client_assertion", kJwt}}),
               OAuthErrc::kInvalidRequest);
  // Half an assertion still counts as an attempt at that method.
  expect_error(presented_client(
                   {}, {{"client_id", "a"}, {"client_secret", "s"}, {"client_assertion", kJwt}}),
               OAuthErrc::kInvalidRequest);
}

TEST(ClientCredentials, ClientAuthViaSaysWhereTheClientTriedToAuthenticate) {
  EXPECT_EQ(client_auth_via(basic("a:s")), ClientAuthVia::kAuthorizationHeader);
  EXPECT_EQ(client_auth_via(with_authorization("Bearer x")), ClientAuthVia::kAuthorizationHeader);
  http::Request form;
  form.headers.set("Content-Type", "application/x-www-form-urlencoded");
  form.body = "grant_type=client_credentials&client_id=a&client_secret=s";
  EXPECT_EQ(client_auth_via(form), ClientAuthVia::kBody);
  form.body = "grant_type=client_credentials&client_assertion=x";
  EXPECT_EQ(client_auth_via(form), ClientAuthVia::kBody);
  form.body = "grant_type=authorization_code&client_id=a";
  EXPECT_EQ(client_auth_via(form), ClientAuthVia::kNone);
  EXPECT_EQ(client_auth_via(http::Request{}), ClientAuthVia::kNone);
}

}  // namespace
}  // namespace tessera::api
