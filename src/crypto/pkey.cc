#include "crypto/pkey.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <vector>

namespace tessera::crypto {
namespace {

// RAII for the OpenSSL objects used here.
struct BnFree {
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct SigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, BldFree>;
using Params = std::unique_ptr<OSSL_PARAM, ParamFree>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, SigFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

std::shared_ptr<EVP_PKEY> share(EVP_PKEY* p) { return {p, EVP_PKEY_free}; }

const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Bn to_bn(std::string_view bytes) {
  return Bn(BN_bin2bn(u8(bytes), static_cast<int>(bytes.size()), nullptr));
}

// Big-endian bytes of `bn`, left-padded with zeros to `width` when width > 0.
std::string from_bn(const BIGNUM* bn, std::size_t width = 0) {
  const std::size_t n = static_cast<std::size_t>(BN_num_bytes(bn));
  const std::size_t size = width > n ? width : n;
  std::string out(size, '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size));
  return out;
}

std::string bn_param(const EVP_PKEY* k, const char* name, std::size_t width = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &raw) != 1) return {};
  Bn bn(raw);
  return from_bn(bn.get(), width);
}

const char* group_name(Curve c) {
  switch (c) {
    case Curve::kP256:
      return "P-256";
    case Curve::kP384:
      return "P-384";
    case Curve::kP521:
      return "P-521";
  }
  return "P-256";
}

// Digests are fetched once per process, not per call.
const EVP_MD* md_of(Hash h) {
  static const EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static const EVP_MD* const kSha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  static const EVP_MD* const kSha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  return h == Hash::kSha256 ? kSha256 : h == Hash::kSha384 ? kSha384 : kSha512;
}

std::expected<std::shared_ptr<EVP_PKEY>, Error> from_params(const char* type, OSSL_PARAM_BLD* bld,
                                                            bool priv) {
  Params params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
    return std::unexpected(Error::kInternal);
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) != 1) {
    ERR_clear_error();
    return std::unexpected(Error::kInvalidKey);
  }
  return share(raw);
}

// Sets padding and digest on a sign/verify context for the RSA and ECDSA schemes.
bool configure(EVP_PKEY_CTX* ctx, Scheme s, Hash h) {
  if (EVP_PKEY_CTX_set_signature_md(ctx, md_of(h)) != 1) return false;
  if (s == Scheme::kRsaPkcs1v15) return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
  if (s == Scheme::kRsaPss) {
    // RFC 7518 section 3.5: MGF1 with the same hash (OpenSSL's default for MGF1 is the
    // signature digest; setting it explicitly costs a by-name fetch per call), salt as long as
    // the hash output.
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, static_cast<int>(hash_size(h))) == 1;
  }
  return true;
}

// Initialised sign and verify contexts, kept per thread, key and operation. Each new
// EVP_PKEY_CTX in OpenSSL 3 fetches the key's provider operation and builds its parameters
// again: about a fifth of what an ES256 signature costs besides the curve arithmetic
// (callgrind, bench/README.md). An initialised context signs or verifies again and again (as
// `openssl speed` does). Each context holds a reference to its key (EVP_PKEY_CTX_new_from_pkey
// takes one), so a key's address is never reused while a context names it. A few per thread,
// the oldest replaced: a retired key is let go after a few operations with others. A context
// whose operation failed is dropped, never reused.
enum class Op : std::uint8_t { kSign, kVerify };

class ContextCache {
 public:
  // The context for `key`, `op`, `s` and `h`, initialised; null if OpenSSL cannot make one.
  EVP_PKEY_CTX* get(EVP_PKEY* key, Op op, Scheme s, Hash h) {
    for (Slot& slot : slots_) {
      if (slot.ctx && slot.key == key && slot.op == op && slot.scheme == s && slot.hash == h) {
        return slot.ctx.get();
      }
    }
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    const bool ok =
        ctx &&
        (op == Op::kSign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) == 1 &&
        configure(ctx.get(), s, h);
    if (!ok) {
      ERR_clear_error();
      return nullptr;
    }
    Slot& slot = slots_[next_];
    next_ = (next_ + 1) % slots_.size();
    slot = Slot{.key = key, .op = op, .scheme = s, .hash = h, .ctx = std::move(ctx)};
    return slot.ctx.get();
  }
  // Forgets `ctx` (its operation failed: its state is unknown).
  void drop(EVP_PKEY_CTX* ctx) {
    for (Slot& slot : slots_) {
      if (slot.ctx.get() == ctx) slot = Slot{};
    }
  }

