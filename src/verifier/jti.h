// The `jti` of Tessera's access tokens: base64url(issue time in Unix ms, 6 bytes big-endian ||
// 16 random bytes), 30 characters. Unique, and it lets revocation compare a token's issue time
// with a user's not-before to the millisecond (logout-all at 12:00:00.400 kills a token issued at
// .300 but not a new sign-in's at .500), which the whole-second `iat` cannot. Services that
// follow the revocation feed read it for the same comparison, so it is a published format
// (docs/revocation-feed.md): change it only with a new length.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::verifier {

// A fresh jti for a token issued at `issued_ms`.
std::string new_jti(std::int64_t issued_ms);
// The issue time encoded in one of our jti values; nullopt if it is not one.
std::optional<std::int64_t> jti_issued_ms(std::string_view jti);

}  // namespace tessera::verifier
