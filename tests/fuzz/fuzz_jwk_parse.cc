// Fuzzes JWK and JWK Set parsing (tessera/jwk.h).
//
// Input: JSON text. If the first byte is a control character other than JSON whitespace
// (0x00-0x08, 0x0b, 0x0c, 0x0e-0x1f) it selects an "alg" hint (all_algs()[byte % 13]) and the
// rest is the JSON; otherwise the whole input is JSON and only the hint implied by a successful
// unhinted parse is tried.
//
// Invariants (abort() on violation), for every key that parses:
//   1. Export round-trip: to_json(false) and to_json(true) re-parse (no hint: the export names
//      "alg") to a key with the same thumbprint, alg, kid and symmetry; the public export is
//      private only for oct keys, the private export is private exactly when the key is.
//   2. public_key() has the same thumbprint, alg and kid.
//   3. Hints only fill a gap: if the unhinted parse succeeds, a hinted one gives the same key or
//      fails with kAlgKeyMismatch (and then the hint differs from the key's alg); a hinted parse
//      that succeeds gives either the unhinted key or, where the unhinted parse failed only for
//      want of an alg (kKeyAlgUnknown), a key with the hinted alg. Hinting a key with its own alg
//      gives the same key. (This holds whether a key that names its alg refuses a different hint
//      or keeps its own alg.)
//   4. Private keys are consistent: a signature made with the key verifies with its public
//      half (an RSA "d" that does not belong to "n" would break this).
// For JWK Sets: kids are unique; to_json() re-parses to the same non-oct keys, in order; every
// member key satisfies 1-4.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "jose/key_impl.h"
#include "tessera/jwk.h"
#include "tessera/jws.h"

