#include "tessera/jws.h"

#include <array>

#include "base/base64url.h"
#include "jose/algorithms.h"
#include "jose/header_cache.h"
#include "jose/json.h"
#include "jose/key_impl.h"

namespace tessera::jose {
namespace {

// The header members that are checked; everything else in a header is ignored (RFC 7515 4).
struct Header {
  std::optional<std::string_view> alg, kid, typ;
  bool alg_not_string = false;
  bool bad_member = false;  // kid/typ/cty not a string
  bool crit = false;
  bool embedded_key = false;
  bool b64_not_true = false;
  bool jwe = false;
};

bool iequals_none(std::string_view s) {
  if (s.size() != 4) return false;
  static constexpr std::string_view kNone = "none";
  for (std::size_t i = 0; i < 4; ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kNone[i]) return false;
  }
  return true;
}

Header read_header(simdjson::dom::object obj) {
  Header h;
  for (auto field : obj) {
    const std::string_view k = field.key;
    if (json::name_is(k, "alg")) {
      std::string_view s;
      if (field.value.get_string().get(s) == simdjson::SUCCESS) {
        h.alg = s;
      } else {
        h.alg_not_string = true;
      }
    } else if (json::name_is(k, "kid") || json::name_is(k, "typ") || json::name_is(k, "cty")) {
      std::string_view s;
      if (field.value.get_string().get(s) != simdjson::SUCCESS) {
        h.bad_member = true;
      } else if (json::name_is(k, "kid")) {
        h.kid = s;
      } else if (json::name_is(k, "typ")) {
        h.typ = s;
      }
    } else if (json::name_is(k, "crit")) {
      h.crit = true;
    } else if (json::name_is(k, "jwk") || json::name_is(k, "jku") || json::name_is(k, "x5u") ||
               json::name_is(k, "x5c") || json::name_is(k, "x5t") || json::name_is(k, "x5t#S256")) {
      h.embedded_key = true;
    } else if (json::name_is(k, "b64")) {
      bool b = false;
      if (field.value.get_bool().get(b) != simdjson::SUCCESS || !b) h.b64_not_true = true;
    } else if (json::name_is(k, "enc") || json::name_is(k, "zip")) {
      h.jwe = true;
    }
  }
  return h;
}

// Picks the verification key: by kid, else the only key (RFC 7515 4.1.4 leaves the choice to
// the application; ambiguity is refused rather than guessed).
std::expected<const Jwk*, Error> select_key(const Jwks& keys, std::optional<std::string_view> kid) {
  if (keys.keys().empty()) return std::unexpected(Error::kNoKey);
  if (kid) {
    if (const Jwk* k = keys.find(*kid)) return k;
    if (keys.keys().size() == 1 && keys.keys()[0].kid().empty()) return &keys.keys()[0];
    return std::unexpected(Error::kUnknownKid);
  }
  if (keys.keys().size() == 1) return &keys.keys()[0];
  return std::unexpected(Error::kAmbiguousKey);
}

bool verify_signature(const detail::KeyImpl& key, std::string_view signing_input,
                      std::string_view sig) {
  const AlgInfo& info = alg_info(key.alg);
  if (key.hmac) {
    return sig.size() == crypto::hash_size(info.hash) && key.hmac->verify(signing_input, sig);
  }
  return key.asym->verify(info.scheme, info.hash, signing_input, sig);
}

// Per thread: the header parser, the cache of headers that passed the rules, and the header
// checked last (reused storage).
struct HeaderState {
  json::StrictParser parser;
  detail::HeaderCache cache;
  detail::CheckedHeader checked;
};

HeaderState& header_state() {
  thread_local HeaderState state;
  return state;
}

// The header rules (RFC 7515 section 4 and SPEC.md "Tokens"), in the order their errors are
// reported, applied to the decoded, strictly parsed header. On success fills `out`.
std::expected<void, Error> check_header(std::string_view segment, json::StrictParser& parser,
                                        detail::CheckedHeader& out) {
  // Decoded onto the stack (the token is at most 8 KiB).
  std::array<char, base::base64url_decoded_size(kMaxTokenSize)> buf;
  auto header_len = base::base64url_decode_into(segment, buf.data());
  if (!header_len) return std::unexpected(Error::kBadBase64);
  auto obj = parser.parse_object(std::string_view(buf.data(), *header_len));
  if (!obj) return std::unexpected(obj.error());
  const Header h = read_header(*obj);
  if (h.jwe) return std::unexpected(Error::kJweNotSupported);
  if (h.alg_not_string || !h.alg) return std::unexpected(Error::kAlgMissing);
  if (iequals_none(*h.alg)) return std::unexpected(Error::kAlgNone);
  if (h.crit) return std::unexpected(Error::kCritUnsupported);
  if (h.embedded_key) return std::unexpected(Error::kEmbeddedKey);
  if (h.b64_not_true) return std::unexpected(Error::kB64Unsupported);
  if (h.bad_member) return std::unexpected(Error::kBadHeaderMember);
  const auto alg = alg_from_name(*h.alg);
  if (!alg) return std::unexpected(Error::kAlgUnknown);
  out.alg = *alg;
  auto assign = [](std::optional<std::string>& to, std::optional<std::string_view> from) {
    if (!from) {
      to.reset();
    } else if (to) {
      to->assign(*from);  // reuses the storage
    } else {
      to.emplace(*from);
    }
  };
  assign(out.kid, h.kid);
  assign(out.typ, h.typ);
  return {};
}

// Decodes `text` into `out`, with no zero-fill of the bytes it overwrites.
bool decode_payload(std::string_view text, std::string& out) {
  bool ok = false;
  out.resize_and_overwrite(base::base64url_decoded_size(text.size()),
                           [&](char* p, std::size_t) -> std::size_t {
                             const auto n = base::base64url_decode_into(text, p);
                             ok = n.has_value();
                             return n.value_or(0);
                           });
  return ok;
}

}  // namespace

