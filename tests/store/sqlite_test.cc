// What only the SQLite backend has to prove: the file (mode, WAL, persistence), migrations,
// sharing the file with another Stores object and another process (the CLI beside a server),
// and failing closed (kUnavailable / kCorrupt, never a crash) when the file is locked, damaged
// or not a database. The behaviour every backend shares is in conformance_test.cc.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "client_checks.h"
#include "credential_checks.h"
#include "federation_checks.h"
#include "grant_checks.h"
#include "legacy_families.h"
#include "legacy_sessions.h"
#include "peer_process.h"
#include "rotation_race.h"
#include "store/sqlite/migrations.h"
#include "store/stores.h"
#include "store_test_util.h"

namespace tessera::store {
namespace {

using testing::family_id;
using testing::make_client;
using testing::make_code;
using testing::make_consent;
using testing::make_family;
using testing::make_key;
using testing::make_session;
using testing::make_user;
using testing::run_peer;
using testing::TempDir;
using testing::token;
using testing::user_id;

// A raw connection, as another tool (or an attacker) would use the file.
class Raw {
 public:
  explicit Raw(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) ADD_FAILURE() << "open " << path;
    sqlite3_busy_timeout(db_, 5000);
  }
  ~Raw() { sqlite3_close_v2(db_); }
  // Runs `sql`; returns SQLite's code.
  int exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (err) last_error_ = err;
    sqlite3_free(err);
    return rc;
  }
  // The first column of the first row of `sql`, as text.
  std::string scalar(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    std::string out = "<error>";
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(st, 0);
      out = text ? reinterpret_cast<const char*>(text) : "<null>";
    }
    sqlite3_finalize(st);
    return out;
  }
  const std::string& last_error() const { return last_error_; }

 private:
  sqlite3* db_ = nullptr;
  std::string last_error_;
};

class SqliteStore : public ::testing::Test {
 protected:
  StoreConfig config(int busy_timeout_ms = 5000) {
    return StoreConfig{.backend = "sqlite",
                       .sqlite_path = path_,
                       .sqlite_busy_timeout_ms = busy_timeout_ms,
                       .on_error = [this](std::string_view msg) {
                         std::lock_guard lock(errors_mu_);
                         errors_.emplace_back(msg);
                       }};
  }
  Stores open(int busy_timeout_ms = 5000) {
    auto s = open_stores(config(busy_timeout_ms));
    EXPECT_TRUE(s) << s.error();
    return s ? std::move(*s) : Stores{};
  }
  std::vector<std::string> errors() {
    std::lock_guard lock(errors_mu_);
    return errors_;
  }

  TempDir dir_;
  std::string path_ = (dir_.path() / "tessera.db").string();
  std::mutex errors_mu_;
  std::vector<std::string> errors_;
};

// An SQL blob literal of `bytes`: x'0a1b...'.
std::string blob_literal(std::span<const std::uint8_t> bytes) { return "x'" + to_hex(bytes) + "'"; }

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0xffff;
  return st.st_mode & 07777;
}

// ---- the file ----------------------------------------------------------------------------------

TEST_F(SqliteStore, CreatesTheFile0600InWalMode) {
  Stores s = open();
  ASSERT_TRUE(s.users->create(make_user(1, 1000)));  // a write makes the -wal file exist
  EXPECT_EQ(mode_of(path_), 0600u);
  EXPECT_EQ(mode_of(path_ + "-wal"), 0600u);
  EXPECT_EQ(mode_of(path_ + "-shm"), 0600u);
  Raw raw(path_);
  EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
}

// This process's own revocations wake its follower through the change feed at once
// (store/notifying_revocation_store.h); reads and failed writes say nothing.
TEST_F(SqliteStore, RevocationsAreAnnouncedOnTheChangeFeedAfterTheyCommit) {
  Stores s = open();
  std::atomic<int> hints{0};
  auto sub = s.changes->subscribe(
      [&](ChangeTopic topic, std::string_view) {
        if (topic == ChangeTopic::kRevocation) ++hints;
      },
      [] {});
  ASSERT_TRUE(s.revocations->deny("jti-1", 2000, 1000));
  EXPECT_EQ(hints.load(), 1);
  ASSERT_TRUE(s.revocations->set_not_before(user_id(1), 1'000'000));
  EXPECT_EQ(hints.load(), 2);
  ASSERT_TRUE(s.revocations->is_denied("jti-1", 1000));
  ASSERT_TRUE(s.revocations->events_after(0, 10));
  EXPECT_EQ(hints.load(), 2);
  auto events = s.revocations->events_after(0, 10);
  ASSERT_TRUE(events);
  EXPECT_EQ(events->size(), 2u);  // and the log has what was announced
}

TEST_F(SqliteStore, EverythingPersistsAcrossReopen) {
  std::int64_t event_id = 0;
  {
    Stores s = open();
    User u = make_user(1, 1000);
    u.roles = {"admin", "user"};
    ASSERT_TRUE(s.users->create(u));
    ASSERT_TRUE(s.users->set_disabled(user_id(1), true));
    ASSERT_TRUE(s.sessions->create(make_session(1, 1, 1000), 5));
    ASSERT_TRUE(s.sessions->touch(token(1), 1500));
    ASSERT_TRUE(s.counters->increment("k", 1000, 60));
    ASSERT_TRUE(s.counters->increment("k", 1001, 60));
    event_id =
        s.audit->append({.at = 1000, .type = "login.success", .user_id = user_id(1)}).value();
    ASSERT_TRUE(s.audit->remember_device(user_id(1), "fp", 1000).value());
  }
  Stores s = open();
  auto u = s.users->find_by_email(make_user(1, 0).email);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->roles, (std::vector<std::string>{"admin", "user"}));
  EXPECT_TRUE(u->disabled);
  EXPECT_EQ(s.sessions->find(token(1))->last_seen_at, 1500);
  EXPECT_EQ(s.counters->get("k", 1002)->value, 2);
  auto events = s.audit->query({});
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().id, event_id);
  EXPECT_FALSE(s.audit->remember_device(user_id(1), "fp", 2000).value());
  // Ids keep increasing after a reopen.
  EXPECT_GT(s.audit->append({.at = 2000, .type = "logout"}).value(), event_id);
}

