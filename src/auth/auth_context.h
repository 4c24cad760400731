// How a user last proved who they are (SPEC.md "Second factors and step-up"): the
// authentication methods (RFC 8176 "amr" values), the assurance level derived from them
// ("acr", OpenID Connect Core section 2), and the step-up rule of RFC 9470.
//
// Sessions, refresh families and authorization codes store the methods as text (text()),
// access and ID tokens carry them as an array (values()). Every credential also carries the
// auth_time the methods were proved at; refreshing a token or touching a session never moves
// it, so a refresh never satisfies step-up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::auth {

// The RFC 8176 section 2 values Tessera issues, and "fed": a sign-in through an upstream
// OpenID Connect provider (SPEC.md "Federated sign-in"; not in the RFC 8176 registry, which
// section 6.1 allows: the value names the method, the upstream's own values come with it).
enum class AuthMethodRef : std::uint8_t {
  kPwd = 1,   // a password
  kOtp = 2,   // a one-time password (TOTP, RFC 6238)
  kHwk = 4,   // a device-bound key (a passkey that cannot leave its authenticator)
  kSwk = 8,   // a software-secured key (a synced passkey: WebAuthn backup eligible)
  kMfa = 16,  // more than one factor (two methods, or a user-verifying passkey)
  kFed = 32,  // federated: an upstream provider authenticated the user (auth/federation/)
};

// A set of methods. A plain value.
class Amr {
 public:
  Amr() = default;
  static Amr of(AuthMethodRef m) { return Amr().with(m); }

  Amr with(AuthMethodRef m) const {
    Amr a = *this;
    a.bits_ |= static_cast<std::uint8_t>(m);
    return a;
  }
  bool has(AuthMethodRef m) const { return (bits_ & static_cast<std::uint8_t>(m)) != 0; }
  bool empty() const { return bits_ == 0; }
  bool operator==(const Amr&) const = default;

  // The values in a fixed order (pwd otp hwk swk mfa fed).
  std::vector<std::string> values() const;
  // values() joined by single spaces: how the stores keep them ("" for none).
  std::string text() const;
  // The inverse of text(): nullopt for an unknown value, an empty item or a repeated one (a
  // stored value that does not parse was not written by text(): the store calls it corrupt).
  static std::optional<Amr> parse(std::string_view text);
  // From a token's "amr" array; unknown values make it nullopt.
  static std::optional<Amr> from_values(const std::vector<std::string>& values);

  // The assurance level these methods reach: "aal2" with more than one factor (the `mfa`
  // method), else "aal1" (NIST SP 800-63B's authenticator assurance levels, used as acr
  // values: OIDC leaves their names to the provider).
  std::string_view acr() const;

 private:
  std::uint8_t bits_ = 0;
};

// When and how a user last proved a credential: what sessions and refresh families record.
struct Authentication {
  std::int64_t time = 0;  // Unix seconds (the auth_time claim)
  Amr methods;
};

// The acr values acr() returns, weakest first.
inline constexpr std::string_view kAcrSingleFactor = "aal1";
inline constexpr std::string_view kAcrMultiFactor = "aal2";

// RFC 9470 section 3: an authentication at `auth_time` satisfies a `max_age` demand at `now`
// when no more than max_age seconds have passed. An unknown time (0) never does. No clock-skew
// leeway: both times are this server's.
constexpr bool recent_enough(std::int64_t auth_time, std::int64_t now, std::int64_t max_age) {
  return auth_time > 0 && now - auth_time <= max_age;
}

}  // namespace tessera::auth
