// JOSE sign/verify micro-benchmarks, each beside the raw primitive measured in the same run.
//
// For every JWS algorithm Tessera implements:
//   BM_Sign/<alg>            jose::sign(key, claims, {kid, typ:"at+jwt"}): header JSON, base64url,
//                            signature (ECDSA DER -> r||s included)
//   BM_Verify/<alg>          jose::verify(token, jwks): split, header JSON (strict), key pick,
//                            alg pinning, signature, payload decode
//   BM_VerifyJwt/<alg>       jose::verify_jwt(): the above + claims JSON + RFC 9068 checks
//   BM_Crypto_Verify/<alg>   Tessera's crypto layer alone (crypto::HmacKey::verify or
//                            crypto::AsymmetricKey::verify) on the same bytes: Verify minus this
//                            is the JOSE overhead (parsing, base64url, key pick, result)
//   BM_Raw_Sign/<alg>/<impl>    the primitive alone, on the same signing input bytes
//   BM_Raw_Verify/<alg>/<impl>  the primitive alone, on the same signing input and signature
//   BM_Pair_Verify/<alg>/<impl>  paired measurement for the ratio: one benchmark runs, in
//                            rotating order, blocks (~0.5 ms each) of verify_jwt, verify, the
//                            crypto layer, the strongest raw baseline and verify of tokens whose
//                            header is never in jose's per-thread header cache (16 spellings in
//                            turn), timing each block with the thread's CPU clock. All five see
//                            the same machine state, so their ratio is far steadier than one of
//                            two separate benchmarks on a shared machine. Counters: *_ns per
//                            call, ratio = raw_ns / verify_ns (ops/s ratio), cold_ratio =
//                            raw_ns / verify_cold_ns. The report decides "90% of the primitive"
//                            on `ratio`: one issuer's tokens share one header, as here.
//
// BM_Crypto_Verify and BM_Pair_Verify reach into src/ internals (jose/key_impl.h) on purpose:
// they split verify time into crypto and JOSE parts. Everything else uses the public API.
//
// Raw <impl>s are what a competent programmer writes for ONE operation with the library's
// public API (nothing Tessera-specific), with algorithms fetched once:
//   HS*:   HMAC       one-shot HMAC() (OpenSSL 3 fetches the MAC inside, per call)
//          EVP_MAC    EVP_MAC fetched once; EVP_MAC_CTX new/init/update/final/free per call
//          EVP_MAC_reinit  one EVP_MAC_CTX keyed once, EVP_MAC_init(ctx, NULL...) per call
//   RS/PS: EVP        EVP_MD_CTX_new + EVP_DigestVerifyInit (EVP_MD fetched once) + DigestVerify
//   ES:    EVP        same, signature given as DER (what OpenSSL takes)
//          EVP_kept   one EVP_PKEY_CTX initialised once (sign/verify init, padding, digest;
//                     per benchmark thread), then per call SHA-* (EVP_Digest, EVP_MD fetched
//                     once) + EVP_PKEY_sign / EVP_PKEY_verify on it: as `openssl speed` signs,
//                     and as crypto/pkey.cc keeps its contexts
//   EdDSA: EVP        OpenSSL EVP_DigestVerifyInit_ex + EVP_DigestVerify
//          libsodium  crypto_sign_verify_detached / crypto_sign_detached
// Verify compares the MAC with CRYPTO_memcmp, as the raw HMAC baselines do.
//
// Both sides use the SAME key material: keys are made with OpenSSL, exported to JWK JSON and
// loaded through tessera::jose::Jwk::parse. Verifiers hold the public JWK only.
//
// Counters: items_per_second (the figure to read), token_B (token size), allocs (heap
// allocations per operation, counted over 64 untimed calls by interposing malloc/calloc/realloc:
// C++ new, OpenSSL and simdjson all land there; libsodium does not allocate).
//
// Everything that is not the operation (key generation, token making, fetching) happens once,
// outside the timed loop. Each benchmark checks its result once before timing and on every
// iteration (a failing verify would otherwise look fast).
//
// Run (see bench/README.md):  jose_bench --benchmark_min_time=0.5
//       or python3 bench/jose_report.py --bench build/h-bench/bench/jose_bench