 private:
  struct Slot {
    EVP_PKEY* key = nullptr;
    Op op = Op::kSign;
    Scheme scheme = Scheme::kEcdsa;
    Hash hash = Hash::kSha256;
    PkeyCtx ctx;
  };
  std::array<Slot, 4> slots_;
  std::size_t next_ = 0;
};

ContextCache& contexts() {
  thread_local ContextCache cache;
  return cache;
}

// EVP verify of `sig` (DER for ECDSA) over the digest of `data`.
bool evp_verify(EVP_PKEY* key, Scheme s, Hash h, std::string_view data, std::string_view sig) {
  const Digest dg = digest(h, data);
  EVP_PKEY_CTX* ctx = contexts().get(key, Op::kVerify, s, h);
  if (ctx == nullptr) return false;
  if (EVP_PKEY_verify(ctx, u8(sig), sig.size(), dg.bytes.data(), dg.size) == 1) return true;
  ERR_clear_error();
  contexts().drop(ctx);  // a bad signature too: the one a forger pays for, not the next caller
  return false;
}

bool scheme_fits(KeyType t, Scheme s) {
  switch (t) {
    case KeyType::kRsa:
      return s == Scheme::kRsaPkcs1v15 || s == Scheme::kRsaPss;
    case KeyType::kEc:
      return s == Scheme::kEcdsa;
    case KeyType::kEd25519:
      return s == Scheme::kEd25519;
  }
  return false;
}

}  // namespace

struct Ed25519Keys {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES] = {};
  unsigned char sk[crypto_sign_SECRETKEYBYTES] = {};  // seed || pk; zero for a public key
  Ed25519Keys() = default;
  Ed25519Keys(const Ed25519Keys&) = delete;
  Ed25519Keys& operator=(const Ed25519Keys&) = delete;
  ~Ed25519Keys() { sodium_memzero(sk, sizeof sk); }
};

std::expected<AsymmetricKey, Error> AsymmetricKey::with_sodium(std::shared_ptr<EVP_PKEY> k,
                                                               bool priv) {
  static const bool sodium_ready = sodium_init() >= 0;  // thread-safe, idempotent
  if (!sodium_ready) return std::unexpected(Error::kInternal);
  AsymmetricKey key(std::move(k), KeyType::kEd25519, Curve::kP256, priv);
  auto ed = std::make_shared<Ed25519Keys>();
  std::size_t len = sizeof ed->pk;
  if (EVP_PKEY_get_raw_public_key(key.pkey_.get(), ed->pk, &len) != 1 || len != sizeof ed->pk) {
    return std::unexpected(Error::kInternal);
  }
  if (priv) {
    unsigned char seed[crypto_sign_SEEDBYTES];
    len = sizeof seed;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    const bool ok = EVP_PKEY_get_raw_private_key(key.pkey_.get(), seed, &len) == 1 &&
                    len == sizeof seed && crypto_sign_seed_keypair(pk, ed->sk, seed) == 0 &&
                    sodium_memcmp(pk, ed->pk, sizeof pk) == 0;
    sodium_memzero(seed, sizeof seed);
    if (!ok) return std::unexpected(Error::kInvalidKey);
  }
  key.ed_ = std::move(ed);
  return key;
}

