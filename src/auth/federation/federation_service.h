// Federated sign-in (SPEC.md "Federated sign-in"): Tessera as an OpenID Connect relying party
// to the configured upstream providers (auth/federation/upstream.h). The flow below HTTP:
//
//   start()   -> the provider's authorization URL (code flow, OIDC Core section 3.1.2.1) with
//                PKCE S256 (RFC 7636), a fresh `state` and `nonce`, and the flow ticket the api
//                puts in a short-lived __Host- cookie: it binds the flow to this browser.
//   finish()  -> checks the callback against the ticket: the state equal (constant time) and
//                never used before (CounterStore::increment of its hash: single use across
//                every node, also within the ticket's lifetime), RFC 9207 `iss` when the
//                provider advertises it (a different one: a mix-up, refused), an `error`
//                parameter; redeems the code (Upstream::redeem: the ID token checked per OIDC
//                Core section 3.1.3.7); then resolves the account and signs in through
//                AuthService::sign_in, exactly as a password login completes (session, device
//                notice, login.success).
//
// The ticket holds no secret (auth/signed_ticket.h): the PKCE verifier is an HMAC of the state
// under a key every node derives from the master key, so any node can finish any flow.
//
// Accounts (SPEC.md; OIDC Core section 5.7: only (iss, sub) identifies an end-user):
//   - a linked identity signs its user in (a disabled user is refused);
//   - an unknown identity whose email has an account is linked to it only when the provider
//     says `link = "verified_email"` and the ID token's email_verified is true; otherwise
//     refused (kAccountExists: the user signs in by password and adds the provider);
//   - an unknown identity with an email no account has: a new user (no password, the
//     provider's email_verified) when create_users, else refused (kNoAccount);
//   - started from the account page (StartRequest::link_to): the identity is linked to that
//     user (kIdentityTaken if it is someone else's); nobody is signed in.
// Every link and unlink is audited (federation.linked / federation.unlinked), and so is every
// refused callback (federation.refused, with the reason). A failed finish() creates nothing.
//
// Thread-safe. Blocking (the provider's endpoints and the stores): call from worker threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "auth/audit.h"
#include "auth/auth_service.h"
#include "auth/errors.h"
#include "auth/federation/upstream.h"
#include "auth/signed_ticket.h"
#include "auth/users.h"
#include "base/clock.h"
#include "crypto/hash.h"
#include "net/http_client.h"
#include "store/counter_store.h"
#include "store/credential_store.h"
#include "store/federated_identity_store.h"

