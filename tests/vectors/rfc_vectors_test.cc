// RFC test vectors for the JOSE core (tessera_jose), through the public API.
//
//   RFC 7515 appendix A   JWS examples: HS256 (A.1), RS256 (A.2), ES256 (A.3), ES512 (A.4),
//                         unsecured "none" (A.5)
//   RFC 7517 appendix A,B example public, private and symmetric keys; "x5c" key
//   RFC 7519 section 3.1  the example JWT (the same token as RFC 7515 A.1), as claims
//   RFC 7520 section 4    JWS cookbook: RS256 (4.1), PS384 (4.2), ES512 (4.3), HS256 (4.4) with
//                         the keys of sections 3.1 to 3.5
//   RFC 7638 section 3.1  RSA JWK thumbprint
//   RFC 8037 appendix A   Ed25519 keys (A.1, A.2), thumbprint (A.3), signature (A.4, A.5), and the
//                         X25519 keys of A.6 (which are not signature keys)
//
// Every key, token and signature below is the RFC's data, byte for byte (long base64url values
// are split across adjacent string literals, as the RFCs split them for display). Before they were
// written here they were checked against an independent implementation (Python "cryptography"):
// every RFC signature verifies with its RFC key, the RSA and HMAC signatures are reproduced by it,
// and each private key matches its public half. So a failure here is Tessera's, not the data's.
//
// Deterministic algorithms (HMAC, RSASSA-PKCS1-v1_5, Ed25519) are checked by reproducing the
// RFC's compact serialization exactly wherever jose::sign() can emit the RFC's protected header
// (it writes {"alg":..,"kid":..,"typ":..} in that order, no whitespace). Randomized ones
// (ECDSA, RSASSA-PSS) are checked by verification, plus negatives.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdlib>
#include <expected>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/base64url.h"
#include "jose/key_impl.h"  // only for the RFC 7515 A.1/A.2 checks on the RFC's own signing input
#include "tessera/jose_error.h"
#include "tessera/jwk.h"
#include "tessera/jws.h"
#include "tessera/jwt.h"

namespace tessera::jose {
// Lets GoogleTest print an Error by name ("kAlgNone: alg none is never accepted").
void PrintTo(Error e, std::ostream* os) {
  *os << "Error(" << static_cast<int>(e) << ": " << describe(e) << ")";
}
}  // namespace tessera::jose

namespace {

using tessera::base::base64url_decode;
using tessera::base::base64url_encode;
using tessera::jose::Alg;
using tessera::jose::ClaimsPolicy;
using tessera::jose::describe;
using tessera::jose::Error;
using tessera::jose::Jwk;
using tessera::jose::Jwks;
using tessera::jose::SignOptions;
using tessera::jose::VerifyOptions;

// ---------------------------------------------------------------------------------------------
// Helpers

template <class T>
std::string Why(const std::expected<T, Error>& r) {
  return r ? std::string("ok") : std::string(describe(r.error()));
}

// Succeeds when `r` failed with exactly `want`.
template <class T>
::testing::AssertionResult FailsWith(const std::expected<T, Error>& r, Error want) {
  if (r) return ::testing::AssertionFailure() << "succeeded; expected " << describe(want);
  if (r.error() != want) {
    return ::testing::AssertionFailure()
           << "failed with \"" << describe(r.error()) << "\" (" << static_cast<int>(r.error())
           << "); expected \"" << describe(want) << "\" (" << static_cast<int>(want) << ")";
  }
  return ::testing::AssertionSuccess();
}

// Parses a JWK, failing the test (with the reason) if it does not parse.
Jwk MustParse(std::string_view json, std::optional<Alg> hint = {}) {
  auto k = Jwk::parse(json, hint);
  EXPECT_TRUE(k.has_value()) << "Jwk::parse: " << Why(k) << "\n" << json;
  if (!k) std::abort();  // the rest of the test would dereference it
  return *k;
}

Jwks SetOf(const Jwk& k) { return Jwks(std::vector<Jwk>{k}); }

// Splits a compact JWS into its three parts.
struct Parts {
  std::string header, payload, signature;
};
Parts Split(std::string_view token) {
  const auto d1 = token.find('.');
  const auto d2 = token.find('.', d1 + 1);
  return {std::string(token.substr(0, d1)), std::string(token.substr(d1 + 1, d2 - d1 - 1)),
          std::string(token.substr(d2 + 1))};
}

std::string Decode(std::string_view b64) {
  auto d = base64url_decode(b64);
  EXPECT_TRUE(d.has_value()) << "not base64url: " << b64;
  return d.value_or("");
}

// The token with the last byte of its (decoded) signature XOR-ed with 0x01, re-encoded
// canonically, so the failure is the signature's value and not its base64url spelling.
std::string FlipLastSignatureByte(std::string_view token) {
  Parts p = Split(token);
  std::string sig = Decode(p.signature);
  sig.back() = static_cast<char>(sig.back() ^ 0x01);
  return p.header + "." + p.payload + "." + base64url_encode(sig);
}

// Independent oracle: HMAC-SHA256 straight from OpenSSL, not through Tessera's crypto layer.
std::string OpensslHmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const unsigned char* r =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  EXPECT_NE(r, nullptr);
  return std::string(reinterpret_cast<const char*>(out), len);
}

// ---------------------------------------------------------------------------------------------
// RFC 7515 appendix A data

// A.1 / A.2 / A.3 payload: {"iss":"joe",CRLF "exp":1300819380,CRLF
// "http://example.com/is_root":true}
constexpr std::string_view kJoePayload =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
constexpr std::string_view kJoePayloadB64 =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

// A.1: HS256. Protected header {"typ":"JWT",CRLF "alg":"HS256"}.
constexpr std::string_view kA1Header = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
constexpr std::string_view kA1Key =
    R"({"kty":"oct",
        "k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75)"
    R"(aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})";
constexpr std::string_view kA1SigningInput =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    "."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
constexpr std::string_view kA1Signature = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view kA1Token =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    "."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// A.2: RS256. Protected header {"alg":"RS256"}: exactly what jose::sign() writes for a key
// without kid, so the whole token is reproducible.
constexpr std::string_view kA2PublicKey =
    R"({"kty":"RSA",
        "n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx)"
    R"(HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs)"
    R"(D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH)"
    R"(SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV)"
    R"(MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8)"
    R"(NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
        "e":"AQAB"})";
constexpr std::string_view kA2PrivateKey =
    R"({"kty":"RSA",
        "n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx)"
    R"(HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs)"
    R"(D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH)"
    R"(SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV)"
    R"(MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8)"
    R"(NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
        "e":"AQAB",
        "d":"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97I)"
    R"(jlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0)"
    R"(BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn)"
    R"(439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYT)"
    R"(CBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLh)"
    R"(BOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",
        "p":"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdi)"
    R"(YrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPG)"
    R"(BY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",
        "q":"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxa)"
    R"(ewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA)"
    R"(-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",
        "dp":"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3Q)"
    R"(CLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb)"
    R"(34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",
        "dq":"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa)"
    R"(7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-ky)"
    R"(NlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",
        "qi":"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2o)"
    R"(y26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLU)"
    R"(W0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"})";
constexpr std::string_view kA2SigningInput =
    "eyJhbGciOiJSUzI1NiJ9"
    "."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
