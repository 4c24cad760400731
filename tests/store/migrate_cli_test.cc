// `tessera migrate [--data-dir DIR] [--config FILE]` against the real binary: prints "schema
// version N" and exits 0, is idempotent, creates the data dir and a 0600 database, takes its
// store from the same flags, file and TESSERA_* environment as every other subcommand (flags
// over environment over file), and exits 2 with a message when the database is newer than the
// binary or unusable, or the configuration is.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <filesystem>
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

// Runs `tessera ARGS` through the shell; `env` ("NAME=value ", may be empty) prefixes it.
Result tessera(const std::string& args, const std::string& env = "") {
  const std::string cmd = env + std::string(TESSERA_BINARY) + " " + args + " 2>&1";
  Result r{-1, ""};
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string expected_output() {
  return "schema version " + std::to_string(sqlite::latest_version()) + "\n";
}

bool has_database(const std::filesystem::path& dir) {
  return std::filesystem::exists(dir / "tessera.db");
}

// Writes `text` to `dir`/`name`; returns the file's path.
std::string write_file(const std::filesystem::path& dir, const char* name,
                       const std::string& text) {
  std::ofstream(dir / name) << text;
  return (dir / name).string();
}

TEST(MigrateCli, MigratesIdempotentlyAndCreatesTheDataDir) {
  testing::TempDir tmp;
  const std::string data = (tmp.path() / "data").string();
  const std::string expected = expected_output();
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

TEST(MigrateCli, TakesTheDataDirFromTheConfigFile) {
  testing::TempDir tmp;
  const auto data = tmp.path() / "from-file";
  const std::string file =
      write_file(tmp.path(), "tessera.toml", "[store]\ndata_dir = \"" + data.string() + "\"\n");
  Result r = tessera("migrate --config " + file);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, expected_output());
  EXPECT_TRUE(has_database(data));
}

TEST(MigrateCli, FlagBeatsEnvironmentBeatsFile) {
  testing::TempDir tmp;
  const std::string file =
      write_file(tmp.path(), "tessera.toml",
                 "[store]\ndata_dir = \"" + (tmp.path() / "file").string() + "\"\n");
  const std::string env = "TESSERA_STORE__DATA_DIR=" + (tmp.path() / "env").string() + " ";
  Result by_env = tessera("migrate --config " + file, env);
  EXPECT_EQ(by_env.status, 0) << by_env.out;
  EXPECT_TRUE(has_database(tmp.path() / "env"));
  EXPECT_FALSE(has_database(tmp.path() / "file"));
  Result by_flag =
      tessera("migrate --config " + file + " --data-dir " + (tmp.path() / "flag").string(), env);
  EXPECT_EQ(by_flag.status, 0) << by_flag.out;
  EXPECT_TRUE(has_database(tmp.path() / "flag"));
  EXPECT_FALSE(has_database(tmp.path() / "file"));
}

TEST(MigrateCli, TheMemoryStoreHasNoSchema) {
  testing::TempDir tmp;
  const auto data = tmp.path() / "data";
  const std::string file =
      write_file(tmp.path(), "tessera.toml", "[store]\nbackend = \"memory\"\n");
  Result r = tessera("migrate --config " + file + " --data-dir " + data.string());
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "schema version 0\n");
  EXPECT_FALSE(std::filesystem::exists(data));  // nothing written anywhere
}

TEST(MigrateCli, UnusableConfigurationIsExit2NamingTheCause) {
  testing::TempDir tmp;
  const auto data = tmp.path() / "data";
  const std::string bad = write_file(tmp.path(), "bad.toml", "[store]\ndata_dri = \"x\"\n");
  Result unknown_key = tessera("migrate --config " + bad + " --data-dir " + data.string());
  EXPECT_EQ(unknown_key.status, 2) << unknown_key.out;
  EXPECT_NE(unknown_key.out.find("bad.toml:2: unknown key store.data_dri"), std::string::npos)
      << unknown_key.out;
  Result missing = tessera("migrate --config " + (tmp.path() / "missing.toml").string());
  EXPECT_EQ(missing.status, 2) << missing.out;
  EXPECT_NE(missing.out.find("missing.toml"), std::string::npos) << missing.out;
  Result env = tessera("migrate --data-dir " + data.string(), "TESSERA_STORE__BACKEND=paper ");
  EXPECT_EQ(env.status, 2) << env.out;
  EXPECT_NE(env.out.find("TESSERA_STORE__BACKEND"), std::string::npos) << env.out;
  Result flag = tessera("migrate --bogus");
  EXPECT_EQ(flag.status, 2) << flag.out;
  EXPECT_FALSE(has_database(data));  // refused before touching anything
}

}  // namespace
}  // namespace tessera::store
