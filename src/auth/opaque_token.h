// Opaque bearer secrets (session ids, CSRF tokens; the refresh tokens of families from before
// generations, auth/refresh_token_format.h): 32 bytes from the OS CSPRNG, base64url (43
// characters), stored only as their SHA-256.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "store/types.h"

namespace tessera::auth {

inline constexpr std::size_t kOpaqueTokenChars = 43;

std::string new_opaque_token();

// The SHA-256 of `raw`, or nullopt if `raw` is not 43 canonical base64url characters encoding
// 32 bytes (checked before any store is asked about it).
std::optional<store::TokenHash> hash_opaque_token(std::string_view raw);

// SHA-256 of any string, as a TokenHash (for keys of caches).
store::TokenHash token_hash_of(std::string_view s);

// Whether two hashes are equal, in constant time (a presented secret's hash against a stored
// one).
bool same_token_hash(const store::TokenHash& a, const store::TokenHash& b);

}  // namespace tessera::auth