constexpr std::string_view kA2Signature =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";
constexpr std::string_view kA2Token =
    "eyJhbGciOiJSUzI1NiJ9"
    "."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";

// A.3: ES256.
constexpr std::string_view kA3PublicKey =
    R"({"kty":"EC",
        "crv":"P-256",
        "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
constexpr std::string_view kA3PrivateKey =
    R"({"kty":"EC",
        "crv":"P-256",
        "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
        "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";
constexpr std::string_view kA3Token =
    "eyJhbGciOiJFUzI1NiJ9"
    "."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// A.4: ES512, payload "Payload".
constexpr std::string_view kA4PublicKey =
    R"({"kty":"EC",
        "crv":"P-521",
        "x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_)"
    R"(NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk",
        "y":"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDl)"
    R"(y79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2"})";
constexpr std::string_view kA4PrivateKey =
    R"({"kty":"EC",
        "crv":"P-521",
        "x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_)"
    R"(NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk",
        "y":"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDl)"
    R"(y79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2",
        "d":"AY5pb7A0UFiB3RELSD64fTLOSV_jazdF7fLYyuTw8lOfRhWg6Y6rUrPA)"
    R"(xerEzgdRhajnu0ferB0d53vM9mE15j2C"})";
constexpr std::string_view kA4Token =
    "eyJhbGciOiJFUzUxMiJ9"
    "."
    "UGF5bG9hZA"
    "."
    "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZq"
    "wqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8Kp"
    "EHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn";

// A.5: unsecured JWS, {"alg":"none"}, empty signature.
constexpr std::string_view kA5Token =
    "eyJhbGciOiJub25lIn0"
    "."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".";

// ---------------------------------------------------------------------------------------------
// RFC 7515 A.1: HMAC SHA-256

TEST(Rfc7515A1, VerifiesRfcTokenAndReturnsExactPayload) {
  const Jwk key = MustParse(kA1Key, Alg::kHS256);
  EXPECT_EQ(key.alg(), Alg::kHS256);
  EXPECT_TRUE(key.is_symmetric());
  auto v = tessera::jose::verify(kA1Token, SetOf(key));
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, kJoePayload);  // CRLFs and the leading spaces included
  EXPECT_EQ(v->alg, Alg::kHS256);
  EXPECT_EQ(v->typ, "JWT");
  EXPECT_EQ(v->kid, "");
}

TEST(Rfc7515A1, RfcDataIsSelfConsistent) {
  // The header and payload octets the RFC lists, and their encodings.
  const Parts p = Split(kA1Token);
  EXPECT_EQ(Decode(p.header), kA1Header);
  EXPECT_EQ(Decode(p.payload), kJoePayload);
  EXPECT_EQ(p.payload, kJoePayloadB64);
  // The RFC signature is HMAC-SHA256(k, signing input), by the independent oracle.
  const std::string k = Decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  EXPECT_EQ(k.size(), 64u);
  EXPECT_EQ(base64url_encode(OpensslHmacSha256(k, kA1SigningInput)), kA1Signature);
}

TEST(Rfc7515A1, KeyMacsRfcSigningInputToRfcSignature) {
  // jose::sign() cannot emit the RFC's header (it has "typ" first and CRLF whitespace), so the
  // parsed key's MAC is applied to the RFC's signing input directly.
  const Jwk key = MustParse(kA1Key, Alg::kHS256);
  ASSERT_NE(key.impl().hmac, nullptr);
  const auto mac = key.impl().hmac->mac(kA1SigningInput);
  EXPECT_EQ(base64url_encode(mac.view()), kA1Signature);
}

TEST(Rfc7515A1, OwnSignatureIsHmacSha256OfOwnSigningInput) {
  const Jwk key = MustParse(kA1Key, Alg::kHS256);
  auto token = tessera::jose::sign(key, kJoePayload);
  ASSERT_TRUE(token.has_value()) << Why(token);
  const Parts p = Split(*token);
  EXPECT_EQ(Decode(p.header), R"({"alg":"HS256"})");
  EXPECT_EQ(p.payload, kJoePayloadB64);  // the same payload bytes, the same encoding as the RFC
  // Independent oracle over our own signing input.
  const std::string k = Decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  EXPECT_EQ(p.signature, base64url_encode(OpensslHmacSha256(k, p.header + "." + p.payload)));
  // HMAC is deterministic.
  auto again = tessera::jose::sign(key, kJoePayload);
  ASSERT_TRUE(again.has_value()) << Why(again);
  EXPECT_EQ(*again, *token);
  auto v = tessera::jose::verify(*token, SetOf(key));
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, kJoePayload);
}

TEST(Rfc7515A1, AlteredSignatureOrOtherKeyFails) {
  const Jwk key = MustParse(kA1Key, Alg::kHS256);
  EXPECT_TRUE(FailsWith(tessera::jose::verify(FlipLastSignatureByte(kA1Token), SetOf(key)),
                        Error::kBadSignature));
  // RFC 7520 3.5's key is a perfectly good HS256 key, but not this one.
  const Jwk other =
      MustParse(R"({"kty":"oct","alg":"HS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"})");
  EXPECT_TRUE(FailsWith(tessera::jose::verify(kA1Token, SetOf(other)), Error::kBadSignature));
}

// RFC 7519 section 3.1 uses the very same token as its example JWT.
TEST(Rfc7519S31, ExampleJwtClaimsValidate) {
  const Jwks keys = SetOf(MustParse(kA1Key, Alg::kHS256));
  constexpr std::int64_t kExp = 1300819380;
  const ClaimsPolicy policy{.issuer = "joe",
                            .audience = "",
                            .leeway_seconds = 30,
                            .typ = "JWT",
                            .required = {"iss", "exp"}};
  auto c = tessera::jose::verify_jwt(kA1Token, keys, policy, kExp - 60);
  ASSERT_TRUE(c.has_value()) << Why(c);
  EXPECT_EQ(c->iss, "joe");
  ASSERT_TRUE(c->exp.has_value());
  EXPECT_EQ(*c->exp, kExp);
  EXPECT_EQ(c->json, kJoePayload);
  // Within the leeway, then past it (expired when now >= exp + leeway).
  EXPECT_TRUE(tessera::jose::verify_jwt(kA1Token, keys, policy, kExp + 29).has_value());
  EXPECT_TRUE(
      FailsWith(tessera::jose::verify_jwt(kA1Token, keys, policy, kExp + 30), Error::kExpired));
  // The header says "typ":"JWT", not an RFC 9068 access token.
  ClaimsPolicy at = policy;
  at.typ = "at+jwt";
  EXPECT_TRUE(FailsWith(tessera::jose::verify_jwt(kA1Token, keys, at, kExp - 60), Error::kBadTyp));
  ClaimsPolicy other_iss = policy;
  other_iss.issuer = "mallory";
  EXPECT_TRUE(FailsWith(tessera::jose::verify_jwt(kA1Token, keys, other_iss, kExp - 60),
                        Error::kIssuerMismatch));
  ClaimsPolicy needs_aud = policy;
  needs_aud.required = {"iss", "exp", "aud"};
  EXPECT_TRUE(FailsWith(tessera::jose::verify_jwt(kA1Token, keys, needs_aud, kExp - 60),
                        Error::kMissingClaim));
}

