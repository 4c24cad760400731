#include "store/types.h"

#include <gtest/gtest.h>

#include <cctype>

#include "store/key_store.h"

namespace tessera::store {
namespace {

TEST(Uuid, PrintsLowercaseCanonicalForm) {
  UserId id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(0xa0 + i);
  EXPECT_EQ(to_uuid(id), "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf");
  EXPECT_EQ(to_uuid(UserId{}), "00000000-0000-0000-0000-000000000000");
}

TEST(Uuid, ParsesWhatItPrintsAnyHexCase) {
  UserId id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(i * 17);
  EXPECT_EQ(parse_uuid(to_uuid(id)), id);
  EXPECT_EQ(parse_uuid("A0A1A2A3-A4A5-A6A7-A8A9-AAABACADAEAF"),
            parse_uuid("a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf"));
  EXPECT_TRUE(parse_uuid("ffffffff-ffff-ffff-ffff-ffffffffffff"));
}

TEST(Uuid, RejectsEverythingElse) {
  for (const char* bad : {
           "",
           "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",        // no dashes
           "{a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf}",  // braces
           "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaea",     // short
           "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf0",   // long
           "a0a1a2a-3a4a5-a6a7-a8a9-aaabacadaeaf",    // dash misplaced
           "a0a1a2a3-a4a5-a6a7-a8a9+aaabacadaeaf",    // wrong separator
           "g0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf",    // not hex
           " a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaea",    // space
       }) {
    EXPECT_FALSE(parse_uuid(bad)) << bad;
  }
  // A NUL inside the 36 characters.
  EXPECT_FALSE(parse_uuid(std::string_view("a0a1a2a3-a4a5-a6a7-a8a9-aaabacadae\0f", 36)));
  EXPECT_FALSE(parse_uuid("a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf\n"));
}

TEST(TokenHashHex, RoundTripsAndRejectsEverythingElse) {
  TokenHash h{};
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = static_cast<std::uint8_t>(i * 7 + 0xa0);
  const std::string hex = to_hex(h);
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_EQ(hex.substr(0, 6), "a0a7ae");
  EXPECT_EQ(token_hash_from_hex(hex), h);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(token_hash_from_hex(upper), h);
  EXPECT_FALSE(token_hash_from_hex(""));
  EXPECT_FALSE(token_hash_from_hex(hex.substr(1)));
  EXPECT_FALSE(token_hash_from_hex(hex + "0"));
  EXPECT_FALSE(token_hash_from_hex("g" + hex.substr(1)));
}

TEST(StoreError, Describes) {
  EXPECT_EQ(describe(StoreError::kNotFound), "not found");
  EXPECT_EQ(describe(StoreError::kConflict), "conflict");
  EXPECT_EQ(describe(StoreError::kUnavailable), "store unavailable");
  EXPECT_EQ(describe(StoreError::kCorrupt), "stored data corrupt");
}

// The names are stored (sqlite signing_keys.state) and shown by the CLI: they must not change.
TEST(KeyState, NamesEachState) {
  EXPECT_EQ(to_string(KeyState::kNext), "next");
  EXPECT_EQ(to_string(KeyState::kActive), "active");
  EXPECT_EQ(to_string(KeyState::kRetired), "retired");
}

}  // namespace
}  // namespace tessera::store