TEST_F(SqliteStore, TokenStoresPersistAcrossReopen) {
  std::int64_t last_seq = 0;
  {
    Stores s = open();
    ASSERT_TRUE(s.refresh->create(make_family(1, 1, 1000)));
    ASSERT_EQ(s.refresh->rotate(family_id(1), 1, 1100)->outcome, RotateOutcome::kRotated);
    ASSERT_TRUE(s.refresh->create(make_family(1, 2, 1200)));
    ASSERT_EQ(s.refresh->token_secret(std::string(kRefreshSecretBytes, 's')).value().size(),
              kRefreshSecretBytes);
    ASSERT_TRUE(s.refresh->revoke_family(family_id(2), "logout", 1300).value());
    ASSERT_EQ(s.keys
                  ->replace(0, {make_key("a", KeyState::kRetired, 1),
                                make_key("b", KeyState::kActive, 2)})
                  .value(),
              1);
    ASSERT_TRUE(s.revocations->deny("jti", 5000, 1000));
    ASSERT_TRUE(s.revocations->set_not_before(user_id(1), 1'500'000));
    EXPECT_EQ(s.revocations->purge(0, 1001).value(), 1u);  // the denial's event
    last_seq = s.revocations->snapshot(0)->seq;
  }
  Stores s = open();
  auto rotated = s.refresh->find(family_id(1));
  ASSERT_TRUE(rotated);
  EXPECT_EQ(rotated->generation, 2);
  EXPECT_EQ(rotated->last_used_at, 1100);
  EXPECT_EQ(s.refresh->find(family_id(2))->revoked_reason, "logout");
  EXPECT_EQ(s.refresh->rotate(family_id(1), 1, 1400)->outcome, RotateOutcome::kAlreadyUsed);
  EXPECT_EQ(s.refresh->token_secret(std::string(kRefreshSecretBytes, 'o')).value(),
            std::string(kRefreshSecretBytes, 's'));
  auto ring = s.keys->load();
  EXPECT_EQ(ring->version, 1);
  ASSERT_EQ(ring->keys.size(), 2u);
  EXPECT_EQ(ring->keys[0].kid, "a");
  EXPECT_EQ(ring->keys[1].state, KeyState::kActive);
  EXPECT_TRUE(s.revocations->is_denied("jti", 4000).value());
  EXPECT_EQ(s.revocations->not_before(user_id(1)).value(), 1'500'000);
  EXPECT_EQ(last_seq, 2);
  EXPECT_EQ(s.revocations->snapshot(0)->seq, last_seq);
  EXPECT_EQ(s.revocations->events_after(0, 10).error(), StoreError::kNotFound);  // still purged
  EXPECT_EQ(s.revocations->events_after(1, 10)->size(), 1u);
}

// ---- migrations --------------------------------------------------------------------------------

TEST_F(SqliteStore, MigrateAppliesOnceAndIsIdempotent) {
  const int latest = sqlite::latest_version();
  EXPECT_GE(latest, 1);
  auto first = migrate(config());
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(*first, latest);
  auto second = migrate(config());
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(*second, latest);
  Stores s = open();  // opening migrates too: still nothing to do
  EXPECT_TRUE(s.ready());
  Raw raw(path_);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM schema_version"), std::to_string(latest));
  EXPECT_EQ(raw.scalar("SELECT max(version) FROM schema_version"), std::to_string(latest));
  EXPECT_EQ(raw.scalar("SELECT name FROM schema_version WHERE version = 1"), "0001_initial.sql");
  EXPECT_EQ(raw.scalar("PRAGMA integrity_check"), "ok");
  // Every table of every migration (SQLite's own, such as sqlite_sequence, left out).
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                       "name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"),
            "26");
}

