#include "auth/federation/id_token_check.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "crypto/hash.h"
#include "tessera/jws.h"
#include "tessera/jwt.h"

namespace tessera::auth::federation {
namespace {

bool is_hmac(jose::Alg a) {
  return a == jose::Alg::kHS256 || a == jose::Alg::kHS384 || a == jose::Alg::kHS512;
}

std::unexpected<IdTokenError> fail(IdTokenErrc code) { return std::unexpected(IdTokenError{code}); }

}  // namespace

std::string describe(const IdTokenError& e) {
  switch (e.code) {
    case IdTokenErrc::kJose:
      return "jose: " + std::string(jose::describe(e.jose));
    case IdTokenErrc::kAlgNotAllowed:
      return "algorithm not allowed for this provider's ID tokens";
    case IdTokenErrc::kNonce:
      return "nonce missing or not this flow's";
    case IdTokenErrc::kAzp:
      return "azp is not our client";
    case IdTokenErrc::kStale:
      return "ID token issued too long ago";
    case IdTokenErrc::kAuthTimeMissing:
      return "auth_time missing or older than max_age";
    case IdTokenErrc::kBadSubject:
      return "sub empty or too long";
    case IdTokenErrc::kBadClaim:
      return "a claim has the wrong type";
  }
  return "unknown";
}

std::vector<jose::Alg> allowed_id_token_algs(const std::vector<std::string>& advertised) {
  std::vector<jose::Alg> out;
  if (advertised.empty()) return {jose::Alg::kRS256};  // OIDC Discovery: the default
  for (const std::string& name : advertised) {
    auto alg = jose::alg_from_name(name);  // "none" and unknown names give nullopt
    if (alg && !is_hmac(*alg) && std::find(out.begin(), out.end(), *alg) == out.end()) {
      out.push_back(*alg);
    }
  }
  return out;
}

std::expected<UpstreamIdentity, IdTokenError> check_id_token(std::string_view token,
                                                             const jose::Jwks& keys,
                                                             const IdTokenExpectations& expect) {
  const std::vector<jose::Alg> algs = allowed_id_token_algs(expect.advertised_algs);
  if (algs.empty()) return fail(IdTokenErrc::kAlgNotAllowed);
  auto jws = jose::verify(token, keys, {.allowed_algs = algs});
  if (!jws) {
    if (jws.error() == jose::Error::kAlgNotAllowed) return fail(IdTokenErrc::kAlgNotAllowed);
    return std::unexpected(IdTokenError{IdTokenErrc::kJose, jws.error()});
  }
  // A key set with an HMAC key (no provider should publish one) must not verify anything.
  if (is_hmac(jws->alg)) return fail(IdTokenErrc::kAlgNotAllowed);
  const jose::ClaimsPolicy policy{.issuer = expect.issuer,
                                  .audience = expect.client_id,
                                  .leeway_seconds = expect.leeway,
                                  .typ = "",
                                  .required = {"iss", "sub", "aud", "exp", "iat"}};
  auto claims = jose::validate_claims(*jws, policy, expect.now);
  if (!claims) return std::unexpected(IdTokenError{IdTokenErrc::kJose, claims.error()});
  if (claims->sub.empty() || claims->sub.size() > 255) return fail(IdTokenErrc::kBadSubject);
  if (*claims->iat < expect.now - kMaxIdTokenAge) return fail(IdTokenErrc::kStale);

  // The members the typed Claims do not carry. The payload parsed once already (jose).
  const auto payload = nlohmann::json::parse(claims->json, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object()) return fail(IdTokenErrc::kBadClaim);
  auto string_member = [&](const char* name) -> std::optional<std::string> {
    auto it = payload.find(name);
    if (it == payload.end()) return std::string();
    if (!it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto nonce = string_member("nonce");
  if (!nonce) return fail(IdTokenErrc::kBadClaim);
  if (nonce->empty() || expect.nonce.empty() ||
      !crypto::constant_time_equal(*nonce, expect.nonce)) {
    return fail(IdTokenErrc::kNonce);
  }
  auto azp = string_member("azp");
  if (!azp) return fail(IdTokenErrc::kBadClaim);
  if ((!azp->empty() && *azp != expect.client_id) || (azp->empty() && claims->aud.size() > 1)) {
    return fail(IdTokenErrc::kAzp);
  }
  UpstreamIdentity out;
  auto email = string_member("email");
  if (!email) return fail(IdTokenErrc::kBadClaim);
  out.email = std::move(*email);
  if (auto it = payload.find("email_verified"); it != payload.end()) {
    // A boolean only: a string "true" (some providers) is not taken as proof.
    if (!it->is_boolean()) return fail(IdTokenErrc::kBadClaim);
    out.email_verified = it->get<bool>();
  }
  if (expect.max_age &&
      (!claims->auth_time || expect.now - *claims->auth_time > *expect.max_age + expect.leeway)) {
    return fail(IdTokenErrc::kAuthTimeMissing);
  }
  out.issuer = claims->iss;
  out.sub = claims->sub;
  out.amr = claims->amr;
  out.auth_time = claims->auth_time;
  out.iat = *claims->iat;
  return out;
}

}  // namespace tessera::auth::federation