#include <benchmark/benchmark.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/opensslv.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alloc_count.h"
#include "base/base64url.h"
#include "jose/algorithms.h"
#include "jose/key_impl.h"
#include "paired.h"
#include "tessera/jwk.h"
#include "tessera/jws.h"
#include "tessera/jwt.h"

namespace {

using tessera::jose::Alg;
namespace jose = tessera::jose;

// ---------------------------------------------------------------- the token being measured
//
// An RFC 9068 access token as Tessera issues it (SPEC.md "Tokens"): header {alg, kid, typ},
// claims iss, sub, aud, iat, exp, jti, sid, roles, auth_time. The claims JSON is 221 bytes and
// its base64url segment 295 characters; whole tokens are 395 B (HS256) .. 728 B (RS*/PS*),
// printed per benchmark as the token_B counter.
constexpr std::int64_t kIat = 1795409802;  // 2026-11-23T02:56:42Z
constexpr std::int64_t kNow = kIat + 60;   // verify_jwt's clock: one minute into the token
constexpr std::string_view kIssuer = "https://auth.example.com";
constexpr std::string_view kAudience = "api";
constexpr std::string_view kKid = "k1";

std::string claims_json() {
  return std::string(R"({"iss":")") + std::string(kIssuer) +
         R"(","sub":"7c1f5b0e-3d2a-4e8f-9b61-2a9d4c7e8f10","aud":")" + std::string(kAudience) +
         R"(","iat":)" + std::to_string(kIat) + R"(,"exp":)" + std::to_string(kIat + 900) +
         R"(,"jti":"VvWn3Fv2bxjqCgY9xkVd8Q","sid":"Rk3mQ9xT2bLp7WvZ","roles":["user"],"auth_time":)" +
         std::to_string(kIat - 12) + "}";
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "jose_bench setup failed: %s\n", what.c_str());
  std::abort();
}

const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string b64(std::string_view bytes) { return tessera::base::base64url_encode(bytes); }

// ---------------------------------------------------------------- OpenSSL handles

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdFree {
  void operator()(EVP_MD* p) const { EVP_MD_free(p); }
};
struct MacFree {
  void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Md = std::unique_ptr<EVP_MD, MdFree>;
using Mac = std::unique_ptr<EVP_MAC, MacFree>;
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

enum class Family { kHmac, kRsa, kPss, kEc, kEd25519 };

struct AlgSpec {
  Alg alg;
  const char* name;
  Family family;
  const char* md;           // digest name (HMAC hash, or the digest signed); nullptr for Ed25519
  const char* curve;        // EC group
  std::size_t hmac_secret;  // bytes: 2 x hash size, as Jwk::generate makes them
};

constexpr std::array<AlgSpec, 13> kSpecs = {{
    {Alg::kHS256, "HS256", Family::kHmac, "SHA256", nullptr, 64},
    {Alg::kHS384, "HS384", Family::kHmac, "SHA384", nullptr, 96},
    {Alg::kHS512, "HS512", Family::kHmac, "SHA512", nullptr, 128},
    {Alg::kRS256, "RS256", Family::kRsa, "SHA256", nullptr, 0},
    {Alg::kRS384, "RS384", Family::kRsa, "SHA384", nullptr, 0},
    {Alg::kRS512, "RS512", Family::kRsa, "SHA512", nullptr, 0},
    {Alg::kPS256, "PS256", Family::kPss, "SHA256", nullptr, 0},
    {Alg::kPS384, "PS384", Family::kPss, "SHA384", nullptr, 0},
    {Alg::kPS512, "PS512", Family::kPss, "SHA512", nullptr, 0},
    {Alg::kES256, "ES256", Family::kEc, "SHA256", "P-256", 0},
    {Alg::kES384, "ES384", Family::kEc, "SHA384", "P-384", 0},
    {Alg::kES512, "ES512", Family::kEc, "SHA512", "P-521", 0},
    {Alg::kEdDSA, "EdDSA", Family::kEd25519, nullptr, nullptr, 0},
}};

std::string bn_bytes(const EVP_PKEY* k, const char* param, int width = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(k, param, &bn) != 1) die(std::string("get ") + param);
  const int n = width > 0 ? width : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(n), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), n);
  BN_clear_free(bn);
  return out;
}

// ---------------------------------------------------------------- per-algorithm fixture

