#include "crypto/password.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace tessera::crypto {
namespace {

constexpr PasswordParams kFast{.memory_kib = 64, .iterations = 1};

TEST(PasswordTest, HashIsArgon2idPhcWithTheParameters) {
  auto h = hash_password("correct horse", kFast);
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(h->starts_with("$argon2id$v=19$m=64,t=1,p=1$")) << *h;
  EXPECT_TRUE(verify_password(*h, "correct horse"));
  EXPECT_FALSE(verify_password(*h, "correct horsf"));
  EXPECT_FALSE(verify_password(*h, "correct hors"));
  EXPECT_FALSE(verify_password(*h, "correct horse "));
}

TEST(PasswordTest, DefaultsAreAtLeastOwasp) {
  const PasswordParams p;
  EXPECT_GE(p.memory_kib, 19u * 1024);
  EXPECT_GE(p.iterations, 2u);
  auto h = hash_password("pw", p);
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(h->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *h;
  EXPECT_TRUE(verify_password(*h, "pw"));
}

TEST(PasswordTest, SaltIsRandom) {
  auto a = hash_password("same", kFast);
  auto b = hash_password("same", kFast);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

TEST(PasswordTest, RefusesEmptyAndOversizePasswords) {
  EXPECT_EQ(hash_password("", kFast).error(), PasswordError::kEmpty);
  EXPECT_EQ(hash_password(std::string(kMaxPasswordBytes + 1, 'a'), kFast).error(),
            PasswordError::kTooLong);
  auto max = hash_password(std::string(kMaxPasswordBytes, 'a'), kFast);
  ASSERT_TRUE(max.has_value());
  EXPECT_TRUE(verify_password(*max, std::string(kMaxPasswordBytes, 'a')));
  // Verification refuses them too, without hashing.
  EXPECT_FALSE(verify_password(*max, ""));
  EXPECT_FALSE(verify_password(*max, std::string(kMaxPasswordBytes + 1, 'a')));
}

TEST(PasswordTest, PasswordsAreBytesIncludingNul) {
  const std::string with_nul("ab\0cd", 5);
  auto h = hash_password(with_nul, kFast);
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(verify_password(*h, with_nul));
  EXPECT_FALSE(verify_password(*h, "ab"));
}

TEST(PasswordTest, RefusesParametersOutOfRange) {
  EXPECT_EQ(hash_password("pw", {.memory_kib = 7, .iterations = 1}).error(),
            PasswordError::kBadParams);
  EXPECT_EQ(hash_password("pw", {.memory_kib = 64, .iterations = 0}).error(),
            PasswordError::kBadParams);
  EXPECT_TRUE(hash_password("pw", kMinPasswordParams).has_value());
}

TEST(PasswordTest, MalformedHashesNeverVerify) {
  auto h = hash_password("pw", kFast);
  ASSERT_TRUE(h.has_value());
  EXPECT_FALSE(verify_password("", "pw"));
  EXPECT_FALSE(verify_password("not a hash", "pw"));
  EXPECT_FALSE(verify_password(h->substr(0, h->size() - 4), "pw"));
  EXPECT_FALSE(verify_password(*h + std::string(1, '\0') + "junk", "pw"));
  EXPECT_FALSE(verify_password(std::string(500, '$'), "pw"));
  std::string tampered = *h;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_password(tampered, "pw"));
}

TEST(PasswordTest, PlantedHugeCostIsRefusedWithoutRunningIt) {
  // 8 GiB: above the sanity cap, refused before libsodium tries to allocate it.
  const std::string planted =
      "$argon2id$v=19$m=8388608,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$"
      "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
  PasswordWorkRecorder recorder;
  EXPECT_FALSE(verify_password(planted, "pw"));
  EXPECT_TRUE(recorder.work().empty()) << "libsodium was asked to run it";
}

TEST(PasswordTest, RecorderSeesEachArgon2idRunOnItsThreadOnly) {
  PasswordWorkRecorder recorder;
  auto h = hash_password("pw", kFast);
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(verify_password(*h, "pw"));
  EXPECT_FALSE(verify_password(*h, "wrong"));
  // Refused before libsodium: nothing ran, nothing recorded.
  EXPECT_FALSE(hash_password("", kFast).has_value());
  EXPECT_FALSE(hash_password("pw", {.memory_kib = 1, .iterations = 1}).has_value());
  EXPECT_FALSE(verify_password(*h, ""));
  EXPECT_FALSE(verify_password(*h + std::string(1, '\0'), "pw"));
  // Another thread's work is not this recorder's.
  std::thread([] { (void)hash_password("elsewhere", kFast); }).join();
  {
    PasswordWorkRecorder inner;  // nested: the innermost records
    EXPECT_TRUE(verify_password(*h, "pw"));
    ASSERT_EQ(inner.work().size(), 1u);
  }
  // Handed to libsodium, which refuses it at once: recorded, but without Argon2id parameters.
  EXPECT_FALSE(verify_password("not a hash", "pw"));

  const auto& work = recorder.work();
  ASSERT_EQ(work.size(), 4u);
  EXPECT_EQ(work[0].kind, PasswordWork::Kind::kHash);
  EXPECT_EQ(work[1].kind, PasswordWork::Kind::kVerify);
  EXPECT_EQ(work[2].kind, PasswordWork::Kind::kVerify);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(work[i].params, kFast) << i;
    EXPECT_EQ(work[i].phc, *h) << i;
  }
  EXPECT_EQ(work[3].kind, PasswordWork::Kind::kVerify);
  EXPECT_EQ(work[3].params, std::nullopt);
  EXPECT_EQ(work[3].phc, "not a hash");
}

TEST(PasswordTest, ParsesParameters) {
  auto p = parse_password_params("$argon2id$v=19$m=19456,t=2,p=1$abc$def");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p, (PasswordParams{.memory_kib = 19456, .iterations = 2}));
  EXPECT_FALSE(parse_password_params("$argon2i$v=19$m=19456,t=2,p=1$abc$def"));
  EXPECT_FALSE(parse_password_params("$argon2id$v=16$m=19456,t=2,p=1$abc$def"));
  EXPECT_FALSE(parse_password_params("$argon2id$v=19$m=19456,t=2,p=4$abc$def"));
  EXPECT_FALSE(parse_password_params("$argon2id$v=19$m=,t=2,p=1$abc$def"));
  EXPECT_FALSE(parse_password_params("$2b$12$abcdefghijklmnopqrstuv"));
}