namespace tessera::auth::federation {

// Why a flow failed: one value per cause for logs, audit and tests; the api maps each to a
// page (api/federation_handlers.cc) that says only what the user can act on.
enum class FederationErrc : std::uint8_t {
  kUnknownProvider,  // no provider with that id
  kUnavailable,      // the provider's discovery or keys are not loaded
  kBadReturnTo,      // return_to not on an allowed origin (checked by the api)
  kBadState,         // no flow cookie, an expired or forged one, or a state that is not its own
  kReplayedState,    // the state was used before
  kIssuerMismatch,   // RFC 9207 iss of another issuer, or missing where advertised
  kAccessDenied,     // the provider answered error=access_denied (the user said no)
  kUpstreamError,    // any other error= from the provider, or no code
  kRedeemFailed,     // the token endpoint failed or answered an error
  kIdTokenInvalid,   // the ID token failed OIDC Core section 3.1.3.7
  kEmailMissing,     // an unknown identity without an email: nothing to link or create
  kAccountExists,    // an unknown identity whose email has an account, and linking refused
  kNoAccount,        // an unknown identity, no account, and create_users off
  kUserDisabled,     // the linked user is disabled
  kIdentityTaken,    // linking from the account page: the identity is another user's
  kLastWayIn,        // unlink: the user would have no way to sign in
  kNotLinked,        // unlink: no such identity of the user
  kStore,            // a store or sign-in failure (FederationError::auth)
};

std::string_view to_string(FederationErrc e);

struct FederationError {
  FederationErrc code = FederationErrc::kStore;
  std::string detail;  // for logs only
  Error auth;          // for kStore: the underlying error (kUnavailable -> 503)
};

struct FederationConfig {
  // server.public_url (or the server's own URL): the redirect URI is
  // {public_url}/auth/federation/{id}/callback.
  std::string public_url;
  std::string ticket_key;  // flow tickets (TicketSigner); derived from the master key
  std::string pkce_key;    // PKCE verifiers from states; derived from the master key
  std::int64_t flow_ttl = 600;
};

struct ProviderStatus {
  std::string id;
  std::string name;
  std::string issuer;
  bool available = false;
  std::string problem;  // when unavailable
};

struct StartRequest {
  std::string provider;
  std::string return_to;                 // checked by the caller; "" for the default
  std::optional<store::UserId> link_to;  // from the account page: link, do not sign in
  std::optional<std::int64_t> max_age;   // step-up: OIDC Core max_age
  bool prompt_login = false;             // step-up: prompt=login
};

struct Started {
  std::string authorization_url;
  std::string ticket;  // the flow cookie's value
};

struct CallbackRequest {
  std::string provider;
  std::string ticket;  // the flow cookie ("" when absent)
  std::string state, code, iss, error;
  bool has_iss = false;
  SignInContext at;
};

struct Finished {
  bool signed_in = false;            // false: linked from the account page
  std::optional<LoginResult> login;  // when signed_in
  store::User user;
  std::string return_to;  // from start(); "" for the default
  bool created = false;   // a new user was made
  bool linked = false;    // an identity was linked now
};

class FederationService {
 public:
  // REQUIRES: every reference outlives this object.
  FederationService(std::vector<UpstreamConfig> providers, const net::HttpClient& http,
                    UserService& users, AuthService& auth,
                    std::shared_ptr<store::FederatedIdentityStore> identities,
                    std::shared_ptr<store::CounterStore> counters,
                    std::shared_ptr<store::CredentialStore> credentials, AuditService& audit,
                    const base::Clock& clock, FederationConfig config);
  ~FederationService();
  FederationService(const FederationService&) = delete;
  FederationService& operator=(const FederationService&) = delete;

  // Wiring only, before serving: the public URL once the server knows its own.
  void set_public_url(std::string url);
  // Fetches every provider's discovery and keys once (blocking; the server's start), then
  // keeps retrying the unavailable ones in the background until destroyed.
  void load_and_watch();

  bool empty() const { return upstreams_.empty(); }
  // How long a started flow may take (the flow cookie's Max-Age), seconds.
  std::int64_t flow_ttl() const { return config_.flow_ttl; }
  std::vector<ProviderStatus> providers() const;
  // The redirect URI registered with provider `id`.
  std::string redirect_uri(std::string_view id) const;

  std::expected<Started, FederationError> start(const StartRequest& request);
  std::expected<Finished, FederationError> finish(const CallbackRequest& request);

  // GET /auth/me, the account page: the user's identities (each with its provider's id and
  // name when one is configured for its issuer).
  struct LinkedIdentity {
    store::FederatedIdentity identity;
    std::string provider;  // "" when no configured provider has that issuer any more
    std::string name;
  };
  std::expected<std::vector<LinkedIdentity>, FederationError> identities(const store::UserId& user);

  // Unlinks (issuer, sub) from `user`: kNotLinked, kLastWayIn (no password, no passkey and no
  // other identity would remain), kStore. Audited.
  std::expected<void, FederationError> unlink(const store::User& user, std::string_view issuer,
                                              std::string_view sub, const AuditActor& actor);

 private:
  Upstream* find(std::string_view id) const;
  std::string verifier_of(std::string_view state) const;
  std::expected<Finished, FederationError> resolve(Upstream& upstream, const UpstreamIdentity& who,
                                                   const CallbackRequest& request,
                                                   std::optional<store::UserId> link_to);
  void refused(const CallbackRequest& request, const FederationError& e);
  void watch();

  std::vector<std::unique_ptr<Upstream>> upstreams_;
  UserService& users_;
  AuthService& auth_;
  std::shared_ptr<store::FederatedIdentityStore> identities_;
  std::shared_ptr<store::CounterStore> counters_;
  std::shared_ptr<store::CredentialStore> credentials_;
  AuditService& audit_;
  const base::Clock& clock_;
  FederationConfig config_;
  TicketSigner tickets_;
  crypto::HmacKey pkce_;

  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool stopping_ = false;  // guarded by watch_mu_
  std::thread watcher_;
};

}  // namespace tessera::auth::federation