std::expected<AsymmetricKey, Error> AsymmetricKey::from_rsa(const RsaParams& p) {
  if (p.n.empty() || p.e.empty()) return std::unexpected(Error::kInvalidKey);
  const bool priv = !p.d.empty();
  const bool any_crt =
      !p.p.empty() || !p.q.empty() || !p.dp.empty() || !p.dq.empty() || !p.qi.empty();
  const bool all_crt =
      !p.p.empty() && !p.q.empty() && !p.dp.empty() && !p.dq.empty() && !p.qi.empty();
  if ((any_crt && !all_crt) || (any_crt && !priv)) return std::unexpected(Error::kInvalidKey);
  // A private key must carry its CRT members: without p and q, nothing can check that d
  // belongs to n (a wrong d would sign tokens its own public key rejects).
  if (priv && !all_crt) return std::unexpected(Error::kInvalidKey);
  // Leading zero octets are not allowed in JWK big integers (RFC 7518 section 6.3.1.1).
  if (p.n[0] == '\0' || p.e[0] == '\0') return std::unexpected(Error::kInvalidKey);
  Bn n = to_bn(p.n), e = to_bn(p.e);
  if (!n || !e) return std::unexpected(Error::kInternal);
  if (BN_num_bits(n.get()) < 2048) return std::unexpected(Error::kWeakKey);
  if (BN_num_bits(n.get()) > 16384) return std::unexpected(Error::kUnsupported);
  if (!BN_is_odd(e.get()) || BN_is_one(e.get()) || BN_num_bits(e.get()) > 64) {
    return std::unexpected(Error::kInvalidKey);
  }
  ParamBld bld(OSSL_PARAM_BLD_new());
  std::vector<Bn> keep;
  auto push = [&](const char* name, std::string_view v) {
    keep.push_back(to_bn(v));
    return keep.back() && OSSL_PARAM_BLD_push_BN(bld.get(), name, keep.back().get()) == 1;
  };
  bool ok = bld && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) == 1 &&
            OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) == 1;
  if (ok && priv) ok = push(OSSL_PKEY_PARAM_RSA_D, p.d);
  if (ok && all_crt) {
    ok = push(OSSL_PKEY_PARAM_RSA_FACTOR1, p.p) && push(OSSL_PKEY_PARAM_RSA_FACTOR2, p.q) &&
         push(OSSL_PKEY_PARAM_RSA_EXPONENT1, p.dp) && push(OSSL_PKEY_PARAM_RSA_EXPONENT2, p.dq) &&
         push(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, p.qi);
  }
  if (!ok) return std::unexpected(Error::kInternal);
  auto k = from_params("RSA", bld.get(), priv);
  if (!k) return std::unexpected(k.error());
  if (priv) {
    PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, k->get(), nullptr));
    if (!check || EVP_PKEY_pairwise_check(check.get()) != 1) {
      ERR_clear_error();
      return std::unexpected(Error::kInvalidKey);
    }
  }
  return AsymmetricKey(std::move(*k), KeyType::kRsa, Curve::kP256, priv);
}

std::expected<AsymmetricKey, Error> AsymmetricKey::from_ec(const EcParams& p) {
  const std::size_t w = curve_bytes(p.curve);
  if (p.x.size() != w || p.y.size() != w) return std::unexpected(Error::kInvalidKey);
  const bool priv = !p.d.empty();
  if (priv && p.d.size() != w) return std::unexpected(Error::kInvalidKey);
  std::string point;
  point.reserve(1 + 2 * w);
  point.push_back('\x04');
  point += p.x;
  point += p.y;
  ParamBld bld(OSSL_PARAM_BLD_new());
  Bn d = priv ? to_bn(p.d) : nullptr;
  const char* group = group_name(p.curve);
  bool ok = bld &&
            OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
            OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                             point.size()) == 1;
  if (ok && priv)
    ok = d && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) == 1;
  if (!ok) return std::unexpected(Error::kInternal);
  auto k = from_params("EC", bld.get(), priv);
  if (!k) return std::unexpected(k.error());
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, k->get(), nullptr));
  // The point must be on the curve (invalid-curve attacks); a private scalar must match it.
  if (!check || EVP_PKEY_public_check(check.get()) != 1 ||
      (priv && EVP_PKEY_pairwise_check(check.get()) != 1)) {
    ERR_clear_error();
    return std::unexpected(Error::kInvalidKey);
  }
  return AsymmetricKey(std::move(*k), KeyType::kEc, p.curve, priv);
}

std::expected<AsymmetricKey, Error> AsymmetricKey::from_ed25519(const OkpParams& p) {
  if (p.x.size() != 32 || (!p.d.empty() && p.d.size() != 32))
    return std::unexpected(Error::kInvalidKey);
  const bool priv = !p.d.empty();
  EVP_PKEY* raw = priv ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, u8(p.d), 32)
                       : EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, u8(p.x), 32);
  if (raw == nullptr) {
    ERR_clear_error();
    return std::unexpected(Error::kInvalidKey);
  }
  auto key = with_sodium(share(raw), priv);
  if (key && priv && key->okp_params(false).x != p.x) return std::unexpected(Error::kInvalidKey);
  return key;
}

