// Checks on the credential store shared by the store suites: deterministic records, comparing
// two passkeys field by field, the one-time races between processes (the conformance suite
// races threads), and the upgrade of a database from before the credential tables (SQLite
// 0008, PostgreSQL 0007), which both SQL backends' upgrade tests run, each with its own blob
// literal syntax (legacy_families.h's BlobLiteral).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "legacy_families.h"
#include "peer_process.h"
#include "store/stores.h"
#include "store_test_util.h"

namespace tessera::store::testing {

// Passkey n of user `user`, created at `created_at`, never used, counter 0.
inline Passkey make_passkey(int n, int user, std::int64_t created_at) {
  Aaguid aaguid{};
  aaguid[0] = 0xad;
  aaguid[15] = static_cast<std::uint8_t>(n);
  return Passkey{
      .id = passkey_id(n),
      .user_id = user_id(user),
      .credential_id = credential_id(n),
      .public_key = std::string("\xa5\x01\x02\x03\x26\x20\x01\0key-", 12) + std::to_string(n),
      .sign_count = 0,
      .transports = {"internal", "hybrid"},
      .name = "Key " + std::to_string(n),
      .aaguid = aaguid,
      .backup_eligible = true,
      .backed_up = false,
      .created_at = created_at,
      .last_used_at = 0};
}

inline void expect_same_passkey(const Passkey& got, const Passkey& want) {
  const std::string which = want.name;
  EXPECT_EQ(got.id, want.id) << which;
  EXPECT_EQ(got.user_id, want.user_id) << which;
  EXPECT_EQ(got.credential_id, want.credential_id) << which;
  EXPECT_EQ(got.public_key, want.public_key) << which;
  EXPECT_EQ(got.sign_count, want.sign_count) << which;
  EXPECT_EQ(got.transports, want.transports) << which;
  EXPECT_EQ(got.name, want.name) << which;
  EXPECT_EQ(got.aaguid, want.aaguid) << which;
  EXPECT_EQ(got.backup_eligible, want.backup_eligible) << which;
  EXPECT_EQ(got.backed_up, want.backed_up) << which;
  EXPECT_EQ(got.created_at, want.created_at) << which;
  EXPECT_EQ(got.last_used_at, want.last_used_at) << which;
}

// User 1 with a confirmed TOTP secret (last step 999) and recovery codes 1..rounds, made
// through `setup`: what the one-time races between processes work on.
inline void make_race_credentials(Stores& setup, int rounds) {
  ASSERT_TRUE(setup.users->create(make_user(1, 1000)));
  ASSERT_TRUE(setup.credentials->put_pending_totp(user_id(1), "sealed", 1000));
  ASSERT_EQ(setup.credentials->confirm_totp(user_id(1), 999, 1000).value(),
            TotpConfirm::kConfirmed);
  std::vector<RecoveryCodeHash> codes;
  for (int round = 0; round < rounds; ++round) codes.push_back(recovery_hash(round + 1));
  ASSERT_TRUE(setup.credentials->replace_recovery_codes(user_id(1), codes, 1000));
}

// `peers` store_peer processes on `db` race in each of `rounds` rounds to use TOTP step 1000 +
// round of user 1 ("totp-step"), then recovery code round + 1 ("recovery-code"). Expects one
// acceptance per round across the peers for each, and the state they leave.
inline void race_one_time_uses_between_processes(Stores& setup, const std::string& db, int peers,
                                                 int rounds) {
  ASSERT_NO_FATAL_FAILURE(make_race_credentials(setup, rounds));
  EXPECT_EQ(wins_between_processes(db, "totp-step", peers, rounds), rounds);
  EXPECT_EQ(setup.credentials->find_totp(user_id(1))->last_step, 1000 + rounds - 1);
  EXPECT_EQ(wins_between_processes(db, "recovery-code", peers, rounds), rounds);
  EXPECT_EQ(setup.credentials->remaining_recovery_codes(user_id(1)).value(), 0u);
}

// The rows of a database from before the credential tables: user 1 with a legacy plaintext TOTP
// secret, user 2 with none (''), user 3 with another. The same statements on both backends.
inline std::vector<std::string> pre_credentials_inserts(const BlobLiteral& blob) {
  std::vector<std::string> sql;
  for (auto [n, secret] :
       {std::pair{1, "JBSWY3DPEHPK3PXP"}, std::pair{2, ""}, std::pair{3, "GEZDGNBVGY3TQOJQ"}}) {
    sql.push_back(
        "INSERT INTO users (id, email, password_hash, created_at, password_changed_at, "
        "totp_secret) VALUES (" +
        blob(user_id(n)) + ", 'old" + std::to_string(n) + "@example.com', '$argon2id$old', 100, " +
        "150, '" + secret + "')");
  }
  return sql;
}

// After the upgrade: the users are kept; the non-empty legacy secrets (users 1 and 3) wait to
// be sealed; sealing replaces each by a confirmed sealed secret (or, for a user who has one
// already, keeps that) and the plaintext is gone; every other credential call works on the new
// tables.
inline void expect_credentials_after_upgrade(Stores& s) {
  for (int n : {1, 2, 3}) {
    auto user = s.users->find_by_id(user_id(n));
    ASSERT_TRUE(user.has_value()) << n;
    EXPECT_EQ(user->email, "old" + std::to_string(n) + "@example.com");
    EXPECT_EQ(user->password_changed_at, 150);
  }
  ASSERT_TRUE(s.credentials);
  auto legacy = s.credentials->legacy_totp_secrets();
  ASSERT_TRUE(legacy.has_value());
  ASSERT_EQ(legacy->size(), 2u);
  EXPECT_EQ((*legacy)[0].user_id, user_id(1));
  EXPECT_EQ((*legacy)[0].plaintext, "JBSWY3DPEHPK3PXP");
  EXPECT_EQ((*legacy)[1].user_id, user_id(3));
  EXPECT_EQ((*legacy)[1].plaintext, "GEZDGNBVGY3TQOJQ");
  // Nothing is a second factor yet: the legacy secrets are not TOTP secrets until sealed.
  for (int n : {1, 2, 3}) {
    EXPECT_EQ(s.credentials->find_totp(user_id(n)).error(), StoreError::kNotFound) << n;
  }

  // User 1: sealed into a confirmed secret, in one step with the plaintext's deletion.
  EXPECT_EQ(s.credentials->seal_legacy_totp(user_id(1), "sealed-1", 2000).value(),
            LegacySeal::kSealed);
  auto sealed = s.credentials->find_totp(user_id(1));
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(sealed->sealed_secret, "sealed-1");
  EXPECT_TRUE(sealed->confirmed);
  EXPECT_EQ(sealed->created_at, 2000);
  EXPECT_EQ(sealed->confirmed_at, 2000);
  EXPECT_EQ(sealed->last_step, 0);
  EXPECT_EQ(s.credentials->use_totp_step(user_id(1), 5).value(), TotpUse::kAccepted);
  EXPECT_EQ(s.credentials->seal_legacy_totp(user_id(1), "again", 2100).error(),
            StoreError::kNotFound);
  EXPECT_EQ(s.credentials->find_totp(user_id(1))->sealed_secret, "sealed-1");
  // User 2 never had one.
  EXPECT_EQ(s.credentials->seal_legacy_totp(user_id(2), "sealed-2", 2000).error(),
            StoreError::kNotFound);
  EXPECT_EQ(s.credentials->find_totp(user_id(2)).error(), StoreError::kNotFound);

  // User 3 enrolled (and confirmed) before the sealing ran: that secret stays, the plaintext
  // goes all the same.
  ASSERT_TRUE(s.credentials->put_pending_totp(user_id(3), "enrolled-3", 1900).has_value());
  ASSERT_EQ(s.credentials->confirm_totp(user_id(3), 7, 1950).value(), TotpConfirm::kConfirmed);
  EXPECT_EQ(s.credentials->seal_legacy_totp(user_id(3), "sealed-3", 2000).value(),
            LegacySeal::kSuperseded);
  auto kept = s.credentials->find_totp(user_id(3));
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->sealed_secret, "enrolled-3");
  EXPECT_EQ(kept->confirmed_at, 1950);
  EXPECT_EQ(kept->last_step, 7);
  auto none = s.credentials->legacy_totp_secrets();
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());

  // The other tables work.
  const std::vector<RecoveryCodeHash> codes = {recovery_hash(1), recovery_hash(2)};
  ASSERT_TRUE(s.credentials->replace_recovery_codes(user_id(2), codes, 2000).has_value());
  EXPECT_EQ(s.credentials->use_recovery_code(user_id(2), recovery_hash(1), 2001).value(),
            RecoveryCodeUse::kAccepted);
  EXPECT_EQ(s.credentials->remaining_recovery_codes(user_id(2)).value(), 1u);
  ASSERT_TRUE(s.credentials->add_passkey(make_passkey(1, 2, 2000)).has_value());
  EXPECT_EQ(s.credentials->add_passkey(make_passkey(1, 9, 2000)).error(), StoreError::kNotFound);
  EXPECT_EQ(s.credentials->use_passkey(credential_id(1), 1, true, 2002)->outcome,
            PasskeyUseOutcome::kUsed);
  EXPECT_EQ(s.credentials->user_handle(user_id(2), user_handle(2), 2000).value(), user_handle(2));
  EXPECT_EQ(s.credentials->user_by_handle(user_handle(2)).value(), user_id(2));
}