struct Fixture {
  const AlgSpec* spec = nullptr;
  std::string payload;        // the claims JSON
  std::string token;          // signed by Tessera
  std::string signing_input;  // token up to the second '.'
  std::string signature;      // as the primitive takes it (ECDSA: DER)
  std::string jws_signature;  // as the token carries it (ECDSA: r||s)
  // The same claims under 16 spellings of the same header (whitespace only), signed with the
  // same key: more than jose's per-thread header cache holds, so verifying them in turn never
  // finds the header cached (the first token of a new issuer or key, or an attacker's headers).
  std::vector<std::string> cold_tokens;
  std::size_t mac_size = 0;

  // Tessera side
  std::optional<jose::Jwk> private_jwk;
  jose::Jwks public_jwks;
  jose::SignOptions sign_options;
  jose::ClaimsPolicy policy;

  // Raw side
  std::string secret;  // HMAC
  Md md;               // fetched once
  Mac mac;             // HMAC, fetched once
  Pkey pkey;           // private+public (signing)
  Pkey pub;            // public only, from SubjectPublicKeyInfo (verifying)
  std::array<unsigned char, 32> sodium_pk{};
  std::array<unsigned char, 64> sodium_sk{};  // seed || pk, libsodium's layout
};

std::string private_jwk_json(const AlgSpec& s, EVP_PKEY* k) {
  std::string j = R"({"kid":")" + std::string(kKid) + R"(","use":"sig","alg":")" + s.name + "\"";
  auto add = [&j](const char* name, std::string_view bytes) {
    j += ",\"";
    j += name;
    j += "\":\"";
    j += b64(bytes);
    j += '"';
  };
  switch (s.family) {
    case Family::kRsa:
    case Family::kPss:
      j += R"(,"kty":"RSA")";
      add("n", bn_bytes(k, OSSL_PKEY_PARAM_RSA_N));
      add("e", bn_bytes(k, OSSL_PKEY_PARAM_RSA_E));
      add("d", bn_bytes(k, OSSL_PKEY_PARAM_RSA_D));
      add("p", bn_bytes(k, OSSL_PKEY_PARAM_RSA_FACTOR1));
      add("q", bn_bytes(k, OSSL_PKEY_PARAM_RSA_FACTOR2));
      add("dp", bn_bytes(k, OSSL_PKEY_PARAM_RSA_EXPONENT1));
      add("dq", bn_bytes(k, OSSL_PKEY_PARAM_RSA_EXPONENT2));
      add("qi", bn_bytes(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
      break;
    case Family::kEc: {
      const int w = (EVP_PKEY_get_bits(k) + 7) / 8;
      j += R"(,"kty":"EC","crv":")" + std::string(s.curve) + "\"";
      add("x", bn_bytes(k, OSSL_PKEY_PARAM_EC_PUB_X, w));
      add("y", bn_bytes(k, OSSL_PKEY_PARAM_EC_PUB_Y, w));
      add("d", bn_bytes(k, OSSL_PKEY_PARAM_PRIV_KEY, w));
      break;
    }
    case Family::kEd25519: {
      std::array<unsigned char, 32> x{}, d{};
      std::size_t xl = 32, dl = 32;
      if (EVP_PKEY_get_raw_public_key(k, x.data(), &xl) != 1 ||
          EVP_PKEY_get_raw_private_key(k, d.data(), &dl) != 1) {
        die("Ed25519 raw key");
      }
      j += R"(,"kty":"OKP","crv":"Ed25519")";
      add("x", std::string_view(reinterpret_cast<const char*>(x.data()), 32));
      add("d", std::string_view(reinterpret_cast<const char*>(d.data()), 32));
      break;
    }
    case Family::kHmac:
      break;
  }
  return j + "}";
}

// The primitive's own signature format from the JWS one.
std::string raw_signature(const AlgSpec& s, std::string_view jws_sig) {
  if (s.family != Family::kEc) return std::string(jws_sig);
  const std::size_t w = jws_sig.size() / 2;
  ECDSA_SIG* es = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(u8(jws_sig), static_cast<int>(w), nullptr);
  BIGNUM* sv = BN_bin2bn(u8(jws_sig.substr(w)), static_cast<int>(w), nullptr);
  if (es == nullptr || r == nullptr || sv == nullptr || ECDSA_SIG_set0(es, r, sv) != 1)
    die("ECDSA_SIG");
  unsigned char* der = nullptr;
  const int n = i2d_ECDSA_SIG(es, &der);
  if (n <= 0) die("i2d_ECDSA_SIG");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  ECDSA_SIG_free(es);
  return out;
}

