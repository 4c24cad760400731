// Checks on OAuth authorization codes and consents shared by the store suites: records with
// every field set, comparing two field by field, the redemption race between processes (the
// conformance suite races threads), and the upgrade of a database from before codes and
// consents (SQLite 0007, PostgreSQL 0006), which both SQL backends' upgrade tests run, each with
// its own blob literal syntax (legacy_families.h's BlobLiteral).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "client_checks.h"
#include "legacy_families.h"
#include "peer_process.h"
#include "store/stores.h"
#include "store_test_util.h"

namespace tessera::store::testing {

// Code token(n) of user `user` for client `client_id`, created at `created_at` and expiring
// 60 s later, not redeemed; its texts differ with n.
inline AuthorizationCode make_code(int n, const std::string& client_id, int user,
                                   std::int64_t created_at) {
  const std::string tag = std::to_string(n);
  return AuthorizationCode{.hash = token(n),
                           .client_id = client_id,
                           .user_id = user_id(user),
                           .redirect_uri = "https://" + client_id + ".example/callback?n=" + tag,
                           .scope = "openid profile " + tag,
                           .nonce = "nonce-" + tag,
                           .code_challenge = "challenge-" + tag,
                           .auth_time = created_at - 30,
                           .amr = "pwd otp",
                           .created_at = created_at,
                           .expires_at = created_at + 60,
                           .redeemed_at = 0,
                           .family = {}};
}

// User `user`'s grant to `client_id` of "openid profile", made (and last changed) at
// `created_at`.
inline Consent make_consent(int user, const std::string& client_id, std::int64_t created_at) {
  return Consent{.user_id = user_id(user),
                 .client_id = client_id,
                 .scope = "openid profile",
                 .created_at = created_at,
                 .updated_at = created_at};
}

inline void expect_same_code(const AuthorizationCode& got, const AuthorizationCode& want) {
  const std::string which = to_hex(want.hash);
  EXPECT_EQ(got.hash, want.hash);
  EXPECT_EQ(got.client_id, want.client_id) << which;
  EXPECT_EQ(got.user_id, want.user_id) << which;
  EXPECT_EQ(got.redirect_uri, want.redirect_uri) << which;
  EXPECT_EQ(got.scope, want.scope) << which;
  EXPECT_EQ(got.nonce, want.nonce) << which;
  EXPECT_EQ(got.code_challenge, want.code_challenge) << which;
  EXPECT_EQ(got.auth_time, want.auth_time) << which;
  EXPECT_EQ(got.amr, want.amr) << which;
  EXPECT_EQ(got.created_at, want.created_at) << which;
  EXPECT_EQ(got.expires_at, want.expires_at) << which;
  EXPECT_EQ(got.redeemed_at, want.redeemed_at) << which;
  EXPECT_EQ(got.family, want.family) << which;
}

inline void expect_same_consent(const Consent& got, const Consent& want) {
  EXPECT_EQ(got.user_id, want.user_id);
  EXPECT_EQ(got.client_id, want.client_id);
  EXPECT_EQ(got.scope, want.scope) << want.client_id;
  EXPECT_EQ(got.created_at, want.created_at) << want.client_id;
  EXPECT_EQ(got.updated_at, want.updated_at) << want.client_id;
}

// `peers` store_peer processes on `db` (its first argument) redeem code token(round + 1) for
// each of `rounds` rounds, all starting together, each with its own family. Creates client
// "race" and the codes through `setup` first. Expects one redemption per round across the
// peers (every other call false), and each code redeemed at 2000 by one peer's family.
inline void race_redemptions_between_processes(Stores& setup, const std::string& db, int peers,
                                               int rounds) {
  Client client = make_client(1, 1000);
  client.id = "race";
  ASSERT_TRUE(setup.clients->create(client));
  for (int round = 0; round < rounds; ++round) {
    ASSERT_TRUE(setup.codes->create(make_code(round + 1, client.id, 1, 1000)));
  }
  EXPECT_EQ(wins_between_processes(db, "redeem", peers, rounds), rounds);
  for (int round = 0; round < rounds; ++round) {
    auto after = setup.codes->find(token(round + 1));
    ASSERT_TRUE(after);
    EXPECT_EQ(after->redeemed_at, 2000) << "round " << round;
    bool a_peers_family = false;
    for (int peer = 0; peer < peers; ++peer) a_peers_family |= after->family == family_id(peer + 1);
    EXPECT_TRUE(a_peers_family) << "round " << round;
  }
}

// The rows of a database from before codes and consents: user 1 ("old@example.com") and
// client "old-client" (created at 100, every other column at its default), which the same
// statements write on both backends.
inline std::vector<std::string> pre_grants_inserts(const BlobLiteral& blob) {
  std::vector<std::string> sql = pre_clients_inserts(blob);
  sql.push_back(
      "INSERT INTO oauth_clients (id, name, type, auth_method, created_at, updated_at) "
      "VALUES ('old-client', 'Old', 'public', 'none', 100, 100)");
  return sql;
}

// After the upgrade: the client is kept, it has no codes or consents yet, and every method of
// both stores works on the new tables, removing the client included.
inline void expect_grants_after_upgrade(Stores& s) {
  auto client = s.clients->find("old-client");
  ASSERT_TRUE(client.has_value());
  EXPECT_EQ(client->name, "Old");
  EXPECT_EQ(client->created_at, 100);
  ASSERT_TRUE(s.codes && s.consents);
  EXPECT_EQ(s.codes->find(token(1)).error(), StoreError::kNotFound);
  auto none = s.consents->list(user_id(1));
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());

  AuthorizationCode code = make_code(1, "old-client", 1, 1000);
  ASSERT_TRUE(s.codes->create(code).has_value());
  EXPECT_EQ(s.codes->create(code).error(), StoreError::kConflict);
  EXPECT_EQ(s.codes->create(make_code(2, "no-such-client", 1, 1000)).error(),
            StoreError::kNotFound);
  EXPECT_TRUE(s.codes->redeem(code.hash, 1010, family_id(1)).value());
  EXPECT_FALSE(s.codes->redeem(code.hash, 1020, family_id(2)).value());
  code.redeemed_at = 1010;
  code.family = family_id(1);
  auto found = s.codes->find(code.hash);
  ASSERT_TRUE(found.has_value());
  expect_same_code(*found, code);
  ASSERT_TRUE(s.codes->create(make_code(3, "old-client", 1, 2000)).has_value());
  EXPECT_EQ(s.codes->purge(1500).value(), 1u);
  EXPECT_EQ(s.codes->find(code.hash).error(), StoreError::kNotFound);

  const Consent consent = make_consent(1, "old-client", 1000);
  ASSERT_TRUE(s.consents->put(consent).has_value());
  EXPECT_EQ(s.consents->put(make_consent(1, "no-such-client", 1000)).error(),
            StoreError::kNotFound);
  auto listed = s.consents->list(user_id(1));
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 1u);
  expect_same_consent(listed->front(), consent);
  ASSERT_TRUE(s.consents->remove(user_id(1), "old-client").has_value());
  EXPECT_EQ(s.consents->find(user_id(1), "old-client").error(), StoreError::kNotFound);

  // The client's removal takes its code and consent with it.
  ASSERT_TRUE(s.consents->put(consent).has_value());
  ASSERT_TRUE(s.clients->remove("old-client").has_value());
  EXPECT_EQ(s.codes->find(token(3)).error(), StoreError::kNotFound);
  EXPECT_EQ(s.consents->find(user_id(1), "old-client").error(), StoreError::kNotFound);
}

}  // namespace tessera::store::testing
