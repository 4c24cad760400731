#include "tessera/jwk.h"

#include <gtest/gtest.h>

#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::jose {
namespace {

TEST(Jwk, GeneratesAndRoundTripsEveryAlgorithm) {
  for (Alg alg : all_algs()) {
    SCOPED_TRACE(std::string(alg_name(alg)));
    auto key = Jwk::generate(alg);
    ASSERT_TRUE(key);
    EXPECT_EQ(key->alg(), alg);
    EXPECT_TRUE(key->is_private());
    EXPECT_EQ(key->kid(), key->thumbprint());  // default kid is the RFC 7638 thumbprint
    auto again = Jwk::parse(key->to_json(true));
    ASSERT_TRUE(again) << describe(again.error());
    EXPECT_EQ(again->thumbprint(), key->thumbprint());
    EXPECT_EQ(again->alg(), alg);
    EXPECT_TRUE(again->is_private());
    if (!key->is_symmetric()) {
      const std::string pub = key->public_key().to_json(false);
      EXPECT_EQ(pub.find("\"d\""), std::string::npos) << pub;
      auto parsed = Jwk::parse(pub);
      ASSERT_TRUE(parsed);
      EXPECT_FALSE(parsed->is_private());
      EXPECT_EQ(parsed->thumbprint(), key->thumbprint());
      EXPECT_EQ(key->to_json(false), pub);  // to_json(false) of a private key drops d too
    }
  }
}

TEST(Jwk, KeyDecidesOneAlgorithm) {
  auto ec = Jwk::generate(Alg::kES256).value();
  std::string json = ec.public_key().to_json(false);
  // Without "alg", the curve decides.
  std::string no_alg = json;
  no_alg.replace(no_alg.find(R"("alg":"ES256",)"), 14, "");
  auto parsed = Jwk::parse(no_alg);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->alg(), Alg::kES256);
  // A hint that contradicts the curve or the key's alg is refused.
  EXPECT_EQ(Jwk::parse(no_alg, Alg::kES384).error(), Error::kAlgKeyMismatch);
  EXPECT_EQ(Jwk::parse(json, Alg::kHS256)->alg(), Alg::kES256);  // the key's own alg wins
  std::string wrong_curve = json;
  wrong_curve.replace(wrong_curve.find("ES256"), 5, "ES384");
  EXPECT_EQ(Jwk::parse(wrong_curve).error(), Error::kAlgKeyMismatch);
  std::string wrong_family = json;
  wrong_family.replace(wrong_family.find("ES256"), 5, "RS256");
  EXPECT_EQ(Jwk::parse(wrong_family).error(), Error::kAlgKeyMismatch);
}

TEST(Jwk, RsaAndOctWithoutAlgNeedAHint) {
  auto rsa = Jwk::generate(Alg::kRS256).value().public_key();
  std::string json = rsa.to_json(false);
  json.replace(json.find(R"("alg":"RS256",)"), 14, "");
  EXPECT_EQ(Jwk::parse(json).error(), Error::kKeyAlgUnknown);
  auto hinted = Jwk::parse(json, Alg::kPS256);
  ASSERT_TRUE(hinted);
  EXPECT_EQ(hinted->alg(), Alg::kPS256);
  const std::string oct =
      R"({"kty":"oct","k":")" + base::base64url_encode(std::string(32, 'k')) + R"("})";
  EXPECT_EQ(Jwk::parse(oct).error(), Error::kKeyAlgUnknown);
  EXPECT_TRUE(Jwk::parse(oct, Alg::kHS256));
}

