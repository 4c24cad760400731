#include "auth/mfa/recovery_codes.h"

#include <algorithm>

namespace tessera::auth::mfa {
namespace {

static_assert(kRecoveryAlphabet.size() == 31);

// Random bytes below this value map to a symbol by `byte % 31` with every symbol equally often
// (8 times each); bytes from it up are drawn again.
constexpr unsigned kUniformBelow = 256 / kRecoveryAlphabet.size() * kRecoveryAlphabet.size();

// One code in display form, with kRecoveryCodeChars uniformly drawn symbols.
std::string new_code() {
  std::string out;
  std::size_t symbols = 0;
  while (symbols < kRecoveryCodeChars) {
    for (const char b : crypto::random_bytes(kRecoveryCodeChars)) {
      const auto v = static_cast<unsigned char>(b);
      if (v >= kUniformBelow || symbols == kRecoveryCodeChars) continue;
      if (symbols > 0 && symbols % kRecoveryGroupChars == 0) out += '-';
      out += kRecoveryAlphabet[v % kRecoveryAlphabet.size()];
      ++symbols;
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> generate_recovery_codes() {
  std::vector<std::string> codes;
  while (codes.size() < kRecoveryCodeCount) {
    std::string code = new_code();
    // A repeat (one chance in about 10^16 per set) is drawn again, so the codes are distinct.
    if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.push_back(code);
  }
  return codes;
}

std::optional<std::string> normalize_recovery_code(std::string_view input) {
  if (input.size() > kRecoveryInputMaxChars) return std::nullopt;
  std::string out;
  for (const char c : input) {
    if (c == ' ' || c == '-') continue;
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (kRecoveryAlphabet.find(lower) == std::string_view::npos) return std::nullopt;
    out += lower;
  }
  if (out.size() != kRecoveryCodeChars) return std::nullopt;
  return out;
}

std::optional<std::string> hash_recovery_code(const crypto::HmacKey& key, std::string_view code) {
  if (key.hash() != crypto::Hash::kSha256) return std::nullopt;
  const auto canonical = normalize_recovery_code(code);
  if (!canonical) return std::nullopt;
  return std::string(key.mac(*canonical).view());
}

}  // namespace tessera::auth::mfa
