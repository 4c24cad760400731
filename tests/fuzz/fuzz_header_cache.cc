// Fuzzes jose's per-thread cache of checked headers (src/jose/header_cache.h, used by
// tessera::jose::verify): a cached header must never change what verify() answers.
//
// Each input is used two ways, as in fuzz_jws_verify:
//   A. As token text.
//   B. If it contains a '\n': as "<header JSON>\n<payload>", base64url-encoded and signed here
//      with the HS256 key, so the header rules are reached with a valid signature.
// Each token is verified against two key sets (the HS256 key with kid "hs" beside an ES256 key,
// and the same secret alone without a kid) in three cache states, and every answer (the error,
// or alg, kid, typ and payload) must be the same:
//   1. whatever the cache holds after the previous inputs;
//   2. right after (a hit, if the header passed the rules);
//   3. after 2 x kEntries other headers were verified (the header is no longer cached, so it is
//      parsed again), with the key sets in the other order.
// In form B the answers must also equal those for the same (non-empty) header JSON followed by
// 600 spaces (JSON validity and meaning do not change with trailing whitespace), whose segment
// is too long to be cached: a reference that is always parsed afresh, so a cache that answered
// for the wrong bytes (say, another header of the same length cached by an earlier input) is
// caught. (Checked: a cache comparing only lengths fails within a hundred inputs.)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "base/base64url.h"
#include "jose/header_cache.h"
#include "jose/key_impl.h"
#include "tessera/jwk.h"
#include "tessera/jws.h"

namespace {

namespace jose = tessera::jose;
using tessera::base::base64url_encode;

// The test-only HS256 key of fuzz_jws_verify (its corpus tokens verify with it). Never use it
// for anything else.
constexpr std::string_view kHs256Jwk =
    R"({"kty":"oct","kid":"hs","use":"sig","alg":"HS256","k":"gtPqC5UVm9d3U-w2ImT4Rr0ZK8U22ymah)"
    R"(6E0BGn9pU3A-Zsk3BAJOiZnKqOcVVa-FwMJTaXqoQ-E1Oivx1fFTg"})";

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_header_cache: invariant violated: %s\n", what);
  std::abort();
}

jose::Jwk must_parse(std::string_view json) {
  auto k = jose::Jwk::parse(json);
  if (!k) fail("the embedded key does not parse");
  return *k;
}

struct Fixture {
  jose::Jwk hs = must_parse(kHs256Jwk);
  // Beside it, an ES256 key with kid "es" (made per run: it only takes part in key selection).
  jose::Jwks with_kids =
      jose::Jwks({hs, jose::Jwk::generate(jose::Alg::kES256, "es")->public_key()});
  jose::Jwks no_kid =
      jose::Jwks({jose::Jwk::from_secret(jose::Alg::kHS256, hs.impl().secret).value()});
  // Valid tokens with distinct headers, verified to push every other header out of the cache.
  std::vector<std::string> fillers;

  Fixture() {
    for (std::size_t i = 0; i < 2 * jose::detail::HeaderCache::kEntries; ++i) {
      fillers.push_back(jose::sign(hs, "{}", {.typ = "filler-" + std::to_string(i)}).value());
    }
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

using Result = std::expected<jose::VerifiedJws, jose::Error>;

void same(const Result& a, const Result& b, const char* what) {
  if (a.has_value() != b.has_value()) fail(what);
  if (!a) {
    if (a.error() != b.error()) fail(what);
    return;
  }
  if (a->alg != b->alg || a->kid != b->kid || a->typ != b->typ || a->payload != b->payload)
    fail(what);
}

// "b64(header).b64(payload).b64(HS256 MAC)".
std::string signed_token(std::string_view header, std::string_view payload) {
  std::string token = base64url_encode(header);
  token += '.';
  tessera::base::base64url_encode_append(payload, token);
  const std::string sig(fixture().hs.impl().hmac->mac(token).view());
  token += '.';
  tessera::base::base64url_encode_append(sig, token);
  return token;
}

void check(std::string_view token) {
  const Fixture& f = fixture();
  const Result a1 = jose::verify(token, f.with_kids);
  const Result b1 = jose::verify(token, f.no_kid);
  const Result a2 = jose::verify(token, f.with_kids);
  const Result b2 = jose::verify(token, f.no_kid);
  for (const std::string& t : f.fillers) {
    if (!jose::verify(t, f.no_kid)) fail("a filler token does not verify");
  }
  const Result b3 = jose::verify(token, f.no_kid);
  const Result a3 = jose::verify(token, f.with_kids);
  same(a1, a2, "with kids: answer changed on a repeat");
  same(a1, a3, "with kids: answer changed once the header left the cache");
  same(b1, b2, "no kid: answer changed on a repeat");
  same(b1, b3, "no kid: answer changed once the header left the cache");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check(input);
  const std::size_t nl = input.find('\n');
  if (nl != std::string_view::npos && nl <= jose::kMaxTokenSize) {
    const Fixture& f = fixture();
    const std::string_view header = input.substr(0, nl), payload = input.substr(nl + 1);
    const std::string token = signed_token(header, payload);
    const Result a = jose::verify(token, f.with_kids);
    const Result b = jose::verify(token, f.no_kid);
    const std::string reference =
        signed_token(std::string(header) + std::string(600, ' '), payload);
    // (An empty header is an empty segment, refused before any parsing: no reference.)
    if (!header.empty() && reference.size() <= jose::kMaxTokenSize) {
      same(a, jose::verify(reference, f.with_kids), "with kids: answer differs from a fresh parse");
      same(b, jose::verify(reference, f.no_kid), "no kid: answer differs from a fresh parse");
    }
    check(token);
  }
  return 0;
}