// Fixture::cold_tokens: the header jose::sign writes, with a space after 3 of its 6 ':' and
// ',' and '{' (20 choices; the first 16 are used), signed through the key's internals.
std::vector<std::string> cold_header_tokens(const Fixture& f) {
  const std::size_t d1 = f.token.find('.');
  const std::string header = *tessera::base::base64url_decode(f.token.substr(0, d1));
  std::vector<std::size_t> spots;  // positions after which a space may go
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == '{' || header[i] == ':' || header[i] == ',') spots.push_back(i);
  }
  if (spots.size() != 6) die("unexpected header shape: " + header);
  const tessera::jose::detail::KeyImpl& k = f.private_jwk->impl();
  const tessera::jose::AlgInfo& info = tessera::jose::alg_info(k.alg);
  std::vector<std::string> out;
  for (unsigned mask = 0; mask < 64 && out.size() < 16; ++mask) {
    if (__builtin_popcount(mask) != 3) continue;
    std::string h;
    for (std::size_t i = 0; i < header.size(); ++i) {
      h += header[i];
      for (std::size_t j = 0; j < spots.size(); ++j) {
        if (spots[j] == i && (mask >> j & 1u) != 0) h += ' ';
      }
    }
    std::string t = b64(h) + f.token.substr(d1, f.token.rfind('.') - d1);
    std::optional<std::string> sig;
    if (k.hmac) {
      sig.emplace(k.hmac->mac(t).view());
    } else if (auto s = k.asym->sign(info.scheme, info.hash, t)) {
      sig = std::move(*s);
    }
    if (!sig) die("signing a cold-header token");
    t += '.';
    t += b64(*sig);
    auto v = jose::verify(t, f.public_jwks);
    if (!v || v->kid != kKid || v->typ != "at+jwt" || v->payload != f.payload)
      die("cold-header token does not verify");
    out.push_back(std::move(t));
  }
  return out;
}

bool raw_verify_evp(const Fixture& f);  // below; used once in setup as a cross-check
bool raw_verify_sodium(const Fixture& f);

std::unique_ptr<Fixture> make_fixture(const AlgSpec& s) {
  auto f = std::make_unique<Fixture>();
  f->spec = &s;
  f->payload = claims_json();
  f->sign_options.kid = std::string(kKid);
  f->sign_options.typ = "at+jwt";
  f->policy.issuer = std::string(kIssuer);
  f->policy.audience = std::string(kAudience);
  if (s.md != nullptr) {
    f->md.reset(EVP_MD_fetch(nullptr, s.md, nullptr));
    if (!f->md) die("EVP_MD_fetch");
  }

  if (s.family == Family::kHmac) {
    f->secret.resize(s.hmac_secret);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(f->secret.data()),
                   static_cast<int>(f->secret.size())) != 1) {
      die("RAND_bytes");
    }
    f->mac.reset(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!f->mac) die("EVP_MAC_fetch");
    f->mac_size = static_cast<std::size_t>(EVP_MD_get_size(f->md.get()));
    auto k = jose::Jwk::from_secret(s.alg, f->secret, std::string(kKid));
    if (!k) die(std::string("Jwk::from_secret: ") + std::string(jose::describe(k.error())));
    f->private_jwk = *k;
    f->public_jwks = jose::Jwks({*k});
  } else {
    EVP_PKEY* raw = s.family == Family::kRsa || s.family == Family::kPss ? EVP_RSA_gen(2048)
                    : s.family == Family::kEc                            ? EVP_EC_gen(s.curve)
                                              : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (raw == nullptr) die("keygen");
    f->pkey.reset(raw);
    // The verifier's copy: public key only, through SubjectPublicKeyInfo.
    unsigned char* der = nullptr;
    const int n = i2d_PUBKEY(raw, &der);
    const unsigned char* p = der;
    f->pub.reset(d2i_PUBKEY(nullptr, &p, n));
    OPENSSL_free(der);
    if (!f->pub) die("d2i_PUBKEY");
    auto k = jose::Jwk::parse(private_jwk_json(s, raw));
    if (!k) die(std::string("Jwk::parse: ") + std::string(jose::describe(k.error())));
    f->private_jwk = *k;
    f->public_jwks = jose::Jwks({k->public_key()});
    if (s.family == Family::kEd25519) {
      std::size_t len = 32;
      EVP_PKEY_get_raw_public_key(raw, f->sodium_pk.data(), &len);
      len = 32;
      EVP_PKEY_get_raw_private_key(raw, f->sodium_sk.data(), &len);
      std::copy(f->sodium_pk.begin(), f->sodium_pk.end(), f->sodium_sk.begin() + 32);
    }
  }

  auto token = jose::sign(*f->private_jwk, f->payload, f->sign_options);
  if (!token) die(std::string("jose::sign: ") + std::string(jose::describe(token.error())));
  f->token = std::move(*token);
  const std::size_t d2 = f->token.rfind('.');
  f->signing_input = f->token.substr(0, d2);
  auto sig = tessera::base::base64url_decode(std::string_view(f->token).substr(d2 + 1));
  if (!sig) die("signature base64url");
  f->jws_signature = *sig;
  f->signature = s.family == Family::kHmac ? *sig : raw_signature(s, *sig);

  f->cold_tokens = cold_header_tokens(*f);

  // Cross-checks: Tessera's token verifies with the raw primitive and vice versa.
  if (s.family != Family::kHmac && !raw_verify_evp(*f)) die("raw EVP verify of Tessera's token");
  if (s.family == Family::kEd25519 && !raw_verify_sodium(*f))
    die("libsodium verify of Tessera's token");
  if (!jose::verify_jwt(f->token, f->public_jwks, f->policy, kNow)) die("jose::verify_jwt");
  return f;
}

