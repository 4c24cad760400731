// Helpers for the store suites: deterministic records, a temp dir removed afterwards, and the
// concurrent-write races run against one store or several (nodes).
#pragma once

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "store/client_store.h"
#include "store/counter_store.h"
#include "store/credential_store.h"
#include "store/key_store.h"
#include "store/refresh_store.h"
#include "store/session_store.h"
#include "store/types.h"

namespace tessera::store::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tessera-store-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// User id n: 15 zero bytes, then n (so ids order like n).
inline UserId user_id(int n) {
  UserId id{};
  id[14] = static_cast<std::uint8_t>(n >> 8);
  id[15] = static_cast<std::uint8_t>(n);
  return id;
}

// A token hash derived from n (distinct for distinct n).
inline TokenHash token(int n) {
  TokenHash h{};
  h[0] = 0xab;
  h[30] = static_cast<std::uint8_t>(n >> 8);
  h[31] = static_cast<std::uint8_t>(n);
  return h;
}

inline User make_user(int n, std::int64_t created_at) {
  return User{.id = user_id(n),
              .email = "user" + std::to_string(n) + "@example.com",
              .password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
              .roles = {"user"},
              .disabled = false,
              .created_at = created_at,
              .password_changed_at = created_at};
}

// Recovery code hash n (distinct for distinct n).
inline RecoveryCodeHash recovery_hash(int n) {
  RecoveryCodeHash h{};
  h[0] = 0x7c;
  h[30] = static_cast<std::uint8_t>(n >> 8);
  h[31] = static_cast<std::uint8_t>(n);
  return h;
}

// Passkey id n: user_id(n) with a first byte of 0x9a (so ids order like n).
inline PasskeyId passkey_id(int n) {
  PasskeyId id = user_id(n);
  id[0] = 0x9a;
  return id;
}

// Credential id n: bytes that hold a NUL and a high byte, distinct for distinct n.
inline std::string credential_id(int n) {
  return std::string("cred\0\xff-", 7) + std::to_string(n);
}

// WebAuthn user handle n (distinct for distinct n).
inline UserHandle user_handle(int n) {
  UserHandle h{};
  h[0] = 0x48;
  h[30] = static_cast<std::uint8_t>(n >> 8);
  h[31] = static_cast<std::uint8_t>(n);
  return h;
}

// Session n of user `user`, created (and last seen) at `created_at`.
inline Session make_session(int user, int n, std::int64_t created_at) {
  return Session{.id_hash = token(n),
                 .user_id = user_id(user),
                 .created_at = created_at,
                 .last_seen_at = created_at,
                 .auth_time = created_at,
                 .ip = "203.0.113.9",
                 .user_agent = "Mozilla/5.0 (X11; Linux x86_64)",
                 .csrf_hash = token(n + 10000)};
}

// Family id n: user_id(n) with a first byte of 0xfa (so ids order like n, and differ from
// user ids).
inline FamilyId family_id(int n) {
  FamilyId id = user_id(n);
  id[0] = 0xfa;
  return id;
}

// Refresh family n of user `user`, created (and last used) at `created_at`, at generation 1,
// live.
inline RefreshFamily make_family(int user, int n, std::int64_t created_at) {
  return RefreshFamily{.id = family_id(n),
                       .user_id = user_id(user),
                       .created_at = created_at,
                       .generation = 1,
                       .last_used_at = created_at,
                       .auth_time = created_at - 5,
                       .password_changed_at = created_at - 100,
                       .client_id = "",
                       .scope = "",
                       .ip = "198.51.100.4",
                       .user_agent = "Mozilla/5.0 (Macintosh)",
                       .revoked_at = 0,
                       .revoked_reason = ""};
}

// Signing key `kid` in `state`, with distinct contents derived from the kid.
inline SigningKey make_key(const std::string& kid, KeyState state, std::int64_t created_at) {
  return SigningKey{.kid = kid,
                    .alg = "ES256",
                    .state = state,
                    .public_jwk = R"({"kty":"EC","crv":"P-256","kid":")" + kid + R"("})",
                    .sealed_private = "sealed:" + kid,
                    .created_at = created_at,
                    .activated_at = state == KeyState::kNext ? 0 : created_at + 10,
                    .retired_at = state == KeyState::kRetired ? created_at + 20 : 0};
}

