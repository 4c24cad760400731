// TOTP as a second factor: the domain rules of SPEC.md "Second factors and step-up" (RFC 6238
// with HMAC-SHA-1, 6 digits, 30-second steps, +-1 step of drift) as pure functions. No store, no
// clock (`now` is a parameter), no HTTP.
//
// Who does what: the caller keeps the secret (sealed at rest) and, per user, the last accepted
// time step; the credential store makes "accept a step only if it is greater than the last one"
// atomic across nodes. This file decides whether a code matches and which step it matched, and
// states the replay rule once (is_unused_step) for the store and the login flow to apply.
//
// Thread-safe: no state.
//
// Usage (enrolment, then a login):
//   const std::string secret = mfa::new_secret();
//   auto uri = mfa::otpauth_uri("Tessera", user.email, secret);   // -> QR code, manual entry
//   ...
//   auto step = mfa::match_unused(secret, body.totp, now, stored_last_step);
//   if (step && store.accept_totp_step(user, *step)) { /* second factor passed */ }
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "auth/errors.h"

namespace tessera::auth::mfa {

// SPEC.md "Second factors": the parameters every authenticator app reads from the URI.
inline constexpr int kTotpDigits = 6;
inline constexpr std::int64_t kTotpPeriod = 30;  // seconds (RFC 6238 section 5.2 recommends 30)
inline constexpr int kTotpDrift = 1;             // steps accepted either side of now
inline constexpr int kTotpMaxDrift = 10;         // bound on what match() accepts as `drift`
// 160 bits: RFC 4226 section 4 R6 (at least 128, 160 recommended) and SPEC.md's floor.
inline constexpr std::size_t kTotpSecretBytes = 20;

// A new shared secret: kTotpSecretBytes from the CSPRNG (crypto::random_bytes).
std::string new_secret();

// The Key URI that authenticator apps read (Google Authenticator's "Key Uri Format", which
// every mainstream app follows):
//   otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
// ISSUER and ACCOUNT are percent-encoded (RFC 3986 section 2.1, every byte but the unreserved
// characters, so a space is %20 as the format asks, and a ':' in the account is %3A); the ':'
// between them is literal; the secret is unpadded upper-case base32 (RFC 4648 section 6).
// Apps split the label at its first ':', so an issuer containing ':' is refused (kBadInput), as
// is an empty issuer or account, or a secret shorter than 128 bits (RFC 4226 section 4 R6) or
// longer than crypto::kOtpMaxSecretBytes.
std::expected<std::string, Error> otpauth_uri(std::string_view issuer, std::string_view account,
                                              std::string_view secret);

// Whether `code` has the form of a code: exactly kTotpDigits ASCII digits '0'-'9' (no space, no
// sign, no other Unicode digit).
bool is_code_form(std::string_view code);

// The time step that `code` matches for `secret` at `now` (Unix seconds), among the steps
// T - drift .. T + drift around T = floor(now / 30) (RFC 6238 sections 4.2 and 5.2; steps below 0
// are skipped), or nullopt.
//   - A code not of is_code_form() is refused before anything is computed.
//   - Every candidate step is computed and compared (crypto::constant_time_equal) whatever the
//     earlier ones gave: which step matched, or whether one did, does not show in the time taken.
//   - If a code happens to match several steps (one chance in 10^6 per pair), the LATEST is
//     returned: stored as the last accepted step, it refuses the code at every step it matched.
// nullopt too for a secret crypto::hotp refuses (shorter than 128 bits), a `drift` outside
// [0, kTotpMaxDrift], or a `now` before 1970.
// The caller stores the step returned: RFC 6238 section 5.2 "the verifier MUST NOT accept the
// second attempt of the OTP after the successful validation has been issued for the first OTP".
std::optional<std::int64_t> match(std::string_view secret, std::string_view code, std::int64_t now,
                                  int drift = kTotpDrift);

// The replay rule of RFC 6238 section 5.2, written once: a step is usable only if it is greater
// than the last accepted step of that user (none accepted yet: every step is). The store applies
// the same comparison atomically when it records the step.
constexpr bool is_unused_step(std::int64_t step, std::optional<std::int64_t> last_accepted) {
  return !last_accepted.has_value() || step > *last_accepted;
}

// match() restricted to unused steps: the latest step in the window that both matches `code`
// and is_unused_step() against `last_accepted`, or nullopt. So a code replayed in its own step
// is refused, and so is an older code once a later one was accepted, while a code that also
// matches a still unused later step (a collision) is judged by that step.
std::optional<std::int64_t> match_unused(std::string_view secret, std::string_view code,
                                         std::int64_t now,
                                         std::optional<std::int64_t> last_accepted,
                                         int drift = kTotpDrift);

}  // namespace tessera::auth::mfa
