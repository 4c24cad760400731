// The records the stores keep, and how a store says it failed. Plain values; no behaviour.
//
// Secrets never appear here in usable form: session ids are kept as SHA-256 hashes, passwords
// as Argon2id PHC strings.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/uuid.h"

namespace tessera::store {

enum class StoreError : std::uint8_t {
  kNotFound,     // no such record
  kConflict,     // a uniqueness rule would break (e.g. email taken)
  kUnavailable,  // the backend cannot be reached or timed out: callers fail closed (503)
  kCorrupt,      // a stored value cannot be decoded: a bug or tampering, never the user's input
};

std::string_view describe(StoreError e);

// 128-bit random user id; printed as a UUID (version 4 layout): base/uuid.h.
using UserId = base::Uuid;
using base::parse_uuid;
using base::to_uuid;

// SHA-256 of an opaque credential (session id, refresh token). The lookup key in every store.
using TokenHash = std::array<std::uint8_t, 32>;
// Lower-case hex (two characters a byte; 64 for a TokenHash), and back for a TokenHash (either
// case; nullopt unless exactly 64 hex digits). How a hash travels outside the stores' binary
// columns (e.g. in ChangeFeed hints).
std::string to_hex(std::span<const std::uint8_t> bytes);
std::optional<TokenHash> token_hash_from_hex(std::string_view text);
using base::hex_digit;

struct User {
  UserId id{};
  std::string email;               // normalized (see auth/email.h); unique
  std::string password_hash;       // Argon2id PHC string
  std::vector<std::string> roles;  // each valid UTF-8 (the services validate names)
  bool disabled = false;
  std::int64_t created_at = 0;           // Unix seconds
  std::int64_t password_changed_at = 0;  // Unix seconds
  bool email_verified = false;           // the user proved they receive mail at `email`
  // Second factors are not here: store/credential_store.h.
};

struct Session {
  TokenHash id_hash{};  // SHA-256 of the cookie value
  UserId user_id{};
  std::int64_t created_at = 0;
  std::int64_t last_seen_at = 0;
  std::int64_t auth_time = 0;  // when the user last proved a credential (step-up)
  std::string amr = "pwd";     // how (auth/auth_context.h: RFC 8176 values, space-separated)
  std::string ip;              // client IP at creation
  std::string user_agent;      // truncated to 512 bytes
  TokenHash csrf_hash{};       // SHA-256 of the session's CSRF token
};

struct AuditEvent {
  std::int64_t id = 0;  // assigned by the store, increasing
  std::int64_t at = 0;  // Unix seconds
  std::string type;     // "login.success", "login.failure", "logout", "session.revoked", ...
  std::optional<UserId> user_id;
  std::string ip;
  std::string user_agent;
  std::string detail;  // JSON object text with event-specific fields; never secrets
};

}  // namespace tessera::store