// A database made by a binary that knew only 0001 (users, sessions, counters, audit) is
// brought to the latest schema on open, its rows untouched, and the new stores work on it.
TEST_F(SqliteStore, AVersion1DatabaseUpgradesWithItsDataIntact) {
  const sqlite::Migration& v1 = sqlite::migrations().front();
  ASSERT_EQ(v1.version, 1);
  {
    Raw raw(path_);
    ASSERT_EQ(raw.exec(std::string(v1.sql)), SQLITE_OK) << raw.last_error();
    ASSERT_EQ(raw.exec("INSERT INTO schema_version VALUES (1, '0001_initial.sql', 0)"), SQLITE_OK);
    // user_id(1) and session token(1) (store_test_util.h), written as the v1 binary would.
    const std::string user = blob_literal(user_id(1));
    const std::string session = blob_literal(token(1));
    const std::string csrf = "x'" + std::string(64, 'c') + "'";
    ASSERT_EQ(raw.exec("INSERT INTO users VALUES (" + user +
                       ", 'old@example.com', '$argon2id$old', '[\"admin\"]', 1, 100, 150, "
                       "'TOTPSECRET')"),
              SQLITE_OK)
        << raw.last_error();
    ASSERT_EQ(raw.exec("INSERT INTO sessions VALUES (" + session + ", " + user +
                       ", 200, 250, 190, '192.0.2.1', 'old-agent', " + csrf + ")"),
              SQLITE_OK)
        << raw.last_error();
    ASSERT_EQ(raw.exec("INSERT INTO audit_events (at, type, user_id, ip, user_agent, detail) "
                       "VALUES (300, 'login.success', " +
                       user + ", '', '', '{}')"),
              SQLITE_OK)
        << raw.last_error();
  }

  Stores s = open();
  EXPECT_TRUE(s.ready());
  auto u = s.users->find_by_email("old@example.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->id, user_id(1));
  EXPECT_EQ(u->password_hash, "$argon2id$old");
  EXPECT_EQ(u->roles, (std::vector<std::string>{"admin"}));
  EXPECT_TRUE(u->disabled);
  EXPECT_EQ(u->created_at, 100);
  EXPECT_EQ(u->password_changed_at, 150);
  // The hand-written plaintext secret waits in the legacy table (0008), out of the users row.
  auto legacy = s.credentials->legacy_totp_secrets();
  ASSERT_TRUE(legacy);
  ASSERT_EQ(legacy->size(), 1u);
  EXPECT_EQ(legacy->front().user_id, user_id(1));
  EXPECT_EQ(legacy->front().plaintext, "TOTPSECRET");
  auto session = s.sessions->find(token(1));
  ASSERT_TRUE(session);
  EXPECT_EQ(session->user_id, user_id(1));
  EXPECT_EQ(session->last_seen_at, 250);
  EXPECT_EQ(session->user_agent, "old-agent");
  EXPECT_EQ(session->csrf_hash[0], 0xcc);
  EXPECT_EQ(s.audit->query({})->size(), 1u);

  ASSERT_TRUE(s.refresh->create(make_family(1, 1, 1000)));
  EXPECT_EQ(s.keys->replace(0, {make_key("k", KeyState::kActive, 1)}).value(), 1);
  ASSERT_TRUE(s.revocations->deny("j", 2000, 1000));
  EXPECT_EQ(s.revocations->snapshot(1000)->seq, 1);

  Raw raw(path_);
  EXPECT_EQ(raw.scalar("SELECT max(version) FROM schema_version"),
            std::to_string(sqlite::latest_version()));
  EXPECT_EQ(raw.scalar("SELECT name FROM schema_version WHERE version = 2"), "0002_tokens.sql");
  EXPECT_EQ(raw.scalar("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM pragma_foreign_key_check"), "0");
}

// Makes `path` a database as a binary that knew only the first `version` migrations left it,
// holding the rows `inserts` write.
void write_old_database(const std::string& path, std::size_t version,
                        const std::vector<std::string>& inserts) {
  Raw raw(path);
  for (const sqlite::Migration& m : sqlite::migrations().first(version)) {
    ASSERT_EQ(raw.exec(std::string(m.sql)), SQLITE_OK) << m.name << ": " << raw.last_error();
    ASSERT_EQ(raw.exec("INSERT INTO schema_version VALUES (" + std::to_string(m.version) + ", '" +
                       std::string(m.name) + "', 0)"),
              SQLITE_OK);
  }
  for (const std::string& sql : inserts) ASSERT_EQ(raw.exec(sql), SQLITE_OK) << raw.last_error();
}

// A version 2 database (families with their own last_used_at, which 0003 dropped) upgrades
// through every migration since: its families keep their last use and their tokens.
TEST_F(SqliteStore, AVersion2DatabaseKeepsItsRefreshFamilies) {
  ASSERT_NO_FATAL_FAILURE(write_old_database(
      path_, 2, testing::legacy_family_inserts(blob_literal, /*family_last_used=*/true)));
  Stores s = open();
  ASSERT_TRUE(s.ready());
  ASSERT_NO_FATAL_FAILURE(testing::expect_legacy_families_kept(*s.refresh));
  Raw raw(path_);
  EXPECT_EQ(raw.scalar("PRAGMA integrity_check"), "ok");
}

// A version 4 database (the schema before generations: a row per token) upgrades to
// families in constant space (0005): its families at generation 0 with their tokens kept, and
// a process of the previous version still running on the file can no longer touch a refresh
// family: every statement it has for them names the renamed table, so it fails (closed)
// instead of issuing a token the new rules would not see.
TEST_F(SqliteStore, AVersion4DatabaseKeepsItsRefreshFamiliesAtGenerationZero) {
  ASSERT_NO_FATAL_FAILURE(write_old_database(
      path_, 4, testing::legacy_family_inserts(blob_literal, /*family_last_used=*/false)));
  Stores s = open();
  ASSERT_TRUE(s.ready());
  ASSERT_NO_FATAL_FAILURE(testing::expect_legacy_families_kept(*s.refresh));

  Raw raw(path_);
  EXPECT_EQ(raw.scalar("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM pragma_foreign_key_check"), "0");
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM refresh_legacy_tokens"), "2");  // family 1's
  // The previous version's rotation and purge.
  EXPECT_NE(raw.exec("INSERT INTO refresh_tokens (hash, family_id, issued_at) VALUES (" +
                     blob_literal(token(9)) + ", " + blob_literal(family_id(1)) + ", 1500)"),
            SQLITE_OK);
  EXPECT_NE(raw.exec("DELETE FROM refresh_families AS f WHERE NOT EXISTS (SELECT 1 FROM "
                     "refresh_tokens t WHERE t.family_id = f.id AND t.issued_at >= 0)"),
            SQLITE_OK);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM refresh_families"), "1");
}

// A version 3 database (sessions ordered by created_at, then id_hash) upgrades to creation
// order (0004): existing sessions keep the order the old rule gave them, and every session
// created afterwards is newer than all of them.
TEST_F(SqliteStore, AVersion3DatabaseKeepsItsSessionsOrderAndEvictsInCreationOrder) {
  ASSERT_NO_FATAL_FAILURE(
      write_old_database(path_, 3, testing::legacy_session_inserts(blob_literal)));
  Stores s = open();
  ASSERT_TRUE(s.ready());
  ASSERT_NO_FATAL_FAILURE(testing::expect_legacy_sessions_kept(*s.sessions));
  Raw raw(path_);
  EXPECT_EQ(raw.scalar("PRAGMA integrity_check"), "ok");
}

// A version 5 database (the schema before OAuth clients) gets the clients' table (0006): its
// rows are kept and every ClientStore method works on it.
TEST_F(SqliteStore, AVersion5DatabaseGetsOAuthClients) {
  ASSERT_NO_FATAL_FAILURE(write_old_database(path_, 5, testing::pre_clients_inserts(blob_literal)));
  {
    Raw raw(path_);
    ASSERT_EQ(raw.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'oauth_clients'"), "0");
  }
  Stores s = open();
  ASSERT_TRUE(s.ready());
  ASSERT_NO_FATAL_FAILURE(testing::expect_clients_after_upgrade(s));
  Raw raw(path_);
  EXPECT_EQ(raw.scalar("SELECT max(version) FROM schema_version"),
            std::to_string(sqlite::latest_version()));
  EXPECT_EQ(raw.scalar("SELECT name FROM schema_version WHERE version = 6"),
            "0006_oauth_clients.sql");
  EXPECT_EQ(raw.scalar("PRAGMA integrity_check"), "ok");
}

// A version 6 database (the schema before codes and consents) gets their tables (0007): its
// client is kept, and every method of both stores works on it, the cascade from the client
// included.
TEST_F(SqliteStore, AVersion6DatabaseGetsOAuthCodesAndConsents) {
  ASSERT_NO_FATAL_FAILURE(write_old_database(path_, 6, testing::pre_grants_inserts(blob_literal)));
  {
    Raw raw(path_);
    ASSERT_EQ(raw.scalar("SELECT count(*) FROM sqlite_master WHERE name IN "
                         "('oauth_codes', 'oauth_consents')"),
              "0");
  }
  Stores s = open();
  ASSERT_TRUE(s.ready());
  ASSERT_NO_FATAL_FAILURE(testing::expect_grants_after_upgrade(s));
  Raw raw(path_);
  EXPECT_EQ(raw.scalar("SELECT max(version) FROM schema_version"),
            std::to_string(sqlite::latest_version()));
  EXPECT_EQ(raw.scalar("SELECT name FROM schema_version WHERE version = 7"),
            "0007_oauth_grants.sql");
  EXPECT_EQ(raw.scalar("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM pragma_foreign_key_check"), "0");
}

// A version 7 database (the schema before the credential tables, users with a plaintext
// totp_secret column) gets them (0008): the non-empty secrets move to the legacy table, the
// column goes, and every credential call works, sealing the legacy secrets included. A process
// of the previous version still running on the file can no longer read or write a user: every
// statement it has for users names the dropped column.
TEST_F(SqliteStore, AVersion7DatabaseMovesItsPlaintextTotpSecretsOut) {
  ASSERT_NO_FATAL_FAILURE(
      write_old_database(path_, 7, testing::pre_credentials_inserts(blob_literal)));
  Stores s = open();
  ASSERT_TRUE(s.ready());
  ASSERT_NO_FATAL_FAILURE(testing::expect_credentials_after_upgrade(s));
  Raw raw(path_);
  EXPECT_EQ(raw.scalar("SELECT name FROM schema_version WHERE version = 8"),
            "0008_credentials.sql");
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM pragma_table_info('users') WHERE name = "
                       "'totp_secret'"),
            "0");
  EXPECT_NE(raw.exec("SELECT totp_secret FROM users"), SQLITE_OK);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM users"), "3");
  // No plaintext is left anywhere: the legacy rows are gone once sealed.
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM totp_legacy_secrets"), "0");
  EXPECT_EQ(raw.scalar("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM pragma_foreign_key_check"), "0");
}

