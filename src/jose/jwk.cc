#include "tessera/jwk.h"

#include <nlohmann/json.hpp>

#include "base/base64url.h"
#include "jose/algorithms.h"
#include "jose/json.h"
#include "jose/key_impl.h"

namespace tessera::jose {
namespace {

using detail::KeyImpl;
using simdjson::dom::object;

Error from_crypto(crypto::Error e) {
  switch (e) {
    case crypto::Error::kWeakKey:
      return Error::kWeakKey;
    case crypto::Error::kNoPrivateKey:
      return Error::kNotPrivateKey;
    case crypto::Error::kInternal:
      return Error::kInternal;
    default:
      return Error::kBadJwk;
  }
}

// A required (or, with required=false, optional) base64url member, decoded.
std::expected<std::string, Error> b64_member(object obj, std::string_view key, bool required) {
  auto s = json::get_string(obj, key, Error::kBadJwk);
  if (!s) return std::unexpected(s.error());
  if (!*s) {
    if (required) return std::unexpected(Error::kBadJwk);
    return std::string();
  }
  auto bytes = base::base64url_decode(**s);
  if (!bytes || (required && bytes->empty())) return std::unexpected(Error::kBadJwk);
  return std::move(*bytes);
}

std::optional<crypto::Curve> ec_curve(std::string_view crv) {
  if (crv == "P-256") return crypto::Curve::kP256;
  if (crv == "P-384") return crypto::Curve::kP384;
  if (crv == "P-521") return crypto::Curve::kP521;
  return std::nullopt;
}

std::string_view curve_name(crypto::Curve c) {
  switch (c) {
    case crypto::Curve::kP256:
      return "P-256";
    case crypto::Curve::kP384:
      return "P-384";
    case crypto::Curve::kP521:
      return "P-521";
  }
  return "";
}

KeyFamily family_of(const KeyImpl& k) { return alg_info(k.alg).family; }

// Refuses keys that are marked for something other than signatures (RFC 7517 4.2, 4.3).
std::expected<void, Error> check_usage(object obj) {
  auto use = json::get_string(obj, "use", Error::kBadJwk);
  if (!use) return std::unexpected(use.error());
  if (*use && **use != "sig") return std::unexpected(Error::kBadJwk);
  simdjson::dom::element ops;
  if (obj.at_key("key_ops").get(ops) == simdjson::SUCCESS) {
    simdjson::dom::array arr;
    if (ops.get_array().get(arr) != simdjson::SUCCESS) return std::unexpected(Error::kBadJwk);
    bool sig_op = false;
    for (auto op : arr) {
      std::string_view s;
      if (op.get_string().get(s) != simdjson::SUCCESS) return std::unexpected(Error::kBadJwk);
      if (s == "sign" || s == "verify") sig_op = true;
    }
    if (!sig_op) return std::unexpected(Error::kBadJwk);
  }
  return {};
}

// Decides the key's one algorithm from "alg", the curve, and the caller's hint.
std::expected<Alg, Error> decide_alg(object obj, KeyFamily family,
                                     std::optional<crypto::Curve> curve, std::optional<Alg> hint) {
  auto alg_s = json::get_string(obj, "alg", Error::kBadJwk);
  if (!alg_s) return std::unexpected(alg_s.error());
  std::optional<Alg> alg;
  if (*alg_s) {
    alg = alg_from_name(**alg_s);
    if (!alg) return std::unexpected(Error::kAlgUnknown);
  } else if (hint) {
    alg = hint;
  } else if (family == KeyFamily::kEc && curve) {
    alg = *curve == crypto::Curve::kP256   ? Alg::kES256
          : *curve == crypto::Curve::kP384 ? Alg::kES384
                                           : Alg::kES512;
  } else if (family == KeyFamily::kOkp) {
    alg = Alg::kEdDSA;
  } else {
    return std::unexpected(Error::kKeyAlgUnknown);
  }
  const AlgInfo& info = alg_info(*alg);
  if (info.family != family) return std::unexpected(Error::kAlgKeyMismatch);
  if (family == KeyFamily::kEc && curve && info.curve != *curve)
    return std::unexpected(Error::kAlgKeyMismatch);
  return *alg;
}

std::expected<std::shared_ptr<KeyImpl>, Error> make_hmac(Alg alg, std::string_view secret) {
  const AlgInfo& info = alg_info(alg);
  if (info.family != KeyFamily::kOct) return std::unexpected(Error::kAlgKeyMismatch);
  if (secret.size() < info.min_key_bytes) return std::unexpected(Error::kWeakKey);
  auto impl = std::make_shared<KeyImpl>();
  impl->alg = alg;
  impl->secret.assign(secret);
  impl->hmac = std::make_unique<crypto::HmacKey>(info.hash, secret);
  return impl;
}

std::expected<std::shared_ptr<KeyImpl>, Error> parse_key(object obj, std::optional<Alg> hint) {
  if (auto u = check_usage(obj); !u) return std::unexpected(u.error());
  auto kty = json::get_string(obj, "kty", Error::kBadJwk);
  if (!kty) return std::unexpected(kty.error());
  if (!*kty) return std::unexpected(Error::kBadJwk);
  auto kid = json::get_string(obj, "kid", Error::kBadJwk);
  if (!kid) return std::unexpected(kid.error());

  std::shared_ptr<KeyImpl> impl;
  if (**kty == "oct") {
    auto alg = decide_alg(obj, KeyFamily::kOct, std::nullopt, hint);
    if (!alg) return std::unexpected(alg.error());
    auto k = b64_member(obj, "k", true);
    if (!k) return std::unexpected(k.error());
    auto made = make_hmac(*alg, *k);
    crypto::cleanse(*k);
    if (!made) return std::unexpected(made.error());
    impl = std::move(*made);
  } else if (**kty == "RSA") {
    simdjson::dom::element oth;
    if (obj.at_key("oth").get(oth) == simdjson::SUCCESS) return std::unexpected(Error::kBadJwk);
    auto alg = decide_alg(obj, KeyFamily::kRsa, std::nullopt, hint);
    if (!alg) return std::unexpected(alg.error());
    crypto::RsaParams p;
    for (auto [name, dst, req] : {std::tuple{"n", &p.n, true},
                                  {"e", &p.e, true},
                                  {"d", &p.d, false},
                                  {"p", &p.p, false},
                                  {"q", &p.q, false},
                                  {"dp", &p.dp, false},
                                  {"dq", &p.dq, false},
                                  {"qi", &p.qi, false}}) {
      auto v = b64_member(obj, name, req);
      if (!v) return std::unexpected(v.error());
      *dst = std::move(*v);
    }
    auto key = crypto::AsymmetricKey::from_rsa(p);
    for (std::string* s : {&p.d, &p.p, &p.q, &p.dp, &p.dq, &p.qi}) crypto::cleanse(*s);
    if (!key) return std::unexpected(from_crypto(key.error()));
    impl = std::make_shared<KeyImpl>();
    impl->alg = *alg;
    impl->asym = std::move(*key);
  } else if (**kty == "EC") {
    auto crv = json::get_string(obj, "crv", Error::kBadJwk);
    if (!crv) return std::unexpected(crv.error());
    const auto curve = *crv ? ec_curve(**crv) : std::nullopt;
    if (!curve) return std::unexpected(Error::kBadJwk);
    auto alg = decide_alg(obj, KeyFamily::kEc, curve, hint);
    if (!alg) return std::unexpected(alg.error());
    crypto::EcParams p;
    p.curve = *curve;
    auto x = b64_member(obj, "x", true), y = b64_member(obj, "y", true),
         d = b64_member(obj, "d", false);
    if (!x || !y || !d) return std::unexpected(Error::kBadJwk);
    p.x = std::move(*x);
    p.y = std::move(*y);
    p.d = std::move(*d);
    auto key = crypto::AsymmetricKey::from_ec(p);
    crypto::cleanse(p.d);
    if (!key) return std::unexpected(from_crypto(key.error()));
    impl = std::make_shared<KeyImpl>();
    impl->alg = *alg;
    impl->asym = std::move(*key);
  } else if (**kty == "OKP") {
    auto crv = json::get_string(obj, "crv", Error::kBadJwk);
    if (!crv) return std::unexpected(crv.error());
    if (!*crv || **crv != "Ed25519") return std::unexpected(Error::kBadJwk);
    auto alg = decide_alg(obj, KeyFamily::kOkp, std::nullopt, hint);
    if (!alg) return std::unexpected(alg.error());
    crypto::OkpParams p;
    auto x = b64_member(obj, "x", true), d = b64_member(obj, "d", false);
    if (!x || !d) return std::unexpected(Error::kBadJwk);
    p.x = std::move(*x);
    p.d = std::move(*d);
    auto key = crypto::AsymmetricKey::from_ed25519(p);
    crypto::cleanse(p.d);
    if (!key) return std::unexpected(from_crypto(key.error()));
    impl = std::make_shared<KeyImpl>();
    impl->alg = *alg;
    impl->asym = std::move(*key);
  } else {
    return std::unexpected(Error::kBadJwk);
  }
  if (*kid) impl->kid.assign(**kid);
  return impl;
}

// Whether a well-formed key of a known type is one this library could sign or verify with.
// RFC 7517 section 5: a set may hold other keys (key wrapping, X25519, other curves), which
// are ignored rather than failing the whole set.
bool usable_for_signatures(object obj) {
  auto alg = json::get_string(obj, "alg", Error::kBadJwk);
  if (alg && *alg && !alg_from_name(**alg)) return false;
  auto crv = json::get_string(obj, "crv", Error::kBadJwk);
  auto kty = json::get_string(obj, "kty", Error::kBadJwk);
  if (crv && *crv && kty && *kty) {
    if (**kty == "OKP" && **crv != "Ed25519") return false;
    if (**kty == "EC" && !ec_curve(**crv)) return false;
  }
  return check_usage(obj).has_value();
}

// JWK parsing is off the hot path; one parser per thread keeps it allocation-light anyway.
json::StrictParser& jwk_parser() {
  thread_local json::StrictParser parser;
  return parser;
}

std::string b64(std::string_view bytes) { return base::base64url_encode(bytes); }

}  // namespace

std::expected<Jwk, Error> Jwk::parse(std::string_view text, std::optional<Alg> alg_hint) {
  auto obj = jwk_parser().parse_object(text);
  if (!obj) return std::unexpected(obj.error());
  auto impl = parse_key(*obj, alg_hint);
  if (!impl) return std::unexpected(impl.error());
  return Jwk(std::move(*impl));
}

std::expected<Jwk, Error> Jwk::from_secret(Alg alg, std::string_view secret, std::string kid) {
  auto impl = make_hmac(alg, secret);
  if (!impl) return std::unexpected(impl.error());
  (*impl)->kid = std::move(kid);
  return Jwk(std::move(*impl));
}

std::expected<Jwk, Error> Jwk::generate(Alg alg, std::string kid) {
  const AlgInfo& info = alg_info(alg);
  std::shared_ptr<KeyImpl> impl;
  if (info.family == KeyFamily::kOct) {
    // Twice the hash size: the minimum plus margin, still one HMAC block or less.
    std::string secret = crypto::random_bytes(2 * crypto::hash_size(info.hash));
    auto made = make_hmac(alg, secret);
    crypto::cleanse(secret);
    if (!made) return std::unexpected(made.error());
    impl = std::move(*made);
  } else {
    std::expected<crypto::AsymmetricKey, crypto::Error> key =
        info.family == KeyFamily::kRsa  ? crypto::AsymmetricKey::generate_rsa(2048)
        : info.family == KeyFamily::kEc ? crypto::AsymmetricKey::generate_ec(info.curve)
                                        : crypto::AsymmetricKey::generate_ed25519();
    if (!key) return std::unexpected(from_crypto(key.error()));
    impl = std::make_shared<KeyImpl>();
    impl->alg = alg;
    impl->asym = std::move(*key);
  }
  Jwk jwk(impl);
  impl->kid = kid.empty() ? jwk.thumbprint() : std::move(kid);
  return jwk;
}

Alg Jwk::alg() const { return impl_->alg; }
const std::string& Jwk::kid() const { return impl_->kid; }
bool Jwk::is_private() const { return impl_->hmac != nullptr || impl_->asym->has_private(); }
bool Jwk::is_symmetric() const { return impl_->hmac != nullptr; }

Jwk Jwk::public_key() const {
  if (!is_private() || is_symmetric()) return *this;
  auto impl = std::make_shared<KeyImpl>();
  impl->alg = impl_->alg;
  impl->kid = impl_->kid;
  const crypto::AsymmetricKey& a = *impl_->asym;
  std::expected<crypto::AsymmetricKey, crypto::Error> pub =
      a.type() == crypto::KeyType::kRsa  ? crypto::AsymmetricKey::from_rsa(a.rsa_params(false))
      : a.type() == crypto::KeyType::kEc ? crypto::AsymmetricKey::from_ec(a.ec_params(false))
                                         : crypto::AsymmetricKey::from_ed25519(a.okp_params(false));
  if (!pub) return *this;  // unreachable: the components came from a valid key
  impl->asym = std::move(*pub);
  return Jwk(std::move(impl));
}

std::string Jwk::to_json(bool include_private) const {
  nlohmann::ordered_json j;
  const KeyImpl& k = *impl_;
  const bool priv = include_private && is_private();
  switch (family_of(k)) {
    case KeyFamily::kOct:
      j["kty"] = "oct";
      break;
    case KeyFamily::kRsa:
      j["kty"] = "RSA";
      break;
    case KeyFamily::kEc:
      j["kty"] = "EC";
      break;
    case KeyFamily::kOkp:
      j["kty"] = "OKP";
      break;
  }
  if (!k.kid.empty()) j["kid"] = k.kid;
  j["use"] = "sig";
  j["alg"] = alg_name(k.alg);
  switch (family_of(k)) {
    case KeyFamily::kOct:
      j["k"] = b64(k.secret);
      break;
    case KeyFamily::kRsa: {
      crypto::RsaParams p = k.asym->rsa_params(priv);
      j["n"] = b64(p.n);
      j["e"] = b64(p.e);
      if (priv) {
        for (auto [name, v] : {std::pair{"d", &p.d},
                               {"p", &p.p},
                               {"q", &p.q},
                               {"dp", &p.dp},
                               {"dq", &p.dq},
                               {"qi", &p.qi}}) {
          if (!v->empty()) j[name] = b64(*v);
          crypto::cleanse(*v);
        }
      }
      break;
    }
    case KeyFamily::kEc: {
      crypto::EcParams p = k.asym->ec_params(priv);
      j["crv"] = curve_name(p.curve);
      j["x"] = b64(p.x);
      j["y"] = b64(p.y);
      if (priv) j["d"] = b64(p.d);
      crypto::cleanse(p.d);
      break;
    }
    case KeyFamily::kOkp: {
      crypto::OkpParams p = k.asym->okp_params(priv);
      j["crv"] = "Ed25519";
      j["x"] = b64(p.x);
      if (priv) j["d"] = b64(p.d);
      crypto::cleanse(p.d);
      break;
    }
  }
  return j.dump();
}

std::string Jwk::thumbprint() const {
  // RFC 7638 section 3.2: the required members only, in lexicographic order, no whitespace.
  // Every value is base64url or a fixed name, so no JSON escaping is needed.
  const KeyImpl& k = *impl_;
  std::string canon;
  switch (family_of(k)) {
    case KeyFamily::kOct:
      canon = R"({"k":")" + b64(k.secret) + R"(","kty":"oct"})";
      break;
    case KeyFamily::kRsa: {
      auto p = k.asym->rsa_params(false);
      canon = R"({"e":")" + b64(p.e) + R"(","kty":"RSA","n":")" + b64(p.n) + R"("})";
      break;
    }
    case KeyFamily::kEc: {
      auto p = k.asym->ec_params(false);
      canon = R"({"crv":")" + std::string(curve_name(p.curve)) + R"(","kty":"EC","x":")" +
              b64(p.x) + R"(","y":")" + b64(p.y) + R"("})";
      break;
    }
    case KeyFamily::kOkp: {
      auto p = k.asym->okp_params(false);
      canon = R"({"crv":"Ed25519","kty":"OKP","x":")" + b64(p.x) + R"("})";
      break;
    }
  }
  const auto h = crypto::sha256(canon);
  crypto::cleanse(canon);
  return b64(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::expected<Jwks, Error> Jwks::parse(std::string_view text, std::optional<Alg> alg_hint) {
  auto obj = jwk_parser().parse_object(text);
  if (!obj) return std::unexpected(obj.error());
  simdjson::dom::array arr;
  if (obj->at_key("keys").get_array().get(arr) != simdjson::SUCCESS)
    return std::unexpected(Error::kBadJwk);
  std::vector<Jwk> keys;
  for (auto e : arr) {
    simdjson::dom::object ko;
    if (e.get_object().get(ko) != simdjson::SUCCESS) return std::unexpected(Error::kBadJwk);
    // RFC 7517 section 5: skip keys of a type we do not understand, and encryption keys.
    auto use = json::get_string(ko, "use", Error::kBadJwk);
    auto kty = json::get_string(ko, "kty", Error::kBadJwk);
    if (!use || !kty || !*kty) return std::unexpected(Error::kBadJwk);
    if (*use && **use == "enc") continue;
    if (**kty != "oct" && **kty != "RSA" && **kty != "EC" && **kty != "OKP") continue;
    if (!usable_for_signatures(ko)) continue;
    auto impl = parse_key(ko, alg_hint);
    if (!impl) return std::unexpected(impl.error());
    keys.push_back(Jwk(std::move(*impl)));
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (!keys[i].kid().empty() && keys[i].kid() == keys[j].kid())
        return std::unexpected(Error::kBadJwk);
    }
  }
  return Jwks(std::move(keys));
}

const Jwk* Jwks::find(std::string_view kid) const {
  for (const Jwk& k : keys_) {
    if (k.kid() == kid) return &k;
  }
  return nullptr;
}

std::string Jwks::to_json() const {
  std::string out = R"({"keys":[)";
  bool first = true;
  for (const Jwk& k : keys_) {
    if (k.is_symmetric()) continue;  // a shared secret is never published
    if (!first) out += ',';
    first = false;
    out += k.to_json(false);
  }
  out += "]}";
  return out;
}

}  // namespace tessera::jose