// ---------------------------------------------------------------------------------------------
// RFC 7515 A.2: RSASSA-PKCS1-v1_5 SHA-256

TEST(Rfc7515A2, VerifiesRfcTokenWithPublicKey) {
  const Jwk pub = MustParse(kA2PublicKey, Alg::kRS256);
  EXPECT_FALSE(pub.is_private());
  auto v = tessera::jose::verify(kA2Token, SetOf(pub));
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, kJoePayload);
  EXPECT_EQ(v->alg, Alg::kRS256);
  EXPECT_EQ(v->typ, "");
}

TEST(Rfc7515A2, RsaKeyNeedsAnAlgorithm) {
  // The RFC's key has no "alg"; RSA keys do not imply one.
  EXPECT_TRUE(FailsWith(Jwk::parse(kA2PublicKey), Error::kKeyAlgUnknown));
  EXPECT_TRUE(FailsWith(Jwk::parse(kA2PrivateKey), Error::kKeyAlgUnknown));
}

TEST(Rfc7515A2, PrivateJwkWithCrtMembersParsesAndMatchesPublicKey) {
  const Jwk priv = MustParse(kA2PrivateKey, Alg::kRS256);
  EXPECT_TRUE(priv.is_private());
  EXPECT_FALSE(priv.is_symmetric());
  EXPECT_EQ(priv.kid(), "");
  const Jwk pub = MustParse(kA2PublicKey, Alg::kRS256);
  EXPECT_EQ(priv.thumbprint(), pub.thumbprint());
  EXPECT_EQ(priv.public_key().thumbprint(), pub.thumbprint());
  EXPECT_FALSE(priv.public_key().is_private());
  // The private key verifies too.
  auto v = tessera::jose::verify(kA2Token, SetOf(priv));
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, kJoePayload);
}

TEST(Rfc7515A2, SignReproducesRfcTokenExactly) {
  // The RFC's protected header is exactly {"alg":"RS256"}, which is what sign() writes for a key
  // with no kid and no typ; PKCS#1 v1.5 is deterministic, so the whole token must match.
  const Parts rfc = Split(kA2Token);
  EXPECT_EQ(Decode(rfc.header), R"({"alg":"RS256"})");
  const Jwk priv = MustParse(kA2PrivateKey, Alg::kRS256);
  auto token = tessera::jose::sign(priv, kJoePayload);
  ASSERT_TRUE(token.has_value()) << Why(token);
  EXPECT_EQ(*token, kA2Token);
  auto again = tessera::jose::sign(priv, kJoePayload);
  ASSERT_TRUE(again.has_value()) << Why(again);
  EXPECT_EQ(*again, *token);
  auto v = tessera::jose::verify(*token, SetOf(MustParse(kA2PublicKey, Alg::kRS256)));
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, kJoePayload);
}

TEST(Rfc7515A2, PrivateKeySignsRfcSigningInputToRfcSignature) {
  // The same, one layer down: the parsed key over the RFC's signing input.
  const Jwk priv = MustParse(kA2PrivateKey, Alg::kRS256);
  ASSERT_TRUE(priv.impl().asym.has_value());
  auto sig = priv.impl().asym->sign(tessera::crypto::Scheme::kRsaPkcs1v15,
                                    tessera::crypto::Hash::kSha256, kA2SigningInput);
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(base64url_encode(*sig), kA2Signature);
}

TEST(Rfc7515A2, AlteredTokenFails) {
  const Jwks keys = SetOf(MustParse(kA2PublicKey, Alg::kRS256));
  EXPECT_TRUE(FailsWith(tessera::jose::verify(FlipLastSignatureByte(kA2Token), keys),
                        Error::kBadSignature));
  // The A.3 (ES256) header over the same payload, with the RS256 signature: alg/key mismatch.
  const Parts p = Split(kA2Token);
  const std::string es_header = "eyJhbGciOiJFUzI1NiJ9." + p.payload + "." + p.signature;
  EXPECT_TRUE(FailsWith(tessera::jose::verify(es_header, keys), Error::kAlgKeyMismatch));
  // The allow-list applies to the key's algorithm.
  const Alg only_es256[] = {Alg::kES256};
  EXPECT_TRUE(
      FailsWith(tessera::jose::verify(kA2Token, keys, VerifyOptions{.allowed_algs = only_es256}),
                Error::kAlgNotAllowed));
  const Alg only_rs256[] = {Alg::kRS256};
  EXPECT_TRUE(
      tessera::jose::verify(kA2Token, keys, VerifyOptions{.allowed_algs = only_rs256}).has_value());
}

// ---------------------------------------------------------------------------------------------
// RFC 7515 A.3: ECDSA P-256 SHA-256 (randomized: verification only)

TEST(Rfc7515A3, VerifiesRfcTokenWithPublicKey) {
  const Jwk pub = MustParse(kA3PublicKey);
  EXPECT_EQ(pub.alg(), Alg::kES256);  // implied by P-256
  auto v = tessera::jose::verify(kA3Token, SetOf(pub));
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, kJoePayload);
  EXPECT_EQ(v->alg, Alg::kES256);
}

TEST(Rfc7515A3, FlippedLastSignatureByteFails) {
  const Jwks keys = SetOf(MustParse(kA3PublicKey));
  EXPECT_TRUE(FailsWith(tessera::jose::verify(FlipLastSignatureByte(kA3Token), keys),
                        Error::kBadSignature));
}

TEST(Rfc7515A3, PrivateKeyMatchesAndSignsVerifiably) {
  const Jwk priv = MustParse(kA3PrivateKey);
  const Jwk pub = MustParse(kA3PublicKey);
  EXPECT_TRUE(priv.is_private());
  EXPECT_EQ(priv.thumbprint(), pub.thumbprint());
  auto token = tessera::jose::sign(priv, kJoePayload);
  ASSERT_TRUE(token.has_value()) << Why(token);
  const Parts p = Split(*token);
  EXPECT_EQ(Decode(p.header), R"({"alg":"ES256"})");  // the RFC's header exactly
  EXPECT_EQ(p.payload, kJoePayloadB64);
  EXPECT_EQ(Decode(p.signature).size(), 64u);  // R || S, 32 octets each (RFC 7518 3.4)
  auto v = tessera::jose::verify(*token, SetOf(pub));
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, kJoePayload);
}

// ---------------------------------------------------------------------------------------------
// RFC 7515 A.4: ECDSA P-521 SHA-512 (randomized: verification only)

TEST(Rfc7515A4, VerifiesRfcTokenWithPublicKey) {
  const Jwk pub = MustParse(kA4PublicKey);
  EXPECT_EQ(pub.alg(), Alg::kES512);  // implied by P-521
  auto v = tessera::jose::verify(kA4Token, SetOf(pub));
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, "Payload");
  EXPECT_EQ(v->alg, Alg::kES512);
}

TEST(Rfc7515A4, FlippedLastSignatureByteFails) {
  const Jwks keys = SetOf(MustParse(kA4PublicKey));
  EXPECT_TRUE(FailsWith(tessera::jose::verify(FlipLastSignatureByte(kA4Token), keys),
                        Error::kBadSignature));
}