// A version 9 database (before the account lifecycle) gets email_verified, the outbox and the
// account tokens (0010): its users are kept, unverified (they never proved their address), and
// every lifecycle call works on them.
TEST_F(SqliteStore, AVersion9DatabaseGetsTheAccountLifecycle) {
  ASSERT_NO_FATAL_FAILURE(write_old_database(
      path_, 9,
      {"INSERT INTO users (id, email, password_hash, created_at, password_changed_at) VALUES (" +
       blob_literal(user_id(1)) + ", 'old1@example.com', '$argon2id$old', 100, 150)"}));
  Stores s = open();
  ASSERT_TRUE(s.ready());
  auto user = s.users->find_by_id(user_id(1));
  ASSERT_TRUE(user) << describe(user.error());
  EXPECT_EQ(user->email, "old1@example.com");
  EXPECT_FALSE(user->email_verified);
  const AccountToken t{.hash = token(1),
                       .user_id = user_id(1),
                       .purpose = AccountTokenPurpose::kVerifyEmail,
                       .email = "old1@example.com",
                       .created_at = 200,
                       .expires_at = 2000};
  const OutgoingMail m[] = {{.kind = "verify_email",
                             .recipient = "old1@example.com",
                             .user_id = user_id(1),
                             .sealed_message = "sealed"}};
  ASSERT_TRUE(s.account_tokens->issue(t, m, 200));
  auto r = s.account_tokens->redeem(t.hash, AccountTokenPurpose::kVerifyEmail, "", {}, 300);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Redeemed::kApplied);
  EXPECT_TRUE(s.users->find_by_id(user_id(1))->email_verified);
  EXPECT_EQ(s.outbox->stats()->pending, 1U);
  Raw raw(path_);
  EXPECT_EQ(raw.scalar("SELECT name FROM schema_version WHERE version = 10"),
            "0010_account_lifecycle.sql");
  EXPECT_EQ(raw.scalar("PRAGMA integrity_check"), "ok");
}

// A user's credentials go with the user (ON DELETE CASCADE). UserStore has no removal, so the
// user is deleted as an operator would.
TEST_F(SqliteStore, CredentialsGoWithTheirUser) {
  Stores s = open();
  ASSERT_NO_FATAL_FAILURE(testing::make_credentials_of_two_users(s));
  {
    Raw raw(path_);
    ASSERT_EQ(raw.exec("PRAGMA foreign_keys = ON"), SQLITE_OK);
    ASSERT_EQ(raw.exec("DELETE FROM users WHERE id = " + blob_literal(user_id(1))), SQLITE_OK)
        << raw.last_error();
  }
  ASSERT_NO_FATAL_FAILURE(testing::expect_user_1_gone(s));
}

TEST_F(SqliteStore, ConcurrentMigrationsFromTwoOpenersAgree) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (auto s = open_stores(config()); s && s->ready()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 4);
  Raw raw(path_);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM schema_version"),
            std::to_string(sqlite::latest_version()));
}

