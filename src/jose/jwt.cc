#include "tessera/jwt.h"

#include <algorithm>

#include "jose/json.h"

namespace tessera::jose {
namespace {

json::StrictParser& claims_parser() {
  thread_local json::StrictParser parser;
  return parser;
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

// RFC 9068 section 4: "at+jwt", or "application/at+jwt", compared case-insensitively.
bool typ_matches(std::string_view got, std::string_view want) {
  if (ascii_iequals(got, want)) return true;
  constexpr std::string_view kPrefix = "application/";
  return got.size() > kPrefix.size() && ascii_iequals(got.substr(0, kPrefix.size()), kPrefix) &&
         ascii_iequals(got.substr(kPrefix.size()), want);
}

std::expected<std::string, Error> string_claim(simdjson::dom::element v) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return std::unexpected(Error::kClaimType);
  return std::string(s);
}

std::expected<std::vector<std::string>, Error> string_list(simdjson::dom::element v,
                                                           bool allow_single) {
  std::vector<std::string> out;
  std::string_view s;
  if (allow_single && v.get_string().get(s) == simdjson::SUCCESS) {
    out.emplace_back(s);
    return out;
  }
  simdjson::dom::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return std::unexpected(Error::kClaimType);
  for (auto e : arr) {
    if (e.get_string().get(s) != simdjson::SUCCESS) return std::unexpected(Error::kClaimType);
    out.emplace_back(s);
  }
  return out;
}

// The claims read_claims understands, for the `required` check without a second lookup.
constexpr std::string_view kKnown[] = {"iss",       "sub",   "jti", "sid", "scope",
                                       "client_id", "exp",   "nbf", "iat", "auth_time",
                                       "aud",       "roles", "acr", "amr"};

unsigned known_bit(std::string_view name) {
  for (unsigned i = 0; i < std::size(kKnown); ++i) {
    if (kKnown[i] == name) return 1u << i;
  }
  return 0;
}

// Reads the claims Tessera understands; other claims stay only in Claims::json. Sets in
// `seen` the known_bit of every known claim present.
std::expected<Claims, Error> read_claims(simdjson::dom::object obj, unsigned& seen) {
  Claims c;
  seen = 0;
  for (auto field : obj) {
    const std::string_view k = field.key;
    seen |= known_bit(k);
    std::string* str = k == "iss"         ? &c.iss
                       : k == "sub"       ? &c.sub
                       : k == "jti"       ? &c.jti
                       : k == "sid"       ? &c.sid
                       : k == "scope"     ? &c.scope
                       : k == "client_id" ? &c.client_id
                       : k == "acr"       ? &c.acr
                                          : nullptr;
    std::optional<std::int64_t>* num = k == "exp"         ? &c.exp
                                       : k == "nbf"       ? &c.nbf
                                       : k == "iat"       ? &c.iat
                                       : k == "auth_time" ? &c.auth_time
                                                          : nullptr;
    if (str) {
      auto v = string_claim(field.value);
      if (!v) return std::unexpected(v.error());
      *str = std::move(*v);
    } else if (num) {
      // NumericDate must be an integer here: no fractions, exponents or strings.
      auto v = json::as_int64(field.value);
      if (!v) return std::unexpected(Error::kClaimType);
      *num = *v;
    } else if (k == "aud" || k == "roles" || k == "amr") {
      auto v = string_list(field.value, k == "aud");
      if (!v) return std::unexpected(v.error());
      (k == "aud" ? c.aud : k == "roles" ? c.roles : c.amr) = std::move(*v);
    }
  }
  return c;
}

// validate_claims without filling Claims::json (the callers copy or move the payload in).
std::expected<Claims, Error> validate(const VerifiedJws& jws, const ClaimsPolicy& policy,
                                      std::int64_t now) {
  if (!policy.typ.empty() && !typ_matches(jws.typ, policy.typ))
    return std::unexpected(Error::kBadTyp);
  auto obj = claims_parser().parse_object(jws.payload);
  if (!obj) return std::unexpected(obj.error());
  unsigned seen = 0;
  auto claims = read_claims(*obj, seen);
  if (!claims) return std::unexpected(claims.error());
  for (const std::string& name : policy.required) {
    const unsigned bit = known_bit(name);
    simdjson::dom::element e;
    const bool present =
        bit != 0 ? (seen & bit) != 0 : obj->at_key(name).get(e) == simdjson::SUCCESS;
    if (!present) return std::unexpected(Error::kMissingClaim);
  }
  // 128-bit arithmetic: any int64 claim, clock or leeway compares without overflow.
  __extension__ using Wide = __int128;
  const Wide t = now, leeway = policy.leeway_seconds;
  if (claims->exp && t >= Wide{*claims->exp} + leeway) return std::unexpected(Error::kExpired);
  if (claims->nbf && t < Wide{*claims->nbf} - leeway) return std::unexpected(Error::kNotYetValid);
  if (claims->iat && Wide{*claims->iat} > t + leeway)
    return std::unexpected(Error::kIssuedInFuture);
  if (!policy.issuer.empty() && claims->iss != policy.issuer)
    return std::unexpected(Error::kIssuerMismatch);
  if (!policy.audience.empty() &&
      std::find(claims->aud.begin(), claims->aud.end(), policy.audience) == claims->aud.end()) {
    return std::unexpected(Error::kAudienceMismatch);
  }
  return claims;
}

}  // namespace

std::expected<Claims, Error> validate_claims(const VerifiedJws& jws, const ClaimsPolicy& policy,
                                             std::int64_t now) {
  auto claims = validate(jws, policy, now);
  if (claims) claims->json = jws.payload;
  return claims;
}

std::expected<Claims, Error> verify_jwt(std::string_view token, const Jwks& keys,
                                        const ClaimsPolicy& policy, std::int64_t now,
                                        const VerifyOptions& options) {
  auto jws = verify(token, keys, options);
  if (!jws) return std::unexpected(jws.error());
  auto claims = validate(*jws, policy, now);
  if (claims) claims->json = std::move(jws->payload);
  return claims;
}

}  // namespace tessera::jose
