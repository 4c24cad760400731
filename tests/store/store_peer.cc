// A second process on the same store, for sqlite_test.cc (the CLI beside a server) and
// postgres_test.cc (another node). DB is an SQLite file, or "postgres:" + a libpq connection
// string.
//   store_peer DB migrate START_MS  at Unix time START_MS (ms), migrates DB, then opens the
//                                   stores and checks they are ready
//   store_peer DB increment KEY N   N increments of KEY (now 1000, window 3600)
//   store_peer DB create-user N     creates make_user(N)
//   store_peer DB revoke N          removes every session of user N
//   store_peer DB rotate PEER ROUNDS START_MS
//                                   at Unix time START_MS (ms), rotates generation 1 of family
//                                   round + 1 for each round (rotation_race.h)
//   store_peer DB redeem PEER ROUNDS START_MS
//                                   at Unix time START_MS (ms), redeems code token(round + 1) at
//                                   2000 by family_id(PEER + 1) for each round (grant_checks.h)
//   store_peer DB totp-step PEER ROUNDS START_MS
//                                   at Unix time START_MS (ms), uses TOTP step 1000 + round of
//                                   user 1 for each round (credential_checks.h)
//   store_peer DB recovery-code PEER ROUNDS START_MS
//                                   likewise recovery code recovery_hash(round + 1) of user 1
// Exit 0 when every call succeeded, 1 otherwise, 2 on bad arguments; `rotate` exits with how
// many of its rotations got kRotated (the rest must get kAlreadyUsed), `redeem` with how many
// of its redemptions got true (the rest false), `totp-step` and `recovery-code` with how many
// of their uses were accepted (the rest refused as replays), each 100 otherwise.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>

#include "store/stores.h"
#include "store_test_util.h"

using namespace tessera::store;

namespace {

void sleep_until_ms(std::int64_t start_ms) {
  std::this_thread::sleep_until(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(start_ms)));
}

// One peer's part in a race: at START_MS, `attempt(round)` for each round -> whether this call
// won the round, nullopt if it failed. How many rounds it won, 100 on a failure.
template <typename Attempt>
int race(int rounds, std::int64_t start_ms, Attempt&& attempt) {
  // Open first, then start together: the race is between the calls, not the start-ups.
  sleep_until_ms(start_ms);
  int won = 0;
  for (int round = 0; round < rounds; ++round) {
    const std::optional<bool> r = attempt(round);
    if (!r) return 100;
    if (*r) ++won;
  }
  return won;
}

// Whether `r` succeeded; else says why on stderr.
template <typename T>
bool succeeded(const char* what, const std::expected<T, StoreError>& r) {
  if (!r)
    std::fprintf(stderr, "store_peer: %s: %s\n", what, std::string(describe(r.error())).c_str());
  return r.has_value();
}

int rotate_race(RefreshStore& refresh, int rounds, std::int64_t start_ms) {
  return race(rounds, start_ms, [&](int round) -> std::optional<bool> {
    auto r = refresh.rotate(testing::family_id(round + 1), 1, 2000);
    if (!succeeded("rotate", r)) return std::nullopt;
    if (r->outcome == RotateOutcome::kRotated) return true;
    if (r->outcome == RotateOutcome::kAlreadyUsed) return false;
    return std::nullopt;
  });
}

int redeem_race(AuthorizationCodeStore& codes, int peer, int rounds, std::int64_t start_ms) {
  return race(rounds, start_ms, [&](int round) -> std::optional<bool> {
    auto r = codes.redeem(testing::token(round + 1), 2000, testing::family_id(peer + 1));
    if (!succeeded("redeem", r)) return std::nullopt;
    return *r;
  });
}

int totp_step_race(CredentialStore& credentials, int rounds, std::int64_t start_ms) {
  return race(rounds, start_ms, [&](int round) -> std::optional<bool> {
    auto r = credentials.use_totp_step(testing::user_id(1), 1000 + round);
    if (!succeeded("use_totp_step", r)) return std::nullopt;
    if (*r == TotpUse::kAccepted) return true;
    if (*r == TotpUse::kReplayed) return false;
    return std::nullopt;
  });
}

int recovery_code_race(CredentialStore& credentials, int rounds, std::int64_t start_ms) {
  return race(rounds, start_ms, [&](int round) -> std::optional<bool> {
    auto r =
        credentials.use_recovery_code(testing::user_id(1), testing::recovery_hash(round + 1), 2000);
    if (!succeeded("use_recovery_code", r)) return std::nullopt;
    return *r == RecoveryCodeUse::kAccepted;
  });
}

// The whole migration race of one peer: every peer must reach the version its stores expect.
int migrate_race(const StoreConfig& config, std::int64_t start_ms) {
  sleep_until_ms(start_ms);
  auto version = migrate(config);
  if (!version) {
    std::fprintf(stderr, "store_peer: migrate: %s\n", version.error().c_str());
    return 1;
  }
  auto stores = open_stores(config);
  return stores && stores->ready() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 6) return 2;
  const std::string db = argv[1];
  const std::string command = argv[2];
  StoreConfig config{.backend = "sqlite", .sqlite_path = db};
  if (db.starts_with("postgres:")) config = {.backend = "postgres", .postgres_dsn = db.substr(9)};
  if (command == "migrate" && argc == 4) return migrate_race(config, std::stoll(argv[3]));
  auto stores = open_stores(config);
  if (!stores) {
    std::fprintf(stderr, "store_peer: %s\n", stores.error().c_str());
    return 1;
  }
  if (command == "increment" && argc == 5) {
    const int n = std::stoi(argv[4]);
    for (int i = 0; i < n; ++i) {
      if (!stores->counters->increment(argv[3], 1000, 3600)) return 1;
    }
    return 0;
  }
  if (command == "create-user" && argc == 4) {
    return stores->users->create(testing::make_user(std::stoi(argv[3]), 1000)) ? 0 : 1;
  }
  if (command == "revoke" && argc == 4) {
    return stores->sessions->remove_all(testing::user_id(std::stoi(argv[3]))) ? 0 : 1;
  }
  if (command == "rotate" && argc == 6) {
    // argv[3] (which peer) only tells the processes apart in a listing.
    return rotate_race(*stores->refresh, std::stoi(argv[4]), std::stoll(argv[5]));
  }
  if (command == "redeem" && argc == 6) {
    return redeem_race(*stores->codes, std::stoi(argv[3]), std::stoi(argv[4]), std::stoll(argv[5]));
  }
  if (command == "totp-step" && argc == 6) {
    return totp_step_race(*stores->credentials, std::stoi(argv[4]), std::stoll(argv[5]));
  }
  if (command == "recovery-code" && argc == 6) {
    return recovery_code_race(*stores->credentials, std::stoi(argv[4]), std::stoll(argv[5]));
  }
  return 2;
}
