#include "webauthn/cose_key.h"

#include <array>
#include <optional>

#include "webauthn/cbor.h"

namespace tessera::webauthn {
namespace {

using crypto::Curve;
using crypto::Hash;
using crypto::Scheme;

constexpr std::int64_t kKtyOkp = 1, kKtyEc2 = 2, kKtyRsa = 3;

constexpr std::array<CoseAlgInfo, 5> kAlgs = {{
    {CoseAlg::kES256, "ES256", kKtyEc2, 1, Scheme::kEcdsa, Hash::kSha256, Curve::kP256},
    {CoseAlg::kEdDSA, "EdDSA", kKtyOkp, 6, Scheme::kEd25519, Hash::kSha512, Curve::kP256},
    {CoseAlg::kES384, "ES384", kKtyEc2, 2, Scheme::kEcdsa, Hash::kSha384, Curve::kP384},
    {CoseAlg::kES512, "ES512", kKtyEc2, 3, Scheme::kEcdsa, Hash::kSha512, Curve::kP521},
    {CoseAlg::kRS256, "RS256", kKtyRsa, 0, Scheme::kRsaPkcs1v15, Hash::kSha256, Curve::kP256},
}};
constexpr std::array<CoseAlg, 5> kAll = {CoseAlg::kES256, CoseAlg::kEdDSA, CoseAlg::kES384,
                                         CoseAlg::kES512, CoseAlg::kRS256};

// COSE_Key labels (RFC 9052 section 7.1, RFC 9053 section 7, RFC 8230 section 4).
constexpr std::int64_t kLabelKty = 1, kLabelAlg = 3;
constexpr std::int64_t kLabelM1 = -1;  // crv (EC2, OKP) or n (RSA)
constexpr std::int64_t kLabelM2 = -2;  // x (EC2, OKP) or e (RSA)
constexpr std::int64_t kLabelM3 = -3;  // y (EC2)

struct Labels {
  const cbor_item_t* kty = nullptr;
  const cbor_item_t* alg = nullptr;
  const cbor_item_t* m1 = nullptr;
  const cbor_item_t* m2 = nullptr;
  const cbor_item_t* m3 = nullptr;
};

// Sorts each pair into its slot: an integer label, once, and one of the five above.
std::expected<Labels, Error> collect(const cbor::Map& map) {
  Labels l;
  for (const cbor_pair& p : map) {
    const std::optional<std::int64_t> label = cbor::int_of(p.key);
    if (!label) return std::unexpected(Error::kCoseKeyMalformed);
    const cbor_item_t** slot = nullptr;
    switch (*label) {
      case kLabelKty:
        slot = &l.kty;
        break;
      case kLabelAlg:
        slot = &l.alg;
        break;
      case kLabelM1:
        slot = &l.m1;
        break;
      case kLabelM2:
        slot = &l.m2;
        break;
      case kLabelM3:
        slot = &l.m3;
        break;
      default:
        // kid, key_ops, private parameters (-4 d, RSA's -3..-12 when kty is RSA is caught
        // below): nothing a WebAuthn credential public key needs.
        return std::unexpected(Error::kCoseKeyParameters);
    }
    if (*slot != nullptr) return std::unexpected(Error::kCoseKeyMalformed);  // duplicate
    *slot = p.value;
  }
  return l;
}

std::expected<crypto::AsymmetricKey, Error> import(const CoseAlgInfo& info, const Labels& l) {
  std::expected<crypto::AsymmetricKey, crypto::Error> key =
      std::unexpected(crypto::Error::kInvalidKey);
  if (info.kty == kKtyEc2) {
    const auto crv = cbor::int_of(l.m1);
    const auto x = cbor::bytes_of(l.m2);
    const auto y = cbor::bytes_of(l.m3);  // a bool here would be a compressed point: refused
    const std::size_t w = crypto::curve_bytes(info.curve);
    if (!crv || *crv != info.crv || !x || !y || x->size() != w || y->size() != w)
      return std::unexpected(Error::kCoseKeyParameters);
    key = crypto::AsymmetricKey::from_ec(
        {.curve = info.curve, .x = std::string(*x), .y = std::string(*y), .d = {}});
  } else if (info.kty == kKtyOkp) {
    const auto crv = cbor::int_of(l.m1);
    const auto x = cbor::bytes_of(l.m2);
    if (!crv || *crv != info.crv || !x || x->size() != 32 || l.m3 != nullptr)
      return std::unexpected(Error::kCoseKeyParameters);
    key = crypto::AsymmetricKey::from_ed25519({.x = std::string(*x), .d = {}});
  } else {
    const auto n = cbor::bytes_of(l.m1);
    const auto e = cbor::bytes_of(l.m2);
    if (!n || !e || n->empty() || e->empty() || l.m3 != nullptr)
      return std::unexpected(Error::kCoseKeyParameters);
    crypto::RsaParams p;
    p.n = std::string(*n);
    p.e = std::string(*e);
    key = crypto::AsymmetricKey::from_rsa(p);
  }
  if (!key) {
    return std::unexpected(key.error() == crypto::Error::kInternal ? Error::kInternal
                                                                   : Error::kCoseKeyInvalid);
  }
  return std::move(*key);
}

}  // namespace

const CoseAlgInfo* cose_alg_info(std::int64_t alg) {
  for (const CoseAlgInfo& i : kAlgs) {
    if (static_cast<std::int64_t>(i.alg) == alg) return &i;
  }
  return nullptr;
}

std::span<const CoseAlg> all_cose_algs() { return kAll; }

std::expected<CoseKey, Error> CoseKey::parse_prefix(std::string_view bytes, std::size_t& consumed) {
  std::optional<cbor::Loaded> loaded = cbor::load_prefix(bytes);
  if (!loaded) return std::unexpected(Error::kCoseKeyMalformed);
  const std::optional<cbor::Map> map = cbor::map_of(loaded->item.get());
  if (!map) return std::unexpected(Error::kCoseKeyMalformed);
  const std::expected<Labels, Error> labels = collect(*map);
  if (!labels) return std::unexpected(labels.error());
  if (labels->kty == nullptr || labels->alg == nullptr)
    return std::unexpected(Error::kCoseKeyParameters);
  const std::optional<std::int64_t> kty = cbor::int_of(labels->kty);
  const std::optional<std::int64_t> alg = cbor::int_of(labels->alg);
  if (!kty || !alg) return std::unexpected(Error::kCoseKeyMalformed);
  if (*kty != kKtyOkp && *kty != kKtyEc2 && *kty != kKtyRsa)
    return std::unexpected(Error::kCoseKeyType);
  const CoseAlgInfo* info = cose_alg_info(*alg);
  if (info == nullptr) return std::unexpected(Error::kCoseAlgorithmUnknown);
  if (info->kty != *kty) return std::unexpected(Error::kCoseKeyParameters);
  std::expected<crypto::AsymmetricKey, Error> key = import(*info, *labels);
  if (!key) return std::unexpected(key.error());
  consumed = loaded->read;
  return CoseKey(info, std::move(*key));
}

std::expected<CoseKey, Error> CoseKey::parse(std::string_view bytes) {
  std::size_t consumed = 0;
  std::expected<CoseKey, Error> key = parse_prefix(bytes, consumed);
  if (key && consumed != bytes.size()) return std::unexpected(Error::kCoseKeyMalformed);
  return key;
}

bool CoseKey::verify(std::string_view data, std::string_view sig) const {
  if (info_->scheme == Scheme::kEcdsa) return key_.verify_ecdsa_der(info_->hash, data, sig);
  return key_.verify(info_->scheme, info_->hash, data, sig);
}

}  // namespace tessera::webauthn