TEST(Rfc7515A4, PrivateKeyMatchesAndSignsVerifiably) {
  const Jwk priv = MustParse(kA4PrivateKey);
  const Jwk pub = MustParse(kA4PublicKey);
  EXPECT_EQ(priv.thumbprint(), pub.thumbprint());
  auto token = tessera::jose::sign(priv, "Payload");
  ASSERT_TRUE(token.has_value()) << Why(token);
  const Parts p = Split(*token);
  EXPECT_EQ(p.header, "eyJhbGciOiJFUzUxMiJ9");  // the RFC's header exactly
  EXPECT_EQ(p.payload, "UGF5bG9hZA");
  EXPECT_EQ(Decode(p.signature).size(), 132u);  // R || S, 66 octets each
  auto v = tessera::jose::verify(*token, SetOf(pub));
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, "Payload");
}

// ---------------------------------------------------------------------------------------------
// RFC 7515 A.5: unsecured JWS

TEST(Rfc7515A5, AlgNoneIsRejected) {
  EXPECT_EQ(Decode(Split(kA5Token).header), R"({"alg":"none"})");
  EXPECT_TRUE(FailsWith(tessera::jose::verify(kA5Token, SetOf(MustParse(kA1Key, Alg::kHS256))),
                        Error::kAlgNone));
  EXPECT_TRUE(
      FailsWith(tessera::jose::verify(kA5Token, SetOf(MustParse(kA2PublicKey, Alg::kRS256))),
                Error::kAlgNone));
  EXPECT_TRUE(FailsWith(tessera::jose::verify(kA5Token, Jwks()), Error::kAlgNone));
  // Nor does a signature make "none" acceptable.
  const std::string with_sig = std::string(kA5Token) + std::string(kA1Signature);
  EXPECT_TRUE(FailsWith(tessera::jose::verify(with_sig, SetOf(MustParse(kA1Key, Alg::kHS256))),
                        Error::kAlgNone));
}

// ---------------------------------------------------------------------------------------------
// RFC 8037 appendix A: Ed25519

constexpr std::string_view k8037PrivateKey =
    R"({"kty":"OKP","crv":"Ed25519",
        "d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
        "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
constexpr std::string_view k8037PublicKey =
    R"({"kty":"OKP","crv":"Ed25519",
        "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
constexpr std::string_view k8037Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
constexpr std::string_view k8037Payload = "Example of Ed25519 signing";
constexpr std::string_view k8037Token =
    "eyJhbGciOiJFZERTQSJ9"
    "."
    "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
    "."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

TEST(Rfc8037, A1PrivateKeyParses) {
  const Jwk priv = MustParse(k8037PrivateKey);
  EXPECT_EQ(priv.alg(), Alg::kEdDSA);  // implied by Ed25519
  EXPECT_TRUE(priv.is_private());
  EXPECT_EQ(priv.kid(), "");
  // Export keeps the RFC's octets.
  const std::string priv_json = priv.to_json(true);
  EXPECT_NE(priv_json.find(R"("d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")"),
            std::string::npos)
      << priv_json;
  EXPECT_NE(priv_json.find(R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")"),
            std::string::npos)
      << priv_json;
  const std::string pub_json = priv.to_json(false);
  EXPECT_EQ(pub_json.find(R"("d")"), std::string::npos) << pub_json;
  EXPECT_NE(pub_json.find(R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")"),
            std::string::npos)
      << pub_json;
}

TEST(Rfc8037, A2PublicKeyParses) {
  const Jwk pub = MustParse(k8037PublicKey);
  EXPECT_EQ(pub.alg(), Alg::kEdDSA);
  EXPECT_FALSE(pub.is_private());
  EXPECT_TRUE(FailsWith(tessera::jose::sign(pub, k8037Payload), Error::kNotPrivateKey));
}

TEST(Rfc8037, A3Thumbprint) {
  EXPECT_EQ(MustParse(k8037PublicKey).thumbprint(), k8037Thumbprint);
  EXPECT_EQ(MustParse(k8037PrivateKey).thumbprint(), k8037Thumbprint);
  EXPECT_EQ(MustParse(k8037PrivateKey).public_key().thumbprint(), k8037Thumbprint);
}

TEST(Rfc8037, A4SignReproducesRfcTokenExactly) {
  const Jwk priv = MustParse(k8037PrivateKey);
  ASSERT_EQ(priv.kid(), "");  // so sign() writes exactly {"alg":"EdDSA"}
  EXPECT_EQ(Decode(Split(k8037Token).header), R"({"alg":"EdDSA"})");
  auto token = tessera::jose::sign(priv, k8037Payload);
  ASSERT_TRUE(token.has_value()) << Why(token);
  EXPECT_EQ(*token, k8037Token);
}

TEST(Rfc8037, A5VerifiesRfcToken) {
  auto v = tessera::jose::verify(k8037Token, SetOf(MustParse(k8037PublicKey)));
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, k8037Payload);
  EXPECT_EQ(v->alg, Alg::kEdDSA);
  EXPECT_TRUE(FailsWith(
      tessera::jose::verify(FlipLastSignatureByte(k8037Token), SetOf(MustParse(k8037PublicKey))),
      Error::kBadSignature));
}

TEST(Rfc8037, A6X25519KeysAreNotSignatureKeys) {
  // Bob's static key and the ephemeral key of the ECDH-ES example.
  constexpr std::string_view kBob =
      R"({"kty":"OKP","crv":"X25519","kid":"Bob",
          "x":"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08"})";
  constexpr std::string_view kEphemeral =
      R"({"kty":"OKP","crv":"X25519",
          "x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"})";
  EXPECT_TRUE(FailsWith(Jwk::parse(kBob), Error::kBadJwk));
  EXPECT_TRUE(FailsWith(Jwk::parse(kEphemeral), Error::kBadJwk));
  EXPECT_TRUE(FailsWith(Jwk::parse(kBob, Alg::kEdDSA), Error::kBadJwk));
}

// ---------------------------------------------------------------------------------------------
// RFC 7520 sections 3 and 4: the JWS cookbook

constexpr std::string_view k7520EcPublicKey =  // 3.1
    R"({"kty":"EC",
        "kid":"bilbo.baggins@hobbiton.example",
        "use":"sig",
        "crv":"P-521",
        "x":"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9)"
    R"(A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt",
        "y":"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVy)"
    R"(SsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1"})";
constexpr std::string_view k7520EcPrivateKey =  // 3.2
    R"({"kty":"EC",
        "kid":"bilbo.baggins@hobbiton.example",
        "use":"sig",
        "crv":"P-521",
        "x":"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9)"
    R"(A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt",
        "y":"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVy)"
    R"(SsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1",
        "d":"AAhRON2r9cqXX1hg-RoI6R1tX5p2rUAYdmpHZoC1XNM56KtscrX6zb)"
    R"(KipQrCW9CGZH3T4ubpnoTKLDYJ_fF3_rJt"})";
constexpr std::string_view k7520RsaPublicKey =  // 3.3
    R"({"kty":"RSA",
        "kid":"bilbo.baggins@hobbiton.example",
        "use":"sig",
        "n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT)"
    R"(-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqV)"
    R"(wGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-)"
    R"(oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde)"
    R"(3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuC)"
    R"(LqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5g)"
    R"(HdrNP5zw",
        "e":"AQAB"})";
