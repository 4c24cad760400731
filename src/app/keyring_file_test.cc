#include "app/keyring_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace tessera::app {
namespace {

namespace fs = std::filesystem;

class KeyringFileTest : public ::testing::Test {
 protected:
  KeyringFileTest() {
    std::string tmpl = (fs::temp_directory_path() / "tessera-keyring-XXXXXX").string();
    root_ = ::mkdtemp(tmpl.data());
    dir_ = root_ / "data";
  }
  ~KeyringFileTest() override { fs::remove_all(root_); }

  static unsigned mode(const fs::path& p) {
    struct stat st {};
    ::lstat(p.c_str(), &st);
    return st.st_mode & 0777;
  }
  void write_keys(const std::string& text, unsigned perms) {
    ASSERT_TRUE(ensure_data_dir(dir_));
    std::ofstream(dir_ / "keys.json") << text;
    fs::permissions(dir_ / "keys.json", static_cast<fs::perms>(perms));
  }

  fs::path root_, dir_;
};

TEST_F(KeyringFileTest, FirstStartCreatesDirAndKeyPrivately) {
  ASSERT_TRUE(ensure_data_dir(dir_));
  EXPECT_EQ(mode(dir_), 0700u);
  auto keys = load_or_create_keys(dir_);
  ASSERT_TRUE(keys) << keys.error();
  ASSERT_EQ(keys->keys().size(), 1u);
  EXPECT_EQ(keys->keys()[0].alg(), jose::Alg::kES256);
  EXPECT_TRUE(keys->keys()[0].is_private());
  EXPECT_FALSE(keys->keys()[0].kid().empty());
  EXPECT_EQ(mode(dir_ / "keys.json"), 0600u);
  // Nothing left behind but the keys file.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(KeyringFileTest, LaterStartsLoadTheSameKey) {
  ASSERT_TRUE(ensure_data_dir(dir_));
  auto first = load_or_create_keys(dir_);
  auto second = load_or_create_keys(dir_);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->keys()[0].kid(), second->keys()[0].kid());
  EXPECT_EQ(first->keys()[0].to_json(true), second->keys()[0].to_json(true));
}

TEST_F(KeyringFileTest, ExistingDirIsKeptAsIs) {
  fs::create_directories(dir_);
  fs::permissions(dir_, static_cast<fs::perms>(0750));
  ASSERT_TRUE(ensure_data_dir(dir_));
  EXPECT_EQ(mode(dir_), 0750u);
}

TEST_F(KeyringFileTest, DataDirThatIsAFileIsRefused) {
  std::ofstream(root_ / "file") << "x";
  auto r = ensure_data_dir(root_ / "file");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("not a directory"), std::string::npos);
}

TEST_F(KeyringFileTest, GroupOrOtherAccessIsRefused) {
  ASSERT_TRUE(ensure_data_dir(dir_));
  ASSERT_TRUE(load_or_create_keys(dir_));
  for (unsigned perms : {0640u, 0604u, 0620u}) {
    fs::permissions(dir_ / "keys.json", static_cast<fs::perms>(perms));
    auto r = load_or_create_keys(dir_);
    ASSERT_FALSE(r) << std::oct << perms;
    EXPECT_NE(r.error().find("chmod 600"), std::string::npos);
  }
}

TEST_F(KeyringFileTest, MalformedFilesAreRefusedAndKept) {
  for (const char* text :
       {"", "not json", "{\"keys\":[]}", "{\"keys\":[{\"kty\":\"EC\"}]}",
        "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}]}"}) {
    write_keys(text, 0600);
    auto r = load_or_create_keys(dir_);
    EXPECT_FALSE(r) << text;
    std::ifstream in(dir_ / "keys.json");
    std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(kept, text);  // never overwritten
  }
}

TEST_F(KeyringFileTest, PublicOnlyKeyIsRefused) {
  ASSERT_TRUE(ensure_data_dir(dir_));
  auto keys = load_or_create_keys(dir_);
  ASSERT_TRUE(keys);
  write_keys(keys->to_json(), 0600);
  auto r = load_or_create_keys(dir_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("no private part"), std::string::npos);
}

TEST_F(KeyringFileTest, SymlinkIsRefused) {
  ASSERT_TRUE(ensure_data_dir(dir_));
  std::ofstream(root_ / "elsewhere.json") << "{}";
  fs::create_symlink(root_ / "elsewhere.json", dir_ / "keys.json");
  auto r = load_or_create_keys(dir_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("symbolic link"), std::string::npos);
}

}  // namespace
}  // namespace tessera::app
