// What the HTTP suites read out of tokens and write into Basic credentials: standard base64
// for HTTP Basic (RFC 7617) and a JWT's claims, both on the project's base64url
// (base/base64url.h; link tessera_jose, which brings it). Test-only; header-only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/base64url.h"

namespace tessera::http::testing {

// Standard base64 with padding, from the project's base64url.
inline std::string base64(std::string_view in) {
  std::string out = tessera::base::base64url_encode(in);
  for (char& c : out) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (out.size() % 4 != 0) out += '=';
  return out;
}

// The claims of a compact JWS, unverified; null when the payload does not decode.
inline nlohmann::json jwt_claims(const std::string& jwt) {
  const std::size_t a = jwt.find('.');
  const std::size_t b = jwt.find('.', a + 1);
  auto payload = tessera::base::base64url_decode(std::string_view(jwt).substr(a + 1, b - a - 1));
  return payload ? nlohmann::json::parse(*payload, nullptr, false) : nlohmann::json();
}

}  // namespace tessera::http::testing