std::expected<std::string, Error> sign(const Jwk& key, std::string_view payload,
                                       const SignOptions& options) {
  if (!key.is_private()) return std::unexpected(Error::kNotPrivateKey);
  const detail::KeyImpl& k = key.impl();
  const AlgInfo& info = alg_info(k.alg);
  // Header JSON: alg and typ are ASCII tokens; kid is escaped the JSON way.
  std::string header = R"({"alg":")";
  header += info.name;
  header += '"';
  const std::string& kid = options.kid.empty() ? k.kid : options.kid;
  auto append_string = [&header](std::string_view name, std::string_view value) {
    header += ",\"";
    header += name;
    header += "\":\"";
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        header += '\\';
        header += c;
      } else if (u < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        header += "\\u00";
        header += kHex[u >> 4];
        header += kHex[u & 15];
      } else {
        header += c;
      }
    }
    header += '"';
  };
  if (!kid.empty()) append_string("kid", kid);
  if (!options.typ.empty()) append_string("typ", options.typ);
  header += '}';

  std::string out;
  out.reserve(base::base64url_encoded_size(header.size()) +
              base::base64url_encoded_size(payload.size()) + 400);
  base::base64url_encode_append(header, out);
  out += '.';
  base::base64url_encode_append(payload, out);
  std::string sig;
  if (k.hmac) {
    sig.assign(k.hmac->mac(out).view());
  } else {
    auto s = k.asym->sign(info.scheme, info.hash, out);
    if (!s) return std::unexpected(Error::kInternal);
    sig = std::move(*s);
  }
  out += '.';
  base::base64url_encode_append(sig, out);
  return out;
}

std::expected<VerifiedJws, Error> verify(std::string_view token, const Jwks& keys,
                                         const VerifyOptions& options) {
  if (token.size() > kMaxTokenSize) return std::unexpected(Error::kTokenTooLarge);

  // Split into exactly three parts; five is the JWE compact form.
  const std::size_t d1 = token.find('.');
  const std::size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return std::unexpected(Error::kMalformedCompact);
  const std::size_t d3 = token.find('.', d2 + 1);
  if (d3 != std::string_view::npos) {
    std::size_t dots = 3;
    for (std::size_t i = d3 + 1; i < token.size(); ++i) dots += token[i] == '.';
    return std::unexpected(dots == 4 ? Error::kJweNotSupported : Error::kMalformedCompact);
  }
  const std::string_view header_b64 = token.substr(0, d1);
  const std::string_view payload_b64 = token.substr(d1 + 1, d2 - d1 - 1);
  const std::string_view sig_b64 = token.substr(d2 + 1);
  if (header_b64.empty()) return std::unexpected(Error::kMalformedCompact);

  // Header: decoded, parsed strictly and held to the header rules, or, when this thread has
  // already done that for exactly these bytes, taken from its header cache.
  HeaderState& state = header_state();
  const detail::CheckedHeader* cached = state.cache.find(header_b64);
  if (cached == nullptr) {
    if (auto ok = check_header(header_b64, state.parser, state.checked); !ok) {
      return std::unexpected(ok.error());
    }
  }
  const detail::CheckedHeader& header = cached != nullptr ? *cached : state.checked;
  const std::optional<std::string_view> kid =
      header.kid ? std::optional<std::string_view>(*header.kid) : std::nullopt;

  // The key decides the algorithm; the header may only agree with it.
  auto key = select_key(keys, kid);
  if (!key) return std::unexpected(key.error());
  const detail::KeyImpl& k = (*key)->impl();
  if (k.alg != header.alg) return std::unexpected(Error::kAlgKeyMismatch);
  if (!options.allowed_algs.empty()) {
    bool allowed = false;
    for (const Alg a : options.allowed_algs) allowed = allowed || a == k.alg;
    if (!allowed) return std::unexpected(Error::kAlgNotAllowed);
  }

  // Signature, over the ASCII of "header.payload" exactly as received.
  std::array<char, 2048> sig_buf;  // RSA-16384, the largest modulus crypto/ accepts
  if (sig_b64.size() > base::base64url_encoded_size(sig_buf.size()))
    return std::unexpected(Error::kBadSignature);
  auto sig_len = base::base64url_decode_into(sig_b64, sig_buf.data());
  if (!sig_len) return std::unexpected(Error::kBadBase64);
  if (!verify_signature(k, token.substr(0, d2), std::string_view(sig_buf.data(), *sig_len))) {
    return std::unexpected(Error::kBadSignature);
  }
  // Cached only now, once a trusted key signed it: tokens nobody signed cannot push the
  // issuers' headers out of the cache.
  if (cached == nullptr) state.cache.insert(header_b64, header);

  VerifiedJws out;
  out.alg = k.alg;
  if (header.kid) out.kid = *header.kid;
  if (header.typ) out.typ = *header.typ;
  if (!decode_payload(payload_b64, out.payload)) return std::unexpected(Error::kBadBase64);
  return out;
}

}  // namespace tessera::jose
