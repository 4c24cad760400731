// COSE_Key parsing (RFC 9052 section 7, RFC 9053, RFC 8230): the recorded keys import, and
// every malformation is refused with its own Error.
#include "webauthn/cose_key.h"

#include <gtest/gtest.h>

#include <functional>

#include "crypto/pkey.h"
#include "webauthn/test_util.h"

namespace tessera::webauthn {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): test helpers

using Pairs = std::vector<std::pair<Item, Item>>;

std::string ec2(const crypto::EcParams& p, std::int64_t alg, std::int64_t crv) {
  Pairs m;
  m.emplace_back(cint(1), cint(2));
  m.emplace_back(cint(3), cint(alg));
  m.emplace_back(cint(-1), cint(crv));
  m.emplace_back(cint(-2), cbytes(p.x));
  m.emplace_back(cint(-3), cbytes(p.y));
  return encode(cmap(std::move(m)));
}

Error error_of(const std::string& bytes) {
  auto k = CoseKey::parse(bytes);
  EXPECT_FALSE(k.has_value());
  return k ? Error::kInternal : k.error();
}

class Ec2 : public ::testing::Test {
 protected:
  crypto::EcParams p = crypto::AsymmetricKey::generate_ec(crypto::Curve::kP256)->ec_params(false);
  // The key with pairs edited.
  std::string with(const std::function<void(Pairs&)>& edit) const {
    Pairs m;
    m.emplace_back(cint(1), cint(2));
    m.emplace_back(cint(3), cint(-7));
    m.emplace_back(cint(-1), cint(1));
    m.emplace_back(cint(-2), cbytes(p.x));
    m.emplace_back(cint(-3), cbytes(p.y));
    edit(m);
    return encode(cmap(std::move(m)));
  }
};

TEST_F(Ec2, AValidKeyParsesAndVerifiesOnlyItsOwnSignatures) {
  auto k = CoseKey::parse(ec2(p, -7, 1));
  ASSERT_TRUE(k.has_value()) << describe(k.error());
  EXPECT_EQ(k->alg(), CoseAlg::kES256);
  EXPECT_EQ(k->key().ec_params(false).x, p.x);
  EXPECT_FALSE(k->verify("data", std::string(72, '\x30')));
}

TEST_F(Ec2, Malformations) {
  EXPECT_EQ(error_of(""), Error::kCoseKeyMalformed);
  EXPECT_EQ(error_of("\xa1"), Error::kCoseKeyMalformed);  // truncated map
  EXPECT_EQ(error_of(encode(cint(5))), Error::kCoseKeyMalformed);
  EXPECT_EQ(error_of(ec2(p, -7, 1) + '\0'), Error::kCoseKeyMalformed);  // trailing byte
  EXPECT_EQ(error_of(with([](Pairs& m) { m.emplace_back(cint(3), cint(-7)); })),
            Error::kCoseKeyMalformed);  // alg twice
  EXPECT_EQ(error_of(with([](Pairs& m) { m[0].first = ctext("kty"); })), Error::kCoseKeyMalformed);
  EXPECT_EQ(error_of(with([](Pairs& m) { m[0].second = ctext("EC2"); })), Error::kCoseKeyMalformed);
  EXPECT_EQ(error_of(with([](Pairs& m) { m[0].second = cint(4); })), Error::kCoseKeyType);
  EXPECT_EQ(error_of(with([](Pairs& m) { m[1].second = cint(-999); })),
            Error::kCoseAlgorithmUnknown);
  EXPECT_EQ(error_of(with([](Pairs& m) { m[1].second = cint(-8); })),
            Error::kCoseKeyParameters);  // EdDSA is not an EC2 algorithm
  EXPECT_EQ(error_of(with([](Pairs& m) { m[2].second = cint(2); })),
            Error::kCoseKeyParameters);  // P-384 with ES256
  EXPECT_EQ(error_of(with([](Pairs& m) { m.pop_back(); })), Error::kCoseKeyParameters);  // no y
  EXPECT_EQ(error_of(with([](Pairs& m) { m.back().second = cbool(true); })),
            Error::kCoseKeyParameters);  // compressed point
  EXPECT_EQ(error_of(with([&](Pairs& m) { m[3].second = cbytes(p.x.substr(1)); })),
            Error::kCoseKeyParameters);
  EXPECT_EQ(
      error_of(with([](Pairs& m) { m.emplace_back(cint(-4), cbytes(std::string(32, 'd'))); })),
      Error::kCoseKeyParameters);  // a private key
  EXPECT_EQ(error_of(with([](Pairs& m) { m.emplace_back(cint(2), cbytes("kid")); })),
            Error::kCoseKeyParameters);
  EXPECT_EQ(error_of(with([](Pairs& m) { m.erase(m.begin() + 1); })),
            Error::kCoseKeyParameters);  // no alg
  // A point off the curve.
  EXPECT_EQ(error_of(with([&](Pairs& m) {
              std::string y = p.y;
              y.back() ^= 0x01;
              m[4].second = cbytes(y);
            })),
            Error::kCoseKeyInvalid);
}

TEST(CoseKeyOkp, Ed25519) {
  const auto x = crypto::AsymmetricKey::generate_ed25519()->okp_params(false).x;
  auto okp = [&](std::int64_t crv, std::string_view key) {
    Pairs m;
    m.emplace_back(cint(1), cint(1));
    m.emplace_back(cint(3), cint(-8));
    m.emplace_back(cint(-1), cint(crv));
    m.emplace_back(cint(-2), cbytes(key));
    return encode(cmap(std::move(m)));
  };
  auto k = CoseKey::parse(okp(6, x));
  ASSERT_TRUE(k.has_value()) << describe(k.error());
  EXPECT_EQ(k->alg(), CoseAlg::kEdDSA);
  EXPECT_EQ(error_of(okp(7, x)), Error::kCoseKeyParameters);  // Ed448
  EXPECT_EQ(error_of(okp(6, x.substr(1))), Error::kCoseKeyParameters);
}

TEST(CoseKeyRsa, SizesAndShape) {
  auto rsa = [](const crypto::RsaParams& p, bool extra = false) {
    Pairs m;
    m.emplace_back(cint(1), cint(3));
    m.emplace_back(cint(3), cint(-257));
    m.emplace_back(cint(-1), cbytes(p.n));
    m.emplace_back(cint(-2), cbytes(p.e));
    if (extra) m.emplace_back(cint(-3), cbytes("d"));
    return encode(cmap(std::move(m)));
  };
  const crypto::RsaParams p = crypto::AsymmetricKey::generate_rsa(2048)->rsa_params(false);
  auto k = CoseKey::parse(rsa(p));
  ASSERT_TRUE(k.has_value()) << describe(k.error());
  EXPECT_EQ(k->alg(), CoseAlg::kRS256);
  EXPECT_EQ(error_of(rsa(p, true)), Error::kCoseKeyParameters);  // a private member
  crypto::RsaParams small = p;
  small.n = p.n.substr(0, 128);  // 1024 bits
  EXPECT_EQ(error_of(rsa(small)), Error::kCoseKeyInvalid);
}

TEST(CoseAlgs, TheTable) {
  for (CoseAlg a : all_cose_algs()) {
    const CoseAlgInfo* i = cose_alg_info(static_cast<std::int64_t>(a));
    ASSERT_NE(i, nullptr);
    EXPECT_EQ(i->alg, a);
  }
  EXPECT_EQ(cose_alg_info(-19), nullptr);  // fully-specified Ed25519: not offered
  EXPECT_EQ(cose_alg_info(0), nullptr);
}

}  // namespace
}  // namespace tessera::webauthn