TEST_F(SqliteStore, RefusesADatabaseNewerThanTheBinary) {
  Stores running = open();
  ASSERT_TRUE(running.ready());
  {
    Raw raw(path_);
    ASSERT_EQ(raw.exec("INSERT INTO schema_version VALUES (" +
                       std::to_string(sqlite::latest_version() + 1) + ", '9999_future.sql', 0)"),
              SQLITE_OK);
  }
  auto opened = open_stores(config());
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().find("newer"), std::string::npos) << opened.error();
  auto migrated = migrate(config());
  ASSERT_FALSE(migrated);
  EXPECT_NE(migrated.error().find("newer"), std::string::npos) << migrated.error();
  // A server already running on it stops answering ready (its schema changed under it).
  EXPECT_FALSE(running.ready());
}

TEST_F(SqliteStore, RefusesAFileThatIsNotADatabase) {
  {
    std::ofstream f(path_, std::ios::binary);
    f << std::string(8192, 'x');
  }
  auto opened = open_stores(config());
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().find(path_), std::string::npos) << opened.error();
  EXPECT_FALSE(migrate(config()));
}

TEST_F(SqliteStore, RefusesPathsItCannotUse) {
  auto in_missing_dir = config();
  in_missing_dir.sqlite_path = (dir_.path() / "missing" / "tessera.db").string();
  EXPECT_FALSE(open_stores(in_missing_dir));
  auto a_directory = config();
  a_directory.sqlite_path = dir_.path().string();
  EXPECT_FALSE(open_stores(a_directory));
  auto empty = config();
  empty.sqlite_path.clear();
  EXPECT_FALSE(open_stores(empty));
  EXPECT_FALSE(open_stores(StoreConfig{.backend = "mongodb"}));
}

// ---- sharing the file --------------------------------------------------------------------------

// Two Stores on one file: what a server and a CLI command see.
TEST_F(SqliteStore, TwoStoresOnOneFileSeeEachOthersWrites) {
  Stores server = open();
  Stores cli = open();
  ASSERT_TRUE(cli.users->create(make_user(1, 1000)));
  ASSERT_TRUE(server.users->find_by_id(user_id(1)));
  ASSERT_TRUE(server.sessions->create(make_session(1, 1, 1000), 5));
  ASSERT_TRUE(server.sessions->create(make_session(1, 2, 1001), 5));
  EXPECT_EQ(cli.sessions->remove_all(user_id(1)).value(), 2u);  // `tessera user revoke`
  EXPECT_EQ(server.sessions->find(token(1)).error(), StoreError::kNotFound);
  ASSERT_TRUE(cli.users->set_disabled(user_id(1), true));
  EXPECT_TRUE(server.users->find_by_id(user_id(1))->disabled);
}

TEST_F(SqliteStore, TwoStoresOnOneFileStayAtomic) {
  Stores a = open();
  Stores b = open();
  constexpr int kThreads = 4, kPerThread = 200;
  std::atomic<int> failures{0}, fresh{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    CounterStore& counters = t % 2 ? *a.counters : *b.counters;
    AuditStore& audit = t % 2 ? *a.audit : *b.audit;
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!counters.increment("shared", 1000, 3600)) ++failures;
        auto r = audit.remember_device(user_id(1), "fp-" + std::to_string(i % 10), 1000);
        if (!r) {
          ++failures;
        } else if (*r) {
          ++fresh;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(a.counters->get("shared", 1000)->value, kThreads * kPerThread);
  EXPECT_EQ(fresh, 10);
}

TEST_F(SqliteStore, AnotherProcessWorksOnTheFileAtTheSameTime) {
  Stores server = open();
  ASSERT_TRUE(server.users->create(make_user(1, 1000)));
  constexpr int kEach = 300;
  int peer_status = -1;
  std::thread peer([&] {
    peer_status = run_peer({path_, "increment", "shared", std::to_string(kEach)});
  });
  int failures = 0;
  for (int i = 0; i < kEach; ++i) {
    if (!server.counters->increment("shared", 1000, 3600)) ++failures;
    if (!server.users->find_by_id(user_id(1))) ++failures;  // reads go on meanwhile
  }
  peer.join();
  EXPECT_EQ(peer_status, 0);
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(server.counters->get("shared", 1000)->value, 2 * kEach);

  // What the CLI writes, the running server sees at once.
  ASSERT_EQ(run_peer({path_, "create-user", "2"}), 0);
  EXPECT_TRUE(server.users->find_by_id(user_id(2)));
  ASSERT_TRUE(server.sessions->create(make_session(2, 5, 1000), 5));
  ASSERT_EQ(run_peer({path_, "revoke", "2"}), 0);
  EXPECT_EQ(server.sessions->find(token(5)).error(), StoreError::kNotFound);
}

// Several processes present the same refresh token at once (a server's nodes, or a server and
// the CLI on one file): in every round exactly one rotation wins; the family moves on exactly
// one generation, and no token row is written.
TEST_F(SqliteStore, ProcessesRotatingOneTokenGiveOneWinner) {
  constexpr int kPeers = 6, kRounds = 20;
  Stores s = open();
  ASSERT_NO_FATAL_FAILURE(
      testing::race_rotations_between_processes(*s.refresh, path_, kPeers, kRounds));
  Raw raw(path_);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM refresh_families WHERE generation = 2"),
            std::to_string(kRounds));
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM refresh_legacy_tokens"), "0");
}

// Several processes present the same authorization code at once: in every round exactly one
// redemption wins, and the code records that one's family.
TEST_F(SqliteStore, ProcessesRedeemingOneCodeGiveOneWinner) {
  constexpr int kPeers = 6, kRounds = 20;
  Stores s = open();
  ASSERT_NO_FATAL_FAILURE(testing::race_redemptions_between_processes(s, path_, kPeers, kRounds));
  Raw raw(path_);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM oauth_codes WHERE redeemed_at = 2000"),
            std::to_string(kRounds));
}

// What the CLI revokes and rotates, a running server's follower sees: the keyring CAS and the
// revocation log work across two Stores on one file exactly as within one.
// Processes (the CLI beside a server, or two servers on one file) using one TOTP step or one
// recovery code at once: each is accepted once.
TEST_F(SqliteStore, ProcessesUsingOneTotpStepOrRecoveryCodeAcceptOnce) {
  Stores s = open();
  ASSERT_NO_FATAL_FAILURE(testing::race_one_time_uses_between_processes(s, path_, 4, 10));
}

