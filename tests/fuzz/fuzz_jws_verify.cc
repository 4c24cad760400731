// Fuzzes JWS compact verification and JWT claims validation (tessera/jws.h, tessera/jwt.h)
// against a fixed key set: HS256 "hs", ES256 "es", RS256 "rs", EdDSA "ed" (test-only keys,
// embedded below; the tokens in corpus/fuzz_jws_verify/ were signed with exactly these by
// `tessera jws sign`, see README.md). A second set holds only the HS256 secret, without a kid.
//
// Each input is used two ways:
//   A. As token text: verify(input) against both sets, with and without an allow-list.
//   B. If it contains a '\n': as "<header JSON>\n<payload>". The target base64url-encodes both
//      and signs them itself (HS256 always; ES256/EdDSA/RS256 when the header mentions their
//      kid in quotes), so header rules (alg none, crit, b64, duplicates...) and the claims
//      parser are reached with a valid signature, which mutating token text almost never gives.
// Whenever a signature verifies, validate_claims() runs under a strict and a permissive policy.
//
// Invariants (abort() on violation) for every verified token:
//   - Exactly three parts, at most kMaxTokenSize bytes; the payload part is the canonical
//     encoding of the returned payload; the key chosen by kid has the returned alg.
//   - No second spelling of a signature: for the deterministic schemes (HS256, RS256 PKCS#1
//     v1.5, Ed25519) signing the received signing input again gives exactly the received
//     signature bytes; ES256 signatures are exactly 64 bytes (r||s).
//   - sign(key, payload, {kid, typ}) verifies back to the same payload, kid, typ and alg.
//     (Re-signing does NOT in general reproduce the input token: the header may order members
//     differently, carry whitespace or extra members, and ECDSA is randomized. So only the
//     signing input, not the header, is held fixed above.)
//   - Allow-lists only narrow: verify with {ES256, EdDSA} succeeds iff plain verify succeeds
//     with one of those algs, and then agrees with it.
//   - Mode B: what verifies is what was signed (payload bytes and the signing key's alg).
//   - validate_claims success implies, in exact (128-bit) arithmetic: now < exp + leeway,
//     now >= nbf - leeway, iat <= now + leeway, iss/aud match, json is the payload.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/base64url.h"
#include "jose/algorithms.h"
#include "jose/key_impl.h"
#include "tessera/jwk.h"
#include "tessera/jws.h"
#include "tessera/jwt.h"

namespace {

namespace jose = tessera::jose;
using tessera::base::base64url_decode;
using tessera::base::base64url_encode;

// Test-only keys (generated with `tessera keys generate --alg ALG --kid KID`). Never use them
// for anything else.
constexpr std::string_view kHs256Jwk =
    R"({"kty":"oct","kid":"hs","use":"sig","alg":"HS256","k":"gtPqC5UVm9d3U-w2ImT4Rr0ZK8U22ymah)"
    R"(6E0BGn9pU3A-Zsk3BAJOiZnKqOcVVa-FwMJTaXqoQ-E1Oivx1fFTg"})";
constexpr std::string_view kEs256Jwk =
    R"({"kty":"EC","kid":"es","use":"sig","alg":"ES256","crv":"P-256","x":"tMg2yMBDPwR1Lagea_rD)"
    R"(QRORhJ49LewJ_N1Qhz1Rim0","y":"OxU8xPMcmNul-vyPPDmgGQ7DQHoGTv823UyZ4BwQyYg","d":"gNCkDx4F)"
    R"(5hFHxpSDgvWTgZMfGXGBYD-Wz4MlRmNRPqc"})";
