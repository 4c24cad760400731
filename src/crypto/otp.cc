#include "crypto/otp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdlib>

namespace tessera::crypto {
namespace {

const EVP_MD* md_of(OtpHash h) {
  switch (h) {
    case OtpHash::kSha1:
      return EVP_sha1();
    case OtpHash::kSha256:
      return EVP_sha256();
    case OtpHash::kSha512:
      return EVP_sha512();
  }
  return EVP_sha1();
}

constexpr std::uint32_t pow10(int n) {
  std::uint32_t p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

// Dynamic truncation (RFC 4226 section 5.3): the offset is the low 4 bits of the last byte; the
// 31-bit value is read big-endian from there, top bit masked off. The offset is at most 15, so
// it stays inside a SHA-1 (20-byte) MAC and every longer one.
std::uint32_t dynamic_truncate(const unsigned char* mac, unsigned int size) {
  const unsigned offset = mac[size - 1] & 0x0fU;
  return (std::uint32_t{mac[offset]} & 0x7fU) << 24 | std::uint32_t{mac[offset + 1]} << 16 |
         std::uint32_t{mac[offset + 2]} << 8 | std::uint32_t{mac[offset + 3]};
}

}  // namespace

std::string_view describe(OtpError e) {
  switch (e) {
    case OtpError::kSecretTooShort:
      return "secret too short";
    case OtpError::kSecretTooLong:
      return "secret too long";
    case OtpError::kBadDigits:
      return "digits outside 6-8";
    case OtpError::kBadPeriod:
      return "time step not positive";
    case OtpError::kBeforeT0:
      return "time before T0";
  }
  return "unknown OTP error";
}

std::expected<std::string, OtpError> hotp(OtpHash hash, std::string_view secret,
                                          std::uint64_t counter, int digits) {
  if (secret.size() < kOtpMinSecretBytes) return std::unexpected(OtpError::kSecretTooShort);
  if (secret.size() > kOtpMaxSecretBytes) return std::unexpected(OtpError::kSecretTooLong);
  if (digits < kOtpMinDigits || digits > kOtpMaxDigits) {
    return std::unexpected(OtpError::kBadDigits);
  }
  // C as 8 bytes, big-endian (RFC 4226 section 5.1).
  std::array<unsigned char, 8> message{};
  for (int i = 7; i >= 0; --i) {
    message[static_cast<std::size_t>(i)] = static_cast<unsigned char>(counter & 0xffU);
    counter >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_size = 0;
  if (HMAC(md_of(hash), secret.data(), static_cast<int>(secret.size()), message.data(),
           message.size(), mac.data(), &mac_size) == nullptr ||
      mac_size < 20) {
    std::abort();  // OpenSSL cannot compute a SHA HMAC: the process is broken, not the input
  }
  std::uint32_t value = dynamic_truncate(mac.data(), mac_size) % pow10(digits);
  OPENSSL_cleanse(mac.data(), mac.size());
  std::string out(static_cast<std::size_t>(digits), '0');
  for (auto it = out.rbegin(); it != out.rend(); ++it) {
    *it = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out;
}

std::expected<std::uint64_t, OtpError> totp_step(std::int64_t now, std::int64_t period,
                                                 std::int64_t t0) {
  if (period <= 0) return std::unexpected(OtpError::kBadPeriod);
  if (now < t0) return std::unexpected(OtpError::kBeforeT0);
  // now - t0 may exceed INT64_MAX (e.g. t0 < 0); as unsigned it is exact, since now >= t0.
  const std::uint64_t elapsed = static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(t0);
  return elapsed / static_cast<std::uint64_t>(period);
}

std::expected<std::string, OtpError> totp(std::string_view secret, std::int64_t now,
                                          const TotpParams& params) {
  auto step = totp_step(now, params.period, params.t0);
  if (!step) return std::unexpected(step.error());
  return hotp(params.hash, secret, *step, params.digits);
}

}  // namespace tessera::crypto