// Rows of users 1 and 2 in every credential table, made through `s`, for a backend test that
// then deletes user 1 by hand (UserStore has no removal) and checks expect_user_1_gone().
inline void make_credentials_of_two_users(Stores& s) {
  for (int n : {1, 2}) {
    ASSERT_TRUE(s.users->create(make_user(n, 1000)));
    ASSERT_TRUE(s.credentials->put_pending_totp(user_id(n), "sealed", 1000));
    const std::vector<RecoveryCodeHash> codes = {recovery_hash(n)};
    ASSERT_TRUE(s.credentials->replace_recovery_codes(user_id(n), codes, 1000));
    ASSERT_TRUE(s.credentials->add_passkey(make_passkey(n, n, 1000)));
    ASSERT_TRUE(s.credentials->user_handle(user_id(n), user_handle(n), 1000));
  }
}

inline void expect_user_1_gone(Stores& s) {
  EXPECT_EQ(s.credentials->find_totp(user_id(1)).error(), StoreError::kNotFound);
  EXPECT_EQ(s.credentials->remaining_recovery_codes(user_id(1)).value(), 0u);
  EXPECT_EQ(s.credentials->find_passkey_by_credential_id(credential_id(1)).error(),
            StoreError::kNotFound);
  EXPECT_TRUE(s.credentials->list_passkeys(user_id(1))->empty());
  EXPECT_EQ(s.credentials->user_by_handle(user_handle(1)).error(), StoreError::kNotFound);
  // User 2's are untouched.
  EXPECT_TRUE(s.credentials->find_totp(user_id(2)).has_value());
  EXPECT_EQ(s.credentials->remaining_recovery_codes(user_id(2)).value(), 1u);
  EXPECT_TRUE(s.credentials->find_passkey(user_id(2), passkey_id(2)).has_value());
  EXPECT_EQ(s.credentials->user_by_handle(user_handle(2)).value(), user_id(2));
  // A credential of the gone user's cannot be made again for it.
  EXPECT_EQ(s.credentials->add_passkey(make_passkey(3, 1, 1000)).error(), StoreError::kNotFound);
}

}  // namespace tessera::store::testing
