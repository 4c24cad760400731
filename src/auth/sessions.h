// Server-side cookie sessions (SPEC.md "Browser delivery").
//
// - Ids and CSRF tokens: 32 bytes from the OS CSPRNG, base64url (43 characters). The store
//   keeps only their SHA-256: a leaked database holds no live credential.
// - A new id at every login and privilege change (create, rotate); an unknown id presented by
//   a client is never adopted: authenticate only ever finds ids this service minted.
// - Idle timeout and absolute lifetime, both enforced here to the second: a session is valid
//   while now < last_seen_at + idle_timeout and now < created_at + absolute_lifetime.
//   last_seen_at is written at most once per touch_interval (no store write per request), so
//   the idle timeout may end a session up to touch_interval early, never late.
// - max_per_user: creating one more evicts the oldest (by created_at).
// - Clients and upstreams see a session's PUBLIC id (public_id()): a truncated hash of the id
//   hash. It names a session in listings, DELETE /auth/sessions/{id} and X-Session-Id, and is
//   useless as a credential.
//
// Defaults: idle 2 h, absolute 24 h. OWASP's session guidance puts idle timeouts for
// low-risk applications at 2-8 h (15-30 min for high-value ones) and an absolute lifetime
// bounds how long a stolen cookie lives; a working day fits in both. Deployments with higher
// stakes lower them in configuration.
//
// Nothing here knows HTTP: the api layer puts `NewSession::id` in the session cookie and
// `NewSession::csrf_token` in the CSRF cookie (api/cookie_names.h). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_context.h"
#include "auth/errors.h"
#include "store/session_store.h"
#include "store/user_store.h"
#include "verifier/hash_cache.h"

namespace tessera::auth {

struct SessionConfig {
  std::int64_t idle_timeout = 2 * 60 * 60;        // seconds
  std::int64_t absolute_lifetime = 24 * 60 * 60;  // seconds
  std::size_t max_per_user = 10;
  std::int64_t touch_interval = 60;  // seconds between last_seen_at writes for one session
  // Authenticated sessions kept in process (auth/hash_cache.h, tagged with the second they were
  // loaded in: another process's change is seen within 1 s); 0 turns the cache off.
  std::size_t cache_capacity = 100'000;
};

// Length of a raw session id or CSRF token: base64url of 32 bytes.
inline constexpr std::size_t kSessionTokenChars = 43;

// A freshly minted session. `id` and `csrf_token` exist only here and in the client's cookies.
struct NewSession {
  std::string id;           // the session cookie value
  std::string csrf_token;   // the CSRF cookie value (double submit)
  store::Session record;    // as stored (hashes only)
  std::string public_id;    // see SessionService::public_id
  std::size_t evicted = 0;  // older sessions of the user removed to respect max_per_user
};

// A session that authenticated a request.
struct CurrentSession {
  store::Session session;  // last_seen_at as now recorded
  store::User user;
  std::string public_id;
};

// A row of GET /auth/sessions.
struct SessionInfo {
  std::string id;  // public id
  std::int64_t created_at = 0;
  std::int64_t last_seen_at = 0;
  std::string ip;
  std::string user_agent;
  bool current = false;
};

class SessionService {
 public:
  SessionService(std::shared_ptr<store::SessionStore> sessions,
                 std::shared_ptr<store::UserStore> users, SessionConfig config);

  // Mints a session for `user` (login). `ip` and `user_agent` are recorded (the user agent cut
  // to 512 bytes); `amr` says how the user authenticated, at `auth_time` (0: now; earlier for
  // a federated sign-in, whose upstream authenticated the user before the callback came).
  std::expected<NewSession, Error> create(const store::User& user, std::string_view ip,
                                          std::string_view user_agent, std::int64_t now,
                                          const Amr& amr = Amr::of(AuthMethodRef::kPwd),
                                          std::int64_t auth_time = 0);

