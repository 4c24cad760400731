// A user's second factors and passkeys (SPEC.md "Second factors and step-up"): the TOTP secret
// (RFC 6238), the recovery codes, the WebAuthn credentials (passkeys, W3C WebAuthn Level 3)
// and the user's WebAuthn user handle. Implementations: memory/, sqlite/, postgres/ - always
// the backend that keeps the users, also when a cache is configured: every row belongs to a
// user of the same database. Thread-safe; every method completes entirely or changes nothing.
//
// Several server nodes share one database, so every decision that must happen at most once is
// taken here, atomically, never by a read and a later write in the caller:
//   - use_totp_step(): RFC 6238 section 5.2 - a one-time password is accepted at most once:
//     of N concurrent calls with one step (any threads, any processes), exactly one is
//     accepted;
//   - use_recovery_code(): each code works once, likewise;
//   - use_passkey(): the WebAuthn signature counter only moves up (Level 3 section 7.2, step
//     22, "signCount"), likewise;
//   - user_handle(): two racing calls for one user get the same handle.
//
// What is stored is never usable alone: the TOTP secret arrives SEALED by the auth layer
// (crypto/aead.h under the master key; the store sees opaque bytes), recovery codes arrive as
// 32-byte keyed hashes (the store compares bytes), passkeys hold public keys only.
//
// Rows belong to a user that exists: a write that creates a row for an unknown user is
// kNotFound (the SQL backends' foreign key, which the memory backend checks too), and a
// user's rows go with the user (ON DELETE CASCADE). UserStore has no removal today; the SQL
// backends' cascade is there for when it comes (and for operators deleting by hand), and a
// memory UserStore::remove must then drop these records as well.
//
// Removing TOTP does NOT remove the recovery codes, nor the other way round: each has its own
// call, and the auth layer, which owns "the user's second factors", calls both when a factor
// removal means both (a user with passkeys may keep recovery codes). Simple, and no store call
// decides policy.
//
// Policy (enrolment steps, the TOTP window and its maths, hashing the codes, parsing
// WebAuthn) is the auth layer's. REQUIRES: every string is valid UTF-8 without NUL, except
// the byte fields named as bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/types.h"

namespace tessera::store {

// ---- TOTP ---------------------------------------------------------------------------------------

// One per user. A secret is PENDING from enrolment until the user proves a code from it
// (confirm_totp), then CONFIRMED: the second factor in force.
struct TotpSecret {
  UserId user_id{};
  std::string sealed_secret;  // bytes: crypto::seal output (the store never opens it)
  bool confirmed = false;
  std::int64_t created_at = 0;    // Unix seconds: enrolment
  std::int64_t confirmed_at = 0;  // Unix seconds; 0 while pending
  std::int64_t last_step = 0;     // the last accepted RFC 6238 time step T; 0: none yet
};

enum class TotpConfirm : std::uint8_t {
  kConfirmed,         // the pending secret is confirmed now, last_step = step
  kNoSecret,          // the user has no secret: nothing changed
  kAlreadyConfirmed,  // the secret is confirmed already: nothing changed
  kReplayed,          // step <= last_step (see confirm_totp): nothing changed
};

enum class TotpUse : std::uint8_t {
  kAccepted,           // step > last_step of a confirmed secret: last_step = step now
  kReplayed,           // step <= last_step (the code, or a later one, was used): nothing changed
  kNoConfirmedSecret,  // no secret, or only a pending one: nothing changed
};

// A value of the users.totp_secret column of before (SQLite migration 0008, PostgreSQL
// 0007): a plaintext Base32 secret someone wrote by hand (no release wrote it), awaiting its
// sealing by the auth layer at start-up (seal_legacy_totp).
struct LegacyTotpSecret {
  UserId user_id{};
  std::string plaintext;
};

enum class LegacySeal : std::uint8_t {
  kSealed,      // the sealed secret is the user's confirmed secret now; the legacy row is gone
  kSuperseded,  // the user already had a confirmed secret, which stays; the legacy row is gone
};

// ---- recovery codes -----------------------------------------------------------------------------

// The auth layer's keyed hash of one recovery code (the code itself is never stored).
using RecoveryCodeHash = std::array<std::uint8_t, 32>;
// A user holds at most this many (SPEC.md: 10 at confirmation).
inline constexpr std::size_t kMaxRecoveryCodes = 10;

enum class RecoveryCodeUse : std::uint8_t {
  kAccepted,  // the code was the user's and unused: it is used now
  kRefused,   // not one of the user's codes, or used before: nothing changed
};

// ---- passkeys -----------------------------------------------------------------------------------

// The API's id of a passkey (GET/DELETE /auth/passkeys/{id}): 16 random bytes from the caller.
using PasskeyId = std::array<std::uint8_t, 16>;
// The authenticator's model (WebAuthn Level 3 section 6.5.1, attested credential data).
using Aaguid = std::array<std::uint8_t, 16>;
// WebAuthn Level 3 section 5.4.3: "user.id ... a maximum size of 64 bytes"; Tessera's are 32
// random bytes, never derived from the email or the user id.
using UserHandle = std::array<std::uint8_t, 32>;
// WebAuthn Level 3 section 4, "Credential ID": at most 1023 bytes (and at least 1 here).
inline constexpr std::size_t kMaxCredentialIdBytes = 1023;
// The signature counter is an unsigned 32-bit number (section 6.1, signCount).
inline constexpr std::int64_t kMaxSignCount = 0xffffffffLL;

struct Passkey {
  PasskeyId id{};
  UserId user_id{};
  std::string credential_id;            // bytes, 1..kMaxCredentialIdBytes; unique across ALL users
  std::string public_key;               // bytes: the COSE_Key as registered (RFC 9052 section 7)
  std::int64_t sign_count = 0;          // 0..kMaxSignCount
  std::vector<std::string> transports;  // as the client reported them ("usb", "internal"...)
  std::string name;                     // the user's label
  Aaguid aaguid{};
  bool backup_eligible = false;   // BE flag at registration (section 6.1)
  bool backed_up = false;         // BS flag, as of the last use
  std::int64_t created_at = 0;    // Unix seconds
  std::int64_t last_used_at = 0;  // Unix seconds; 0: never used
};

enum class PasskeyUseOutcome : std::uint8_t {
  kUsed,                 // counter accepted: sign_count, backed_up and last_used_at updated
  kCounterNotIncreased,  // a possible clone (section 7.2 step 22): nothing changed
};

struct PasskeyUse {
  PasskeyUseOutcome outcome = PasskeyUseOutcome::kUsed;
  Passkey passkey;  // the passkey AFTER the call
};

class CredentialStore {
 public:
  virtual ~CredentialStore() = default;