constexpr std::string_view k7520RsaPrivateKey =  // 3.4
    R"({"kty":"RSA",
        "kid":"bilbo.baggins@hobbiton.example",
        "use":"sig",
        "n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT)"
    R"(-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqV)"
    R"(wGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-)"
    R"(oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde)"
    R"(3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuC)"
    R"(LqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5g)"
    R"(HdrNP5zw",
        "e":"AQAB",
        "d":"bWUC9B-EFRIo8kpGfh0ZuyGPvMNKvYWNtB_ikiH9k20eT-O1q_I78e)"
    R"(iZkpXxXQ0UTEs2LsNRS-8uJbvQ-A1irkwMSMkK1J3XTGgdrhCku9gRld)"
    R"(Y7sNA_AKZGh-Q661_42rINLRCe8W-nZ34ui_qOfkLnK9QWDDqpaIsA-b)"
    R"(MwWWSDFu2MUBYwkHTMEzLYGqOe04noqeq1hExBTHBOBdkMXiuFhUq1BU)"
    R"(6l-DqEiWxqg82sXt2h-LMnT3046AOYJoRioz75tSUQfGCshWTBnP5uDj)"
    R"(d18kKhyv07lhfSJdrPdM5Plyl21hsFf4L_mHCuoFau7gdsPfHPxxjVOc)"
    R"(OpBrQzwQ",
        "p":"3Slxg_DwTXJcb6095RoXygQCAZ5RnAvZlno1yhHtnUex_fp7AZ_9nR)"
    R"(aO7HX_-SFfGQeutao2TDjDAWU4Vupk8rw9JR0AzZ0N2fvuIAmr_WCsmG)"
    R"(peNqQnev1T7IyEsnh8UMt-n5CafhkikzhEsrmndH6LxOrvRJlsPp6Zv8)"
    R"(bUq0k",
        "q":"uKE2dh-cTf6ERF4k4e_jy78GfPYUIaUyoSSJuBzp3Cubk3OCqs6grT)"
    R"(8bR_cu0Dm1MZwWmtdqDyI95HrUeq3MP15vMMON8lHTeZu2lmKvwqW7an)"
    R"(V5UzhM1iZ7z4yMkuUwFWoBvyY898EXvRD-hdqRxHlSqAZ192zB3pVFJ0)"
    R"(s7pFc",
        "dp":"B8PVvXkvJrj2L-GYQ7v3y9r6Kw5g9SahXBwsWUzp19TVlgI-YV85q)"
    R"(1NIb1rxQtD-IsXXR3-TanevuRPRt5OBOdiMGQp8pbt26gljYfKU_E9xn)"
    R"(-RULHz0-ed9E9gXLKD4VGngpz-PfQ_q29pk5xWHoJp009Qf1HvChixRX)"
    R"(59ehik",
        "dq":"CLDmDGduhylc9o7r84rEUVn7pzQ6PF83Y-iBZx5NT-TpnOZKF1pEr)"
    R"(AMVeKzFEl41DlHHqqBLSM0W1sOFbwTxYWZDm6sI6og5iTbwQGIC3gnJK)"
    R"(bi_7k_vJgGHwHxgPaX2PnvP-zyEkDERuf-ry4c_Z11Cq9AqC2yeL6kdK)"
    R"(T1cYF8",
        "qi":"3PiqvXQN0zwMeE-sBvZgi289XP9XCQF3VWqPzMKnIgQp7_Tugo6-N)"
    R"(ZBKCQsMf3HaEGBjTVJs_jcK8-TRXvaKe-7ZMaQj8VfBdYkssbu0NKDDh)"
    R"(jJ-GtiseaDVWt7dcH0cfwxgFUHpQh7FoCrjFJ6h6ZEpMF6xmujs4qMpP)"
    R"(z8aaI4"})";
constexpr std::string_view k7520MacKey =  // 3.5
    R"({"kty":"oct",
        "kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037",
        "use":"sig",
        "alg":"HS256",
        "k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"})";

constexpr std::string_view kBilbo = "bilbo.baggins@hobbiton.example";

// Figure 7, with "\xe2\x80\x99" for U+2019 as in the RFC.
constexpr std::string_view k7520Payload =
    "It\xe2\x80\x99s a dangerous business, Frodo, going out your "
    "door. You step onto the road, and if you don't keep your feet, "
    "there\xe2\x80\x99s no knowing where you might be swept off "
    "to.";
// Figure 8.
constexpr std::string_view k7520PayloadB64 =
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH"
    "lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk"
    "b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm"
    "UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4";

// 4.1.3 compact serialization (RS256).
constexpr std::string_view k7520S41Token =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX"
    "hhbXBsZSJ9"
    "."
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH"
    "lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk"
    "b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm"
    "UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4"
    "."
    "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmK"
    "ZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4J"
    "IwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8w"
    "W1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluP"
    "xUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_f"
    "cIe8u9ipH84ogoree7vjbU5y18kDquDg";

// 4.2.3 compact serialization (PS384).
constexpr std::string_view k7520S42Token =
    "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX"
    "hhbXBsZSJ9"
    "."
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH"
    "lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk"
    "b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm"
    "UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4"
    "."
    "cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2I"
    "pN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXU"
    "vdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRX"
    "e8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT"
    "0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a"
    "6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw";

// 4.3.3 compact serialization (ES512).
constexpr std::string_view k7520S43Token =
    "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX"
    "hhbXBsZSJ9"
    "."
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH"
    "lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk"
    "b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm"
    "UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4"
    "."
    "AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvb"
    "u9Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kv"
    "AD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2";

// 4.4.3 compact serialization (HS256).
constexpr std::string_view k7520S44Token =
    "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LW"
    "VlZjMxNGJjNzAzNyJ9"
    "."
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH"
    "lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk"
    "b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm"
    "UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4"
    "."
    "s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0";

TEST(Rfc7520S3, KeysParse) {
  const Jwk ec_pub = MustParse(k7520EcPublicKey);
  EXPECT_EQ(ec_pub.alg(), Alg::kES512);
  EXPECT_EQ(ec_pub.kid(), kBilbo);
  EXPECT_FALSE(ec_pub.is_private());
  const Jwk ec_priv = MustParse(k7520EcPrivateKey);
  EXPECT_TRUE(ec_priv.is_private());
  EXPECT_EQ(ec_priv.thumbprint(), ec_pub.thumbprint());

  EXPECT_TRUE(FailsWith(Jwk::parse(k7520RsaPublicKey), Error::kKeyAlgUnknown));  // no "alg"
  const Jwk rsa_pub = MustParse(k7520RsaPublicKey, Alg::kRS256);
  EXPECT_EQ(rsa_pub.kid(), kBilbo);
  const Jwk rsa_priv = MustParse(k7520RsaPrivateKey, Alg::kRS256);
  EXPECT_TRUE(rsa_priv.is_private());
  EXPECT_EQ(rsa_priv.thumbprint(), rsa_pub.thumbprint());

  const Jwk mac = MustParse(k7520MacKey);
  EXPECT_EQ(mac.alg(), Alg::kHS256);
  EXPECT_EQ(mac.kid(), "018c0ae5-4d9b-471b-bfd6-eef314bc7037");
  EXPECT_TRUE(mac.is_symmetric());
}