const Fixture& fixture(Alg alg) {
  static std::mutex mu;
  static std::array<std::unique_ptr<Fixture>, kSpecs.size()> made;
  const std::lock_guard<std::mutex> lock(mu);
  auto& slot = made[static_cast<std::size_t>(alg)];
  if (!slot) slot = make_fixture(kSpecs[static_cast<std::size_t>(alg)]);
  return *slot;
}

// ---------------------------------------------------------------- raw primitives

// One-shot HMAC(): the classic API. In OpenSSL 3 it fetches the MAC and digest every call.
bool raw_hmac_oneshot(const Fixture& f, unsigned char* out) {
  unsigned int len = 0;
  return HMAC(f.md.get(), f.secret.data(), static_cast<int>(f.secret.size()), u8(f.signing_input),
              f.signing_input.size(), out, &len) != nullptr;
}

// EVP_MAC fetched once; a context per call.
bool raw_hmac_evp_mac(const Fixture& f, unsigned char* out) {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(f.mac.get());
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(f.spec->md), 0),
      OSSL_PARAM_construct_end()};
  std::size_t len = 0;
  const bool ok = ctx != nullptr && EVP_MAC_init(ctx, u8(f.secret), f.secret.size(), params) == 1 &&
                  EVP_MAC_update(ctx, u8(f.signing_input), f.signing_input.size()) == 1 &&
                  EVP_MAC_final(ctx, out, &len, EVP_MAX_MD_SIZE) == 1;
  EVP_MAC_CTX_free(ctx);
  return ok;
}

// One context keyed once (per thread); EVP_MAC_init with no key re-uses it.
bool raw_hmac_reinit(EVP_MAC_CTX* ctx, const Fixture& f, unsigned char* out) {
  std::size_t len = 0;
  return EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1 &&
         EVP_MAC_update(ctx, u8(f.signing_input), f.signing_input.size()) == 1 &&
         EVP_MAC_final(ctx, out, &len, EVP_MAX_MD_SIZE) == 1;
}

MacCtx keyed_mac_ctx(const Fixture& f) {
  MacCtx ctx(EVP_MAC_CTX_new(f.mac.get()));
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(f.spec->md), 0),
      OSSL_PARAM_construct_end()};
  if (!ctx || EVP_MAC_init(ctx.get(), u8(f.secret), f.secret.size(), params) != 1)
    die("EVP_MAC_init");
  return ctx;
}

bool tag_matches(const Fixture& f, const unsigned char* mac) {
  return CRYPTO_memcmp(mac, f.signature.data(), f.mac_size) == 0;
}

// RSA PKCS#1 v1.5 / PSS (RFC 7518 3.5: MGF1 = the same hash, salt = hash length), ECDSA, Ed25519.
bool set_padding(const Fixture& f, EVP_PKEY_CTX* pctx) {
  if (f.spec->family != Family::kPss) return true;
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
}

