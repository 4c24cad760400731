#include "auth/mfa/recovery_codes.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tessera::auth::mfa {
namespace {

bool in_alphabet(char c) { return kRecoveryAlphabet.find(c) != std::string_view::npos; }

// "xxxx-xxxx-xxxx" with every x in the alphabet.
bool has_display_form(const std::string& code) {
  if (code.size() != 14) return false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    const bool separator = i == 4 || i == 9;
    if (separator ? code[i] != '-' : !in_alphabet(code[i])) return false;
  }
  return true;
}

TEST(RecoveryCodes, TenDistinctCodesInDisplayForm) {
  const auto codes = generate_recovery_codes();
  ASSERT_EQ(codes.size(), 10U);
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), 10U);
  for (const auto& code : codes) EXPECT_TRUE(has_display_form(code)) << code;
}

TEST(RecoveryCodes, AlphabetHasNoLookAlikesAnd31Symbols) {
  EXPECT_EQ(kRecoveryAlphabet.size(), 31U);
  EXPECT_EQ(std::set<char>(kRecoveryAlphabet.begin(), kRecoveryAlphabet.end()).size(), 31U);
  for (char c : std::string_view("01ilo")) EXPECT_FALSE(in_alphabet(c)) << c;
  for (char c : kRecoveryAlphabet) {
    EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '2' && c <= '9')) << c;
  }
}

TEST(RecoveryCodes, EverySymbolIsUsedAndSetsDiffer) {
  // 100 sets are 12,000 draws: a symbol the generator never draws would stay missing, while a
  // uniform one misses any symbol with probability below 10^-160.
  std::set<char> seen;
  std::set<std::string> all;
  for (int i = 0; i < 100; ++i) {
    for (const auto& code : generate_recovery_codes()) {
      all.insert(code);
      for (char c : code) seen.insert(c);
    }
  }
  seen.erase('-');
  EXPECT_EQ(seen.size(), 31U);
  EXPECT_EQ(all.size(), 1000U);
}

TEST(RecoveryCodes, NormalizeIgnoresCaseSpacesAndHyphens) {
  for (const auto& code : generate_recovery_codes()) {
    std::string bare;
    for (char c : code) {
      if (c != '-') bare += c;
    }
    EXPECT_EQ(normalize_recovery_code(code), bare);
    EXPECT_EQ(normalize_recovery_code(bare), bare);
  }
  const std::string canonical = "k7wm2hqe9xpa";
  for (std::string_view spelling : {"k7wm-2hqe-9xpa", "K7WM-2HQE-9XPA", "k7wm 2hqe 9xpa",
                                    "  K7wm--2hQe 9XPA - ", "k-7-w-m-2-h-q-e-9-x-p-a"}) {
    EXPECT_EQ(normalize_recovery_code(spelling), canonical) << spelling;
  }
}

TEST(RecoveryCodes, NormalizeRefusesEverythingElse) {
  for (std::string_view bad : {
           "",                 // empty
           "----  ----",       // separators only
           "k7wm-2hqe-9xp",    // 11 symbols
           "k7wm-2hqe-9xpaa",  // 13 symbols
           "k7wm-2hqe-9xp0",   // look-alikes are not in the alphabet
           "k7wm-2hqe-9xp1", "k7wm-2hqe-9xpl", "k7wm-2hqe-9xpo", "k7wm-2hqe-9xpi",
           "k7wm-2hqe-9xpI",    // upper-case look-alike, too
           "k7wm_2hqe_9xpa",    // another separator
           "k7wm\t2hqe\t9xpa",  // tabs
           "k7wm-2hqe-9xpa\n",  // line break
           "k7wm.2hqe.9xpa",
           "k7wm-2hqe-9xp\xC3\xA1",  // non-ASCII
           "\xEF\xBD\x8B"
           "7wm-2hqe-9xpa",  // fullwidth k
       }) {
    EXPECT_EQ(normalize_recovery_code(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(normalize_recovery_code(std::string_view("k7wm-2hqe-9xp\0", 14)), std::nullopt);
  // Input length is bounded before anything is read.
  const std::string padded_ok = "k7wm-2hqe-9xpa" + std::string(kRecoveryInputMaxChars - 14, ' ');
  EXPECT_EQ(normalize_recovery_code(padded_ok), "k7wm2hqe9xpa");
  EXPECT_EQ(normalize_recovery_code(padded_ok + " "), std::nullopt);
}

const std::string kKey1(32, '\x01');
const std::string kKey2(32, '\x02');

TEST(RecoveryCodes, HashIsAnHmacOfTheCanonicalForm) {
  const crypto::HmacKey key(crypto::Hash::kSha256, kKey1);
  const auto h = hash_recovery_code(key, "k7wm-2hqe-9xpa");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->size(), kRecoveryHashBytes);
  EXPECT_EQ(*h, key.mac("k7wm2hqe9xpa").view());
  // Every spelling of one code has one hash.
  EXPECT_EQ(hash_recovery_code(key, "K7WM 2HQE 9XPA"), h);
  EXPECT_EQ(hash_recovery_code(key, "k7wm2hqe9xpa"), h);
  // Another code, another hash.
  EXPECT_NE(hash_recovery_code(key, "k7wm-2hqe-9xpb"), h);
}

TEST(RecoveryCodes, HashDependsOnTheKey) {
  const crypto::HmacKey key1(crypto::Hash::kSha256, kKey1);
  const crypto::HmacKey key2(crypto::Hash::kSha256, kKey2);
  for (const auto& code : generate_recovery_codes()) {
    const auto h1 = hash_recovery_code(key1, code);
    const auto h2 = hash_recovery_code(key2, code);
    ASSERT_TRUE(h1.has_value());
    ASSERT_TRUE(h2.has_value());
    EXPECT_NE(*h1, *h2);
  }
}

TEST(RecoveryCodes, HashRefusesBadCodesAndOtherKeyKinds) {
  const crypto::HmacKey key(crypto::Hash::kSha256, kKey1);
  EXPECT_EQ(hash_recovery_code(key, "k7wm-2hqe-9xp0"), std::nullopt);
  EXPECT_EQ(hash_recovery_code(key, ""), std::nullopt);
  const crypto::HmacKey sha512(crypto::Hash::kSha512, kKey1);
  EXPECT_EQ(hash_recovery_code(sha512, "k7wm-2hqe-9xpa"), std::nullopt);
}

}  // namespace
}  // namespace tessera::auth::mfa