TEST(Jwk, RefusesWeakKeys) {
  auto oct = [](std::size_t n, std::string_view alg) {
    return R"({"kty":"oct","alg":")" + std::string(alg) + R"(","k":")" +
           base::base64url_encode(std::string(n, 'k')) + R"("})";
  };
  EXPECT_EQ(Jwk::parse(oct(31, "HS256")).error(), Error::kWeakKey);
  EXPECT_TRUE(Jwk::parse(oct(32, "HS256")));
  EXPECT_EQ(Jwk::parse(oct(47, "HS384")).error(), Error::kWeakKey);
  EXPECT_EQ(Jwk::parse(oct(63, "HS512")).error(), Error::kWeakKey);
  EXPECT_TRUE(Jwk::parse(oct(64, "HS512")));
  EXPECT_EQ(Jwk::from_secret(Alg::kHS256, std::string(16, 's')).error(), Error::kWeakKey);
  // A 1024-bit RSA modulus.
  std::string n = crypto::random_bytes(128);
  n[0] = static_cast<char>(n[0] | 0x80);
  n[127] = static_cast<char>(n[127] | 1);
  const std::string rsa =
      R"({"kty":"RSA","alg":"RS256","e":"AQAB","n":")" + base::base64url_encode(n) + R"("})";
  EXPECT_EQ(Jwk::parse(rsa).error(), Error::kWeakKey);
}

TEST(Jwk, RefusesKeysNotForSignatures) {
  auto base = Jwk::generate(Alg::kES256).value().public_key().to_json(false);
  std::string enc = base;
  enc.replace(enc.find(R"("use":"sig")"), 11, R"("use":"enc")");
  EXPECT_EQ(Jwk::parse(enc).error(), Error::kBadJwk);
  std::string ops = base;
  ops.replace(ops.find(R"("use":"sig")"), 11, R"("key_ops":["encrypt"])");
  EXPECT_EQ(Jwk::parse(ops).error(), Error::kBadJwk);
  std::string verify_ops = base;
  verify_ops.replace(verify_ops.find(R"("use":"sig")"), 11, R"("key_ops":["verify"])");
  EXPECT_TRUE(Jwk::parse(verify_ops));
  // X25519 is a key-agreement curve; only Ed25519 signs.
  EXPECT_EQ(Jwk::parse(
                R"({"kty":"OKP","crv":"X25519","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"})")
                .error(),
            Error::kBadJwk);
}