  // The session named by the raw cookie value, and its user. kUnauthenticated if `raw_id` is
  // malformed (checked before any store call), unknown, idle or past its lifetime (the record
  // is then deleted), or its user is gone or disabled; kUnavailable if the store is down.
  std::expected<CurrentSession, Error> authenticate(std::string_view raw_id, std::int64_t now);

  // The same, without copying: the result is shared with the session cache and immutable.
  // This is the hot path (/auth/verify): a cached session costs a SHA-256 and a lookup.
  std::expected<std::shared_ptr<const CurrentSession>, Error> authenticate_shared(
      std::string_view raw_id, std::int64_t now);

  // Privilege change (role change, step-up): replaces `current` with a new id and CSRF token
  // for the same user, keeping created_at (the absolute lifetime does not restart), ip and user
  // agent; with `fresh` (the user just proved a credential again: step-up, a password change)
  // auth_time and amr become its time and methods. The old id stops working.
  std::expected<NewSession, Error> rotate(const store::Session& current, std::int64_t now,
                                          std::optional<Authentication> fresh = std::nullopt);

  // Logout: deletes the session named by the raw id. kUnauthenticated if malformed or absent.
  std::expected<store::Session, Error> revoke(std::string_view raw_id);

  // DELETE /auth/sessions/{id}: deletes `user`'s session with public id `public_id`.
  // kNotFound if the user has no such session (including another user's).
  std::expected<store::Session, Error> revoke_public(const store::UserId& user,
                                                     std::string_view public_id);

  // Deletes every session of `user` except `keep` (if given). Returns how many.
  std::expected<std::size_t, Error> revoke_all(const store::UserId& user,
                                               const store::TokenHash* keep = nullptr);

  // `user`'s live sessions, newest first; `current` marks the one with that id hash.
  std::expected<std::vector<SessionInfo>, Error> list(const store::UserId& user, std::int64_t now,
                                                      const store::TokenHash* current = nullptr);

  // The session named by the raw cookie value if it is in the in-process cache and still
  // valid at `now`; null otherwise (then authenticate_shared decides, reading the stores). Never
  // touches a store: the I/O threads answer from it and hand misses to a store worker when the
  // stores are across a network.
  std::shared_ptr<const CurrentSession> cached(std::string_view raw_id, std::int64_t now) const;

  // Drops the user's cached sessions (call after changing the user record in the store, e.g.
  // roles: the next request reads it again). revoke_all does this itself.
  void forget_user(const store::UserId& user);
  // Drops one cached session, or all of them: another process changed the store (a
  // ChangeFeed hint). The next request reads it again.
  void forget(const store::TokenHash& id_hash);
  void forget_all();

  // Deletes every session past its idle timeout or lifetime (call periodically).
  std::expected<std::size_t, Error> purge(std::int64_t now);

  const SessionConfig& config() const { return config_; }

  // Whether `presented` (X-CSRF-Token header or csrf_token form field) is this session's CSRF
  // token. Constant-time over the hashes. An empty or wrongly sized value never matches.
  static bool csrf_matches(const store::Session& s, std::string_view presented);

  // The SHA-256 of a raw id or token, or nullopt if `raw` is not 43 canonical base64url
  // characters encoding 32 bytes.
  static std::optional<store::TokenHash> hash_token(std::string_view raw);

  // base64url of the first 16 bytes of SHA-256("tessera session public id" || id_hash).
  static std::string public_id(const store::TokenHash& id_hash);

 private:
  bool expired(const store::Session& s, std::int64_t now) const;
  std::shared_ptr<const CurrentSession> cached_hash(const store::TokenHash& id_hash,
                                                    std::int64_t now) const;
  std::expected<NewSession, Error> mint(store::Session record);
  // authenticate_shared's cache miss: the store reads, expiry, the throttled touch.
  std::expected<std::shared_ptr<const CurrentSession>, Error> load(const store::TokenHash& id_hash,
                                                                   std::int64_t now);

  std::shared_ptr<store::SessionStore> sessions_;
  std::shared_ptr<store::UserStore> users_;
  SessionConfig config_;
  verifier::HashCache<CurrentSession> cache_;
};

}  // namespace tessera::auth
