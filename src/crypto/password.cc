#include "crypto/password.h"

#include <sodium.h>

#include <charconv>
#include <cstring>

namespace tessera::crypto {
namespace {

// Sanity caps well above any sane configuration: 4 GiB, 64 passes.
constexpr std::uint32_t kMaxMemoryKib = 4u * 1024 * 1024;
constexpr std::uint32_t kMaxIterations = 64;

// Where this thread's Argon2id work is recorded (PasswordWorkRecorder), or null.
thread_local std::vector<PasswordWork>* t_work = nullptr;

void note(PasswordWork::Kind kind, std::optional<PasswordParams> params, std::string_view phc) {
  if (t_work != nullptr) {
    t_work->push_back(PasswordWork{.kind = kind, .params = params, .phc = std::string(phc)});
  }
}

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;  // thread-safe, idempotent
  return ready;
}

bool params_ok(const PasswordParams& p) {
  return p.memory_kib >= kMinPasswordParams.memory_kib && p.memory_kib <= kMaxMemoryKib &&
         p.iterations >= kMinPasswordParams.iterations && p.iterations <= kMaxIterations;
}

// Reads "<key>=<decimal>" at the front of `s` and advances past it.
bool take_number(std::string_view& s, std::string_view key, std::uint32_t& out) {
  if (!s.starts_with(key)) return false;
  s.remove_prefix(key.size());
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  if (ec != std::errc() || ptr == s.data()) return false;
  s.remove_prefix(static_cast<std::size_t>(ptr - s.data()));
  return true;
}

}  // namespace

std::string_view describe(PasswordError e) {
  switch (e) {
    case PasswordError::kEmpty:
      return "empty password";
    case PasswordError::kTooLong:
      return "password too long";
    case PasswordError::kBadParams:
      return "Argon2id parameters out of range";
    case PasswordError::kInternal:
      return "password hashing failed";
  }
  return "unknown password error";
}

std::expected<std::string, PasswordError> hash_password(std::string_view password,
                                                        const PasswordParams& params) {
  if (password.empty()) return std::unexpected(PasswordError::kEmpty);
  if (password.size() > kMaxPasswordBytes) return std::unexpected(PasswordError::kTooLong);
  if (!params_ok(params)) return std::unexpected(PasswordError::kBadParams);
  if (!sodium_ready()) return std::unexpected(PasswordError::kInternal);
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params.iterations,
                            static_cast<std::size_t>(params.memory_kib) * 1024,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    note(PasswordWork::Kind::kHash, params, {});
    return std::unexpected(PasswordError::kInternal);  // out of memory
  }
  note(PasswordWork::Kind::kHash, params, out);
  return std::string(out);
}

bool verify_password(std::string_view phc, std::string_view password) {
  if (password.empty() || password.size() > kMaxPasswordBytes) return false;
  // libsodium wants a NUL-terminated string no longer than crypto_pwhash_STRBYTES - 1; an
  // embedded NUL would make it read a different string than we checked.
  if (phc.empty() || phc.size() >= crypto_pwhash_STRBYTES ||
      phc.find('\0') != std::string_view::npos) {
    return false;
  }
  // Refuse costs we would never configure: a planted hash must not buy a 4 GiB allocation.
  const auto params = parse_password_params(phc);
  if (params && !params_ok(*params)) return false;
  if (!sodium_ready()) return false;
  char buf[crypto_pwhash_STRBYTES] = {};
  std::memcpy(buf, phc.data(), phc.size());
  note(PasswordWork::Kind::kVerify, params, phc);
  return crypto_pwhash_str_verify(buf, password.data(), password.size()) == 0;
}

std::optional<PasswordParams> parse_password_params(std::string_view phc) {
  std::string_view s = phc;
  if (!s.starts_with("$argon2id$")) return std::nullopt;
  s.remove_prefix(std::strlen("$argon2id$"));
  std::uint32_t v = 0, m = 0, t = 0, p = 0;
  if (!take_number(s, "v=", v) || v != 19 || !s.starts_with('$')) return std::nullopt;
  s.remove_prefix(1);
  if (!take_number(s, "m=", m) || !s.starts_with(',')) return std::nullopt;
  s.remove_prefix(1);
  if (!take_number(s, "t=", t) || !s.starts_with(',')) return std::nullopt;
  s.remove_prefix(1);
  if (!take_number(s, "p=", p) || p != 1 || !s.starts_with('$')) return std::nullopt;
  return PasswordParams{.memory_kib = m, .iterations = t};
}

PasswordWorkRecorder::PasswordWorkRecorder() : outer_(t_work) { t_work = &work_; }

PasswordWorkRecorder::~PasswordWorkRecorder() { t_work = outer_; }

bool password_needs_rehash(std::string_view phc, const PasswordParams& params) {
  const auto p = parse_password_params(phc);
  if (!p) return true;  // another algorithm or version: move it to Argon2id v19
  return p->memory_kib < params.memory_kib || p->iterations < params.iterations;
}

}  // namespace tessera::crypto