  // ---- TOTP ----

  // Stores `sealed_secret` as the user's PENDING secret (created_at = now, last_step 0),
  // replacing a pending one. kConflict if the user has a confirmed secret (remove it first),
  // kNotFound if the user does not exist; nothing changes either way.
  virtual std::expected<void, StoreError> put_pending_totp(const UserId& user,
                                                           std::string_view sealed_secret,
                                                           std::int64_t now) = 0;

  // If the user's secret is pending and step > its last_step: confirms it (confirmed_at = now,
  // last_step = step). Otherwise the outcome says why nothing changed. (A pending secret's
  // last_step is 0, so only a step <= 0, which no clock of this era gives, is kReplayed: the
  // rule is the same as use_totp_step's so that no step is ever accepted twice.)
  virtual std::expected<TotpConfirm, StoreError> confirm_totp(const UserId& user, std::int64_t step,
                                                              std::int64_t now) = 0;

  // The user's secret, pending or confirmed. kNotFound if none.
  virtual std::expected<TotpSecret, StoreError> find_totp(const UserId& user) = 0;

  // RFC 6238 section 5.2: accepts `step` iff the user's secret is confirmed and step >
  // last_step, then last_step = step. The caller has checked the code against the secret for
  // this step; the store makes the one-time rule atomic. A step <= 0 is never accepted.
  virtual std::expected<TotpUse, StoreError> use_totp_step(const UserId& user,
                                                           std::int64_t step) = 0;

  // Deletes the user's secret, pending or confirmed (not the recovery codes: see above).
  // kNotFound if none.
  virtual std::expected<void, StoreError> remove_totp(const UserId& user) = 0;

  // Every legacy plaintext secret still waiting, by user id (bytewise).
  virtual std::expected<std::vector<LegacyTotpSecret>, StoreError> legacy_totp_secrets() = 0;

  // In one step: deletes the user's legacy plaintext secret and, unless the user has a
  // confirmed secret (kSuperseded), stores `sealed_secret` as the confirmed one (created_at =
  // confirmed_at = now, last_step 0; replacing a pending one). kNotFound if the user has no
  // legacy secret (nothing changes).
  virtual std::expected<LegacySeal, StoreError> seal_legacy_totp(const UserId& user,
                                                                 std::string_view sealed_secret,
                                                                 std::int64_t now) = 0;

  // ---- recovery codes ----

  // Replaces every code of the user (used or not) by `hashes`, unused, created at `now`.
  // kNotFound if the user does not exist; kConflict if `hashes` repeats one or holds more than
  // kMaxRecoveryCodes. Nothing changes on an error. An empty `hashes` leaves the user none.
  virtual std::expected<void, StoreError> replace_recovery_codes(
      const UserId& user, std::span<const RecoveryCodeHash> hashes, std::int64_t now) = 0;

