// Proof Key for Code Exchange (RFC 7636) with the S256 method only: `plain` proves nothing an
// eavesdropper on the authorization response does not also learn, so it is refused (RFC 9700
// section 2.1.1: S256 is the method to use).
#pragma once

#include <string>
#include <string_view>

namespace tessera::auth {

// code_challenge for S256: base64url(SHA-256(verifier)) without padding, i.e. exactly 43
// characters of the base64url alphabet (RFC 7636 section 4.2).
bool is_code_challenge(std::string_view challenge);

// code-verifier = 43*128 unreserved characters: ALPHA / DIGIT / "-" / "." / "_" / "~"
// (RFC 7636 section 4.1).
bool is_code_verifier(std::string_view verifier);

// BASE64URL(SHA256(verifier)): the S256 code_challenge of `verifier` (RFC 7636 section 4.2),
// for a client (Tessera as a relying party: auth/federation/).
std::string code_challenge_s256(std::string_view verifier);

// Whether `verifier` is well formed and BASE64URL(SHA256(verifier)) == `challenge` (RFC 7636
// section 4.6), compared in constant time.
bool pkce_matches(std::string_view verifier, std::string_view challenge);

}  // namespace tessera::auth