TEST_F(SqliteStore, KeyringAndRevocationLogAcrossTwoStoresOnOneFile) {
  Stores server = open();
  Stores cli = open();
  ASSERT_EQ(server.keys->replace(0, {make_key("a", KeyState::kActive, 1)}).value(), 1);
  EXPECT_EQ(cli.keys->version().value(), 1);
  ASSERT_EQ(cli.keys->replace(1, {make_key("b", KeyState::kActive, 2)}).value(), 2);
  EXPECT_EQ(server.keys->replace(1, {}).error(), StoreError::kConflict);  // stale: reload
  EXPECT_EQ(server.keys->load()->keys.front().kid, "b");

  auto snap = server.revocations->snapshot(1000);
  ASSERT_TRUE(snap);
  ASSERT_TRUE(cli.revocations->deny("jti-cli", 5000, 1000));
  ASSERT_TRUE(cli.revocations->set_not_before(user_id(1), 1'000'000));
  auto events = server.revocations->events_after(snap->seq, 10);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].jti, "jti-cli");
  EXPECT_EQ((*events)[1].user, user_id(1));
  EXPECT_TRUE(server.revocations->is_denied("jti-cli", 1000).value());
}

// ---- failing closed ----------------------------------------------------------------------------

TEST_F(SqliteStore, WriteLockHeldElsewhereGivesUnavailableThenRecovers) {
  Stores s = open(/*busy_timeout_ms=*/150);
  ASSERT_TRUE(s.users->create(make_user(1, 1000)));
  ASSERT_TRUE(s.refresh->create(make_family(1, 1, 1000)));
  ASSERT_EQ(s.keys->replace(0, {make_key("a", KeyState::kActive, 1)}).value(), 1);
  Raw other(path_);
  ASSERT_EQ(other.exec("BEGIN IMMEDIATE"), SQLITE_OK);  // another process writing, stuck

  EXPECT_EQ(s.users->set_disabled(user_id(1), true).error(), StoreError::kUnavailable);
  EXPECT_EQ(s.counters->increment("k", 1000, 60).error(), StoreError::kUnavailable);
  EXPECT_EQ(s.sessions->create(make_session(1, 1, 1000), 5).error(), StoreError::kUnavailable);
  EXPECT_EQ(s.audit->remember_device(user_id(1), "fp", 1).error(), StoreError::kUnavailable);
  EXPECT_EQ(s.refresh->rotate(family_id(1), 1, 2000).error(), StoreError::kUnavailable);
  EXPECT_EQ(s.refresh->revoke_user(user_id(1), "x", 2000).error(), StoreError::kUnavailable);
  EXPECT_EQ(s.keys->replace(1, {}).error(), StoreError::kUnavailable);
  EXPECT_EQ(s.revocations->deny("j", 5000, 1000).error(), StoreError::kUnavailable);
  EXPECT_EQ(s.revocations->set_not_before(user_id(1), 9'000'000).error(), StoreError::kUnavailable);
  // WAL: reads do not wait for the writer (nor do read transactions).
  auto u = s.users->find_by_id(user_id(1));
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->disabled);  // the failed write changed nothing
  EXPECT_EQ(s.refresh->find(family_id(1))->generation, 1);
  EXPECT_EQ(s.keys->load()->keys.size(), 1u);
  EXPECT_EQ(s.revocations->snapshot(1000)->seq, 0);
  EXPECT_FALSE(s.revocations->is_denied("j", 1000).value());
  EXPECT_TRUE(s.ready());
  EXPECT_FALSE(errors().empty());  // the reason went to the log hook

  ASSERT_EQ(other.exec("COMMIT"), SQLITE_OK);
  EXPECT_TRUE(s.users->set_disabled(user_id(1), true));
  EXPECT_EQ(s.counters->increment("k", 1000, 60)->value, 1);
  EXPECT_EQ(s.refresh->rotate(family_id(1), 1, 2000)->outcome, RotateOutcome::kRotated);
  EXPECT_EQ(s.keys->replace(1, {}).value(), 2);
}

TEST_F(SqliteStore, RowsThatDoNotDecodeAreCorrupt) {
  Stores s = open();
  ASSERT_TRUE(s.users->create(make_user(1, 1000)));
  ASSERT_TRUE(s.users->create(make_user(2, 1001)));
  ASSERT_TRUE(s.sessions->create(make_session(1, 1, 1000), 5));
  ASSERT_TRUE(s.audit->append({.at = 1, .type = "x", .user_id = user_id(1)}));
  {
    Raw raw(path_);
    // STRICT tables refuse wrong types; CHECKs refuse wrong sizes unless told not to, as a
    // tampered file or a buggy tool might.
    ASSERT_EQ(raw.exec("PRAGMA ignore_check_constraints = ON"), SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE users SET roles = 'not json' WHERE email = 'user1@example.com'"),
              SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE users SET disabled = 7 WHERE email = 'user2@example.com'"),
              SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE sessions SET csrf_hash = x'0102'"), SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE audit_events SET user_id = x'01'"), SQLITE_OK);
  }
  EXPECT_EQ(s.users->find_by_id(user_id(1)).error(), StoreError::kCorrupt);
  EXPECT_EQ(s.users->find_by_email("user2@example.com").error(), StoreError::kCorrupt);
  EXPECT_EQ(s.users->list({.limit = 10}).error(), StoreError::kCorrupt);
  EXPECT_EQ(s.sessions->find(token(1)).error(), StoreError::kCorrupt);
  EXPECT_EQ(s.sessions->list(user_id(1)).error(), StoreError::kCorrupt);
  EXPECT_EQ(s.audit->query({}).error(), StoreError::kCorrupt);
  {
    Raw raw(path_);
    ASSERT_EQ(raw.exec("UPDATE users SET roles = '[\"a\", 1]' WHERE email = 'user2@example.com'"),
              SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE users SET disabled = 0"), SQLITE_OK);
  }
  EXPECT_EQ(s.users->find_by_email("user2@example.com").error(), StoreError::kCorrupt);
}

