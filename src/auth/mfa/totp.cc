#include "auth/mfa/totp.h"

#include <algorithm>

#include "base/base32.h"
#include "crypto/hash.h"
#include "crypto/otp.h"
#include "uri/uri.h"

namespace tessera::auth::mfa {
namespace {

// The latest step of the window around `now` that `code` matches and that is_unused_step()
// against `last_accepted`; see match() for the rules.
std::optional<std::int64_t> match_in_window(std::string_view secret, std::string_view code,
                                            std::int64_t now,
                                            std::optional<std::int64_t> last_accepted, int drift) {
  if (!is_code_form(code) || drift < 0 || drift > kTotpMaxDrift) return std::nullopt;
  const auto now_step = crypto::totp_step(now, kTotpPeriod);
  if (!now_step) return std::nullopt;
  // now <= INT64_MAX, so the step is at most INT64_MAX / 30: step + drift cannot overflow.
  const auto t = static_cast<std::int64_t>(*now_step);
  std::optional<std::int64_t> found;
  for (std::int64_t step = t - drift; step <= t + drift; ++step) {
    if (step < 0) continue;  // before the epoch: RFC 6238 has no such step
    const auto expected =
        crypto::hotp(crypto::OtpHash::kSha1, secret, static_cast<std::uint64_t>(step), kTotpDigits);
    if (!expected) return std::nullopt;  // the secret is unusable (too short or too long)
    // Every step is computed and compared; no early exit on a match.
    const bool equal = crypto::constant_time_equal(*expected, code);
    if (equal && is_unused_step(step, last_accepted)) found = step;  // ascending: the latest wins
  }
  return found;
}

}  // namespace

std::string new_secret() { return crypto::random_bytes(kTotpSecretBytes); }

std::expected<std::string, Error> otpauth_uri(std::string_view issuer, std::string_view account,
                                              std::string_view secret) {
  if (issuer.empty()) return std::unexpected(make_error(Errc::kBadInput, "empty issuer"));
  if (issuer.find(':') != std::string_view::npos) {
    return std::unexpected(make_error(Errc::kBadInput, "issuer contains ':'"));
  }
  if (account.empty()) return std::unexpected(make_error(Errc::kBadInput, "empty account"));
  if (secret.size() < crypto::kOtpMinSecretBytes || secret.size() > crypto::kOtpMaxSecretBytes) {
    return std::unexpected(make_error(Errc::kBadInput, "TOTP secret of a bad size"));
  }
  const auto encoded_secret = base::base32_encode(secret);
  if (!encoded_secret) return std::unexpected(make_error(Errc::kInternal, "base32 failed"));
  const std::string digits = std::to_string(kTotpDigits);
  const std::string period = std::to_string(kTotpPeriod);
  std::string out = "otpauth://totp/";
  out += uri::percent_encode(issuer);
  out += ':';
  out += uri::percent_encode(account);
  out += '?';
  out += uri::encode_query({{"secret", *encoded_secret},
                            {"issuer", issuer},
                            {"algorithm", "SHA1"},
                            {"digits", digits},
                            {"period", period}});
  return out;
}

bool is_code_form(std::string_view code) {
  return code.size() == static_cast<std::size_t>(kTotpDigits) &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::int64_t> match(std::string_view secret, std::string_view code, std::int64_t now,
                                  int drift) {
  return match_in_window(secret, code, now, std::nullopt, drift);
}

std::optional<std::int64_t> match_unused(std::string_view secret, std::string_view code,
                                         std::int64_t now,
                                         std::optional<std::int64_t> last_accepted, int drift) {
  return match_in_window(secret, code, now, last_accepted, drift);
}

}  // namespace tessera::auth::mfa