TEST(Jwk, RefusesInconsistentKeyMaterial) {
  auto ec = Jwk::generate(Alg::kES256).value();
  std::string json = ec.public_key().to_json(false);
  // Flip a bit of y: the point is no longer on the curve (invalid-curve attack).
  const std::size_t y = json.find(R"("y":")") + 5;
  json[y] = json[y] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Jwk::parse(json).error(), Error::kBadJwk);
  // A private scalar that does not match the public point.
  auto other = Jwk::generate(Alg::kES256).value();
  std::string priv = ec.to_json(true);
  std::string other_priv = other.to_json(true);
  const auto d_of = [](const std::string& s) { return s.substr(s.find(R"("d":")")); };
  priv.replace(priv.find(R"("d":")"), d_of(priv).size(), d_of(other_priv));
  EXPECT_EQ(Jwk::parse(priv).error(), Error::kBadJwk);
  // Ed25519 seed that does not match x.
  auto ed = Jwk::generate(Alg::kEdDSA).value().to_json(true);
  auto ed2 = Jwk::generate(Alg::kEdDSA).value().to_json(true);
  ed.replace(ed.find(R"("d":")"), d_of(ed).size(), d_of(ed2));
  EXPECT_EQ(Jwk::parse(ed).error(), Error::kBadJwk);
  // An RSA private key without its CRT members cannot be checked, so it is refused (a wrong d
  // would otherwise sign tokens its own public key rejects).
  auto rsa = Jwk::generate(Alg::kRS256).value();
  const std::string pub_rsa = rsa.public_key().to_json(false);
  std::string d_only = pub_rsa.substr(0, pub_rsa.size() - 1) + R"(,"d":"AQAB"})";
  EXPECT_EQ(Jwk::parse(d_only).error(), Error::kBadJwk);
  std::string full = rsa.to_json(true);
  std::string no_qi = full;
  const std::size_t qi = no_qi.find(R"(,"qi":")");
  no_qi.erase(qi, no_qi.find('"', qi + 7) + 1 - qi);  // drop ,"qi":"..."
  ASSERT_TRUE(Jwk::parse(full));
  EXPECT_EQ(Jwk::parse(no_qi).error(), Error::kBadJwk);
  // Short EC coordinates (RFC 7518 6.2.1.2: full length) and malformed members.
  EXPECT_EQ(Jwk::parse(R"({"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"})").error(), Error::kBadJwk);
  EXPECT_EQ(Jwk::parse(R"({"kty":"EC","crv":"P-256","x":5,"y":"AQ"})").error(), Error::kBadJwk);
  EXPECT_EQ(Jwk::parse(R"({"kty":"oct","alg":"HS256","k":"not base64!"})").error(), Error::kBadJwk);
  EXPECT_EQ(Jwk::parse(R"({"kty":"nope"})").error(), Error::kBadJwk);
  EXPECT_EQ(Jwk::parse(R"({"alg":"HS256"})").error(), Error::kBadJwk);
  EXPECT_EQ(Jwk::parse(R"({"kty":"oct","alg":"none","k":"AAAA"})").error(), Error::kAlgUnknown);
  EXPECT_EQ(Jwk::parse("[]").error(), Error::kNotAnObject);
  EXPECT_EQ(Jwk::parse(R"({"kty":"oct","kty":"oct"})").error(), Error::kDuplicateMember);
}

TEST(Jwks, ParsesSkipsAndRefuses) {
  auto a = Jwk::generate(Alg::kES256, "a").value().public_key();
  auto b = Jwk::generate(Alg::kEdDSA, "b").value().public_key();
  const std::string enc_key = R"({"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"})";
  const std::string unknown_kty = R"({"kty":"AKP","alg":"ML-DSA-44","pub":"AAAA"})";
  const std::string key_wrap = R"({"kty":"oct","alg":"A128KW","k":"GawgguFyGrWKav7AX4VKUg"})";
  const std::string x25519 =
      R"({"kty":"OKP","crv":"X25519","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"})";
  const std::string k256 = R"({"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"})";
  const std::string enc_ops = R"({"kty":"RSA","key_ops":["encrypt"],"n":"AQAB","e":"AQAB"})";
  const std::string set = R"({"keys":[)" + a.to_json(false) + "," + enc_key + "," + unknown_kty +
                          "," + key_wrap + "," + x25519 + "," + k256 + "," + enc_ops + "," +
                          b.to_json(false) + "]}";
  auto jwks = Jwks::parse(set);
  ASSERT_TRUE(jwks) << describe(jwks.error());
  ASSERT_EQ(jwks->keys().size(), 2u);
  EXPECT_NE(jwks->find("a"), nullptr);
  EXPECT_NE(jwks->find("b"), nullptr);
  EXPECT_EQ(jwks->find("c"), nullptr);
  const std::string dup = R"({"keys":[)" + a.to_json(false) + "," + a.to_json(false) + "]}";
  EXPECT_EQ(Jwks::parse(dup).error(), Error::kBadJwk);
  // A malformed or weak key of a usable kind fails the set rather than being skipped silently.
  const std::string weak = R"({"kty":"oct","alg":"HS256","k":"c2hvcnQ"})";
  EXPECT_EQ(Jwks::parse(R"({"keys":[)" + a.to_json(false) + "," + weak + "]}").error(),
            Error::kWeakKey);
  const std::string off_curve = R"({"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"})";
  EXPECT_EQ(Jwks::parse(R"({"keys":[)" + off_curve + "]}").error(), Error::kBadJwk);
  EXPECT_EQ(Jwks::parse(R"({"keys":{}})").error(), Error::kBadJwk);
  EXPECT_EQ(Jwks::parse(R"({})").error(), Error::kBadJwk);
}

TEST(Jwks, PublishesNoSecrets) {
  auto hs = Jwk::generate(Alg::kHS256, "hs").value();
  auto es = Jwk::generate(Alg::kES256, "es").value();
  const std::string out = Jwks({hs, es}).to_json();
  EXPECT_EQ(out.find("\"hs\""), std::string::npos);
  EXPECT_EQ(out.find("\"k\""), std::string::npos);
  EXPECT_EQ(out.find("\"d\""), std::string::npos);
  EXPECT_NE(out.find("\"es\""), std::string::npos);
}

}  // namespace
}  // namespace tessera::jose