bool raw_verify_evp(const Fixture& f) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const bool ok = ctx != nullptr &&
                  EVP_DigestVerifyInit(ctx, &pctx, f.md.get(), nullptr, f.pub.get()) == 1 &&
                  set_padding(f, pctx) &&
                  EVP_DigestVerify(ctx, u8(f.signature), f.signature.size(), u8(f.signing_input),
                                   f.signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

bool raw_sign_evp(const Fixture& f, unsigned char* out, std::size_t cap) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  std::size_t len = cap;
  const bool ok = ctx != nullptr &&
                  EVP_DigestSignInit(ctx, &pctx, f.md.get(), nullptr, f.pkey.get()) == 1 &&
                  set_padding(f, pctx) &&
                  EVP_DigestSign(ctx, out, &len, u8(f.signing_input), f.signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

// EVP_kept: the context of every call, initialised once.
PkeyCtx kept_ctx(const Fixture& f, bool sign) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, sign ? f.pkey.get() : f.pub.get(), nullptr));
  if (!ctx || (sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), f.md.get()) != 1 || !set_padding(f, ctx.get())) {
    die("EVP_PKEY_CTX for EVP_kept");
  }
  return ctx;
}

bool raw_sign_kept(EVP_PKEY_CTX* ctx, const Fixture& f, unsigned char* out, std::size_t cap) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> dg{};
  unsigned int dlen = 0;
  std::size_t len = cap;
  return EVP_Digest(f.signing_input.data(), f.signing_input.size(), dg.data(), &dlen, f.md.get(),
                    nullptr) == 1 &&
         EVP_PKEY_sign(ctx, out, &len, dg.data(), dlen) == 1;
}

bool raw_verify_kept(EVP_PKEY_CTX* ctx, const Fixture& f) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> dg{};
  unsigned int dlen = 0;
  return EVP_Digest(f.signing_input.data(), f.signing_input.size(), dg.data(), &dlen, f.md.get(),
                    nullptr) == 1 &&
         EVP_PKEY_verify(ctx, u8(f.signature), f.signature.size(), dg.data(), dlen) == 1;
}

bool raw_verify_sodium(const Fixture& f) {
  return crypto_sign_verify_detached(u8(f.signature), u8(f.signing_input), f.signing_input.size(),
                                     f.sodium_pk.data()) == 0;
}

bool raw_sign_sodium(const Fixture& f, unsigned char* out) {
  unsigned long long len = 0;
  return crypto_sign_detached(out, &len, u8(f.signing_input), f.signing_input.size(),
                              f.sodium_sk.data()) == 0;
}

// ---------------------------------------------------------------- benchmark bodies

// tessera::bench::run_counted, plus the token size.
template <typename Op>
void run(benchmark::State& state, const Fixture& f, Op&& op) {
  tessera::bench::run_counted(state, std::forward<Op>(op));
  state.counters["token_B"] =
      benchmark::Counter(static_cast<double>(f.token.size()), benchmark::Counter::kAvgThreads);
}

void BM_Sign(benchmark::State& state, Alg alg) {
  const Fixture& f = fixture(alg);
  run(state, f, [&] {
    auto t = jose::sign(*f.private_jwk, f.payload, f.sign_options);
    benchmark::DoNotOptimize(t);
    return t.has_value();
  });
}

void BM_Verify(benchmark::State& state, Alg alg) {
  const Fixture& f = fixture(alg);
  run(state, f, [&] {
    auto v = jose::verify(f.token, f.public_jwks);
    benchmark::DoNotOptimize(v);
    return v.has_value();
  });
}

void BM_VerifyJwt(benchmark::State& state, Alg alg) {
  const Fixture& f = fixture(alg);
  run(state, f, [&] {
    auto c = jose::verify_jwt(f.token, f.public_jwks, f.policy, kNow);
    benchmark::DoNotOptimize(c);
    return c.has_value();
  });
}

void BM_Crypto_Verify(benchmark::State& state, Alg alg) {
  const Fixture& f = fixture(alg);
  const tessera::jose::detail::KeyImpl& k = f.public_jwks.keys()[0].impl();
  const tessera::jose::AlgInfo& info = tessera::jose::alg_info(alg);
  if (k.hmac) {
    run(state, f, [&] { return k.hmac->verify(f.signing_input, f.jws_signature); });
  } else {
    run(state, f,
        [&] { return k.asym->verify(info.scheme, info.hash, f.signing_input, f.jws_signature); });
  }
}

