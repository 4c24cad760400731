#include "verifier/access_claims.h"

#include <utility>

#include "base/uuid.h"
#include "verifier/jti.h"

namespace tessera::verifier {

jose::ClaimsPolicy access_token_policy(std::string issuer, std::string audience,
                                       std::int64_t leeway_seconds) {
  jose::ClaimsPolicy policy;
  policy.issuer = std::move(issuer);
  policy.audience = std::move(audience);
  policy.leeway_seconds = leeway_seconds;
  policy.typ = "at+jwt";
  policy.required = {"iss", "sub", "aud", "exp", "iat", "jti"};
  return policy;
}

std::optional<AccessFacts> access_facts(const jose::Claims& claims) {
  AccessFacts out;
  out.service = claims.sid.empty();
  if (out.service) {
    if (claims.client_id.empty() || claims.sub != claims.client_id) return std::nullopt;
  } else {
    auto user = base::parse_uuid(claims.sub);
    if (!user) return std::nullopt;
    out.user = *user;
  }
  auto issued_ms = jti_issued_ms(claims.jti);
  if (!issued_ms || !claims.exp) return std::nullopt;
  out.issued_ms = *issued_ms;
  return out;
}

}  // namespace tessera::verifier
