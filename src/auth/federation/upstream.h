// One upstream OpenID Connect provider as Tessera (the relying party) talks to it: its
// discovery document, its keys, and its token endpoint, over the one outbound HTTP client
// (net/http_client.h). Blocking: call it from a worker thread, never an I/O thread.
//
// Availability: refresh() fetches and checks discovery (auth/federation/discovery.h) and the
// JWKS; until one succeeds the provider is unavailable (its button says so, /readyz lists it)
// and the server runs on. retry_if_due() tries again at most once per kRetryInterval, so a
// provider that was down at start comes back by itself without a request storm reaching it.
//
// The email: from the ID token; a provider that keeps it for the userinfo response (OIDC Core
// section 5.4: scope-requested claims go there when an access token is issued) is asked there,
// with the access token the code gave, and its answer is taken only for the same `sub`
// (section 5.3.4: a userinfo answer for another subject is refused).
//
// Keys: cached; an ID token signed with a kid the cache does not know makes ONE refetch (at
// most once per kJwksRefetchInterval: a stream of forged kids cannot make us hammer the
// provider), then the check runs again on the new set (the provider rotated its keys).
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/federation/discovery.h"
#include "auth/federation/id_token_check.h"
#include "net/http_client.h"
#include "tessera/jwk.h"

namespace tessera::auth::federation {

// A [[federation.providers]] entry, its secret read (app/config_federation.h).
struct UpstreamConfig {
  std::string id;
  std::string name;
  std::string issuer;
  std::string client_id;
  std::string client_secret;
  bool secret_in_body = false;  // client_secret_post; else client_secret_basic
  // private_key_jwt (RFC 7523 section 2.2, OIDC Core section 9): the private key that signs
  // the client assertion; set, it replaces the secret.
  std::optional<jose::Jwk> assertion_key;
  std::vector<std::string> scopes;
  bool link_verified_email = true;  // link = "verified_email"
  bool create_users = false;
};

// Why an exchange with the provider failed (for logs; users see a bland page).
enum class UpstreamErrc : std::uint8_t {
  kUnavailable,  // discovery or JWKS not loaded (yet)
  kTransport,    // the HTTP exchange failed (net::HttpErrc in the detail)
  kTokenError,   // the token endpoint answered an error (not 200)
  kBadResponse,  // the token response is not JSON with an id_token
  kIdToken,      // the ID token failed its checks (UpstreamError::id_token)
  kUserinfo,     // the userinfo answer failed (status, not JSON, another sub, wrong types)
};

struct UpstreamError {
  UpstreamErrc code = UpstreamErrc::kUnavailable;
  IdTokenError id_token;  // for kIdToken
  std::string detail;     // for logs only
};

class Upstream {
 public:
  static constexpr std::chrono::seconds kRetryInterval{5};
  static constexpr std::chrono::seconds kJwksRefetchInterval{10};

  // REQUIRES: `http` outlives this object.
  Upstream(UpstreamConfig config, const net::HttpClient& http);

  const UpstreamConfig& config() const { return config_; }

  // Fetches and checks discovery and the JWKS; on failure the provider stays (or becomes)
  // unavailable with the reason. Returns whether it is available now.
  bool refresh();
  // refresh() when the provider is unavailable and the last attempt is kRetryInterval old.
  bool retry_if_due();

  bool available() const;
  // Why it is unavailable ("" when available), for the log and /readyz.
  std::string problem() const;
  // The metadata (REQUIRES: available()).
  ProviderMetadata metadata() const;

  // Redeems `code` at the token endpoint (RFC 6749 section 4.1.3, with the PKCE verifier; the
  // client authenticated per UpstreamConfig) and
  // checks the ID token it answers with (check_id_token against `expect`, whose issuer,
  // client_id and algorithms are filled here).
  std::expected<UpstreamIdentity, UpstreamError> redeem(const std::string& code,
                                                        const std::string& code_verifier,
                                                        const std::string& redirect_uri,
                                                        IdTokenExpectations expect);

 private:
  struct State {
    std::optional<ProviderMetadata> metadata;
    jose::Jwks keys;
    std::string problem = "not loaded yet";
    std::chrono::steady_clock::time_point last_attempt{};
    // The last refetch for an unknown kid (the epoch: none yet, so the first is never held).
    std::chrono::steady_clock::time_point last_refetch{};
  };

  std::expected<jose::Jwks, std::string> fetch_keys(const std::string& jwks_uri) const;
  // The private_key_jwt assertion for `token_endpoint` at `now`.
  std::expected<std::string, jose::Error> client_assertion(const std::string& token_endpoint,
                                                           std::int64_t now) const;
  std::expected<std::string, std::string> get_json(const std::string& url,
                                                   const std::string& bearer = {}) const;
  // Fills who's email and email_verified from the userinfo endpoint (see above).
  std::expected<void, UpstreamError> add_userinfo(const ProviderMetadata& m,
                                                  const std::string& access_token,
                                                  UpstreamIdentity& who) const;

  UpstreamConfig config_;
  const net::HttpClient& http_;
  mutable std::mutex mu_;
  State state_;  // guarded by mu_
};

}  // namespace tessera::auth::federation