enum class Raw { kHmacOneShot, kEvpMac, kEvpMacReinit, kEvp, kEvpKept, kSodium };

const char* raw_name(Raw r) {
  switch (r) {
    case Raw::kHmacOneShot:
      return "HMAC";
    case Raw::kEvpMac:
      return "EVP_MAC";
    case Raw::kEvpMacReinit:
      return "EVP_MAC_reinit";
    case Raw::kEvp:
      return "EVP";
    case Raw::kEvpKept:
      return "EVP_kept";
    case Raw::kSodium:
      return "libsodium";
  }
  return "?";
}

void BM_Raw_Verify(benchmark::State& state, Alg alg, Raw impl) {
  const Fixture& f = fixture(alg);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  switch (impl) {
    case Raw::kHmacOneShot:
      run(state, f, [&] { return raw_hmac_oneshot(f, mac.data()) && tag_matches(f, mac.data()); });
      break;
    case Raw::kEvpMac:
      run(state, f, [&] { return raw_hmac_evp_mac(f, mac.data()) && tag_matches(f, mac.data()); });
      break;
    case Raw::kEvpMacReinit: {
      MacCtx ctx = keyed_mac_ctx(f);
      run(state, f,
          [&] { return raw_hmac_reinit(ctx.get(), f, mac.data()) && tag_matches(f, mac.data()); });
      break;
    }
    case Raw::kEvp:
      run(state, f, [&] { return raw_verify_evp(f); });
      break;
    case Raw::kEvpKept: {
      PkeyCtx ctx = kept_ctx(f, /*sign=*/false);
      run(state, f, [&] { return raw_verify_kept(ctx.get(), f); });
      break;
    }
    case Raw::kSodium:
      run(state, f, [&] { return raw_verify_sodium(f); });
      break;
  }
}

void BM_Raw_Sign(benchmark::State& state, Alg alg, Raw impl) {
  const Fixture& f = fixture(alg);
  std::array<unsigned char, 1024> out{};  // RSA-2048 signature, DER ECDSA P-521, MACs
  switch (impl) {
    case Raw::kHmacOneShot:
      run(state, f, [&] { return raw_hmac_oneshot(f, out.data()); });
      break;
    case Raw::kEvpMac:
      run(state, f, [&] { return raw_hmac_evp_mac(f, out.data()); });
      break;
    case Raw::kEvpMacReinit: {
      MacCtx ctx = keyed_mac_ctx(f);
      run(state, f, [&] { return raw_hmac_reinit(ctx.get(), f, out.data()); });
      break;
    }
    case Raw::kEvp:
      run(state, f, [&] { return raw_sign_evp(f, out.data(), out.size()); });
      break;
    case Raw::kEvpKept: {
      PkeyCtx ctx = kept_ctx(f, /*sign=*/true);
      run(state, f, [&] { return raw_sign_kept(ctx.get(), f, out.data(), out.size()); });
      break;
    }
    case Raw::kSodium:
      run(state, f, [&] { return raw_sign_sodium(f, out.data()); });
      break;
  }
}

// ---------------------------------------------------------------- paired verify

// The strongest raw baseline per family (the fastest in every run so far).
Raw strongest_raw(Family fam) {
  switch (fam) {
    case Family::kHmac:
      return Raw::kEvpMacReinit;
    case Family::kEd25519:
      return Raw::kSodium;
    default:
      return Raw::kEvpKept;
  }
}