TEST_F(SqliteStore, TokenRowsThatDoNotDecodeAreCorrupt) {
  Stores s = open();
  ASSERT_TRUE(s.refresh->create(make_family(1, 1, 1000)));
  ASSERT_TRUE(s.refresh->create(make_family(2, 2, 1000)));
  ASSERT_TRUE(s.refresh->create(make_family(1, 3, 1000)));
  ASSERT_EQ(s.keys->replace(0, {make_key("a", KeyState::kActive, 1)}).value(), 1);
  ASSERT_TRUE(s.revocations->set_not_before(user_id(1), 1'000'000));
  ASSERT_TRUE(s.revocations->deny("j", 5000, 1000));
  {
    Raw raw(path_);
    ASSERT_EQ(raw.exec("PRAGMA ignore_check_constraints = ON"), SQLITE_OK);
    // A negative generation; a user id and a family id of the wrong size; an unknown key
    // state; a not-before event without its user; a short not-before user id.
    ASSERT_EQ(raw.exec("UPDATE refresh_families SET generation = -1 WHERE id = " +
                       blob_literal(family_id(1))),
              SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE refresh_families SET user_id = x'02' WHERE id = " +
                       blob_literal(family_id(2))),
              SQLITE_OK);
    ASSERT_EQ(
        raw.exec("UPDATE refresh_families SET id = x'03' WHERE id = " + blob_literal(family_id(3))),
        SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE signing_keys SET state = 'revoked'"), SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE revocation_events SET kind = 'not_before', user_id = NULL"),
              SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE user_not_before SET user_id = x'01'"), SQLITE_OK);
  }
  EXPECT_EQ(s.refresh->find(family_id(1)).error(), StoreError::kCorrupt);
  EXPECT_EQ(s.refresh->rotate(family_id(1), 1, 2000).error(), StoreError::kCorrupt);
  EXPECT_EQ(s.refresh->find(family_id(2)).error(), StoreError::kCorrupt);
  EXPECT_EQ(s.refresh->list(user_id(1)).error(), StoreError::kCorrupt);  // family 3's id
  EXPECT_EQ(s.keys->load().error(), StoreError::kCorrupt);
  EXPECT_EQ(s.revocations->events_after(0, 10).error(), StoreError::kCorrupt);
  EXPECT_EQ(s.revocations->snapshot(0).error(), StoreError::kCorrupt);
  {
    Raw raw(path_);
    ASSERT_EQ(raw.exec("PRAGMA ignore_check_constraints = ON"), SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE keyring SET version = 0"), SQLITE_OK);
    ASSERT_EQ(raw.exec("DELETE FROM revocation_log_state"), SQLITE_OK);
  }
  EXPECT_EQ(s.keys->version().error(), StoreError::kCorrupt);
  EXPECT_EQ(s.keys->replace(0, {}).error(), StoreError::kCorrupt);
  // Without its log position a denial cannot be logged, so it is not made either.
  EXPECT_EQ(s.revocations->deny("k", 5000, 1000).error(), StoreError::kCorrupt);
  EXPECT_FALSE(s.revocations->is_denied("k", 1000).value());
  EXPECT_FALSE(errors().empty());
}

// Client rows that break the schema's rules (CHECKs ignored, as a tampered file or a buggy tool
// might) are kCorrupt, one bad column at a time; find() of a sound client still works.
TEST_F(SqliteStore, ClientRowsThatDoNotDecodeAreCorrupt) {
  Stores s = open();
  const std::vector<std::string> damage = {
      "type = 'Public'",                    // names are exact
      "auth_method = 'client_secret_jwt'",  // not one this store knows
      "first_party = 2",
      "redirect_uris = 'not json'",
      "post_logout_redirect_uris = '{\"a\": \"b\"}'",  // an object, not an array
      "grant_types = '[\"authorization_code\", 1]'",   // a number in the list
      "scopes = '[\"a\"] trailing'",
      "secret_hash = x'0102'",
  };
  for (std::size_t i = 0; i < damage.size(); ++i) {
    ASSERT_TRUE(s.clients->create(make_client(static_cast<int>(i), 1000)));
  }
  ASSERT_TRUE(s.clients->create(make_client(99, 1000)));
  {
    Raw raw(path_);
    ASSERT_EQ(raw.exec("PRAGMA ignore_check_constraints = ON"), SQLITE_OK);
    for (std::size_t i = 0; i < damage.size(); ++i) {
      ASSERT_EQ(raw.exec("UPDATE oauth_clients SET " + damage[i] + " WHERE id = '" +
                         make_client(static_cast<int>(i), 0).id + "'"),
                SQLITE_OK)
          << damage[i] << ": " << raw.last_error();
    }
  }
  for (std::size_t i = 0; i < damage.size(); ++i) {
    EXPECT_EQ(s.clients->find(make_client(static_cast<int>(i), 0).id).error(), StoreError::kCorrupt)
        << damage[i];
  }
  EXPECT_EQ(s.clients->list().error(), StoreError::kCorrupt);
  EXPECT_TRUE(s.clients->find(make_client(99, 0).id));
  const auto reported = errors();
  EXPECT_NE(std::find(reported.begin(), reported.end(), "sqlite: undecodable row in oauth_clients"),
            reported.end());
}