  // If `hash` is an unused code of the user: marks it used at `now` (at least 1) ->
  // kAccepted. Of N concurrent calls with one code, exactly one is accepted.
  virtual std::expected<RecoveryCodeUse, StoreError> use_recovery_code(const UserId& user,
                                                                       const RecoveryCodeHash& hash,
                                                                       std::int64_t now) = 0;

  // How many unused codes the user has.
  virtual std::expected<std::size_t, StoreError> remaining_recovery_codes(const UserId& user) = 0;

  // Deletes every code of the user. Returns how many there were (used or not).
  virtual std::expected<std::size_t, StoreError> remove_recovery_codes(const UserId& user) = 0;

  // ---- passkeys ----

  // Stores `passkey`, every field as given. kNotFound if its user does not exist; else
  // kConflict if its credential_id is registered (to ANY user) or its id is taken, or if it
  // breaks the field rules above (credential_id length, sign_count range). Nothing is stored
  // on an error.
  virtual std::expected<void, StoreError> add_passkey(const Passkey& passkey) = 0;

  // By the credential id the authenticator presents (discoverable or not). kNotFound if none.
  virtual std::expected<Passkey, StoreError> find_passkey_by_credential_id(
      std::string_view credential_id) = 0;

  // The user's passkey `id`. kNotFound if none, or if it is another user's.
  virtual std::expected<Passkey, StoreError> find_passkey(const UserId& user,
                                                          const PasskeyId& id) = 0;

  // The user's passkeys, oldest first (created_at, ties by id bytewise).
  virtual std::expected<std::vector<Passkey>, StoreError> list_passkeys(const UserId& user) = 0;

  // Sets the name of the user's passkey `id`. kNotFound if none, or another user's.
  virtual std::expected<void, StoreError> rename_passkey(const UserId& user, const PasskeyId& id,
                                                         std::string_view name) = 0;

  // Deletes the user's passkey `id`. kNotFound if none, or another user's.
  virtual std::expected<void, StoreError> remove_passkey(const UserId& user,
                                                         const PasskeyId& id) = 0;

  // WebAuthn Level 3 section 7.2 step 22, after the caller verified the assertion's
  // signature with this passkey's key: if the stored count or `sign_count` is nonzero,
  // `sign_count` must be strictly greater than the stored count, else kCounterNotIncreased
  // and nothing changes; otherwise (kUsed) stores sign_count, backed_up and last_used_at =
  // now. Of N concurrent calls with one count, exactly one is kUsed (both counts 0: all are).
  // kNotFound if no passkey has this credential id. REQUIRES: 0 <= sign_count <=
  // kMaxSignCount.
  virtual std::expected<PasskeyUse, StoreError> use_passkey(std::string_view credential_id,
                                                            std::int64_t sign_count, bool backed_up,
                                                            std::int64_t now) = 0;

  // ---- WebAuthn user handle ----

  // The user's handle: the stored one, or `candidate_if_new` (32 random bytes from the caller)
  // stored now at `now` if the user has none. Every call for one user returns the same handle
  // once one has succeeded, however they race. kNotFound if the user does not exist;
  // kConflict if `candidate_if_new` is another user's handle (nothing stored; draw again).
  virtual std::expected<UserHandle, StoreError> user_handle(const UserId& user,
                                                            const UserHandle& candidate_if_new,
                                                            std::int64_t now) = 0;

  // The user a handle belongs to (discoverable-credential login: the assertion's userHandle).
  // kNotFound if none.
  virtual std::expected<UserId, StoreError> user_by_handle(const UserHandle& handle) = 0;
};

// Whether `passkey` keeps the field rules add_passkey() enforces (credential id length, sign
// count range). Shared by the backends, so every one refuses the same records.
inline bool passkey_fields_valid(const Passkey& passkey) {
  return !passkey.credential_id.empty() && passkey.credential_id.size() <= kMaxCredentialIdBytes &&
         passkey.sign_count >= 0 && passkey.sign_count <= kMaxSignCount;
}

// Whether `hashes` is a set replace_recovery_codes() accepts: at most kMaxRecoveryCodes, none
// repeated.
inline bool recovery_code_set_valid(std::span<const RecoveryCodeHash> hashes) {
  if (hashes.size() > kMaxRecoveryCodes) return false;
  for (std::size_t i = 0; i < hashes.size(); ++i) {  // at most 45 comparisons
    for (std::size_t j = i + 1; j < hashes.size(); ++j) {
      if (hashes[i] == hashes[j]) return false;
    }
  }
  return true;
}

}  // namespace tessera::store
