#include "auth/auth_context.h"

#include <gtest/gtest.h>

namespace tessera::auth {
namespace {

TEST(AmrTest, TextAndValuesKeepOneOrderWhateverTheOrderOfAdding) {
  const Amr a = Amr::of(AuthMethodRef::kMfa).with(AuthMethodRef::kOtp).with(AuthMethodRef::kPwd);
  EXPECT_EQ(a.text(), "pwd otp mfa");
  EXPECT_EQ(a.values(), (std::vector<std::string>{"pwd", "otp", "mfa"}));
  EXPECT_EQ(Amr().text(), "");
  EXPECT_TRUE(Amr().values().empty());
  EXPECT_TRUE(Amr().empty());
  EXPECT_FALSE(a.empty());
}

TEST(AmrTest, ParseIsTheInverseOfText) {
  for (const Amr a :
       {Amr(), Amr::of(AuthMethodRef::kPwd), Amr::of(AuthMethodRef::kHwk).with(AuthMethodRef::kMfa),
        Amr::of(AuthMethodRef::kSwk), Amr::of(AuthMethodRef::kFed).with(AuthMethodRef::kOtp),
        Amr::of(AuthMethodRef::kPwd).with(AuthMethodRef::kOtp).with(AuthMethodRef::kMfa)}) {
    auto back = Amr::parse(a.text());
    ASSERT_TRUE(back) << a.text();
    EXPECT_EQ(*back, a);
    EXPECT_EQ(Amr::from_values(a.values()), a);
  }
}

TEST(AmrTest, ParseRefusesWhatTextNeverWrites) {
  for (const char* bad :
       {"sms", "pwd ", " pwd", "pwd  otp", "pwd,otp", "PWD", "pwd pwd", "pwd\totp"}) {
    EXPECT_FALSE(Amr::parse(bad)) << bad;
  }
  EXPECT_FALSE(Amr::from_values({"pwd", "face"}));  // a value this server never issues
  EXPECT_FALSE(Amr::from_values({"otp", "otp"}));
  EXPECT_FALSE(Amr::from_values({""}));
}

TEST(AmrTest, OnlyMoreThanOneFactorReachesTheMultiFactorLevel) {
  EXPECT_EQ(Amr().acr(), kAcrSingleFactor);
  EXPECT_EQ(Amr::of(AuthMethodRef::kPwd).acr(), kAcrSingleFactor);
  EXPECT_EQ(Amr::of(AuthMethodRef::kPwd).with(AuthMethodRef::kOtp).acr(), kAcrSingleFactor)
      << "the mfa method is what says two factors were proved, never a guess from the others";
  EXPECT_EQ(Amr::of(AuthMethodRef::kPwd).with(AuthMethodRef::kOtp).with(AuthMethodRef::kMfa).acr(),
            kAcrMultiFactor);
  EXPECT_EQ(Amr::of(AuthMethodRef::kHwk).with(AuthMethodRef::kMfa).acr(), kAcrMultiFactor);
}

TEST(StepUpTest, RecentEnoughCountsWholeSecondsWithoutLeeway) {
  constexpr std::int64_t kNow = 1'800'000'000;
  EXPECT_TRUE(recent_enough(kNow, kNow, 600));
  EXPECT_TRUE(recent_enough(kNow - 600, kNow, 600));
  EXPECT_FALSE(recent_enough(kNow - 601, kNow, 600));
  EXPECT_FALSE(recent_enough(0, kNow, 600)) << "an unknown time never satisfies step-up";
  EXPECT_FALSE(recent_enough(kNow - 1, kNow, 0));
  EXPECT_TRUE(recent_enough(kNow, kNow, 0));
}

}  // namespace
}  // namespace tessera::auth
