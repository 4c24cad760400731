#include "app/data_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace tessera::app {
namespace {

namespace fs = std::filesystem;

class DataDirTest : public ::testing::Test {
 protected:
  DataDirTest() {
    std::string tmpl = (fs::temp_directory_path() / "tessera-datadir-XXXXXX").string();
    root_ = ::mkdtemp(tmpl.data());
    dir_ = root_ / "data";
  }
  ~DataDirTest() override { fs::remove_all(root_); }

  static unsigned mode(const fs::path& p) {
    struct stat st {};
    ::lstat(p.c_str(), &st);
    return st.st_mode & 0777;
  }
  void write_master(const std::string& text, unsigned perms) {
    ASSERT_TRUE(ensure_data_dir(dir_));
    std::ofstream(dir_ / "master.key") << text;
    fs::permissions(dir_ / "master.key", static_cast<fs::perms>(perms));
  }
  std::string read_master() {
    std::ifstream in(dir_ / "master.key");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  fs::path root_, dir_;
};

TEST_F(DataDirTest, FirstUseCreatesDirAndMasterKeyPrivately) {
  ASSERT_TRUE(ensure_data_dir(dir_));
  EXPECT_EQ(mode(dir_), 0700u);
  auto key = load_or_create_master_key(dir_);
  ASSERT_TRUE(key) << key.error();
  EXPECT_EQ(mode(dir_ / "master.key"), 0600u);
  const std::string text = read_master();
  EXPECT_EQ(text.size(), 43u + 1);  // base64url of 32 bytes and a newline
  EXPECT_EQ(*master_key_from_text(text), *key);
  // Nothing left behind but the key file.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(DataDirTest, LaterUsesLoadTheSameKeyAndFreshDirsGetDifferentOnes) {
  ASSERT_TRUE(ensure_data_dir(dir_));
  auto first = load_or_create_master_key(dir_);
  auto second = load_or_create_master_key(dir_);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, *second);
  fs::remove(dir_ / "master.key");
  auto third = load_or_create_master_key(dir_);
  ASSERT_TRUE(third);
  EXPECT_NE(*third, *first);
}

TEST_F(DataDirTest, ExistingDirIsKeptAsIs) {
  fs::create_directories(dir_);
  fs::permissions(dir_, static_cast<fs::perms>(0750));
  ASSERT_TRUE(ensure_data_dir(dir_));
  EXPECT_EQ(mode(dir_), 0750u);
}

TEST_F(DataDirTest, DataDirThatIsAFileIsRefused) {
  std::ofstream(root_ / "file") << "x";
  auto r = ensure_data_dir(root_ / "file");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("not a directory"), std::string::npos);
}

TEST_F(DataDirTest, GroupOrOtherAccessIsRefused) {
  ASSERT_TRUE(ensure_data_dir(dir_));
  ASSERT_TRUE(load_or_create_master_key(dir_));
  for (unsigned perms : {0640u, 0604u, 0620u}) {
    fs::permissions(dir_ / "master.key", static_cast<fs::perms>(perms));
    auto r = load_or_create_master_key(dir_);
    ASSERT_FALSE(r) << std::oct << perms;
    EXPECT_NE(r.error().find("chmod 600"), std::string::npos);
  }
}

TEST_F(DataDirTest, MalformedKeysAreRefusedAndKept) {
  for (const char* text : {"", "not base64url!", "c2VjcmV0\n", "AAAA\n",
                           "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ\n"}) {
    write_master(text, 0600);
    auto r = load_or_create_master_key(dir_);
    EXPECT_FALSE(r) << text;
    if (!r) {
      EXPECT_NE(r.error().find("32 bytes"), std::string::npos) << r.error();
    }
    EXPECT_EQ(read_master(), text);  // never overwritten
  }
}

TEST_F(DataDirTest, SymlinkIsRefused) {
  ASSERT_TRUE(ensure_data_dir(dir_));
  std::ofstream(root_ / "elsewhere.key") << "x";
  fs::create_symlink(root_ / "elsewhere.key", dir_ / "master.key");
  auto r = load_or_create_master_key(dir_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("symbolic link"), std::string::npos);
}

TEST(MasterKeyText, AcceptsExactly32BytesOfCanonicalBase64url) {
  EXPECT_TRUE(master_key_from_text("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"));
  EXPECT_TRUE(master_key_from_text("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\r\n"));
  EXPECT_FALSE(master_key_from_text("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="));
  EXPECT_FALSE(master_key_from_text("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh"));
  EXPECT_FALSE(master_key_from_text(" AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"));
}

// Servers share a data dir; a restore excludes them and they exclude it, each told who holds it.
// (flock locks belong to an open file, so two holders in one process conflict as two processes.)
TEST_F(DataDirTest, LockIsSharedByServersAndExclusiveForARestore) {
  ASSERT_TRUE(ensure_data_dir(dir_));
  {
    auto one = DataDirLock::acquire(dir_, DataDirLock::Mode::kShared);
    auto two = DataDirLock::acquire(dir_, DataDirLock::Mode::kShared);
    ASSERT_TRUE(one) << one.error();
    ASSERT_TRUE(two) << two.error();
    auto restore = DataDirLock::acquire(dir_, DataDirLock::Mode::kExclusive);
    ASSERT_FALSE(restore);
    EXPECT_NE(restore.error().find("running server"), std::string::npos) << restore.error();
  }
  auto restore = DataDirLock::acquire(dir_, DataDirLock::Mode::kExclusive);
  ASSERT_TRUE(restore) << restore.error();  // released with its holders
  EXPECT_EQ(mode(dir_ / "tessera.lock"), 0600u);
  auto server = DataDirLock::acquire(dir_, DataDirLock::Mode::kShared);
  ASSERT_FALSE(server);
  EXPECT_NE(server.error().find("being restored"), std::string::npos) << server.error();
}

}  // namespace
}  // namespace tessera::app
