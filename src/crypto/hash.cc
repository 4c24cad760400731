// Low-level SHA-2 contexts are deprecated in OpenSSL 3 in favour of EVP, but they are plain
// structs that can be copied without allocation, which is what precomputed HMAC pads need.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "crypto/hash.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace tessera::crypto {
namespace {

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Uniform face over SHA256_CTX and SHA512_CTX (SHA-384 uses the SHA-512 context).
struct Sha256Ops {
  using Ctx = SHA256_CTX;
  static constexpr std::size_t kBlock = SHA256_CBLOCK;
  static void init(Ctx* c, Hash) { SHA256_Init(c); }
  static void update(Ctx* c, const void* d, std::size_t n) { SHA256_Update(c, d, n); }
  static void final(Ctx* c, unsigned char* out) { SHA256_Final(out, c); }
};
struct Sha512Ops {
  using Ctx = SHA512_CTX;
  static constexpr std::size_t kBlock = SHA512_CBLOCK;
  static void init(Ctx* c, Hash h) { h == Hash::kSha384 ? SHA384_Init(c) : SHA512_Init(c); }
  static void update(Ctx* c, const void* d, std::size_t n) { SHA512_Update(c, d, n); }
  static void final(Ctx* c, unsigned char* out) {
    // SHA384_Final and SHA512_Final differ only in how many bytes they emit; c->md_len says.
    SHA512_Final(out, c);
  }
};

template <typename Ops>
struct Pads {
  typename Ops::Ctx inner;
  typename Ops::Ctx outer;

  void init(Hash h, std::string_view secret) {
    unsigned char key[Ops::kBlock] = {};
    if (secret.size() > Ops::kBlock) {
      typename Ops::Ctx c;
      Ops::init(&c, h);
      Ops::update(&c, secret.data(), secret.size());
      Ops::final(&c, key);
    } else {
      std::memcpy(key, secret.data(), secret.size());
    }
    unsigned char pad[Ops::kBlock];
    for (std::size_t i = 0; i < Ops::kBlock; ++i) pad[i] = key[i] ^ 0x36;
    Ops::init(&inner, h);
    Ops::update(&inner, pad, Ops::kBlock);
    for (std::size_t i = 0; i < Ops::kBlock; ++i) pad[i] = key[i] ^ 0x5c;
    Ops::init(&outer, h);
    Ops::update(&outer, pad, Ops::kBlock);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(pad, sizeof pad);
  }

  void mac(std::string_view data, std::size_t out_len, unsigned char* out) const {
    unsigned char inner_digest[64];
    typename Ops::Ctx c = inner;
    Ops::update(&c, data.data(), data.size());
    Ops::final(&c, inner_digest);
    c = outer;
    Ops::update(&c, inner_digest, out_len);
    Ops::final(&c, out);
    OPENSSL_cleanse(&c, sizeof c);
  }

  void cleanse() {
    OPENSSL_cleanse(&inner, sizeof inner);
    OPENSSL_cleanse(&outer, sizeof outer);
  }
};

}  // namespace

struct HmacKey::State {
  Pads<Sha256Ops> sha256;
  Pads<Sha512Ops> sha512;
};

HmacKey::HmacKey(Hash h, std::string_view secret) : hash_(h), state_(std::make_unique<State>()) {
  if (h == Hash::kSha256) {
    state_->sha256.init(h, secret);
  } else {
    state_->sha512.init(h, secret);
  }
}

HmacKey::~HmacKey() {
  state_->sha256.cleanse();
  state_->sha512.cleanse();
}

Digest HmacKey::mac(std::string_view data) const {
  Digest d;
  d.size = hash_size(hash_);
  if (hash_ == Hash::kSha256) {
    state_->sha256.mac(data, d.size, d.bytes.data());
  } else {
    state_->sha512.mac(data, d.size, d.bytes.data());
  }
  return d;
}

bool HmacKey::verify(std::string_view data, std::string_view tag) const {
  const Digest d = mac(data);
  return constant_time_equal(d.view(), tag);
}

Digest digest(Hash h, std::string_view data) {
  Digest d;
  d.size = hash_size(h);
  if (h == Hash::kSha256) {
    SHA256_CTX c;
    Sha256Ops::init(&c, h);
    Sha256Ops::update(&c, data.data(), data.size());
    Sha256Ops::final(&c, d.bytes.data());
  } else {
    SHA512_CTX c;
    Sha512Ops::init(&c, h);
    Sha512Ops::update(&c, data.data(), data.size());
    Sha512Ops::final(&c, d.bytes.data());
  }
  return d;
}

std::array<unsigned char, 32> sha256(std::string_view data) {
  std::array<unsigned char, 32> out{};
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, data.data(), data.size());
  SHA256_Final(out.data(), &c);
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(bytes_of(a), bytes_of(b), a.size()) == 0;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::abort();  // no entropy: continuing would mint guessable secrets
  }
  return out;
}

}  // namespace tessera::crypto

namespace tessera::crypto {
void cleanse(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}
}  // namespace tessera::crypto
