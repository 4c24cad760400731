#include "auth/id_tokens.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "auth/auth_context.h"
#include "auth/scope.h"
#include "base/base64url.h"
#include "crypto/hash.h"
#include "jose/algorithms.h"
#include "tessera/jws.h"

namespace tessera::auth {
namespace {

constexpr std::size_t kMaxHintBytes = 8 * 1024;

// The JWS algorithm's own hash (jose/algorithms.h), except for EdDSA: Ed25519 hashes inside
// the signature, and OIDC uses SHA-512 for its at_hash (the OpenID Foundation's ruling).
crypto::Hash hash_of(jose::Alg alg) {
  return alg == jose::Alg::kEdDSA ? crypto::Hash::kSha512 : jose::alg_info(alg).hash;
}

}  // namespace

IdTokens::IdTokens(KeyringService& keyring, const AccessTokens& access, const base::Clock& clock,
                   std::int64_t ttl_seconds)
    : keyring_(keyring), access_(access), clock_(clock), ttl_(ttl_seconds) {}

std::string IdTokens::at_hash(std::string_view access_token, jose::Alg alg) {
  const crypto::Digest d = crypto::digest(hash_of(alg), access_token);
  return base::base64url_encode(d.view().substr(0, d.size / 2));
}

std::expected<std::string, Error> IdTokens::issue(const store::User& user,
                                                  const IdTokenRequest& request) {
  const auto view = keyring_.current();
  if (!view || !view->signer) {
    return std::unexpected(make_error(Errc::kUnavailable, "no signing key"));
  }
  const std::int64_t now = clock_.now_unix();
  nlohmann::json claims = {
      {"iss", access_.config().issuer},
      {"sub", store::to_uuid(user.id)},
      {"aud", request.client_id},
      {"azp", request.client_id},
      {"iat", now},
      {"exp", now + ttl_},
      {"auth_time", request.auth_time},
  };
  if (!request.nonce.empty()) claims["nonce"] = request.nonce;
  if (!request.sid.empty()) claims["sid"] = request.sid;
  if (!request.amr.empty()) {
    // OIDC Core section 2: amr (RFC 8176 values) and the level they reach (auth_context.h).
    auto amr = Amr::parse(request.amr);
    if (!amr) return std::unexpected(make_error(Errc::kInternal, "stored amr does not parse"));
    claims["amr"] = amr->values();
    claims["acr"] = amr->acr();
  }
  if (!request.access_token.empty()) {
    claims["at_hash"] = at_hash(request.access_token, view->signer->alg());
  }
  if (has_scope(request.scope, "email")) {
    claims["email"] = user.email;
    claims["email_verified"] = user.email_verified;  // a mailed link was followed (lifecycle)
  }
  auto token = jose::sign(*view->signer, claims.dump(),
                          jose::SignOptions{.kid = view->signer->kid(), .typ = "JWT"});
  if (!token) return std::unexpected(make_error(Errc::kInternal, "cannot sign"));
  return std::move(*token);
}

std::expected<IdTokenHint, Error> IdTokens::verify_hint(std::string_view token) const {
  const auto refused = [] { return std::unexpected(make_error(Errc::kUnauthenticated)); };
  if (token.empty() || token.size() > kMaxHintBytes) return refused();
  const auto view = keyring_.current();
  if (!view) return std::unexpected(make_error(Errc::kUnavailable));
  auto jws = jose::verify(token, view->verifiers);
  if (!jws || jws->typ == "at+jwt") return refused();
  const auto claims = nlohmann::json::parse(jws->payload, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object()) return refused();
  const auto iss = claims.find("iss");
  const auto sub = claims.find("sub");
  const auto aud = claims.find("aud");
  if (iss == claims.end() || !iss->is_string() || *iss != access_.config().issuer ||
      sub == claims.end() || !sub->is_string() || aud == claims.end()) {
    return refused();
  }
  IdTokenHint hint;
  hint.sub = sub->get<std::string>();
  if (aud->is_string()) {
    hint.aud.push_back(aud->get<std::string>());
  } else if (aud->is_array()) {
    for (const auto& a : *aud) {
      if (!a.is_string()) return refused();
      hint.aud.push_back(a.get<std::string>());
    }
  } else {
    return refused();
  }
  if (const auto sid = claims.find("sid"); sid != claims.end() && sid->is_string()) {
    hint.sid = sid->get<std::string>();
  }
  return hint;
}

}  // namespace tessera::auth
