// The signing keyring (SPEC.md "Tokens"): states next -> active -> retired -> removed, kept in
// the KeyStore and mirrored in process for signing and verification.
//
//   next     published in JWKS, signs nothing (verifiers that cache JWKS already hold it when
//            it becomes active);
//   active   exactly one: signs every new access token;
//   retired  published and accepted until every token it signed has expired
//            (retired_at + retire_after);
//   removed  gone from the store: tokens it signed fail.
//
// rotate(): next -> active, active -> retired, a new next, expired retired keys removed.
// rotate(emergency): every existing key removed at once and a new active + next made: every
// access token already issued fails (the nuclear option after a key compromise).
//
// Private keys reach the store only sealed (crypto/aead.h) under the master key from
// configuration, with the kid as associated data: the database alone holds no usable key, and
// a sealed key copied onto another kid does not open.
//
// Consistency: writers compute the next keyring from the stored one and replace it with
// compare-and-set on its version (store/key_store.h), retrying on conflict, so the CLI and any
// number of servers rotating at once still leave exactly one active key. Each process notices
// another's change with refresh() (the server calls it every few hundred milliseconds).
//
// Thread-safe: current() hands out an immutable snapshot; writers serialize on a mutex.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/errors.h"
#include "base/clock.h"
#include "crypto/aead.h"
#include "store/key_store.h"
#include "tessera/jwk.h"

namespace tessera::auth {

struct KeyringConfig {
  jose::Alg alg = jose::Alg::kES256;  // for keys made from now on
  // How long a retired key stays published and accepted: the access-token TTL plus the
  // verification leeway, so no token it signed outlives it.
  std::int64_t retire_after = 15 * 60 + 30;  // seconds
  // Automatic rotation (maybe_rotate): rotate once the active key has signed this long. 0: off.
  std::int64_t rotate_every = 0;
  // JWKS Cache-Control max-age. Verifiers may hold a JWKS this long, so a key must be
  // published at least this long before it signs: rotate_every should stay above it.
  std::int64_t jwks_max_age = 300;
};

// One immutable state of the keyring, as loaded.
struct KeyringView {
  std::int64_t version = 0;
  std::optional<jose::Jwk> signer;         // the active key, private
  jose::Jwks verifiers;                    // next + active + retired (public halves; HS* secrets)
  std::string jwks_json;                   // what /.well-known/jwks.json publishes (no secrets)
  std::vector<store::SigningKey> records;  // as stored (sealed private keys)
};

// A row of `tessera keys list`.
struct KeyInfo {
  std::string kid;
  std::string alg;
  store::KeyState state = store::KeyState::kNext;
  std::int64_t created_at = 0;
  std::int64_t activated_at = 0;
  std::int64_t retired_at = 0;
  std::int64_t removable_at = 0;  // retired keys: when rotate() drops it; else 0
};

class KeyringService {
 public:
  // REQUIRES: `keys` and `clock` outlive this object.
  KeyringService(std::shared_ptr<store::KeyStore> keys, const crypto::AeadKey& master,
                 const base::Clock& clock, KeyringConfig config);

  // Loads the keyring, creating the first active and next keys if the store has none.
  // kUnavailable if the store cannot answer; kInternal if a stored key does not open with the
  // master key (wrong key in configuration, or tampering) - the message says which kid.
  std::expected<void, Error> start();

  // Reloads if another process changed the stored keyring. Cheap when nothing changed.
  std::expected<void, Error> refresh();

  // Rotates (see the header comment) and returns the new state. Audit is the caller's.
  std::expected<std::shared_ptr<const KeyringView>, Error> rotate(bool emergency);

  // Rotates if rotate_every is set and the active key is older. Returns whether THIS call
  // rotated (false when another process just did; its keyring is adopted).
  std::expected<bool, Error> maybe_rotate();

  // The current state; null before start() succeeded.
  std::shared_ptr<const KeyringView> current() const;

  std::vector<KeyInfo> list() const;
  const KeyringConfig& config() const { return config_; }

 private:
  // Builds and checks the in-process view of `ring` (opens every sealed key).
  std::expected<std::shared_ptr<const KeyringView>, Error> view_of(
      const store::Keyring& ring) const;
  // A fresh key record in `state`, sealed.
  std::expected<store::SigningKey, Error> make_key(store::KeyState state, std::int64_t now) const;
  // `rotated` (may be null) tells whether this call wrote a rotation.
  std::expected<std::shared_ptr<const KeyringView>, Error> rotate_if(bool emergency,
                                                                     bool only_if_due,
                                                                     bool* rotated);
  // Read-modify-CAS loop: `change` turns the stored keys into the new ones (nullopt: keep).
  template <class Change>
  std::expected<std::shared_ptr<const KeyringView>, Error> update(Change change);
  void install(std::shared_ptr<const KeyringView> view);

  std::shared_ptr<store::KeyStore> keys_;
  crypto::AeadKey master_;
  const base::Clock& clock_;
  KeyringConfig config_;
  mutable std::mutex mu_;  // guards view_
  std::shared_ptr<const KeyringView> view_;
  std::mutex write_mu_;  // one writer at a time in this process
};

}  // namespace tessera::auth
