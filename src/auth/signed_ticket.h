// Signed tickets: state a server hands a client and later takes back, trusting it because only
// the server can make one (the consent page's form, the second step of a login, a WebAuthn
// ceremony's challenge). The one format, written once:
//
//   base64url(JSON object, with "exp") "." base64url(HMAC-SHA-256 of the first part)
//
// The key is a secret every node of a deployment shares (app/services.cc derives one per purpose
// from the master key, so a ticket of one purpose is never accepted for another). A ticket is
// readable by whoever holds it: never put a secret in one. It is valid until "exp" (Unix
// seconds) and may be presented any number of times until then: a caller that needs single use
// records its use (e.g. with CounterStore::increment of a nonce it put in the payload).
//
// Thread-safe (immutable after construction).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/hash.h"

namespace tessera::auth {

class TicketSigner {
 public:
  // `key`: the shared secret (at least 32 bytes). Empty: a random key for this process only
  // (tests, single-process use).
  explicit TicketSigner(std::string_view key);

  // A ticket carrying `payload` (a JSON object; its "exp" member is set here) valid until
  // now + ttl_seconds.
  std::string make(nlohmann::json payload, std::int64_t now, std::int64_t ttl_seconds) const;

  // The payload of a ticket this signer made, if its MAC is right and `now` is before its
  // "exp"; nullopt for anything else (malformed, forged, expired, over 16 KiB). Constant-time
  // MAC comparison.
  std::optional<nlohmann::json> open(std::string_view ticket, std::int64_t now) const;

 private:
  crypto::HmacKey mac_;
};

// The longest ticket open() reads.
inline constexpr std::size_t kMaxTicketBytes = std::size_t{16} * 1024;

}  // namespace tessera::auth