constexpr std::string_view kRs256Jwk =
    R"({"kty":"RSA","kid":"rs","use":"sig","alg":"RS256","n":"rEi3tifIGhoI-zn7T0qo53ilpF-R_TIyp)"
    R"(A0WAW8nst6gldjX_46hB9_1XQcat621XyUYHrLuKvMWhq_wrRXMnA_iA9Z5qmLM_1hlxFnt3eT0ROGNwNSkRD-1l)"
    R"(1Pd-HK9CdsUHXxHD1QDgui4WKlNWrYbrNvzISt-iglWCXcJIvDrLqI8Dj7mCb5loR9agT8g3jlxRU5b3xH6WOa4g)"
    R"(lfYLYxLb6ecLTJ7mOQOOjTNmskBjOmo_zcdkQOVoVGKBxkODs2ssbJqNDchn7EafdyOb-7if3EMCoOUXeU5ksXyc)"
    R"(4OLDtZnk-PJ-X3FBBRY80gheCECRClo-APEv9M7yxeiaQ","e":"AQAB","d":"T4uHnwgBIOQSb4RW30ZWdAFFY)"
    R"(X5q1l-99_a-yUy8JJ8bv_QNzsXY3dzu2dP05wfCLTrgRxRQWO5B4VAMrK3a-ddvgFwfcqcJhYAYBK-M3x3eFouZu)"
    R"(oWzjntn6YXkf9jiJVHMmMyPtqkQsfmnW_BXceGRJ5-qQw9k7nDfE6GtSz71GeCYJw2HxWeRALc7_8XrNXAwLRd0c)"
    R"(Y40_QzH5AEZlma7AtmpWRhkdBVHm17uwPe7a2UKZ312EhzoU1FVm0Vb0OlGbmHec1UwH2dhqZCfC1JI_i_SUDYp6)"
    R"(arxbm6BG87_fiJPpZuKVHNHqFbYASCWOdzUaMn01I409aIlqMZfPQ","p":"2ZaOklij3nJCvEt1AeFp2g-vc6yP)"
    R"(gmzcvR20T6anD5aQfELRe0355oGsWWmhJksTiVOXbbPnRb8BewwNSOKFcs67w9QQhQvraQQc7zb2TGSKfaSz0Ny0)"
    R"(GR8yXpyDcO0MkG61GecmVyPjASgSbqW2EeC1xMqHHRpXuzdRIgvV1F8","q":"yrK83lgHanwRoAr3rPkxANQlFF)"
    R"(o8S0mpJiholv50OELrYmVwRfSaNaM82lBQbVEgRw02vMQZwpavUPBEtkMVrsY7hd3GEHbEn5GXZFETJKU9Y6yqfu)"
    R"(_pMx0nocRnYTrLhSlkPBHQRfPezUU9poT2qu-BywCMEwrQ2iGuT8RIPjc","dp":"1FbNA5xlLqwq3D53DULBXgB)"
    R"(4pFX-JrW-JQBb-m8UEW5Jyjoa3E4YVg6t9wPSM-CITDe7S1-JjtL7yuzT-hC1UnjVXCITjQM41N8irX_hlGN5k2u)"
    R"(r32PCjdGYAiSTURzEah7ftUuSau-mlHZapogoygGU4VsTyB7xBs7Q6nzKS9k","dq":"H7oOWfcJYh99WsGcttRi)"
    R"(WTDbhO4C1f33neNhS5EUe-Htmf8qrah1osOkOL-tdw7lsHlfAfjn109irZaOCsFBWZPpqTBnWhhc-mT9f1Q5XNkI)"
    R"(XNuf7DJ9G-UKWQW28L8VMAikicp4ARsE2rhlx_Sz71mBxVaWljxxKFNxR0b_z80","qi":"mBYxy28RgcS-FsE6K)"
    R"(JQRu_o3p6pueZIsSKJ_0UXDqww_qgfh3I5fphJ-ZUtsSi-6jo2294SAFK2cEOmJjfsphofQxYtHjgoF8GnroX2x3)"
    R"(CwSuX2I0j0GmJLx8klUWTzaL31ilroRMofRvhutbsbcRSPSz2cttJYcz_3us4qADB4"})";
constexpr std::string_view kEdDsaJwk =
    R"({"kty":"OKP","kid":"ed","use":"sig","alg":"EdDSA","crv":"Ed25519","x":"RIfCSJLMOorTiz8GV)"
    R"(hG7Mw8tDAocbOmmnsoCmwsJv6U","d":"11RqC1MELNgUpbYjtHitI6OndtUeCNlZcyinRbsr2yQ"})";

// The corpus claims are valid at this instant (iat 1699999900, exp 1700003600).
constexpr std::int64_t kNow = 1700000000;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_jws_verify: invariant violated: %s\n", what);
  std::abort();
}

