// tessera::Verifier: a service verifies Tessera's access tokens in process, and refuses revoked
// ones within a second, with no call to Tessera on its request path.
//
// It fetches and caches Tessera's JWKS (again on an unknown `kid`, at most once per
// jwks_min_interval, and at once when the feed announces a key-ring change), and follows the
// revocation feed on a background thread (reconnecting with backoff and resuming by event id), so
// that verify() needs nothing but memory: the signature (algorithm pinned to the key), typ
// at+jwt, iss, aud, exp/nbf/iat with leeway, then the revocation check the server itself uses
// (per-user not-before, the denylist behind a Bloom filter). A verified token is cached (keyed by
// the SHA-256 of its text), so a token seen before costs a hash and a lookup.
//
// Failure policy: when the feed has been silent for longer than max_feed_silence (Tessera down,
// the network cut, the credentials revoked), the verifier may be missing revocations. By default
// it then fails closed (kUnavailable for every token: answer 503); with
// FeedOutagePolicy::kFailOpen it judges from what it knew. status() says which applies now.
//
// The service's OAuth client needs the client credentials grant and the scope revocations:read
// (docs/revocation-feed.md). Thread-safe: call verify() and status() from any thread.
//
// Example:
//   auto verifier = tessera::Verifier::create({.issuer = "https://id.example.com",
//                                               .audience = "tessera",
//                                               .client_id = id, .client_secret = secret});
//   if (!verifier) { /* verifier.error(): what is wrong with the options */ }
//   (*verifier)->wait_ready(std::chrono::seconds(10));
//   auto claims = (*verifier)->verify(bearer_token);
//   if (!claims) return claims.error() == tessera::VerifyError::kUnavailable ? 503 : 401;
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "tessera/jwt.h"

// The library exports only what this header declares.
#define TESSERA_VERIFIER_API __attribute__((visibility("default")))

namespace tessera {

enum class FeedOutagePolicy : std::uint8_t { kFailClosed, kFailOpen };

struct VerifierOptions {
  // Tessera's public URL, the tokens' `iss`.
  std::string issuer;
  // Where this service reaches Tessera, if not at `issuer` (an internal address): the JWKS is
  // {url}/.well-known/jwks.json, the token endpoint {url}/oauth2/token, the feed
  // {url}/oauth2/revocation-feed. https, or http to a loopback IP literal (127.0.0.0/8, [::1]).
  std::string url;
  std::string audience = "tessera";  // the `aud` a token must carry
  // The service's OAuth client (client credentials, scope revocations:read; HTTP Basic).
  std::string client_id;
  std::string client_secret;
  std::string ca_file;  // extra trust anchors (PEM) for Tessera's certificate; empty: the system's
  std::int64_t leeway_seconds = 30;  // clock skew accepted on exp, nbf, iat
  // At least 20 s: the feed sends a keep-alive every 15 s, so a quiet feed is silent that long.
  std::chrono::milliseconds max_feed_silence{30'000};
  FeedOutagePolicy on_feed_outage = FeedOutagePolicy::kFailClosed;
  std::chrono::milliseconds jwks_min_interval{10'000};  // between fetches for unknown kids
  std::size_t cache_capacity = 100'000;                 // verified tokens kept; 0: none
};

enum class VerifyError : std::uint8_t {
  kMalformed,    // not a compact JWS, or over 8 KiB
  kInvalid,      // bad signature, wrong typ/iss/aud, expired, not yet valid, not Tessera's claims
  kUnknownKey,   // its `kid` is not in Tessera's JWKS (not even after fetching it again)
  kRevoked,      // revoked on Tessera (logout, logout everywhere, a disabled user, ...)
  kUnavailable,  // not ready yet, or failing closed after a feed outage: answer 503, not 401
};
TESSERA_VERIFIER_API std::string_view to_string(VerifyError e);

struct VerifierStatus {
  bool ready = false;               // JWKS and the first snapshot loaded
  bool feed_connected = false;      // the feed's stream is open now
  bool failing_closed = false;      // verify() answers kUnavailable because of the feed's silence
  std::int64_t feed_silent_ms = 0;  // since the feed was last heard from (events or keep-alives)
  std::int64_t last_event_id = 0;   // the revocation log position applied
  std::uint64_t jwks_fetches = 0;   // requests to Tessera, by kind, since create()
  std::uint64_t token_requests = 0;
  std::uint64_t feed_connects = 0;
  std::size_t keys = 0;    // keys in the cached JWKS
  std::size_t denied = 0;  // denylist entries held
  std::string last_error;  // the last failure talking to Tessera ("" if none)
};

class TESSERA_VERIFIER_API Verifier {
 public:
  // Checks the options (kInvalidOptions-style message on error) and starts following Tessera.
  static std::expected<std::unique_ptr<Verifier>, std::string> create(VerifierOptions options);
  virtual ~Verifier() = default;  // stops the background threads (within about a second)

  // The claims of a valid, unrevoked access token of Tessera's. Never blocks on the network,
  // except that an unknown `kid` may wait up to a second for a JWKS fetch (rate-limited).
  virtual std::expected<jose::Claims, VerifyError> verify(std::string_view token) const = 0;
  virtual VerifierStatus status() const = 0;
  // Waits until ready (JWKS and the first snapshot loaded) or `timeout` passes.
  virtual bool wait_ready(std::chrono::milliseconds timeout) const = 0;
};

}  // namespace tessera