namespace {

namespace jose = tessera::jose;

[[noreturn]] void fail(const char* what, const jose::Jwk* key = nullptr) {
  std::fprintf(stderr, "fuzz_jwk_parse: invariant violated: %s\n", what);
  if (key != nullptr) std::fprintf(stderr, "key: %s\n", key->to_json(false).c_str());
  std::abort();
}

void check_same(const jose::Jwk& a, const jose::Jwk& b, const char* what) {
  if (a.thumbprint() != b.thumbprint()) fail(what, &a);
  if (a.alg() != b.alg()) fail(what, &a);
  if (a.kid() != b.kid()) fail(what, &a);
  if (a.is_symmetric() != b.is_symmetric()) fail(what, &a);
}

// RSA private operations get slow with the modulus (up to 16384 bits are accepted); the
// consistency check stays on keys a real deployment uses, so one input cannot take seconds.
bool cheap_to_sign(const jose::Jwk& key) {
  const auto& impl = key.impl();
  return !impl.asym || impl.asym->type() != tessera::crypto::KeyType::kRsa ||
         impl.asym->bits() <= 4096;
}

void check_key(const jose::Jwk& key) {
  // 1. Export round-trips.
  const std::string pub_json = key.to_json(false);
  auto pub = jose::Jwk::parse(pub_json);
  if (!pub) fail("to_json(false) does not re-parse", &key);
  check_same(key, *pub, "to_json(false) re-parses to a different key");
  if (pub->is_private() != key.is_symmetric())
    fail("to_json(false) leaks or loses private material", &key);

  const std::string priv_json = key.to_json(true);
  auto priv = jose::Jwk::parse(priv_json);
  if (!priv) fail("to_json(true) does not re-parse", &key);
  check_same(key, *priv, "to_json(true) re-parses to a different key");
  if (priv->is_private() != key.is_private()) fail("to_json(true) changes is_private", &key);
  if (priv->to_json(true) != priv_json) fail("to_json(true) is not a fixed point", &key);

  // 2. public_key().
  const jose::Jwk half = key.public_key();
  check_same(key, half, "public_key() is a different key");
  if (half.is_private() != key.is_symmetric()) fail("public_key() keeps private material", &key);

  // 4. A private key signs what its public half verifies.
  if (key.is_private() && cheap_to_sign(key)) {
    auto token = jose::sign(key, R"({"sub":"fuzz"})");
    if (!token) fail("sign() fails with a parsed private key", &key);
    const jose::Jwks set({half});
    auto v = jose::verify(*token, set);
    if (!v) fail("signature by a parsed private key does not verify with its public half", &key);
  }
}

void check_hints(const std::optional<jose::Jwk>& unhinted, jose::Error unhinted_error,
                 const std::expected<jose::Jwk, jose::Error>& hinted, jose::Alg hint) {
  if (unhinted) {
    if (hinted) {
      check_same(*unhinted, *hinted, "hint changed a key that parses without one");
    } else if (hinted.error() != jose::Error::kAlgKeyMismatch || unhinted->alg() == hint) {
      fail("hint broke a key that parses without one", &*unhinted);
    }
    return;
  }
  if (!hinted) return;
  if (unhinted_error != jose::Error::kKeyAlgUnknown) {
    fail("hint made a key parse that failed for a reason other than a missing alg", &*hinted);
  }
  if (hinted->alg() != hint) fail("a key without alg took another alg than the hint", &*hinted);
}

void fuzz_jwk(std::string_view json, std::optional<jose::Alg> hint) {
  auto plain = jose::Jwk::parse(json);
  std::optional<jose::Jwk> unhinted;
  jose::Error unhinted_error{};
  if (plain) {
    unhinted = *plain;
    check_key(*plain);
    // Hinting a key with its own alg changes nothing.
    auto same = jose::Jwk::parse(json, plain->alg());
    if (!same) fail("parse with the key's own alg as hint fails", &*plain);
    check_same(*plain, *same, "parse with the key's own alg as hint differs");
  } else {
    unhinted_error = plain.error();
  }
  if (hint) {
    auto hinted = jose::Jwk::parse(json, hint);
    check_hints(unhinted, unhinted_error, hinted, *hint);
    if (hinted) check_key(*hinted);
  }
}

void check_set(const jose::Jwks& set) {
  const auto& keys = set.keys();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (!keys[i].kid().empty() && keys[i].kid() == keys[j].kid())
        fail("duplicate kid in a parsed set");
    }
    if (!keys[i].kid().empty() && set.find(keys[i].kid()) != &keys[i])
      fail("find(kid) misses the key");
    check_key(keys[i]);
  }
  const std::string exported = set.to_json();
  auto again = jose::Jwks::parse(exported);
  if (!again) fail("Jwks::to_json() does not re-parse");
  std::size_t k = 0;
  for (const jose::Jwk& key : keys) {
    if (key.is_symmetric()) continue;  // never published
    if (k >= again->keys().size()) fail("Jwks::to_json() lost a key", &key);
    check_same(key, again->keys()[k], "Jwks::to_json() re-parses to different keys");
    if (again->keys()[k].is_private()) fail("Jwks::to_json() publishes private material", &key);
    ++k;
  }
  if (k != again->keys().size()) fail("Jwks::to_json() added keys");
}

void fuzz_jwks(std::string_view json, std::optional<jose::Alg> hint) {
  auto plain = jose::Jwks::parse(json);
  if (plain) check_set(*plain);
  if (!hint) return;
  auto hinted = jose::Jwks::parse(json, hint);
  if (plain) {
    // Same rule as for one key: the hint may refuse (kAlgKeyMismatch) but not change a set
    // whose keys all parse without it.
    if (!hinted) {
      if (hinted.error() != jose::Error::kAlgKeyMismatch)
        fail("hint broke a set that parses without one");
      return;
    }
    if (hinted->keys().size() != plain->keys().size())
      fail("hint changed the number of keys in a set");
    for (std::size_t i = 0; i < plain->keys().size(); ++i) {
      check_same(plain->keys()[i], hinted->keys()[i],
                 "hint changed a key in a set that parses without one");
    }
  }
  if (hinted) check_set(*hinted);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::optional<jose::Alg> hint;
  if (!input.empty()) {
    const auto c = static_cast<unsigned char>(input[0]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      const auto algs = jose::all_algs();
      hint = algs[c % algs.size()];
      input.remove_prefix(1);
    }
  }
  fuzz_jwk(input, hint);
  fuzz_jwks(input, hint);
  return 0;
}
