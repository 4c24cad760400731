// OAuth 2.0 clients (SPEC.md "OAuth 2.0 / OpenID Connect"): who may ask for tokens, from
// where, for what, and how a client authenticates at the token endpoint (RFC 6749 section 2;
// metadata named as RFC 7591 section 2 registers it). Implementations: memory/, sqlite/,
// postgres/; with cache = "redis" clients stay in the SQL store, beside the users. Thread-safe:
// every method may be called from many threads (and, on the SQL backends, processes) at once.
// Every method completes entirely or changes nothing.
//
// The store keeps records; the policy is the client service's: which grants and auth methods
// go together, whether a public client may hold a secret, what a redirect URI must look like.
// Strings are stored and compared byte for byte (ids included: "App" and "app" are two
// clients). REQUIRES: every string is valid UTF-8 without NUL (the services validate what
// comes from a request before it reaches a store; PostgreSQL refuses other text, kUnavailable).
//
// Secrets. A confidential client's secret is 256 bits from the CSPRNG, shown once when it is
// made, and stored only as its SHA-256 (secret_hash); the store never sees the raw secret,
// only that hash (the caller hashes what a client presents and compares in constant time). A
// fast hash suffices here, unlike for a password: 256 random bits leave no dictionary to
// search and no guess worth trying, so making each guess slower (Argon2id) adds nothing, as
// for session ids and refresh tokens (types.h TokenHash). A leaked database does not give
// anyone a usable secret.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/types.h"

namespace tessera::store {

// RFC 6749 section 2.1.
enum class ClientType : std::uint8_t { kPublic, kConfidential };

// How the client authenticates at the token endpoint (RFC 7591 token_endpoint_auth_method):
// not at all (a public client: PKCE instead), with its secret in HTTP Basic or in the body
// (RFC 6749 section 2.3.1), or with a JWT signed by a key of its JWKS (RFC 7523 section 2.2).
enum class ClientAuthMethod : std::uint8_t {
  kNone,
  kClientSecretBasic,
  kClientSecretPost,
  kPrivateKeyJwt,
};

// The registered names ("public", "confidential"; "none", "client_secret_basic",
// "client_secret_post", "private_key_jwt"), which the SQL backends store, and back (nullopt for
// any other text, compared exactly).
std::string_view to_string(ClientType t);
std::string_view to_string(ClientAuthMethod m);
std::optional<ClientType> parse_client_type(std::string_view text);
std::optional<ClientAuthMethod> parse_client_auth_method(std::string_view text);

struct Client {
  std::string id;  // client_id, opaque text chosen by the caller (unique)
  std::string name;
  ClientType type = ClientType::kConfidential;
  ClientAuthMethod auth_method = ClientAuthMethod::kClientSecretBasic;
  std::vector<std::string> redirect_uris;              // order kept
  std::vector<std::string> post_logout_redirect_uris;  // order kept
  std::vector<std::string> grant_types;                // order kept
  std::vector<std::string> scopes;                     // order kept
  bool first_party = false;                            // true: consent is skipped
  std::string jwks;  // the client's JWKS JSON text (private_key_jwt), else ""; opaque here
  std::optional<TokenHash> secret_hash;  // SHA-256 of the secret; nullopt: no secret
  std::int64_t created_at = 0;           // Unix seconds
  std::int64_t updated_at = 0;           // Unix seconds
};

class ClientStore {
 public:
  virtual ~ClientStore() = default;

  // Adds `client`, every field as given. kConflict if the id exists (nothing is stored); of N
  // concurrent creates of one id, exactly one succeeds.
  virtual std::expected<void, StoreError> create(const Client& client) = 0;

  // The client `id`. kNotFound if absent.
  virtual std::expected<Client, StoreError> find(std::string_view id) = 0;

  // Every client, ordered by created_at, then id (bytewise). Clients are few (registered by
  // administrators), so there are no pages.
  virtual std::expected<std::vector<Client>, StoreError> list() = 0;

  // Replaces every field of the client `client.id` but its id and created_at, secret_hash
  // included (pass the one find() returned to keep it). kNotFound if absent.
  virtual std::expected<void, StoreError> update(const Client& client) = 0;

  // Sets (or with nullopt, clears) the client's secret hash, and updated_at. kNotFound if absent.
  virtual std::expected<void, StoreError> set_secret(std::string_view id,
                                                     const std::optional<TokenHash>& secret_hash,
                                                     std::int64_t updated_at) = 0;

  // Deletes the client, and with it its authorization codes and its users' consents
  // (authorization_code_store.h, consent_store.h). kNotFound if absent.
  virtual std::expected<void, StoreError> remove(std::string_view id) = 0;
};

}  // namespace tessera::store
