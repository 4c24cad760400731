// `tessera migrate [--data-dir DIR]` against the real binary: prints "schema version N" and
// exits 0, is idempotent, creates the data dir and a 0600 database, and exits 2 with a message
// when the database is newer than the binary or unusable.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include "store/sqlite/migrations.h"
#include "store_test_util.h"

namespace tessera::store {
namespace {

struct Result {
  int status;
  std::string out;  // stdout and stderr together
};

Result tessera(const std::string& args) {
  const std::string cmd = std::string(TESSERA_BINARY) + " " + args + " 2>&1";
  Result r{-1, ""};
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(MigrateCli, MigratesIdempotentlyAndCreatesTheDataDir) {
  testing::TempDir tmp;
  const std::string data = (tmp.path() / "data").string();
  const std::string expected = "schema version " + std::to_string(sqlite::latest_version()) + "\n";
  Result first = tessera("migrate --data-dir " + data);
  EXPECT_EQ(first.status, 0) << first.out;
  EXPECT_EQ(first.out, expected);
  Result second = tessera("migrate --data-dir " + data);
  EXPECT_EQ(second.status, 0) << second.out;
  EXPECT_EQ(second.out, expected);
  struct stat st {};
  ASSERT_EQ(::stat((data + "/tessera.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(data.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(MigrateCli, RefusesANewerDatabase) {
  testing::TempDir tmp;
  const std::string data = tmp.path().string();
  ASSERT_EQ(tessera("migrate --data-dir " + data).status, 0);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((data + "/tessera.db").c_str(), &db), SQLITE_OK);
  const std::string sql = "INSERT INTO schema_version VALUES (" +
                          std::to_string(sqlite::latest_version() + 1) + ", '9999_x.sql', 0)";
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  Result r = tessera("migrate --data-dir " + data);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("newer"), std::string::npos) << r.out;
}

TEST(MigrateCli, FailsOnAFileThatIsNotADatabase) {
  testing::TempDir tmp;
  const std::string data = tmp.path().string();
  {
    std::ofstream f(data + "/tessera.db");
    f << std::string(4096, 'x');
  }
  Result r = tessera("migrate --data-dir " + data);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("tessera.db"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tessera::store