TEST(Rfc7520S4, PayloadEncoding) { EXPECT_EQ(base64url_encode(k7520Payload), k7520PayloadB64); }

TEST(Rfc7520S41, ProtectedHeaderIsWhatSignWrites) {
  // sign() writes alg then kid, no whitespace: the RFC's header octets exactly, so the whole
  // compact serialization is comparable.
  EXPECT_EQ(Decode(Split(k7520S41Token).header),
            R"({"alg":"RS256","kid":"bilbo.baggins@hobbiton.example"})");
}

TEST(Rfc7520S41, SignReproducesRfcTokenExactly) {
  const Jwk priv = MustParse(k7520RsaPrivateKey, Alg::kRS256);
  auto token = tessera::jose::sign(priv, k7520Payload);  // kid comes from the key
  ASSERT_TRUE(token.has_value()) << Why(token);
  EXPECT_EQ(*token, k7520S41Token);
  // Naming the kid explicitly gives the same bytes.
  auto explicit_kid =
      tessera::jose::sign(priv, k7520Payload, SignOptions{.kid = std::string(kBilbo)});
  ASSERT_TRUE(explicit_kid.has_value()) << Why(explicit_kid);
  EXPECT_EQ(*explicit_kid, k7520S41Token);
}

TEST(Rfc7520S41, VerifiesRfcToken) {
  auto v = tessera::jose::verify(k7520S41Token, SetOf(MustParse(k7520RsaPublicKey, Alg::kRS256)));
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, k7520Payload);
  EXPECT_EQ(v->kid, kBilbo);
  EXPECT_EQ(v->alg, Alg::kRS256);
  EXPECT_TRUE(FailsWith(tessera::jose::verify(FlipLastSignatureByte(k7520S41Token),
                                              SetOf(MustParse(k7520RsaPublicKey, Alg::kRS256))),
                        Error::kBadSignature));
}

TEST(Rfc7520S42, VerifiesRfcToken) {
  EXPECT_EQ(Decode(Split(k7520S42Token).header),
            R"({"alg":"PS384","kid":"bilbo.baggins@hobbiton.example"})");
  const Jwks keys = SetOf(MustParse(k7520RsaPublicKey, Alg::kPS384));
  auto v = tessera::jose::verify(k7520S42Token, keys);
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, k7520Payload);
  EXPECT_EQ(v->kid, kBilbo);
  EXPECT_EQ(v->alg, Alg::kPS384);
  EXPECT_TRUE(FailsWith(tessera::jose::verify(FlipLastSignatureByte(k7520S42Token), keys),
                        Error::kBadSignature));
  // The same RSA key pinned to RS256 does not accept a PS384 token.
  EXPECT_TRUE(FailsWith(
      tessera::jose::verify(k7520S42Token, SetOf(MustParse(k7520RsaPublicKey, Alg::kRS256))),
      Error::kAlgKeyMismatch));
}

TEST(Rfc7520S42, OwnPs384SignatureVerifies) {
  // PSS is randomized: sign() cannot reproduce the RFC's bytes, only the header and payload.
  auto token = tessera::jose::sign(MustParse(k7520RsaPrivateKey, Alg::kPS384), k7520Payload);
  ASSERT_TRUE(token.has_value()) << Why(token);
  const Parts p = Split(*token);
  const Parts rfc = Split(k7520S42Token);
  EXPECT_EQ(p.header, rfc.header);
  EXPECT_EQ(p.payload, rfc.payload);
  EXPECT_EQ(Decode(p.signature).size(), 256u);
  auto v = tessera::jose::verify(*token, SetOf(MustParse(k7520RsaPublicKey, Alg::kPS384)));
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, k7520Payload);
}

TEST(Rfc7520S43, VerifiesRfcToken) {
  EXPECT_EQ(Decode(Split(k7520S43Token).header),
            R"({"alg":"ES512","kid":"bilbo.baggins@hobbiton.example"})");
  const Jwks keys = SetOf(MustParse(k7520EcPublicKey));
  auto v = tessera::jose::verify(k7520S43Token, keys);
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, k7520Payload);
  EXPECT_EQ(v->kid, kBilbo);
  EXPECT_EQ(v->alg, Alg::kES512);
  EXPECT_TRUE(FailsWith(tessera::jose::verify(FlipLastSignatureByte(k7520S43Token), keys),
                        Error::kBadSignature));
}

TEST(Rfc7520S43, OwnEs512SignatureVerifies) {
  auto token = tessera::jose::sign(MustParse(k7520EcPrivateKey), k7520Payload);
  ASSERT_TRUE(token.has_value()) << Why(token);
  const Parts p = Split(*token);
  const Parts rfc = Split(k7520S43Token);
  EXPECT_EQ(p.header, rfc.header);
  EXPECT_EQ(p.payload, rfc.payload);
  EXPECT_EQ(Decode(p.signature).size(), 132u);
  auto v = tessera::jose::verify(*token, SetOf(MustParse(k7520EcPublicKey)));
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, k7520Payload);
}

TEST(Rfc7520S44, SignReproducesRfcTokenExactly) {
  EXPECT_EQ(Decode(Split(k7520S44Token).header),
            R"({"alg":"HS256","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037"})");
  const Jwk key = MustParse(k7520MacKey);
  auto token = tessera::jose::sign(key, k7520Payload);
  ASSERT_TRUE(token.has_value()) << Why(token);
  EXPECT_EQ(*token, k7520S44Token);
  // And by the independent oracle.
  const Parts p = Split(k7520S44Token);
  EXPECT_EQ(p.signature, base64url_encode(OpensslHmacSha256(
                             Decode("hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"),
                             p.header + "." + p.payload)));
}

TEST(Rfc7520S44, VerifiesRfcToken) {
  const Jwks keys = SetOf(MustParse(k7520MacKey));
  auto v = tessera::jose::verify(k7520S44Token, keys);
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, k7520Payload);
  EXPECT_EQ(v->kid, "018c0ae5-4d9b-471b-bfd6-eef314bc7037");
  EXPECT_EQ(v->alg, Alg::kHS256);
  EXPECT_TRUE(FailsWith(tessera::jose::verify(FlipLastSignatureByte(k7520S44Token), keys),
                        Error::kBadSignature));
}

TEST(Rfc7520S4, KeySetSelectsByKid) {
  // The EC and HMAC keys together: each token finds its key by kid.
  const Jwks keys(std::vector<Jwk>{MustParse(k7520EcPublicKey), MustParse(k7520MacKey)});
  auto es = tessera::jose::verify(k7520S43Token, keys);
  ASSERT_TRUE(es.has_value()) << Why(es);
  EXPECT_EQ(es->alg, Alg::kES512);
  auto hs = tessera::jose::verify(k7520S44Token, keys);
  ASSERT_TRUE(hs.has_value()) << Why(hs);
  EXPECT_EQ(hs->alg, Alg::kHS256);
  // 4.1's kid names the EC key, which is pinned to ES512: the RS256 token is refused.
  EXPECT_TRUE(FailsWith(tessera::jose::verify(k7520S41Token, keys), Error::kAlgKeyMismatch));
}

