#include "crypto/aead.h"

#include <sodium.h>

#include <cstdlib>

namespace tessera::crypto {
namespace {

constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(kAeadKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

void ensure_sodium() {
  // sodium_init is idempotent and thread-safe; -1 means no usable randomness: nothing safe
  // can follow.
  if (sodium_init() < 0) std::abort();
}

}  // namespace

std::string seal(const AeadKey& key, std::string_view plaintext, std::string_view ad) {
  ensure_sodium();
  std::string out(kNonce + plaintext.size() + kTag, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(p, kNonce);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(p + kNonce, &written, bytes(plaintext),
                                             plaintext.size(), bytes(ad), ad.size(), nullptr, p,
                                             key.data());
  out.resize(kNonce + written);
  return out;
}

std::optional<std::string> open(const AeadKey& key, std::string_view sealed, std::string_view ad) {
  ensure_sodium();
  if (sealed.size() < kNonce + kTag) return std::nullopt;
  std::string out(sealed.size() - kNonce - kTag, '\0');
  unsigned long long written = 0;
  const unsigned char* p = bytes(sealed);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &written, nullptr, p + kNonce,
          sealed.size() - kNonce, bytes(ad), ad.size(), p, key.data()) != 0) {
    return std::nullopt;
  }
  out.resize(written);
  return out;
}

AeadKey derive_key(std::string_view ikm, std::string_view label) {
  ensure_sodium();
  AeadKey out{};
  // ikm is condensed first (BLAKE2b-512), so any length works as the key of the second pass.
  unsigned char k[crypto_generichash_KEYBYTES_MAX];
  crypto_generichash(k, sizeof k, bytes(ikm), ikm.size(), nullptr, 0);
  const std::size_t klen = sizeof k;
  crypto_generichash(out.data(), out.size(), bytes(label), label.size(), k, klen);
  sodium_memzero(k, sizeof k);
  return out;
}

}  // namespace tessera::crypto
