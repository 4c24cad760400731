// OAuth 2.0 clients (RFC 6749 section 2): registration by an operator (`tessera client add`,
// POST /admin/clients), their secrets, and the rules every later OAuth step relies on. Stored
// by store::ClientStore.
//
// What add() accepts (each refusal is kBadInput naming the field):
//   name            1-200 bytes of UTF-8 text without control characters
//   type            public (a browser or native app: it cannot keep a secret) or confidential
//   auth_method     public: none (the default; anything else refused). confidential:
//                   client_secret_basic (the default), client_secret_post, or private_key_jwt
//                   (RFC 7523; then `jwks` is required: a JWK Set of public signature keys)
//   redirect_uris   uri::check_redirect_uri each (https, loopback http, or a reverse-domain
//                   private-use scheme), at most 32, no duplicates; required by
//                   authorization_code
//   post_logout_redirect_uris   the same rules (OIDC RP-Initiated Logout)
//   grant_types     authorization_code, refresh_token, client_credentials; default
//                   authorization_code + refresh_token (client_credentials for a confidential
//                   client without redirect URIs). client_credentials only for confidential
//                   clients (RFC 6749 section 4.4: a public client has no credentials);
//                   refresh_token only beside authorization_code (no other grant issues one)
//   scopes          RFC 6749 section 3.3 scope-tokens, at most 64, no duplicates; default
//                   "openid"
//   first_party     the operator's own app: no consent page
// Secrets (client_secret_basic/_post only): 256 random bits, base64url (43 characters), shown
// once by add() and rotate_secret(), stored as their SHA-256 (store/client_store.h says why a
// fast hash is enough for 256 random bits), compared in constant time. The client id is a
// random UUID (version 4, as user ids are): never a name an operator could collide with or an
// attacker guess ahead of registration, and never starting with '-' (a base64url id could,
// and a command line would take it for an option).
//
// Every change is audited (client.added, client.removed, client.secret_rotated). Thread-safe.
//
// Lookups may be cached (cache_ttl_ms > 0; the server does, for the token, introspection and
// revocation endpoints, which look their client up on every request): a found client is kept
// for cache_ttl_ms. A change made through THIS service (remove, rotate_secret) drops its entry
// at once, so on the process that made it a removed client or a replaced secret stops working
// immediately; another process (the CLI beside a running server, or another node) sees it
// within cache_ttl_ms - the same bound within which every node follows a revocation. An unknown
// id is never cached (junk ids cannot fill the cache), and the cache holds at most
// kClientCacheEntries clients (clients are few; beyond that it starts again empty).
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit.h"
#include "auth/errors.h"
#include "base/clock.h"
#include "store/client_store.h"

namespace tessera::auth {

// What an operator asks for; add() fills in the defaults above.
struct ClientSpec {
  std::string name;
  store::ClientType type = store::ClientType::kConfidential;
  std::optional<store::ClientAuthMethod> auth_method;  // nullopt: the type's default
  std::vector<std::string> redirect_uris;
  std::vector<std::string> post_logout_redirect_uris;
  std::vector<std::string> grant_types;  // empty: the default
  std::vector<std::string> scopes;       // empty: the default
  bool first_party = false;
  std::string jwks;  // JWK Set JSON text, for private_key_jwt
};

// A registered client and, when it has one, its secret: the only time the secret is known.
struct NewClient {
  store::Client client;
  std::string secret;  // "" for clients without a secret
};

// The registered grant type names (RFC 6749 sections 4.1, 6 and 4.4).
inline constexpr std::string_view kGrantAuthorizationCode = "authorization_code";
inline constexpr std::string_view kGrantRefreshToken = "refresh_token";
inline constexpr std::string_view kGrantClientCredentials = "client_credentials";

// A client as the CLI and the admin API show it: every field but the secret's hash (whether
// there is a secret is "has_secret").
nlohmann::ordered_json client_json(const store::Client& client);

inline constexpr std::size_t kClientCacheEntries = 4096;

class ClientService {
 public:
  // `cache_ttl_ms`: see above; 0 reads the store on every find().
  ClientService(std::shared_ptr<store::ClientStore> store, AuditService& audit,
                const base::Clock& clock, std::int64_t cache_ttl_ms = 0);

  // Registers a client (rules above). kBadInput (detail: the field and why), kUnavailable.
  std::expected<NewClient, Error> add(ClientSpec spec, const AuditActor& by);
  // kNotFound, kUnavailable.
  std::expected<store::Client, Error> find(std::string_view id);
  std::expected<std::vector<store::Client>, Error> list();
  std::expected<void, Error> remove(std::string_view id, const AuditActor& by);
  // A new secret for a client that uses one (the old one stops working at once). kNotFound;
  // kBadInput for a client without a secret (public, private_key_jwt).
  std::expected<std::string, Error> rotate_secret(std::string_view id, const AuditActor& by);

  // Client authentication with a secret (RFC 6749 section 2.3.1): whether `presented` is the
  // client's secret, in constant time. False for a client without one and for "".
  static bool secret_matches(const store::Client& client, std::string_view presented);

 private:
  struct Cached {
    store::Client client;
    std::int64_t expires_ms = 0;
  };
  void forget(std::string_view id);

  std::shared_ptr<store::ClientStore> store_;
  AuditService& audit_;
  const base::Clock& clock_;
  std::int64_t cache_ttl_ms_;
  std::mutex cache_mu_;
  std::map<std::string, Cached, std::less<>> cache_;  // guarded by cache_mu_
  std::uint64_t cache_generation_ = 0;                // guarded by cache_mu_; +1 per forget()
};

}  // namespace tessera::auth