// Code rows that break the schema's rules (CHECKs ignored) are kCorrupt, one bad column at a
// time; a sound code is still served, and still redeemed. (A hash of the wrong length cannot be
// reached: every call looks a code up by a 32-byte hash.)
TEST_F(SqliteStore, CodeRowsThatDoNotDecodeAreCorrupt) {
  Stores s = open();
  ASSERT_TRUE(s.clients->create(make_client(1, 1000)));
  const std::string client = make_client(1, 0).id;
  const std::vector<std::string> damage = {
      "family_id = x'0102'",
      "user_id = x'" + std::string(34, 'a') + "'",  // 17 bytes
      "redeemed_at = -1",
  };
  for (std::size_t i = 0; i < damage.size(); ++i) {
    ASSERT_TRUE(s.codes->create(make_code(static_cast<int>(i), client, 1, 1000)));
  }
  ASSERT_TRUE(s.codes->create(make_code(99, client, 1, 1000)));
  {
    Raw raw(path_);
    ASSERT_EQ(raw.exec("PRAGMA ignore_check_constraints = ON"), SQLITE_OK);
    for (std::size_t i = 0; i < damage.size(); ++i) {
      ASSERT_EQ(raw.exec("UPDATE oauth_codes SET " + damage[i] +
                         " WHERE hash = " + blob_literal(token(static_cast<int>(i)))),
                SQLITE_OK)
          << damage[i] << ": " << raw.last_error();
    }
  }
  for (std::size_t i = 0; i < damage.size(); ++i) {
    EXPECT_EQ(s.codes->find(token(static_cast<int>(i))).error(), StoreError::kCorrupt) << damage[i];
  }
  EXPECT_TRUE(s.codes->find(token(99)));
  EXPECT_TRUE(s.codes->redeem(token(99), 1010, family_id(1)).value());
  const auto reported = errors();
  EXPECT_NE(std::find(reported.begin(), reported.end(), "sqlite: undecodable row in oauth_codes"),
            reported.end());
}

// The file is overwritten with garbage under a running server: every call returns (a value
// or kUnavailable/kCorrupt), nothing crashes, readiness drops, and it cannot be reopened.
TEST_F(SqliteStore, DamagedFileFailsClosed) {
  Stores s = open(/*busy_timeout_ms=*/200);
  for (int i = 1; i <= 50; ++i) ASSERT_TRUE(s.users->create(make_user(i, 1000 + i)));
  ASSERT_TRUE(s.sessions->create(make_session(1, 1, 1000), 5));
  ASSERT_TRUE(s.clients->create(make_client(1, 1000)));
  ASSERT_TRUE(s.clients->create(make_client(2, 1000)));
  ASSERT_TRUE(s.codes->create(make_code(1, make_client(1, 0).id, 1, 1000)));
  ASSERT_TRUE(s.consents->put(make_consent(1, make_client(1, 0).id, 1000)));
  {
    Raw raw(path_);
    ASSERT_EQ(raw.scalar("PRAGMA wal_checkpoint(TRUNCATE)"), "0");  // everything in the main file
  }
  for (const std::string& file : {path_, path_ + "-wal", path_ + "-shm"}) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    if (!f) continue;
    f.seekp(0);
    f << std::string(64 * 1024, '\x5a');
  }

  int failed = 0;
  auto check = [&](auto&& result) {
    if (!result) {
      ++failed;
      EXPECT_TRUE(result.error() == StoreError::kUnavailable ||
                  result.error() == StoreError::kCorrupt)
          << describe(result.error());
    }
  };
  for (int round = 0; round < 3; ++round) {
    check(s.users->find_by_id(user_id(1)));
    check(s.users->find_by_email("user2@example.com"));
    check(s.users->list({}));
    check(s.users->create(make_user(100 + round, 5000)));
    check(s.users->set_roles(user_id(1), {"x"}));
    check(s.sessions->find(token(1)));
    check(s.sessions->create(make_session(2, 10 + round, 2000), 5));
    check(s.sessions->touch(token(1), 3000));
    check(s.sessions->purge(0, 0));
    check(s.counters->increment("k", 1000, 60));
    check(s.counters->get("k", 1000));
    check(s.audit->append({.at = 1, .type = "x"}));
    check(s.audit->query({}));
    check(s.audit->remember_device(user_id(1), "fp", 1));
    check(s.refresh->create(make_family(1, 10 + round, 2000)));
    check(s.refresh->find(family_id(10)));
    check(s.refresh->rotate(family_id(10), 1 + round, 2000));
    check(s.refresh->find_legacy(token(100)));
    check(s.refresh->list(user_id(1)));
    check(s.refresh->purge(0, 0, 0));
    check(s.keys->load());
    check(s.keys->replace(0, {}));
    check(s.revocations->deny("j", 5000, 1000));
    check(s.revocations->snapshot(1000));
    check(s.revocations->events_after(0, 10));
    check(s.clients->create(make_client(10 + round, 2000)));
    check(s.clients->find(make_client(1, 0).id));
    check(s.clients->list());
    check(s.clients->update(make_client(1, 2000)));
    check(s.clients->set_secret(make_client(1, 0).id, std::nullopt, 2000));
    check(s.clients->remove(make_client(2, 0).id));
    check(s.codes->create(make_code(10 + round, make_client(1, 0).id, 1, 2000)));
    check(s.codes->find(token(1)));
    check(s.codes->redeem(token(1), 2000, family_id(1)));
    check(s.codes->purge(1500));
    check(s.consents->put(make_consent(2, make_client(1, 0).id, 2000)));
    check(s.consents->find(user_id(1), make_client(1, 0).id));
    check(s.consents->list(user_id(1)));
    check(s.consents->remove(user_id(1), make_client(1, 0).id));
  }
  EXPECT_GT(failed, 0);
  EXPECT_FALSE(s.ready());
  EXPECT_FALSE(errors().empty());
  auto reopened = open_stores(config(200));
  EXPECT_FALSE(reopened);
}

// A database from before federated sign-in (version 11) gets its table
// (0012_federated_identities.sql): the user is kept and an identity links to them.
TEST_F(SqliteStore, ADatabaseBeforeFederationGetsFederatedIdentities) {
  ASSERT_NO_FATAL_FAILURE(
      write_old_database(path_, 11, testing::pre_federation_inserts(blob_literal)));
  Stores s = open();
  ASSERT_TRUE(s.ready());
  auto user = s.users->find_by_email("old@example.com");
  ASSERT_TRUE(user);
  ASSERT_NO_FATAL_FAILURE(testing::expect_federation_works(s, user->id));
  Raw raw(path_);
  EXPECT_EQ(raw.scalar("SELECT name FROM schema_version WHERE version = 12"),
            "0012_federated_identities.sql");
}

}  // namespace
}  // namespace tessera::store