// ---------------------------------------------------------------------------------------------
// RFC 7638 section 3.1: JWK thumbprint

constexpr std::string_view k7638Key =
    R"({
      "kty": "RSA",
      "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86z)"
    R"(wu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5Js)"
    R"(GY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMic)"
    R"(AtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-)"
    R"(bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF)"
    R"(Cur-kEgU8awapJzKnqDKgw",
      "e": "AQAB",
      "alg": "RS256",
      "kid": "2011-04-29"
     })";

TEST(Rfc7638S31, RsaThumbprint) {
  const Jwk key = MustParse(k7638Key);
  EXPECT_EQ(key.alg(), Alg::kRS256);
  EXPECT_EQ(key.kid(), "2011-04-29");
  EXPECT_EQ(key.thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  // The thumbprint covers only e, kty, n: neither alg nor kid changes it.
  auto round_trip = Jwk::parse(key.to_json(false));
  ASSERT_TRUE(round_trip.has_value()) << Why(round_trip);
  EXPECT_EQ(round_trip->thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(MustParse(k7638Key).public_key().thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

// ---------------------------------------------------------------------------------------------
// RFC 7517 appendices A and B: example keys

constexpr std::string_view k7517A1 =
    R"({"keys":
       [
         {"kty":"EC",
          "crv":"P-256",
          "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
          "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",
          "use":"enc",
          "kid":"1"},

         {"kty":"RSA",
          "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4)"
    R"(cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs)"
    R"(tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2)"
    R"(QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbI)"
    R"(SD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqb)"
    R"(w0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
          "e":"AQAB",
          "alg":"RS256",
          "kid":"2011-04-29"}
       ]
     })";

constexpr std::string_view k7517A1EcKey =
    R"({"kty":"EC",
        "crv":"P-256",
        "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
        "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",
        "use":"enc",
        "kid":"1"})";

constexpr std::string_view k7517A2 =
    R"({"keys":
       [
         {"kty":"EC",
          "crv":"P-256",
          "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
          "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",
          "d":"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE",
          "use":"enc",
          "kid":"1"},

         {"kty":"RSA",
          "n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4)"
    R"(cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs)"
    R"(tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2)"
    R"(QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbI)"
    R"(SD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqb)"
    R"(w0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
          "e":"AQAB",
          "d":"X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH-HLLKD9)"
    R"(M7dx5oo7GURknchnrRweUkC7hT5fJLM0WbFAKNLWY2vv7B6NqXSzUvxT0_YSfqij)"
    R"(wp3RTzlBaCxWp4doFk5N2o8Gy_nHNKroADIkJ46pRUohsXywbReAdYaMwFs9tv8d)"
    R"(_cPVY3i07a3t8MN6TNwm0dSawm9v47UiCl3Sk5ZiG7xojPLu4sbg1U2jx4IBTNBz)"
    R"(nbJSzFHK66jT8bgkuqsk0GjskDJk19Z4qwjwbsnn4j2WBii3RL-Us2lGVkY8fkFz)"
    R"(me1z0HbIkfz0Y6mqnOYtqc0X4jfcKoAC8Q",
          "p":"83i-7IvMGXoMXCskv73TKr8637FiO7Z27zv8oj6pbWUQyLPQBQxtPV)"
    R"(nwD20R-60eTDmD2ujnMt5PoqMrm8RfmNhVWDtjjMmCMjOpSXicFHj7XOuVIYQyqV)"
    R"(WlWEh6dN36GVZYk93N8Bc9vY41xy8B9RzzOGVQzXvNEvn7O0nVbfs",
          "q":"3dfOR9cuYq-0S-mkFLzgItgMEfFzB2q3hWehMuG0oCuqnb3vobLyumq)"
    R"(jVZQO1dIrdwgTnCdpYzBcOfW5r370AFXjiWft_NGEiovonizhKpo9VVS78TzFgxk)"
    R"(IdrecRezsZ-1kYd_s1qDbxtkDEgfAITAG9LUnADun4vIcb6yelxk",
          "dp":"G4sPXkc6Ya9y8oJW9_ILj4xuppu0lzi_H7VTkS8xj5SdX3coE0oim)"
    R"(YwxIi2emTAue0UOa5dpgFGyBJ4c8tQ2VF402XRugKDTP8akYhFo5tAA77Qe_Nmtu)"
    R"(YZc3C3m3I24G2GvR5sSDxUyAN2zq8Lfn9EUms6rY3Ob8YeiKkTiBj0",
          "dq":"s9lAH9fggBsoFR8Oac2R_E2gw282rT2kGOAhvIllETE1efrA6huUU)"
    R"(vMfBcMpn8lqeW6vzznYY5SSQF7pMdC_agI3nG8Ibp1BUb0JUiraRNqUfLhcQb_d9)"
    R"(GF4Dh7e74WbRsobRonujTYN1xCaP6TO61jvWrX-L18txXw494Q_cgk",
          "qi":"GyM_p6JrXySiz1toFgKbWV-JdI3jQ4ypu9rbMWx3rQJBfmt0FoYzg)"
    R"(UIZEVFEcOqwemRN81zoDAaa-Bk0KWNGDjJHZDdDmFhW3AN7lI-puxk_mHZGJ11rx)"
    R"(yR8O55XLSe3SPmRfKwZI6yU24ZxvQKFYItdldUKGzO6Ia6zTKhAVRU",
          "alg":"RS256",
          "kid":"2011-04-29"}
       ]
     })";

constexpr std::string_view k7517A3Aes =
    R"({"kty":"oct",
        "alg":"A128KW",
        "k":"GawgguFyGrWKav7AX4VKUg"})";
constexpr std::string_view k7517A3Hmac =
    R"({"kty":"oct",
        "k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75)"
    R"(aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
        "kid":"HMAC key used in JWS spec Appendix A.1 example"})";