struct Fixture {
  std::vector<jose::Jwk> private_keys;  // hs, es, rs, ed
  jose::Jwks keys;                      // their public halves (hs: the secret), with kids
  jose::Jwk hs_no_kid;                  // the HS256 secret without a kid
  jose::Jwks hs_only;                   // {hs_no_kid}
  jose::ClaimsPolicy strict;
  jose::ClaimsPolicy loose;
};

jose::Jwk must_parse(std::string_view json) {
  auto k = jose::Jwk::parse(json);
  if (!k) {
    std::fprintf(stderr, "fuzz_jws_verify: embedded key does not parse: %s\n",
                 std::string(jose::describe(k.error())).c_str());
    std::abort();
  }
  return *k;
}

Fixture make_fixture() {
  std::vector<jose::Jwk> priv;
  for (std::string_view j : {kHs256Jwk, kEs256Jwk, kRs256Jwk, kEdDsaJwk})
    priv.push_back(must_parse(j));
  std::vector<jose::Jwk> pub;
  for (const jose::Jwk& k : priv) pub.push_back(k.public_key());
  auto no_kid = jose::Jwk::from_secret(jose::Alg::kHS256, priv[0].impl().secret);
  if (!no_kid) fail("cannot build the kid-less HS256 key");
  Fixture f{.private_keys = priv,
            .keys = jose::Jwks(pub),
            .hs_no_kid = *no_kid,
            .hs_only = jose::Jwks({*no_kid}),
            .strict = {.issuer = "https://id.example", .audience = "api"},
            .loose = {.leeway_seconds = 0, .typ = "", .required = {}}};
  return f;
}

const Fixture& fixture() {
  static const Fixture f = make_fixture();
  return f;
}

// The private key behind a verifying key (matched by thumbprint).
const jose::Jwk& private_for(const jose::Jwk& verifying) {
  const Fixture& f = fixture();
  if (verifying.is_symmetric() && verifying.kid().empty()) return f.hs_no_kid;
  for (const jose::Jwk& k : f.private_keys) {
    if (k.thumbprint() == verifying.thumbprint()) return k;
  }
  fail("verified with a key that is not in the fixture");
}

// The raw signature the key makes over `signing_input` (internals: sign() builds its own header).
std::optional<std::string> raw_sign(const jose::Jwk& key, std::string_view signing_input) {
  const jose::detail::KeyImpl& k = key.impl();
  const jose::AlgInfo& info = jose::alg_info(k.alg);
  if (k.hmac) return std::string(k.hmac->mac(signing_input).view());
  auto s = k.asym->sign(info.scheme, info.hash, signing_input);
  if (!s) return std::nullopt;
  return *s;
}

bool deterministic(jose::Alg a) {
  return a == jose::Alg::kHS256 || a == jose::Alg::kRS256 || a == jose::Alg::kEdDSA;
}

void check_claims(const jose::VerifiedJws& v, const jose::ClaimsPolicy& policy) {
  auto c = jose::validate_claims(v, policy, kNow);
  if (!c) return;
  using I = __int128;
  const I now = kNow, leeway = policy.leeway_seconds;
  if (c->json != v.payload) fail("Claims::json is not the payload");
  if (c->exp && !(now < I{*c->exp} + leeway)) fail("accepted an expired token");
  if (c->nbf && !(now >= I{*c->nbf} - leeway)) fail("accepted a not-yet-valid token");
  if (c->iat && !(I{*c->iat} <= now + leeway)) fail("accepted a token issued in the future");
  if (!policy.issuer.empty() && c->iss != policy.issuer) fail("accepted a foreign issuer");
  if (!policy.audience.empty()) {
    bool found = false;
    for (const std::string& a : c->aud) found = found || a == policy.audience;
    if (!found) fail("accepted a foreign audience");
  }
}

void same_result(const jose::VerifiedJws& a, const jose::VerifiedJws& b, const char* what) {
  if (a.alg != b.alg || a.kid != b.kid || a.typ != b.typ || a.payload != b.payload) fail(what);
}

