// One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238) as pure functions of a secret and a
// counter or a time. No clock is read here: `now` is always a parameter. The domain rules (which
// steps a login accepts, replay) live in auth/mfa/totp.h.
//
// Thread-safe: no state.
//
// Usage:
//   auto code = crypto::totp(secret, now);            // SHA-1, 6 digits, 30 s: what apps use
//   auto step = crypto::totp_step(now);               // T of RFC 6238 section 4.2
//   auto same = crypto::hotp(OtpHash::kSha1, secret, *step, 6);
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace tessera::crypto {

// The HMAC under an OTP. Deliberately not crypto::Hash: that enum is the JOSE algorithm table's
// and has no SHA-1, so no JWS path can ever ask for it. OTP needs SHA-1 because RFC 4226 defines
// HOTP over HMAC-SHA-1 and every authenticator app computes exactly that (RFC 6238 section 1.2
// adds SHA-256 and SHA-512). HMAC-SHA-1 stays a sound PRF: SHA-1's collision attacks do not
// carry over to HMAC. So SHA-1 lives here, private to OTP, and nowhere else.
enum class OtpHash : std::uint8_t { kSha1, kSha256, kSha512 };

// RFC 4226 section 4 R6: the shared secret is at least 128 bits (160 recommended).
inline constexpr std::size_t kOtpMinSecretBytes = 16;
// Bounds the work one call can cause; no real secret comes near it.
inline constexpr std::size_t kOtpMaxSecretBytes = 1024;
// RFC 4226 section 5.3: at least 6 digits, possibly 7 or 8.
inline constexpr int kOtpMinDigits = 6;
inline constexpr int kOtpMaxDigits = 8;

enum class OtpError : std::uint8_t {
  kSecretTooShort,  // under kOtpMinSecretBytes
  kSecretTooLong,   // over kOtpMaxSecretBytes
  kBadDigits,       // digits outside [kOtpMinDigits, kOtpMaxDigits]
  kBadPeriod,       // time step X <= 0
  kBeforeT0,        // now < T0: RFC 6238 counts steps from T0 on only
};

// "secret too short" etc., for logs and tests.
std::string_view describe(OtpError e);

// HOTP(K, C) = Truncate(HMAC(K, C)) mod 10^digits (RFC 4226 section 5.3), zero-padded to
// exactly `digits` ASCII digits. C is the 8-byte big-endian counter (section 5.1); Truncate is
// the dynamic truncation of section 5.3 (offset = low 4 bits of the last MAC byte, 31 bits read
// from there), applied to a SHA-256 or SHA-512 MAC as RFC 6238 section 1.2 extends it.
std::expected<std::string, OtpError> hotp(OtpHash hash, std::string_view secret,
                                          std::uint64_t counter, int digits);

// The time step T = floor((now - T0) / X) (RFC 6238 section 4.2), with `now` and `t0` in Unix
// seconds and `period` = X in seconds. Exact for every int64 input (no overflow).
std::expected<std::uint64_t, OtpError> totp_step(std::int64_t now, std::int64_t period = 30,
                                                 std::int64_t t0 = 0);

struct TotpParams {
  OtpHash hash = OtpHash::kSha1;
  int digits = 6;
  std::int64_t period = 30;  // X (RFC 6238 section 4.1), seconds
  std::int64_t t0 = 0;       // T0 (RFC 6238 section 4.1), Unix seconds
};

// TOTP = HOTP(K, T) with T = totp_step(now, period, t0) (RFC 6238 section 4.2).
std::expected<std::string, OtpError> totp(std::string_view secret, std::int64_t now,
                                          const TotpParams& params = {});

}  // namespace tessera::crypto
