#include "jose/algorithms.h"

#include <array>

namespace tessera::jose {
namespace {

using crypto::Curve;
using crypto::Hash;
using crypto::Scheme;

// Indexed by Alg. RSA minimum: 2048 bits (RFC 7518 section 3.3). HMAC minimum: the hash
// output size (RFC 7518 section 3.2).
constexpr std::array<AlgInfo, 13> kAlgs = {{
    {Alg::kHS256, "HS256", KeyFamily::kOct, Hash::kSha256, Scheme::kRsaPkcs1v15, Curve::kP256, 32},
    {Alg::kHS384, "HS384", KeyFamily::kOct, Hash::kSha384, Scheme::kRsaPkcs1v15, Curve::kP256, 48},
    {Alg::kHS512, "HS512", KeyFamily::kOct, Hash::kSha512, Scheme::kRsaPkcs1v15, Curve::kP256, 64},
    {Alg::kRS256, "RS256", KeyFamily::kRsa, Hash::kSha256, Scheme::kRsaPkcs1v15, Curve::kP256, 256},
    {Alg::kRS384, "RS384", KeyFamily::kRsa, Hash::kSha384, Scheme::kRsaPkcs1v15, Curve::kP256, 256},
    {Alg::kRS512, "RS512", KeyFamily::kRsa, Hash::kSha512, Scheme::kRsaPkcs1v15, Curve::kP256, 256},
    {Alg::kPS256, "PS256", KeyFamily::kRsa, Hash::kSha256, Scheme::kRsaPss, Curve::kP256, 256},
    {Alg::kPS384, "PS384", KeyFamily::kRsa, Hash::kSha384, Scheme::kRsaPss, Curve::kP256, 256},
    {Alg::kPS512, "PS512", KeyFamily::kRsa, Hash::kSha512, Scheme::kRsaPss, Curve::kP256, 256},
    {Alg::kES256, "ES256", KeyFamily::kEc, Hash::kSha256, Scheme::kEcdsa, Curve::kP256, 0},
    {Alg::kES384, "ES384", KeyFamily::kEc, Hash::kSha384, Scheme::kEcdsa, Curve::kP384, 0},
    {Alg::kES512, "ES512", KeyFamily::kEc, Hash::kSha512, Scheme::kEcdsa, Curve::kP521, 0},
    {Alg::kEdDSA, "EdDSA", KeyFamily::kOkp, Hash::kSha512, Scheme::kEd25519, Curve::kP256, 0},
}};

constexpr std::array<Alg, 13> kAll = {
    Alg::kHS256, Alg::kHS384, Alg::kHS512, Alg::kRS256, Alg::kRS384, Alg::kRS512, Alg::kPS256,
    Alg::kPS384, Alg::kPS512, Alg::kES256, Alg::kES384, Alg::kES512, Alg::kEdDSA};

}  // namespace

const AlgInfo& alg_info(Alg a) { return kAlgs[static_cast<std::size_t>(a)]; }

std::string_view alg_name(Alg a) { return alg_info(a).name; }

std::optional<Alg> alg_from_name(std::string_view name) {
  for (const AlgInfo& i : kAlgs) {
    if (i.name == name) return i.alg;
  }
  return std::nullopt;
}

std::span<const Alg> all_algs() { return kAll; }

}  // namespace tessera::jose