// Everything that must hold of a token `set` accepted as `v`.
void check_verified(std::string_view token, const jose::VerifiedJws& v, const jose::Jwks& set) {
  if (token.size() > jose::kMaxTokenSize) fail("accepted an oversize token");
  const std::size_t d1 = token.find('.');
  const std::size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    fail("accepted a token without exactly three parts");
  }
  if (d1 == 0) fail("accepted an empty header");
  if (token.substr(d1 + 1, d2 - d1 - 1) != base64url_encode(v.payload)) {
    fail("payload part is not the canonical encoding of the returned payload");
  }
  const jose::Jwk* key = set.find(v.kid);
  if (key == nullptr && set.keys().size() == 1) key = &set.keys()[0];
  if (key == nullptr) fail("verified, but no key in the set matches the kid");
  if (key->alg() != v.alg) fail("returned alg is not the key's alg");

  const std::string_view signing_input = token.substr(0, d2);
  auto sig = base64url_decode(token.substr(d2 + 1));
  if (!sig) fail("verified a signature part that is not base64url");
  const jose::Jwk& priv = private_for(*key);
  if (deterministic(v.alg)) {
    auto again = raw_sign(priv, signing_input);
    if (!again) fail("cannot re-sign a verified signing input");
    if (*again != *sig) fail("a second spelling of a deterministic signature verified");
  } else if (v.alg == jose::Alg::kES256 && sig->size() != 64) {
    fail("ES256 signature of the wrong length verified");
  }

  // sign() -> verify() round trip on what the token said.
  auto t2 = jose::sign(priv, v.payload, {.kid = v.kid, .typ = v.typ});
  if (!t2) fail("sign() failed on a verified payload");
  auto v2 = jose::verify(*t2, set);
  if (!v2) fail("sign() output for a verified token's payload/kid/typ does not verify");
  same_result(v, *v2, "sign() -> verify() changed alg, kid, typ or payload");
}

constexpr std::array<jose::Alg, 2> kAllowed = {jose::Alg::kES256, jose::Alg::kEdDSA};

void verify_and_check(std::string_view token, const jose::Jwks& set) {
  auto v = jose::verify(token, set);
  auto va = jose::verify(token, set, {.allowed_algs = kAllowed});
  const bool alg_allowed = v && (v->alg == jose::Alg::kES256 || v->alg == jose::Alg::kEdDSA);
  if (va.has_value() != alg_allowed) fail("allow-list did more than narrow");
  if (va) same_result(*v, *va, "allow-list changed the verified result");
  if (!v) return;
  check_verified(token, *v, set);
  check_claims(*v, fixture().strict);
  check_claims(*v, fixture().loose);
}

// Mode B: header JSON and payload signed here with `key`.
void sign_and_check(std::string_view header, std::string_view payload, const jose::Jwk& key,
                    const jose::Jwks& set) {
  std::string token = base64url_encode(header);
  token += '.';
  tessera::base::base64url_encode_append(payload, token);
  auto sig = raw_sign(key, token);
  if (!sig) fail("signing failed");
  token += '.';
  tessera::base::base64url_encode_append(*sig, token);
  auto v = jose::verify(token, set);
  if (v) {
    if (v->payload != payload) fail("verified payload is not what was signed");
    if (v->alg != key.alg()) fail("verified alg is not the signing key's");
  }
  verify_and_check(token, set);
}

bool mentions(std::string_view header, std::string_view kid) {
  const std::string quoted = "\"" + std::string(kid) + "\"";
  return header.find(quoted) != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Fixture& f = fixture();
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // A: the input is token text.
  verify_and_check(input, f.keys);
  verify_and_check(input, f.hs_only);

  // B: "<header JSON>\n<payload>", signed here.
  const std::size_t nl = input.find('\n');
  if (nl != std::string_view::npos && nl <= jose::kMaxTokenSize) {
    const std::string_view header = input.substr(0, nl);
    const std::string_view payload = input.substr(nl + 1);
    sign_and_check(header, payload, f.private_keys[0], f.keys);
    sign_and_check(header, payload, f.hs_no_kid, f.hs_only);
    for (std::size_t i = 1; i < f.private_keys.size(); ++i) {
      if (mentions(header, f.private_keys[i].kid()))
        sign_and_check(header, payload, f.private_keys[i], f.keys);
    }
  }
  return 0;
}
