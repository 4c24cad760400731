// The authorization endpoint's decisions (RFC 6749 section 4.1.1-4.1.2, RFC 7636, RFC 9207,
// OIDC Core 1.0 section 3.1.2), free of HTTP: api/oauth_authorize.cc reads the request and
// renders what this decides.
//
// A request goes through three stages:
//   1. validate(): who is asking and where the answer goes. An unknown client, or a
//      redirect_uri that is not one of the client's registered ones exactly (RFC 8252 section
//      7.3's loopback port aside: uri::redirect_uri_matches), is an ERROR PAGE: the user is
//      never sent to an unverified address (section 4.1.2.1). Once the redirect URI is trusted,
//      every other fault goes back to it (kRedirectError): response_type other than "code"
//      (unsupported_response_type), a client without the authorization_code grant
//      (unauthorized_client), a scope that is malformed or not the client's (invalid_scope),
//      PKCE missing for a public client, or a method other than S256 (`plain` is refused),
//      a malformed challenge, prompt, max_age or an over-long state or nonce
//      (invalid_request), request objects (request_not_supported is not ours to offer:
//      invalid_request), a response_mode other than query.
//   2. decide(): given who is signed in on the browser (if anyone) -
//      - nobody, prompt=login, or an authentication older than max_age: the login page, which
//        comes back here (kLogin; with prompt=none instead: login_required to the client);
//      - acr_values=aal2 and a one-factor authentication of a user who has a second factor:
//        the login page too (the new sign-in will demand the factor). A user without one, or
//        prompt=none, gets the code with acr "aal1" in the ID token: the request is voluntary;
//      - a third-party client that was not yet allowed every requested scope, or prompt=consent:
//        the consent page (kConsent; with prompt=none: consent_required). First-party clients
//        never ask;
//      - else a code (kCode).
//   3. consent(): the consent page's answer, which carries the validated request in a ticket
//      (a MAC under a deployment-wide key, bound to the user, expiring after 10 minutes): deny
//      sends access_denied to the client; allow remembers the grant (ConsentService) and issues
//      the code. The ticket is also what makes the form CSRF-proof: a page on another origin
//      can neither read one nor make one for the victim.
//
// A code is 256 random bits (base64url), lives 60 seconds and is stored as its SHA-256 with
// everything the token endpoint must check (store/authorization_code_store.h).
//
// Thread-safe. REQUIRES: every referenced service outlives this object.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/audit.h"
#include "auth/clients.h"
#include "auth/consents.h"
#include "auth/errors.h"
#include "auth/oauth_error.h"
#include "auth/signed_ticket.h"
#include "base/clock.h"
#include "crypto/hash.h"
#include "store/authorization_code_store.h"