void BM_Pair_Verify(benchmark::State& state, Alg alg) {
  const Fixture& f = fixture(alg);
  const tessera::jose::detail::KeyImpl& k = f.public_jwks.keys()[0].impl();
  const tessera::jose::AlgInfo& info = tessera::jose::alg_info(alg);
  MacCtx mac_ctx = f.spec->family == Family::kHmac ? keyed_mac_ctx(f) : MacCtx();
  PkeyCtx pkey_ctx =
      strongest_raw(f.spec->family) == Raw::kEvpKept ? kept_ctx(f, false) : PkeyCtx();
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  std::size_t cold = 0;
  const std::array<std::function<bool()>, 5> ops = {
      [&] { return jose::verify_jwt(f.token, f.public_jwks, f.policy, kNow).has_value(); },
      [&] { return jose::verify(f.token, f.public_jwks).has_value(); },
      [&] {
        return k.hmac ? k.hmac->verify(f.signing_input, f.jws_signature)
                      : k.asym->verify(info.scheme, info.hash, f.signing_input, f.jws_signature);
      },
      [&] {
        switch (strongest_raw(f.spec->family)) {
          case Raw::kEvpMacReinit:
            return raw_hmac_reinit(mac_ctx.get(), f, mac.data()) && tag_matches(f, mac.data());
          case Raw::kSodium:
            return raw_verify_sodium(f);
          case Raw::kEvpKept:
            return raw_verify_kept(pkey_ctx.get(), f);
          default:
            return raw_verify_evp(f);
        }
      },
      [&] {
        const std::string& t = f.cold_tokens[cold++ % f.cold_tokens.size()];
        return jose::verify(t, f.public_jwks).has_value();
      },
  };
  const auto ns = tessera::bench::run_paired(state, ops);
  if (!ns) return;
  state.counters["verify_jwt_ns"] = (*ns)[0];
  state.counters["verify_ns"] = (*ns)[1];
  state.counters["crypto_ns"] = (*ns)[2];
  state.counters["raw_ns"] = (*ns)[3];
  state.counters["verify_cold_ns"] = (*ns)[4];
  state.counters["ratio"] = (*ns)[3] / (*ns)[1];
  state.counters["jwt_ratio"] = (*ns)[3] / (*ns)[0];
  state.counters["cold_ratio"] = (*ns)[3] / (*ns)[4];
  state.counters["token_B"] = static_cast<double>(f.token.size());
}

std::vector<Raw> raw_impls(Family fam) {
  switch (fam) {
    case Family::kHmac:
      return {Raw::kHmacOneShot, Raw::kEvpMac, Raw::kEvpMacReinit};
    case Family::kEd25519:
      return {Raw::kEvp, Raw::kSodium};
    default:
      return {Raw::kEvp, Raw::kEvpKept};
  }
}

void register_all() {
  for (const AlgSpec& s : kSpecs) {
    const std::string a = s.name;
    benchmark::RegisterBenchmark(("BM_Sign/" + a).c_str(), BM_Sign, s.alg);
    for (Raw r : raw_impls(s.family)) {
      benchmark::RegisterBenchmark(("BM_Raw_Sign/" + a + "/" + raw_name(r)).c_str(), BM_Raw_Sign,
                                   s.alg, r);
    }
    benchmark::RegisterBenchmark(("BM_Verify/" + a).c_str(), BM_Verify, s.alg);
    benchmark::RegisterBenchmark(("BM_VerifyJwt/" + a).c_str(), BM_VerifyJwt, s.alg);
    benchmark::RegisterBenchmark(("BM_Crypto_Verify/" + a).c_str(), BM_Crypto_Verify, s.alg);
    for (Raw r : raw_impls(s.family)) {
      benchmark::RegisterBenchmark(("BM_Raw_Verify/" + a + "/" + raw_name(r)).c_str(),
                                   BM_Raw_Verify, s.alg, r);
    }
  }
  for (const AlgSpec& s : kSpecs) {
    benchmark::RegisterBenchmark(
        ("BM_Pair_Verify/" + std::string(s.name) + "/" + raw_name(strongest_raw(s.family))).c_str(),
        BM_Pair_Verify, s.alg);
  }
  // Both cores at once (wall-clock throughput of 2 threads; informational: the machine is shared).
  for (Alg alg : {Alg::kHS256, Alg::kES256}) {
    const std::string a(jose::alg_name(alg));
    benchmark::RegisterBenchmark(("BM_Verify/" + a).c_str(), BM_Verify, alg)
        ->Threads(2)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_VerifyJwt/" + a).c_str(), BM_VerifyJwt, alg)
        ->Threads(2)
        ->UseRealTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) die("sodium_init");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("openssl", OpenSSL_version(OPENSSL_VERSION));
  benchmark::AddCustomContext("libsodium", sodium_version_string());
  benchmark::AddCustomContext("tessera_build_type", TESSERA_BENCH_BUILD_TYPE);
  benchmark::AddCustomContext("claims_bytes", std::to_string(claims_json().size()));
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