std::expected<AsymmetricKey, Error> AsymmetricKey::from_public_der(std::string_view spki) {
  const unsigned char* p = u8(spki);
  EVP_PKEY* raw = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  if (raw == nullptr) {
    ERR_clear_error();
    return std::unexpected(Error::kInvalidKey);
  }
  std::shared_ptr<EVP_PKEY> k = share(raw);
  if (p != u8(spki) + spki.size()) return std::unexpected(Error::kInvalidKey);  // trailing bytes
  switch (EVP_PKEY_get_base_id(raw)) {
    case EVP_PKEY_RSA: {
      const int bits = EVP_PKEY_get_bits(raw);
      if (bits < 2048) return std::unexpected(Error::kWeakKey);
      if (bits > 16384) return std::unexpected(Error::kUnsupported);
      return AsymmetricKey(std::move(k), KeyType::kRsa, Curve::kP256, false);
    }
    case EVP_PKEY_EC: {
      std::array<char, 64> name{};
      std::size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(raw, OSSL_PKEY_PARAM_GROUP_NAME, name.data(), name.size(),
                                         &len) != 1) {
        ERR_clear_error();
        return std::unexpected(Error::kUnsupported);  // explicit curve parameters
      }
      const std::string_view group(name.data(), len);
      Curve c{};
      if (group == "prime256v1" || group == "P-256") {
        c = Curve::kP256;
      } else if (group == "secp384r1" || group == "P-384") {
        c = Curve::kP384;
      } else if (group == "secp521r1" || group == "P-521") {
        c = Curve::kP521;
      } else {
        return std::unexpected(Error::kUnsupported);
      }
      PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, raw, nullptr));
      if (!check || EVP_PKEY_public_check(check.get()) != 1) {
        ERR_clear_error();
        return std::unexpected(Error::kInvalidKey);
      }
      return AsymmetricKey(std::move(k), KeyType::kEc, c, false);
    }
    case EVP_PKEY_ED25519:
      return with_sodium(std::move(k), false);
    default:
      return std::unexpected(Error::kUnsupported);
  }
}

std::expected<AsymmetricKey, Error> AsymmetricKey::generate_rsa(int bits) {
  if (bits < 2048) return std::unexpected(Error::kWeakKey);
  EVP_PKEY* raw = EVP_RSA_gen(static_cast<unsigned>(bits));
  if (raw == nullptr) return std::unexpected(Error::kInternal);
  return AsymmetricKey(share(raw), KeyType::kRsa, Curve::kP256, true);
}

std::expected<AsymmetricKey, Error> AsymmetricKey::generate_ec(Curve c) {
  EVP_PKEY* raw = EVP_EC_gen(group_name(c));
  if (raw == nullptr) return std::unexpected(Error::kInternal);
  return AsymmetricKey(share(raw), KeyType::kEc, c, true);
}

std::expected<AsymmetricKey, Error> AsymmetricKey::generate_ed25519() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (raw == nullptr) return std::unexpected(Error::kInternal);
  return with_sodium(share(raw), true);
}

int AsymmetricKey::bits() const { return EVP_PKEY_get_bits(pkey_.get()); }