// Client "client-<n>": confidential, client_secret_basic, with a secret (token(n)), one entry
// in each list, created (and last updated) at `created_at`.
inline Client make_client(int n, std::int64_t created_at) {
  const std::string id = "client-" + std::to_string(n);
  return Client{.id = id,
                .name = "Client " + std::to_string(n),
                .type = ClientType::kConfidential,
                .auth_method = ClientAuthMethod::kClientSecretBasic,
                .redirect_uris = {"https://" + id + ".example/callback"},
                .post_logout_redirect_uris = {"https://" + id + ".example/"},
                .grant_types = {"authorization_code"},
                .scopes = {"openid"},
                .first_party = false,
                .jwks = "",
                .secret_hash = token(n),
                .created_at = created_at,
                .updated_at = created_at};
}

// Runs `body(t)` for t in [0, threads) on that many threads at once, and joins them.
inline void on_threads(int threads, const std::function<void(int)>& body) {
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) running.emplace_back(body, t);
  for (auto& t : running) t.join();
}

// What one change attempted by several threads at once gave: how many attempts succeeded, how
// many were refused with kConflict, how many failed otherwise, and which attempt succeeded
// (the last to, if several did; -1 if none).
struct OneWinnerRace {
  int won = 0;
  int conflicts = 0;
  int other = 0;
  int winner = -1;
};

// Runs `attempt(t)` -> std::expected<T, StoreError> for t in [0, threads), on that many threads
// released together.
template <typename Attempt>
OneWinnerRace race_one_change(int threads, Attempt&& attempt) {
  std::atomic<int> won{0}, conflicts{0}, other{0}, winner{-1};
  std::atomic<bool> go{false};
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      auto r = attempt(t);
      if (r) {
        ++won;
        winner = t;
      } else if (r.error() == StoreError::kConflict) {
        ++conflicts;
      } else {
        ++other;
      }
    });
  }
  go = true;
  for (auto& t : running) t.join();
  return OneWinnerRace{.won = won.load(),
                       .conflicts = conflicts.load(),
                       .other = other.load(),
                       .winner = winner.load()};
}

struct CreateRace {
  std::size_t evicted = 0;  // summed over every successful create
  int failures = 0;
};

// `threads` threads at once, thread t creating sessions t * per_thread + 1, + 2, ... of user 1
// (created_at 1000 + n) with max_per_user `cap`, through store_for(t).
inline CreateRace create_concurrently(int threads, int per_thread, std::size_t cap,
                                      const std::function<SessionStore&(int)>& store_for) {
  std::vector<CreateRace> per(static_cast<std::size_t>(threads));
  on_threads(threads, [&](int t) {
    for (int i = 0; i < per_thread; ++i) {
      const int n = t * per_thread + i + 1;
      auto r = store_for(t).create(make_session(1, n, 1000 + n), cap);
      r ? void(per[t].evicted += *r) : void(++per[t].failures);
    }
  });
  CreateRace all;
  for (const CreateRace& r : per) {
    all.evicted += r.evicted;
    all.failures += r.failures;
  }
  return all;
}

struct IncrementRace {
  std::vector<std::int64_t> values;  // what every successful increment returned
  int failures = 0;
};

// `threads` threads at once, each incrementing "hot" (now 1000, a one-hour window)
// `per_thread` times through store_for(t).
inline IncrementRace increment_concurrently(int threads, int per_thread,
                                            const std::function<CounterStore&(int)>& store_for) {
  std::vector<IncrementRace> per(static_cast<std::size_t>(threads));
  on_threads(threads, [&](int t) {
    for (int i = 0; i < per_thread; ++i) {
      auto c = store_for(t).increment("hot", 1000, 3600);
      c ? per[t].values.push_back(c->value) : void(++per[t].failures);
    }
  });
  IncrementRace all;
  for (const IncrementRace& r : per) {
    all.values.insert(all.values.end(), r.values.begin(), r.values.end());
    all.failures += r.failures;
  }
  return all;
}

}  // namespace tessera::store::testing
