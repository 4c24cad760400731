#include "auth/pkce.h"

#include <algorithm>
#include <string>

#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::auth {
namespace {

constexpr std::size_t kChallengeChars = 43;  // base64url of 32 bytes, unpadded

bool base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

bool is_code_challenge(std::string_view challenge) {
  return challenge.size() == kChallengeChars &&
         std::all_of(challenge.begin(), challenge.end(), base64url_char);
}

bool is_code_verifier(std::string_view verifier) {
  return verifier.size() >= 43 && verifier.size() <= 128 &&
         std::all_of(verifier.begin(), verifier.end(),
                     [](char c) { return base64url_char(c) || c == '.' || c == '~'; });
}

std::string code_challenge_s256(std::string_view verifier) {
  const auto digest = crypto::sha256(verifier);
  return base::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

bool pkce_matches(std::string_view verifier, std::string_view challenge) {
  if (!is_code_verifier(verifier) || !is_code_challenge(challenge)) return false;
  return crypto::constant_time_equal(code_challenge_s256(verifier), challenge);
}

}  // namespace tessera::auth