RsaParams AsymmetricKey::rsa_params(bool include_private) const {
  RsaParams p;
  const EVP_PKEY* k = pkey_.get();
  p.n = bn_param(k, OSSL_PKEY_PARAM_RSA_N);
  p.e = bn_param(k, OSSL_PKEY_PARAM_RSA_E);
  if (include_private && has_private_) {
    p.d = bn_param(k, OSSL_PKEY_PARAM_RSA_D);
    p.p = bn_param(k, OSSL_PKEY_PARAM_RSA_FACTOR1);
    p.q = bn_param(k, OSSL_PKEY_PARAM_RSA_FACTOR2);
    p.dp = bn_param(k, OSSL_PKEY_PARAM_RSA_EXPONENT1);
    p.dq = bn_param(k, OSSL_PKEY_PARAM_RSA_EXPONENT2);
    p.qi = bn_param(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
  }
  return p;
}

EcParams AsymmetricKey::ec_params(bool include_private) const {
  EcParams p;
  p.curve = curve_;
  const std::size_t w = curve_bytes(curve_);
  p.x = bn_param(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_X, w);
  p.y = bn_param(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, w);
  if (include_private && has_private_) p.d = bn_param(pkey_.get(), OSSL_PKEY_PARAM_PRIV_KEY, w);
  return p;
}

OkpParams AsymmetricKey::okp_params(bool include_private) const {
  OkpParams p;
  std::array<unsigned char, 32> buf{};
  std::size_t len = buf.size();
  if (EVP_PKEY_get_raw_public_key(pkey_.get(), buf.data(), &len) == 1) {
    p.x.assign(reinterpret_cast<const char*>(buf.data()), len);
  }
  len = buf.size();
  if (include_private && has_private_ &&
      EVP_PKEY_get_raw_private_key(pkey_.get(), buf.data(), &len) == 1) {
    p.d.assign(reinterpret_cast<const char*>(buf.data()), len);
  }
  OPENSSL_cleanse(buf.data(), buf.size());
  return p;
}

std::string AsymmetricKey::public_der() const {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(pkey_.get(), &der);
  if (n <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

std::string AsymmetricKey::public_pem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::size_t AsymmetricKey::signature_size() const {
  switch (type_) {
    case KeyType::kRsa:
      return static_cast<std::size_t>(EVP_PKEY_get_size(pkey_.get()));
    case KeyType::kEc:
      return 2 * curve_bytes(curve_);
    case KeyType::kEd25519:
      return 64;
  }
  return 0;
}

std::expected<std::string, Error> AsymmetricKey::sign(Scheme s, Hash h,
                                                      std::string_view data) const {
  if (!has_private_) return std::unexpected(Error::kNoPrivateKey);
  if (!scheme_fits(type_, s)) return std::unexpected(Error::kUnsupported);
  if (s == Scheme::kEd25519) {
    std::string sig(crypto_sign_BYTES, '\0');
    if (crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr, u8(data),
                             data.size(), ed_->sk) != 0) {
      return std::unexpected(Error::kInternal);
    }
    return sig;
  }
  const Digest dg = digest(h, data);
  EVP_PKEY_CTX* ctx = contexts().get(pkey_.get(), Op::kSign, s, h);
  if (ctx == nullptr) return std::unexpected(Error::kInternal);
  // EVP_PKEY_get_size() is the largest signature the key makes (the DER form's, for ECDSA),
  // kept in the key: no sizing call to the provider first.
  const int max = EVP_PKEY_get_size(pkey_.get());
  std::size_t len = max > 0 ? static_cast<std::size_t>(max) : 0;
  std::string sig(len, '\0');
  if (len == 0 || EVP_PKEY_sign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                                dg.bytes.data(), dg.size) != 1) {
    sig.clear();
  }
  if (sig.empty()) {
    ERR_clear_error();
    contexts().drop(ctx);
    return std::unexpected(Error::kInternal);
  }
  sig.resize(len);
  if (s != Scheme::kEcdsa) return sig;
  // DER ECDSA-Sig-Value -> fixed-length r||s (RFC 7518 section 3.4).
  const unsigned char* p = u8(sig);
  EcdsaSig es(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
  if (!es) return std::unexpected(Error::kInternal);
  const std::size_t w = curve_bytes(curve_);
  return from_bn(ECDSA_SIG_get0_r(es.get()), w) + from_bn(ECDSA_SIG_get0_s(es.get()), w);
}

bool AsymmetricKey::verify(Scheme s, Hash h, std::string_view data, std::string_view sig) const {
  if (!scheme_fits(type_, s) || sig.size() != signature_size()) return false;
  if (s == Scheme::kEd25519) {
    // libsodium also refuses non-canonical S and small-order R or A (RFC 8032 5.1.7 strict).
    return crypto_sign_verify_detached(u8(sig), u8(data), data.size(), ed_->pk) == 0;
  }
  std::string der;
  if (s == Scheme::kEcdsa) {
    // r||s -> DER. Zero or out-of-range r and s are rejected by OpenSSL's verify; the DER form
    // is never accepted from the token (its length differs from 2 x field size).
    const std::size_t w = curve_bytes(curve_);
    Bn r = to_bn(sig.substr(0, w)), sv = to_bn(sig.substr(w));
    EcdsaSig es(ECDSA_SIG_new());
    if (!r || !sv || !es || BN_is_zero(r.get()) || BN_is_zero(sv.get())) return false;
    if (ECDSA_SIG_set0(es.get(), r.get(), sv.get()) != 1) return false;
    (void)r.release();  // now owned by es
    (void)sv.release();
    unsigned char* out = nullptr;
    const int n = i2d_ECDSA_SIG(es.get(), &out);
    if (n <= 0) return false;
    der.assign(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
    OPENSSL_free(out);
    sig = der;
  }
  return evp_verify(pkey_.get(), s, h, data, sig);
}

bool AsymmetricKey::verify_ecdsa_der(Hash h, std::string_view data,
                                     std::string_view der_sig) const {
  // An Ecdsa-Sig-Value is a SEQUENCE of two INTEGERs of at most field size + 1 bytes each.
  if (type_ != KeyType::kEc || der_sig.empty() || der_sig.size() > 2 * curve_bytes(curve_) + 16)
    return false;
  return evp_verify(pkey_.get(), Scheme::kEcdsa, h, data, der_sig);
}

}  // namespace tessera::crypto