constexpr std::string_view k7517B =
    R"({"kty":"RSA",
      "use":"sig",
      "kid":"1b94c",
      "n":"vrjOfz9Ccdgx5nQudyhdoR17V-IubWMeOZCwX_jj0hgAsz2J_pqYW08)"
    R"(PLbK_PdiVGKPrqzmDIsLI7sA25VEnHU1uCLNwBuUiCO11_-7dYbsr4iJmG0Q)"
    R"(u2j8DsVyT1azpJC_NG84Ty5KKthuCaPod7iI7w0LK9orSMhBEwwZDCxTWq4a)"
    R"(YWAchc8t-emd9qOvWtVMDC2BXksRngh6X5bUYLy6AyHKvj-nUy1wgzjYQDwH)"
    R"(MTplCoLtU-o-8SNnZ1tmRoGE9uJkBLdh5gFENabWnU5m1ZqZPdwS-qo-meMv)"
    R"(VfJb6jJVWRpl2SUtCnYG2C32qvbWbjZ_jBPD5eunqsIo1vQ",
      "e":"AQAB",
      "x5c":
       ["MIIDQjCCAiqgAwIBAgIGATz/FuLiMA0GCSqGSIb3DQEBBQUAMGIxCzAJB)"
    R"(gNVBAYTAlVTMQswCQYDVQQIEwJDTzEPMA0GA1UEBxMGRGVudmVyMRwwGgYD)"
    R"(VQQKExNQaW5nIElkZW50aXR5IENvcnAuMRcwFQYDVQQDEw5CcmlhbiBDYW1)"
    R"(wYmVsbDAeFw0xMzAyMjEyMzI5MTVaFw0xODA4MTQyMjI5MTVaMGIxCzAJBg)"
    R"(NVBAYTAlVTMQswCQYDVQQIEwJDTzEPMA0GA1UEBxMGRGVudmVyMRwwGgYDV)"
    R"(QQKExNQaW5nIElkZW50aXR5IENvcnAuMRcwFQYDVQQDEw5CcmlhbiBDYW1w)"
    R"(YmVsbDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAL64zn8/QnH)"
    R"(YMeZ0LncoXaEde1fiLm1jHjmQsF/449IYALM9if6amFtPDy2yvz3YlRij66)"
    R"(s5gyLCyO7ANuVRJx1NbgizcAblIgjtdf/u3WG7K+IiZhtELto/A7Fck9Ws6)"
    R"(SQvzRvOE8uSirYbgmj6He4iO8NCyvaK0jIQRMMGQwsU1quGmFgHIXPLfnpn)"
    R"(fajr1rVTAwtgV5LEZ4Iel+W1GC8ugMhyr4/p1MtcIM42EA8BzE6ZQqC7VPq)"
    R"(PvEjZ2dbZkaBhPbiZAS3YeYBRDWm1p1OZtWamT3cEvqqPpnjL1XyW+oyVVk)"
    R"(aZdklLQp2Btgt9qr21m42f4wTw+Xrp6rCKNb0CAwEAATANBgkqhkiG9w0BA)"
    R"(QUFAAOCAQEAh8zGlfSlcI0o3rYDPBB07aXNswb4ECNIKG0CETTUxmXl9KUL)"
    R"(+9gGlqCz5iWLOgWsnrcKcY0vXPG9J1r9AqBNTqNgHq2G03X09266X5CpOe1)"
    R"(zFo+Owb1zxtp3PehFdfQJ610CDLEaS9V9Rqp17hCyybEpOGVwe8fnk+fbEL)"
    R"(2Bo3UPGrpsHzUoaGpDftmWssZkhpBJKVMJyf/RuP2SmmaIzmnw9JiSlYhzo)"
    R"(4tpzd5rFXhjRbg4zW9C+2qok+2+qDM1iJ684gPHMIY8aLWrdgQTxkumGmTq)"
    R"(gawR+N5MDtdPTEQ0XfIBc2cJEUyMTY5MPvACWpkA6SdS4xSvdXK3IVfOWA=="]
     })";

TEST(Rfc7517A1, PublicKeySetKeepsTheSignatureKey) {
  auto set = Jwks::parse(k7517A1);
  ASSERT_TRUE(set.has_value()) << Why(set);
  // RFC 7517 section 5: the "use":"enc" EC key is skipped, the RS256 key kept.
  ASSERT_EQ(set->keys().size(), 1u);
  const Jwk& rsa = set->keys()[0];
  EXPECT_EQ(rsa.kid(), "2011-04-29");
  EXPECT_EQ(rsa.alg(), Alg::kRS256);
  EXPECT_FALSE(rsa.is_private());
  EXPECT_EQ(rsa.thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");  // RFC 7638 3.1: same key
  EXPECT_EQ(set->find("1"), nullptr);
  EXPECT_NE(set->find("2011-04-29"), nullptr);
  // On its own, the encryption key is refused as a signature key.
  EXPECT_TRUE(FailsWith(Jwk::parse(k7517A1EcKey), Error::kBadJwk));
}

TEST(Rfc7517A2, PrivateKeySetSignsForThePublicSet) {
  auto priv_set = Jwks::parse(k7517A2);
  ASSERT_TRUE(priv_set.has_value()) << Why(priv_set);
  ASSERT_EQ(priv_set->keys().size(), 1u);  // the "use":"enc" EC key is skipped
  const Jwk& priv = priv_set->keys()[0];
  EXPECT_TRUE(priv.is_private());
  EXPECT_EQ(priv.kid(), "2011-04-29");
  EXPECT_EQ(priv.alg(), Alg::kRS256);
  // Its public export holds no private member.
  const std::string pub_json = priv_set->to_json();
  for (const char* member : {R"("d")", R"("p")", R"("q")", R"("dp")", R"("dq")", R"("qi")"}) {
    EXPECT_EQ(pub_json.find(member), std::string::npos) << member << " in " << pub_json;
  }
  // A token signed with A.2's private key verifies with A.1's public set.
  auto token = tessera::jose::sign(priv, "RFC 7517 A.2");
  ASSERT_TRUE(token.has_value()) << Why(token);
  EXPECT_EQ(Decode(Split(*token).header), R"({"alg":"RS256","kid":"2011-04-29"})");
  auto pub_set = Jwks::parse(k7517A1);
  ASSERT_TRUE(pub_set.has_value()) << Why(pub_set);
  auto v = tessera::jose::verify(*token, *pub_set);
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, "RFC 7517 A.2");
  EXPECT_EQ(v->kid, "2011-04-29");
}

TEST(Rfc7517A3, KeyWrapKeyIsRefusedForSignatures) {
  EXPECT_TRUE(FailsWith(Jwk::parse(k7517A3Aes), Error::kAlgUnknown));
  EXPECT_TRUE(FailsWith(Jwk::parse(k7517A3Aes, Alg::kHS256), Error::kAlgUnknown));
}

TEST(Rfc7517A3, HmacKeyIsAccepted) {
  // No "alg" in the RFC: an oct key needs the caller's hint.
  EXPECT_TRUE(FailsWith(Jwk::parse(k7517A3Hmac), Error::kKeyAlgUnknown));
  const Jwk key = MustParse(k7517A3Hmac, Alg::kHS256);
  EXPECT_EQ(key.alg(), Alg::kHS256);
  EXPECT_EQ(key.kid(), "HMAC key used in JWS spec Appendix A.1 example");
  EXPECT_TRUE(key.is_symmetric());
  // It is the RFC 7515 A.1 key; that token has no kid, and this is the only key.
  auto v = tessera::jose::verify(kA1Token, SetOf(key));
  ASSERT_TRUE(v.has_value()) << Why(v);
  EXPECT_EQ(v->payload, kJoePayload);
  // Oct keys are secrets: a JWK Set export leaves them out.
  EXPECT_EQ(SetOf(key).to_json(), R"({"keys":[]})");
}

TEST(Rfc7517B, X5cKeyParses) {
  EXPECT_TRUE(FailsWith(Jwk::parse(k7517B), Error::kKeyAlgUnknown));  // no "alg"
  const Jwk key = MustParse(k7517B, Alg::kRS256);
  EXPECT_EQ(key.kid(), "1b94c");
  EXPECT_EQ(key.alg(), Alg::kRS256);
  EXPECT_FALSE(key.is_private());
  // The certificate chain is not exported: Tessera's JWKs carry the key members only.
  EXPECT_EQ(key.to_json(false).find("x5c"), std::string::npos);
  // The modulus survives a round trip.
  auto again = Jwk::parse(key.to_json(false));
  ASSERT_TRUE(again.has_value()) << Why(again);
  EXPECT_EQ(again->thumbprint(), key.thumbprint());
}

}  // namespace