TEST(PasswordTest, NeedsRehashOnlyWhenWeaker) {
  auto h = hash_password("pw", {.memory_kib = 64, .iterations = 2});
  ASSERT_TRUE(h.has_value());
  EXPECT_FALSE(password_needs_rehash(*h, {.memory_kib = 64, .iterations = 2}));
  EXPECT_TRUE(password_needs_rehash(*h, {.memory_kib = 128, .iterations = 2}));
  EXPECT_TRUE(password_needs_rehash(*h, {.memory_kib = 64, .iterations = 3}));
  // Stronger than configured: kept (lowering the configuration never weakens hashes).
  EXPECT_FALSE(password_needs_rehash(*h, {.memory_kib = 32, .iterations = 1}));
  // Not Argon2id v19: always replaced.
  EXPECT_TRUE(password_needs_rehash("$argon2i$v=19$m=65536,t=4,p=1$abc$def", kFast));
  EXPECT_TRUE(password_needs_rehash("garbage", kFast));
}

TEST(PasswordTest, DescribesErrors) {
  EXPECT_EQ(describe(PasswordError::kTooLong), "password too long");
  EXPECT_EQ(describe(PasswordError::kBadParams), "Argon2id parameters out of range");
}

}  // namespace
}  // namespace tessera::crypto
