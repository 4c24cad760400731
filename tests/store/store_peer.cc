// A second process on the same SQLite file, for sqlite_test.cc (the CLI beside a server).
//   store_peer DB increment KEY N   N increments of KEY (now 1000, window 3600)
//   store_peer DB create-user N     creates make_user(N)
//   store_peer DB revoke N          removes every session of user N
// Exit 0 when every call succeeded, 1 otherwise, 2 on bad arguments.
#include <cstdio>
#include <string>

#include "store/stores.h"
#include "store_test_util.h"

using namespace tessera::store;

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) return 2;
  auto stores = open_stores({.backend = "sqlite", .sqlite_path = argv[1]});
  if (!stores) {
    std::fprintf(stderr, "store_peer: %s\n", stores.error().c_str());
    return 1;
  }
  const std::string command = argv[2];
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
  return 2;
}
