// The token endpoint's grants (RFC 6749 sections 4.1.3, 4.4 and 6; OIDC Core 1.0 section
// 3.1.3), free of HTTP: api/oauth_token.cc authenticates the client (auth/client_authentication.h),
// reads the form and renders what this returns. Every grant answers for an AUTHENTICATED client
// (or a public client identified by its client_id), and checks that the client may use it
// (unauthorized_client otherwise).
//
//   authorization_code  the code (store/authorization_code_store.h) must be unknown to nobody,
//                       unexpired, issued to this client, for this redirect_uri (exactly, when
//                       the authorization request named one; RFC 6749 section 4.1.3), and prove
//                       PKCE: with a challenge, the verifier must match it (RFC 7636 section
//                       4.6); WITHOUT one, a code_verifier is refused (RFC 9700 section 2.1.1:
//                       the PKCE downgrade). Every fault is invalid_grant. The user must still
//                       exist and be enabled. Redemption starts a refresh family bound to the
//                       client, with the granted scope and the user's auth_time; the refresh
//                       token goes out only when the client may use the refresh_token grant.
//                       A code presented again (or by the loser of a race) revokes the family
//                       its first redemption started, with its access tokens (RFC 6749 section
//                       4.1.2), and is audited (oauth.code_replay). With `openid` in scope, an
//                       ID token (auth/id_tokens.h) with the request's nonce.
//   refresh_token       rotation on the client's family (auth/refresh_families.h: reuse
//                       detection, the grace rule, the binding to the client); `scope` may only
//                       narrow the family's (invalid_scope otherwise), for this access token.
//   client_credentials  confidential clients only (their registration says so): a service token
//                       (sub = client_id), the requested scope within the client's (default:
//                       all of the client's), no refresh token (RFC 6749 section 4.4.3).
//
// Thread-safe. REQUIRES: every referenced service outlives this object.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/access_tokens.h"
#include "auth/audit.h"
#include "auth/id_tokens.h"
#include "auth/oauth_error.h"
#include "auth/refresh_families.h"
#include "base/clock.h"
#include "store/authorization_code_store.h"
#include "store/client_store.h"
#include "store/user_store.h"

namespace tessera::auth {

// A successful token response (RFC 6749 section 5.1; OIDC Core section 3.1.3.3).
struct OAuthTokenResponse {
  std::string access_token;
  std::int64_t expires_in = 0;
  std::string refresh_token;  // "" : none
  std::string id_token;       // "" : none
  std::string scope;          // what the access token grants
};

// The parameters of a token request beyond the grant type and client authentication.
struct CodeGrantParams {
  std::string code;
  std::optional<std::string> redirect_uri;
  std::optional<std::string> code_verifier;
};

class OAuthGrants {
 public:
  OAuthGrants(std::shared_ptr<store::AuthorizationCodeStore> codes,
              std::shared_ptr<store::UserStore> users, RefreshFamilies& families,
              AccessTokens& access, IdTokens& id_tokens, AuditService& audit,
              const base::Clock& clock);

  // `from`: the client's address and user agent, for the family and the audit log.
  std::expected<OAuthTokenResponse, OAuthError> authorization_code(const store::Client& client,
                                                                   const CodeGrantParams& params,
                                                                   const AuditActor& from);
  std::expected<OAuthTokenResponse, OAuthError> refresh_token(
      const store::Client& client, std::string_view refresh_token,
      const std::optional<std::string>& scope, const AuditActor& from);
  // Not audited one by one: a service may ask every few minutes, for ever (the metrics count
  // them); its registration and secret changes are audited.
  std::expected<OAuthTokenResponse, OAuthError> client_credentials(
      const store::Client& client, const std::optional<std::string>& scope);

 private:
  // The family the code's first redemption started is revoked (the code was presented
  // again), and the replay audited.
  void revoke_replayed(const store::AuthorizationCode& code, const AuditActor& from);

  std::shared_ptr<store::AuthorizationCodeStore> codes_;
  std::shared_ptr<store::UserStore> users_;
  RefreshFamilies& families_;
  AccessTokens& access_;
  IdTokens& id_tokens_;
  AuditService& audit_;
  const base::Clock& clock_;
};

// Whether the client registered `grant` (auth/clients.h grant names).
bool client_may_use(const store::Client& client, std::string_view grant);

}  // namespace tessera::auth