namespace tessera::auth {

// The request's parameters as the client sent them (query or form); nullopt when absent. The
// HTTP layer refuses a repeated parameter before this (RFC 6749 section 3.1).
struct AuthorizationParams {
  std::optional<std::string> response_type, client_id, redirect_uri, scope, state, nonce,
      code_challenge, code_challenge_method, prompt, max_age, login_hint, response_mode, request,
      request_uri, acr_values;
};

// A request that passed validate().
struct AuthorizationRequest {
  store::Client client;
  std::string redirect_uri;         // where the answer goes (the registered one if none was given)
  bool redirect_uri_given = false;  // whether the request named it (the token request must then)
  std::vector<std::string> scope;
  std::string state;
  std::string nonce;
  std::string code_challenge;  // S256, "" when none
  bool prompt_none = false, prompt_login = false, prompt_consent = false;
  std::optional<std::int64_t> max_age;
  std::string login_hint;
  // acr_values (OIDC Core section 3.1.2.1) named "aal2": the client asks for a multi-factor
  // sign-in (auth/auth_context.h). Other values are ignored: acr_values is a voluntary request,
  // and the ID token's acr says what was achieved.
  bool wants_mfa = false;
};

// The browser's signed-in user, as the authorization endpoint needs it.
struct AuthorizationViewer {
  store::User user;
  std::int64_t auth_time = 0;
  std::string amr;  // RFC 8176 values, space-separated ("pwd")
  // Whether the user has a second factor enrolled (auth/second_factors.h): only then can a new
  // sign-in satisfy acr_values=aal2. Needed only when amr lacks "mfa".
  bool has_second_factor = false;
};

namespace authorization {

// An error page, never a redirect (stage 1's first faults).
struct ErrorPage {
  OAuthError error;
};
// The error goes to the client (RFC 6749 section 4.1.2.1).
struct RedirectError {
  std::string redirect_uri;
  OAuthError error;
  std::string state;
};
// The user must sign in first; then the browser comes back to the same request (the request
// is replayed without prompt=login and max_age, which a fresh sign-in satisfies).
struct Login {
  AuthorizationRequest request;
  std::string login_hint;
};
// The consent page: what to show, and the ticket its form sends back.
struct Consent {
  AuthorizationRequest request;
  std::string ticket;
};
// Success: the code goes to the client.
struct Code {
  std::string redirect_uri;
  std::string code;
  std::string state;
};

}  // namespace authorization

using AuthorizationOutcome =
    std::variant<authorization::ErrorPage, authorization::RedirectError, authorization::Login,
                 authorization::Consent, authorization::Code>;

struct AuthorizationConfig {
  std::int64_t code_ttl = 60;  // seconds (RFC 6749 section 4.1.2: "maximum ... 10 minutes
                               // ... RECOMMENDED"; one minute is ample for a redirect)
  std::int64_t consent_ticket_ttl = 600;  // seconds the consent page may stay open
  // How long a code is kept past its expiry so that a late replay is still recognised (and
  // revokes what the code issued) before purge() deletes it: seconds.
  std::int64_t code_keep = 24 * 60 * 60;
  // Keys the consent tickets. Every node of a deployment must use the same one (app/services.cc
  // derives it from the master key). Empty: a random key for this process only.
  std::string ticket_key;
};

class AuthorizationService {
 public:
  AuthorizationService(ClientService& clients, ConsentService& consents,
                       std::shared_ptr<store::AuthorizationCodeStore> codes,
                       const base::Clock& clock, AuthorizationConfig config);

  // Stage 1. The error is an ErrorPage or a RedirectError.
  std::expected<AuthorizationRequest, AuthorizationOutcome> validate(
      const AuthorizationParams& params);

  // Stage 2 for a validated request. `viewer`: nullopt when nobody is signed in.
  AuthorizationOutcome decide(const AuthorizationRequest& request,
                              const std::optional<AuthorizationViewer>& viewer);

  // Stage 3: the consent form's `ticket` and whether the user allowed. The viewer must be the
  // user the ticket was made for (else an ErrorPage, as for a bad or expired ticket).
  AuthorizationOutcome consent(std::string_view ticket, bool allowed,
                               const AuthorizationViewer& viewer, const AuditActor& from);

  // The request's parameters again, for the login page's way back: what validate() accepted,
  // minus prompt=login and max_age (a fresh sign-in satisfies both, and keeping them would
  // send the user back to the login page forever).
  static std::vector<std::pair<std::string, std::string>> replay_params(
      const AuthorizationRequest& request);

  // Deletes codes that expired more than code_keep ago (call periodically). Returns how many.
  std::expected<std::size_t, Error> purge();

  const AuthorizationConfig& config() const { return config_; }

 private:
  // A code for the request, stored; or the RedirectError to send (a store failure).
  AuthorizationOutcome issue_code(const AuthorizationRequest& request,
                                  const AuthorizationViewer& viewer);
  std::string make_ticket(const AuthorizationRequest& request, const store::User& user) const;

  ClientService& clients_;
  ConsentService& consents_;
  std::shared_ptr<store::AuthorizationCodeStore> codes_;
  const base::Clock& clock_;
  AuthorizationConfig config_;
  TicketSigner tickets_;
};

}  // namespace tessera::auth
