#include "http/uri.h"

#include <gtest/gtest.h>

namespace tessera::http {
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

}  // namespace
}  // namespace tessera::http
