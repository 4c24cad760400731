// JWS sign/verify, and the table of malicious and malformed tokens: each attack is built the
// way an attacker would build it, with real signatures where a signature matters, and must be
// refused for the right reason.
#include "tessera/jws.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "jose/header_cache.h"
#include "jose/test_util.h"
#include "tessera/jwt.h"

namespace tessera::jose {
namespace {

using testing::b64;
using testing::forge;
using testing::forge_encoded;
using testing::hmac_sha256;

constexpr std::string_view kClaims =
    R"({"iss":"https://id.example","sub":"u1","aud":"api","iat":1700000000,"exp":1700000900,"jti":"j1"})";

TEST(Jws, SignsAndVerifiesEveryAlgorithm) {
  for (Alg alg : all_algs()) {
    SCOPED_TRACE(std::string(alg_name(alg)));
    auto key = Jwk::generate(alg, "k1").value();
    auto token = sign(key, kClaims, {.typ = "at+jwt"});
    ASSERT_TRUE(token);
    auto v = verify(*token, Jwks({key.public_key()}));
    ASSERT_TRUE(v) << describe(v.error());
    EXPECT_EQ(v->payload, kClaims);
    EXPECT_EQ(v->alg, alg);
    EXPECT_EQ(v->kid, "k1");
    EXPECT_EQ(v->typ, "at+jwt");
    // Another key of the same algorithm and kid does not verify it.
    auto other = Jwk::generate(alg, "k1").value();
    EXPECT_EQ(verify(*token, Jwks({other.public_key()})).error(), Error::kBadSignature);
  }
}

TEST(Jws, SignRequiresPrivateKeyAndEscapesKid) {
  auto key = Jwk::generate(Alg::kES256).value();
  EXPECT_EQ(sign(key.public_key(), "x").error(), Error::kNotPrivateKey);
  auto token = sign(key, "x", {.kid = "a\"b\\c\n"}).value();
  auto v = verify(token, Jwks({key.public_key()}));
  ASSERT_FALSE(v);  // kid differs from the key's, and the single key has a kid
  EXPECT_EQ(v.error(), Error::kUnknownKid);
  auto hdr = base::base64url_decode(token.substr(0, token.find('.'))).value();
  EXPECT_EQ(hdr, R"({"alg":"ES256","kid":"a\"b\\c\u000a"})");
}

TEST(Jws, SelectsKeysByKid) {
  auto a = Jwk::generate(Alg::kES256, "a").value();
  auto b = Jwk::generate(Alg::kEdDSA, "b").value();
  Jwks set({a.public_key(), b.public_key()});
  EXPECT_TRUE(verify(sign(a, "p").value(), set));
  EXPECT_TRUE(verify(sign(b, "p").value(), set));
  auto c = Jwk::generate(Alg::kES256, "c").value();
  EXPECT_EQ(verify(sign(c, "p").value(), set).error(), Error::kUnknownKid);
  auto no_kid = Jwk::from_secret(Alg::kHS256, std::string(32, 's')).value();
  EXPECT_EQ(verify(sign(no_kid, "p").value(), set).error(), Error::kAmbiguousKey);
  EXPECT_EQ(verify(sign(a, "p").value(), Jwks()).error(), Error::kNoKey);
  // A single key without kid serves tokens with or without one.
  EXPECT_TRUE(verify(sign(no_kid, "p", {.kid = "x"}).value(), Jwks({no_kid})));
  EXPECT_TRUE(verify(sign(no_kid, "p").value(), Jwks({no_kid})));
}

TEST(Jws, AllowListIsEnforced) {
  auto a = Jwk::generate(Alg::kES256, "a").value();
  const Alg only_eddsa[] = {Alg::kEdDSA};
  EXPECT_EQ(verify(sign(a, "p").value(), Jwks({a}), {.allowed_algs = only_eddsa}).error(),
            Error::kAlgNotAllowed);
  const Alg es[] = {Alg::kEdDSA, Alg::kES256};
  EXPECT_TRUE(verify(sign(a, "p").value(), Jwks({a}), {.allowed_algs = es}));
}

// --- The attack table ------------------------------------------------------------------------

struct Keys {
  Jwk hs = Jwk::generate(Alg::kHS256, "hs").value();
  Jwk es = Jwk::generate(Alg::kES256, "es").value();
  Jwk es384 = Jwk::generate(Alg::kES384, "es").value();
  Jwk rs = Jwk::generate(Alg::kRS256, "rs").value();
  Jwk ed = Jwk::generate(Alg::kEdDSA, "ed").value();
  Jwk attacker_es = Jwk::generate(Alg::kES256, "es").value();
};

const Keys& keys() {
  static const Keys k;
  return k;
}

// P-256 group order n (big-endian).
std::string p256_order() {
  return base::base64url_decode("_____wAAAAD__________7zm-q2nF56E87nKwvxjJVE").value();
}

// DER ECDSA-Sig-Value for a raw r||s (what OpenSSL and some libraries emit).
std::string to_der(std::string_view raw) {
  auto integer = [](std::string_view v) {
    while (v.size() > 1 && v[0] == 0) v.remove_prefix(1);
    std::string out = "\x02";
    const bool pad = static_cast<unsigned char>(v[0]) & 0x80;
    out += static_cast<char>(v.size() + (pad ? 1 : 0));
    if (pad) out += '\0';
    out += v;
    return out;
  };
  const std::string body =
      integer(raw.substr(0, raw.size() / 2)) + integer(raw.substr(raw.size() / 2));
  return std::string("\x30", 1) + static_cast<char>(body.size()) + body;
}

std::string es_header(std::string_view extra = "") {
  return R"({"alg":"ES256","kid":"es")" + std::string(extra) + "}";
}

struct Case {
  std::string name;
  std::function<std::string()> token;
  Error want;
};

std::vector<Case> attack_cases() {
  const Keys& k = keys();
  const std::string rsa_pem = k.rs.impl().asym->public_pem();
  const std::string rsa_der = k.rs.impl().asym->public_der();
  const std::string rsa_jwk = k.rs.public_key().to_json(false);
  auto hs_confusion = [](std::string secret) {
    return [secret] {
      const std::string input = b64(R"({"alg":"HS256","kid":"rs"})") + "." + b64(kClaims);
      return input + "." + b64(hmac_sha256(secret, input));
    };
  };
  auto none = [](std::string alg, std::string sig) {
    return
        [alg, sig] { return b64(R"({"alg":")" + alg + R"("})") + "." + b64(kClaims) + "." + sig; };
  };
  auto es_with_sig = [&k](std::function<std::string(std::string)> mutate) {
    return [&k, mutate] {
      const std::string input = b64(es_header()) + "." + b64(kClaims);
      return input + "." + b64(mutate(testing::raw_sign(k.es, input)));
    };
  };
  auto es_signed = [&k](std::string header, std::string payload = std::string(kClaims)) {
    return [&k, header, payload] { return forge(header, payload, k.es); };
  };
  std::vector<Case> cases = {
      // alg none in any casing, with and without a signature.
      {"alg none", none("none", ""), Error::kAlgNone},
      {"alg None", none("None", ""), Error::kAlgNone},
      {"alg NONE", none("NONE", ""), Error::kAlgNone},
      {"alg nOnE with signature", none("nOnE", "c2ln"), Error::kAlgNone},
      // Key confusion: HS256 keyed with the RSA public key, in every form it is published.
      {"HS256 keyed with RSA PEM", hs_confusion(rsa_pem), Error::kAlgKeyMismatch},
      {"HS256 keyed with RSA DER", hs_confusion(rsa_der), Error::kAlgKeyMismatch},
      {"HS256 keyed with RSA JWK", hs_confusion(rsa_jwk), Error::kAlgKeyMismatch},
      {"ES384 token for an ES256 key",
       [&k] { return forge(R"({"alg":"ES384","kid":"es"})", kClaims, k.es384); },
       Error::kAlgKeyMismatch},
      {"RS256 header on an HS key",
       [&k] { return forge(R"({"alg":"RS256","kid":"hs"})", kClaims, k.hs); },
       Error::kAlgKeyMismatch},
      {"EdDSA header on ES key",
       [&k] { return forge(R"({"alg":"EdDSA","kid":"es"})", kClaims, k.es); },
       Error::kAlgKeyMismatch},
      {"unknown alg", [&k] { return forge(R"({"alg":"HS257","kid":"hs"})", kClaims, k.hs); },
       Error::kAlgUnknown},
      {"alg lowercase es256",
       [&k] { return forge(R"({"alg":"es256","kid":"es"})", kClaims, k.es); }, Error::kAlgUnknown},
      {"alg missing", [&k] { return forge(R"({"kid":"es"})", kClaims, k.es); }, Error::kAlgMissing},
      {"alg not a string", [&k] { return forge(R"({"alg":["ES256"],"kid":"es"})", kClaims, k.es); },
       Error::kAlgMissing},
      // ECDSA signature shapes.
      {"ECDSA all-zero signature",
       es_with_sig([](std::string s) { return std::string(s.size(), '\0'); }),
       Error::kBadSignature},
      {"ECDSA r = n (out of range)",
       es_with_sig([](std::string s) { return p256_order() + s.substr(32); }),
       Error::kBadSignature},
      {"ECDSA s = n (out of range)",
       es_with_sig([](std::string s) { return s.substr(0, 32) + p256_order(); }),
       Error::kBadSignature},
      {"ECDSA r = 0, s valid",
       es_with_sig([](std::string s) { return std::string(32, '\0') + s.substr(32); }),
       Error::kBadSignature},
      {"ECDSA DER-encoded signature", es_with_sig([](std::string s) { return to_der(s); }),
       Error::kBadSignature},
      {"ECDSA truncated signature", es_with_sig([](std::string s) { return s.substr(0, 63); }),
       Error::kBadSignature},
      {"ECDSA signature with extra byte", es_with_sig([](std::string s) { return s + "x"; }),
       Error::kBadSignature},
      {"empty signature", es_with_sig([](std::string) { return std::string(); }),
       Error::kBadSignature},
      // Keys from the token itself: the attacker signs with their own key and points to it.
      {"embedded jwk",
       [&k] {
         return forge(es_header(R"(,"jwk":)" + k.attacker_es.public_key().to_json(false)), kClaims,
                      k.attacker_es);
       },
       Error::kEmbeddedKey},
      {"jku",
       [&k] {
         return forge(es_header(R"(,"jku":"https://evil.example/jwks")"), kClaims, k.attacker_es);
       },
       Error::kEmbeddedKey},
      {"x5u",
       [&k] {
         return forge(es_header(R"(,"x5u":"https://evil.example/cert")"), kClaims, k.attacker_es);
       },
       Error::kEmbeddedKey},
      {"x5c", es_signed(es_header(R"(,"x5c":["MIIB"])")), Error::kEmbeddedKey},
      {"x5t#S256", es_signed(es_header(R"(,"x5t#S256":"abc")")), Error::kEmbeddedKey},
      {"attacker key, same kid, no header trick",
       [&k] { return forge(es_header(), kClaims, k.attacker_es); }, Error::kBadSignature},
      // Extensions we do not understand.
      {"crit exp", es_signed(es_header(R"(,"crit":["exp"],"exp":1)")), Error::kCritUnsupported},
      {"crit empty", es_signed(es_header(R"(,"crit":[])")), Error::kCritUnsupported},
      {"b64 false with crit", es_signed(es_header(R"(,"b64":false,"crit":["b64"])")),
       Error::kCritUnsupported},
      {"b64 false", es_signed(es_header(R"(,"b64":false)")), Error::kB64Unsupported},
      {"b64 string", es_signed(es_header(R"(,"b64":"false")")), Error::kB64Unsupported},
      // JWE shapes.
      {"five parts",
       [] { return std::string("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d"); },
       Error::kJweNotSupported},
      {"enc in header", es_signed(es_header(R"(,"enc":"A256GCM")")), Error::kJweNotSupported},
      {"zip in header", es_signed(es_header(R"(,"zip":"DEF")")), Error::kJweNotSupported},
      // JSON tricks.
      {"duplicate alg", es_signed(R"({"alg":"ES256","alg":"none","kid":"es"})"),
       Error::kDuplicateMember},
      {"duplicate kid", es_signed(R"({"alg":"ES256","kid":"x","kid":"es"})"),
       Error::kDuplicateMember},
      {"escaped duplicate", es_signed(R"({"alg":"ES256","\u0061lg":"none","kid":"es"})"),
       Error::kDuplicateMember},
      {"header not an object", es_signed(R"(["ES256"])"), Error::kNotAnObject},
      {"header not JSON", es_signed("alg=ES256"), Error::kBadJson},
      {"header trailing garbage", es_signed(es_header() + "x"), Error::kBadJson},
      {"header invalid UTF-8", es_signed(es_header(",\"x\":\"\xff\xfe\"")), Error::kBadJson},
      {"header overlong UTF-8", es_signed(es_header(",\"x\":\"\xc0\xaf\"")), Error::kBadJson},
      {"header NUL in string", es_signed(es_header(std::string(",\"x\":\"a\0b\"", 10))),
       Error::kBadJson},
      {"header deep nesting",
       es_signed(es_header(",\"x\":" + std::string(64, '[') + std::string(64, ']'))),
       Error::kTooDeep},
      {"kid not a string", es_signed(R"({"alg":"ES256","kid":7})"), Error::kBadHeaderMember},
      {"typ not a string", es_signed(es_header(R"(,"typ":{"a":1})")), Error::kBadHeaderMember},
      // Encoding.
      {"header with padding",
       [&k] { return forge_encoded(b64(es_header()) + "=", b64(kClaims), k.es); },
       Error::kBadBase64},
      {"payload with padding",
       [&k] {
         std::string p = b64(std::string(kClaims) + "x");  // 100 bytes -> needs padding
         return forge_encoded(b64(es_header()), p + "==", k.es);
       },
       Error::kBadBase64},
      {"header standard alphabet",
       [&k] {
         std::string h = b64(R"({"alg":"ES256","kid":"es","x":"??>"})");
         for (char& c : h) c = c == '-' ? '+' : c == '_' ? '/' : c;
         return forge_encoded(h, b64(kClaims), k.es);
       },
       Error::kBadBase64},
      {"signature non-canonical trailing bits", es_with_sig([](std::string s) { return s; }),
       Error::kBadBase64},  // mutated below
      {"whitespace in token",
       [&k] {
         std::string t = forge(es_header(), kClaims, k.es);
         return t.insert(10, " ");
       },
       Error::kBadBase64},
      // Shapes.
      {"empty token", [] { return std::string(); }, Error::kMalformedCompact},
      {"one part", [] { return std::string("eyJhbGciOiJFUzI1NiJ9"); }, Error::kMalformedCompact},
      {"two parts", [] { return std::string("eyJhbGciOiJFUzI1NiJ9.e30"); },
       Error::kMalformedCompact},
      {"four parts", [] { return std::string("a.b.c.d"); }, Error::kMalformedCompact},
      {"six parts", [] { return std::string("a.b.c.d.e.f"); }, Error::kMalformedCompact},
      {"dots only", [] { return std::string(".."); }, Error::kMalformedCompact},
      {"oversize token", [&k] { return forge(es_header(), std::string(7000, 'a'), k.es); },
       Error::kTokenTooLarge},
      // Tampering.
      {"payload tampered",
       [&k] {
         std::string t = forge(es_header(), kClaims, k.es);
         const std::size_t d1 = t.find('.');
         const std::string evil = b64(
             R"({"iss":"https://id.example","sub":"admin","aud":"api","iat":1700000000,"exp":1700000900,"jti":"j1"})");
         return t.substr(0, d1 + 1) + evil + t.substr(t.find('.', d1 + 1));
       },
       Error::kBadSignature},
      {"header tampered (kid swap to hs)",
       [&k] {
         std::string t = forge(R"({"alg":"HS256","kid":"hs"})", kClaims, k.hs);
         return b64(R"({"alg":"HS256","kid":"hs","typ":"at+jwt"})") + t.substr(t.find('.'));
       },
       Error::kBadSignature},
  };
  // Make the "non-canonical trailing bits" case: flip the unused low bits of the last char.
  for (Case& c : cases) {
    if (c.name != "signature non-canonical trailing bits") continue;
    c.token = [&k] {
      std::string t = forge(es_header(), kClaims, k.es);
      // 64-byte signature -> 86 chars, the last encodes 2 bits + 4 zero bits. 'A'->'B' sets one.
      char& last = t.back();
      const std::string alphabet =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const std::size_t v = alphabet.find(last);
      last = alphabet[v | 1];
      return t;
    };
  }
  return cases;
}

TEST(JwsAttacks, EveryAttackIsRefusedForTheRightReason) {
  const Keys& k = keys();
  const Jwks set({k.hs, k.es.public_key(), k.rs.public_key(), k.ed.public_key()});
  for (const Case& c : attack_cases()) {
    const std::string token = c.token();
    auto v = verify(token, set);
    EXPECT_FALSE(v) << c.name << ": accepted";
    if (!v) {
      EXPECT_EQ(v.error(), c.want) << c.name << ": got '" << describe(v.error()) << "'";
    }
  }
}

TEST(JwsAttacks, ControlTokensVerify) {
  // The same builders with honest inputs succeed, so the table's refusals are meaningful.
  const Keys& k = keys();
  const Jwks set({k.hs, k.es.public_key(), k.rs.public_key(), k.ed.public_key()});
  EXPECT_TRUE(verify(forge(es_header(), kClaims, k.es), set));
  EXPECT_TRUE(verify(forge(R"({"alg":"HS256","kid":"hs"})", kClaims, k.hs), set));
  EXPECT_TRUE(verify(forge(es_header(R"(,"b64":true)"), kClaims, k.es), set));
  EXPECT_TRUE(
      verify(forge(es_header(R"(,"x":")" + std::string(5000, 'a') + "\""), kClaims, k.es), set));
  const std::string input = b64(es_header()) + "." + b64(kClaims);
  const std::string sig = testing::raw_sign(k.es, input);
  EXPECT_TRUE(verify(input + "." + b64(sig), set));
}

// --- The per-thread cache of checked headers ------------------------------------------------

TEST(JwsHeaderCache, RefusalsRepeatAndDoNotDisturbAcceptedHeaders) {
  // The attack table twice, each attack after an honest token with the same key set: cached
  // headers never turn a refusal into an acceptance or change its reason.
  const Keys& k = keys();
  const Jwks set({k.hs, k.es.public_key(), k.rs.public_key(), k.ed.public_key()});
  const std::string honest = forge(es_header(), kClaims, k.es);
  for (int round = 0; round < 2; ++round) {
    for (const Case& c : attack_cases()) {
      ASSERT_TRUE(verify(honest, set)) << c.name;
      const std::string token = c.token();
      for (int again = 0; again < 2; ++again) {
        auto v = verify(token, set);
        ASSERT_FALSE(v) << c.name << ": accepted (round " << round << ")";
        EXPECT_EQ(v.error(), c.want) << c.name << ": got '" << describe(v.error()) << "'";
      }
    }
  }
}

TEST(JwsHeaderCache, KeysAreDecidedPerCall) {
  // One header, cached by the first verify; the key set decides the rest every time.
  const Keys& k = keys();
  const std::string token = forge(es_header(), kClaims, k.es);
  EXPECT_TRUE(verify(token, Jwks({k.es.public_key()})));
  EXPECT_EQ(verify(token, Jwks({k.es384.public_key()})).error(), Error::kAlgKeyMismatch);
  EXPECT_EQ(verify(token, Jwks({k.attacker_es.public_key()})).error(), Error::kBadSignature);
  EXPECT_EQ(verify(token, Jwks()).error(), Error::kNoKey);
  EXPECT_EQ(verify(token, Jwks({k.ed.public_key()})).error(), Error::kUnknownKid);
  const Alg only_eddsa[] = {Alg::kEdDSA};
  EXPECT_EQ(verify(token, Jwks({k.es.public_key()}), {.allowed_algs = only_eddsa}).error(),
            Error::kAlgNotAllowed);
  EXPECT_TRUE(verify(token, Jwks({k.es.public_key()})));
}

TEST(JwsHeaderCache, HeadersThatDifferInOneByteAreDifferentHeaders) {
  const Keys& k = keys();
  const Jwks set({k.hs});
  const std::string hs = forge(R"({"alg":"HS256","kid":"hs"})", kClaims, k.hs);
  const std::string hx = forge(R"({"alg":"HS256","kid":"hx"})", kClaims, k.hs);
  ASSERT_EQ(hs.find('.'), hx.find('.'));  // same length, same prefix
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(verify(hs, set));
    EXPECT_EQ(verify(hx, set).error(), Error::kUnknownKid);
  }
}

TEST(JwsHeaderCache, MoreHeadersThanEntriesAndOversizeHeaders) {
  const Keys& k = keys();
  const Jwks set({k.hs});
  std::vector<std::pair<std::string, std::string>> tokens;  // (token, typ)
  for (std::size_t i = 0; i < 3 * detail::HeaderCache::kEntries; ++i) {
    const std::string typ = "t" + std::to_string(i);
    tokens.emplace_back(sign(k.hs, kClaims, {.typ = typ}).value(), typ);
  }
  // A header whose segment is longer than the cache keeps: checked every time.
  const std::string long_typ(detail::HeaderCache::kMaxSegment, 'y');
  tokens.emplace_back(sign(k.hs, kClaims, {.typ = long_typ}).value(), long_typ);
  ASSERT_GT(tokens.back().first.find('.'), detail::HeaderCache::kMaxSegment);
  for (int round = 0; round < 3; ++round) {
    for (const auto& [token, typ] : tokens) {
      auto v = verify(token, set);
      ASSERT_TRUE(v) << typ;
      EXPECT_EQ(v->typ, typ);
      EXPECT_EQ(v->kid, "hs");
      EXPECT_EQ(v->payload, kClaims);
    }
  }
}

TEST(JwsHeaderCache, EachThreadHasItsOwn) {
  const Keys& k = keys();
  const Jwks set({k.hs});
  std::vector<std::thread> threads;
  std::vector<int> bad(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::string> tokens, typs;
      for (int i = 0; i < 12; ++i) {
        typs.push_back("t" + std::to_string(t) + "-" + std::to_string(i));
        tokens.push_back(sign(k.hs, kClaims, {.typ = typs.back()}).value());
      }
      for (int n = 0; n < 200; ++n) {
        const std::size_t i = static_cast<std::size_t>(n * 7 % 12);
        auto v = verify(tokens[i], set);
        if (!v || v->typ != typs[i]) ++bad[static_cast<std::size_t>(t)];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(bad, std::vector<int>(4, 0));
}

TEST(JwsHeaderCache, FindComparesEveryByteAndInsertReplacesTheOldest) {
  detail::HeaderCache cache;
  EXPECT_EQ(cache.find("eyJhbGciOiJIUzI1NiJ9"), nullptr);
  EXPECT_EQ(cache.find(""), nullptr);
  const detail::CheckedHeader h{.alg = Alg::kHS256, .kid = "k", .typ = std::nullopt};
  ASSERT_NE(cache.insert("seg-0", h), nullptr);
  ASSERT_NE(cache.find("seg-0"), nullptr);
  EXPECT_EQ(cache.find("seg-0")->kid, "k");
  EXPECT_EQ(cache.find("seg-1"), nullptr);
  EXPECT_EQ(cache.find("seg-"), nullptr);
  EXPECT_EQ(cache.find("seg-00"), nullptr);
  for (std::size_t i = 1; i < detail::HeaderCache::kEntries; ++i) {
    cache.insert("seg-" + std::to_string(i), h);
  }
  EXPECT_NE(cache.find("seg-0"), nullptr);
  cache.insert("seg-new", h);  // replaces seg-0, the oldest
  EXPECT_EQ(cache.find("seg-0"), nullptr);
  EXPECT_NE(cache.find("seg-1"), nullptr);
  EXPECT_NE(cache.find("seg-new"), nullptr);
  EXPECT_EQ(cache.insert(std::string(detail::HeaderCache::kMaxSegment + 1, 'a'), h), nullptr);
  EXPECT_EQ(cache.find(std::string(detail::HeaderCache::kMaxSegment + 1, 'a')), nullptr);
}

}  // namespace
}  // namespace tessera::jose
