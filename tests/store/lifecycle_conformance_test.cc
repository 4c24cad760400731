// The conformance suite of the account lifecycle's stores (store/outbox_store.h,
// store/account_token_store.h), run against every backend that keeps users: memory, sqlite,
// postgres (a cache never takes these over, so the "+redis" variants would test the same code).
#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "conformance_fixture.h"

namespace tessera::store {
namespace {

using testing::make_user;
using testing::token;
using testing::user_id;

constexpr std::int64_t kNow = 1'700'000'000;

MailClaim claim_token(std::uint8_t n) {
  MailClaim c{};
  c.fill(n);
  return c;
}

OutgoingMail mail(std::string kind, int n, std::optional<UserId> user = std::nullopt) {
  return OutgoingMail{.kind = std::move(kind),
                      .recipient = "user" + std::to_string(n) + "@example.com",
                      .user_id = user,
                      .sealed_message = std::string("\x00sealed\xff", 8) + std::to_string(n)};
}

AccountToken account_token(int n, const UserId& user, AccountTokenPurpose purpose,
                           std::string email, std::int64_t expires_at = kNow + 1800) {
  return AccountToken{.hash = token(1000 + n),
                      .user_id = user,
                      .purpose = purpose,
                      .email = std::move(email),
                      .created_at = kNow,
                      .expires_at = expires_at};
}

class LifecycleConformance : public StoreConformance {
 protected:
  // A user n (make_user) in the store.
  User add_user(int n) {
    User u = make_user(n, kNow - 100);
    EXPECT_TRUE(users().create(u));
    return u;
  }
  std::size_t mail_count() {
    auto all = outbox().list(std::nullopt, 1000);
    EXPECT_TRUE(all);
    return all ? all->size() : 0;
  }
};

// ---- outbox ---------------------------------------------------------------------------------

TEST_P(LifecycleConformance, EnqueueAssignsIncreasingIdsAndKeepsEveryField) {
  const User u = add_user(1);
  const OutgoingMail mails[] = {mail("verify_email", 1, u.id), mail("signup_notice", 2)};
  auto ids = outbox().enqueue(mails, kNow);
  ASSERT_TRUE(ids);
  ASSERT_EQ(ids->size(), 2U);
  EXPECT_LT((*ids)[0], (*ids)[1]);
  auto first = outbox().find((*ids)[0]);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->kind, "verify_email");
  EXPECT_EQ(first->recipient, "user1@example.com");
  EXPECT_EQ(first->user_id, u.id);
  EXPECT_EQ(first->sealed_message, mails[0].sealed_message);  // bytes, NUL and 0xff kept
  EXPECT_EQ(first->status, MailStatus::kPending);
  EXPECT_EQ(first->created_at, kNow);
  EXPECT_EQ(first->next_attempt_at, kNow);
  EXPECT_EQ(first->attempts, 0);
  EXPECT_EQ(first->finished_at, 0);
  auto second = outbox().find((*ids)[1]);
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->user_id.has_value());
  EXPECT_EQ(outbox().find((*ids)[1] + 1000).error(), StoreError::kNotFound);
}

TEST_P(LifecycleConformance, EnqueueForAnUnknownUserIsNotFoundAndQueuesNothing) {
  const OutgoingMail mails[] = {mail("a", 1), mail("b", 2, user_id(77))};
  auto ids = outbox().enqueue(mails, kNow);
  ASSERT_FALSE(ids);
  EXPECT_EQ(ids.error(), StoreError::kNotFound);
  EXPECT_EQ(mail_count(), 0U);
}

TEST_P(LifecycleConformance, ClaimTakesDueMailsOldestFirstOnceUntilTheLeaseLapses) {
  for (int i = 0; i < 3; ++i) {
    const OutgoingMail m[] = {mail("k", i)};
    ASSERT_TRUE(outbox().enqueue(m, kNow + i));
  }
  // Only the mails due at kNow + 1, at most 5.
  auto a = outbox().claim(kNow + 1, kNow + 61, claim_token(1), 5);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 2U);
  EXPECT_EQ((*a)[0].recipient, "user0@example.com");
  EXPECT_EQ((*a)[1].recipient, "user1@example.com");
  EXPECT_EQ((*a)[0].attempts, 1);
  EXPECT_EQ((*a)[0].claimed_until, kNow + 61);
  // Under a live claim they are not claimed again; the third is, now that it is due.
  auto b = outbox().claim(kNow + 2, kNow + 62, claim_token(2), 5);
  ASSERT_TRUE(b);
  ASSERT_EQ(b->size(), 1U);
  EXPECT_EQ((*b)[0].recipient, "user2@example.com");
  // The limit holds, and a lapsed claim makes the mails claimable again (attempts counted).
  auto c = outbox().claim(kNow + 61, kNow + 121, claim_token(3), 1);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->size(), 1U);
  EXPECT_EQ((*c)[0].recipient, "user0@example.com");
  EXPECT_EQ((*c)[0].attempts, 2);
}

TEST_P(LifecycleConformance, OutcomesCountOnlyUnderTheLiveClaim) {
  const OutgoingMail m[] = {mail("k", 1)};
  auto ids = outbox().enqueue(m, kNow);
  ASSERT_TRUE(ids);
  const MailId id = (*ids)[0];
  ASSERT_EQ(outbox().claim(kNow, kNow + 60, claim_token(1), 10)->size(), 1U);
  EXPECT_EQ(outbox().mark_sent(id, claim_token(9), kNow).error(), StoreError::kNotFound);
  // The lease lapses and another sender takes the mail: the first one's report is refused.
  ASSERT_EQ(outbox().claim(kNow + 60, kNow + 120, claim_token(2), 10)->size(), 1U);
  EXPECT_EQ(outbox().mark_sent(id, claim_token(1), kNow + 61).error(), StoreError::kNotFound);
  EXPECT_EQ(outbox().retry_at(id, claim_token(1), kNow + 99, "x").error(), StoreError::kNotFound);
  ASSERT_TRUE(outbox().mark_sent(id, claim_token(2), kNow + 62));
  auto sent = outbox().find(id);
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->status, MailStatus::kSent);
  EXPECT_EQ(sent->finished_at, kNow + 62);
  EXPECT_TRUE(sent->sealed_message.empty());  // no live link stays behind
  // Marked sent once; never claimed again.
  EXPECT_EQ(outbox().mark_sent(id, claim_token(2), kNow + 63).error(), StoreError::kNotFound);
  EXPECT_TRUE(outbox().claim(kNow + 1000, kNow + 1060, claim_token(3), 10)->empty());
}

TEST_P(LifecycleConformance, RetryReleasesTheClaimAndDelaysTheMail) {
  const OutgoingMail m[] = {mail("k", 1)};
  const MailId id = (*outbox().enqueue(m, kNow))[0];
  ASSERT_EQ(outbox().claim(kNow, kNow + 60, claim_token(1), 10)->size(), 1U);
  // An error longer than the bound, ending in a multi-byte character that would be cut.
  std::string error(kMaxMailErrorBytes - 1, 'e');
  error += "\xC3\xA9 and more";
  ASSERT_TRUE(outbox().retry_at(id, claim_token(1), kNow + 30, error));
  auto waiting = outbox().find(id);
  ASSERT_TRUE(waiting);
  EXPECT_EQ(waiting->status, MailStatus::kPending);
  EXPECT_EQ(waiting->next_attempt_at, kNow + 30);
  EXPECT_EQ(waiting->last_error, std::string(kMaxMailErrorBytes - 1, 'e'));
  EXPECT_TRUE(outbox().claim(kNow + 29, kNow + 89, claim_token(2), 10)->empty());
  auto again = outbox().claim(kNow + 30, kNow + 90, claim_token(2), 10);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->size(), 1U);
  EXPECT_EQ((*again)[0].attempts, 2);
  EXPECT_EQ((*again)[0].sealed_message, m[0].sealed_message);  // kept until it is sent
}

TEST_P(LifecycleConformance, FailedMailsAreErasedAndNeverClaimedAgain) {
  const OutgoingMail m[] = {mail("k", 1)};
  const MailId id = (*outbox().enqueue(m, kNow))[0];
  ASSERT_EQ(outbox().claim(kNow, kNow + 60, claim_token(1), 10)->size(), 1U);
  ASSERT_TRUE(outbox().mark_failed(id, claim_token(1), kNow + 1, "550 no such user"));
  auto failed = outbox().find(id);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, MailStatus::kFailed);
  EXPECT_EQ(failed->last_error, "550 no such user");
  EXPECT_TRUE(failed->sealed_message.empty());
  EXPECT_TRUE(outbox().claim(kNow + 1000, kNow + 1060, claim_token(2), 10)->empty());
}

TEST_P(LifecycleConformance, ListStatsAndPurge) {
  auto empty = outbox().stats();
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->pending + empty->sent + empty->failed, 0U);
  EXPECT_EQ(empty->oldest_pending_at, 0);
  for (int i = 0; i < 4; ++i) {
    const OutgoingMail m[] = {mail("k", i)};
    ASSERT_TRUE(outbox().enqueue(m, kNow + i));
  }
  auto claimed = outbox().claim(kNow + 10, kNow + 70, claim_token(1), 2);
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), 2U);
  ASSERT_TRUE(outbox().mark_sent((*claimed)[0].id, claim_token(1), kNow + 11));
  ASSERT_TRUE(outbox().mark_failed((*claimed)[1].id, claim_token(1), kNow + 20, "550"));
  auto s = outbox().stats();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pending, 2U);
  EXPECT_EQ(s->sent, 1U);
  EXPECT_EQ(s->failed, 1U);
  EXPECT_EQ(s->oldest_pending_at, kNow + 2);
  auto pending = outbox().list(MailStatus::kPending, 10);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 2U);
  EXPECT_GT((*pending)[0].id, (*pending)[1].id);  // newest first
  EXPECT_EQ(outbox().list(std::nullopt, 3)->size(), 3U);
  // Only finished mails, finished before the bound.
  EXPECT_EQ(*outbox().purge(kNow + 15), 1U);
  EXPECT_EQ(*outbox().purge(kNow + 1000), 1U);
  EXPECT_EQ(mail_count(), 2U);
}

TEST_P(LifecycleConformance, ConcurrentClaimersNeverShareAMail) {
  std::vector<OutgoingMail> mails;
  for (int i = 0; i < 40; ++i) mails.push_back(mail("k", i));
  ASSERT_TRUE(outbox().enqueue(mails, kNow));
  std::vector<std::vector<MailId>> taken(4);
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < taken.size(); ++t) {
    threads.emplace_back([&, t] {
      for (;;) {
        auto got =
            outbox().claim(kNow, kNow + 60, claim_token(static_cast<std::uint8_t>(t + 1)), 3);
        if (!got) {
          failed = true;
          return;
        }
        if (got->empty()) return;
        for (const MailRecord& m : *got) taken[t].push_back(m.id);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_FALSE(failed);
  std::multiset<MailId> all;
  for (const auto& ids : taken) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), 40U);
  EXPECT_EQ(std::set<MailId>(all.begin(), all.end()).size(), 40U);  // each exactly once
}

// ---- account tokens ------------------------------------------------------------------------

TEST_P(LifecycleConformance, CreateUserCommitsUserTokenAndMailsTogether) {
  User u = make_user(1, kNow);
  const AccountToken t =
      account_token(1, u.id, AccountTokenPurpose::kVerifyEmail, "user1@example.com");
  const OutgoingMail m[] = {mail("verify_email", 1, u.id)};
  ASSERT_TRUE(account_tokens().create_user(u, t, m, kNow));
  auto stored = users().find_by_id(u.id);
  ASSERT_TRUE(stored);
  EXPECT_FALSE(stored->email_verified);
  auto found = account_tokens().find(t.hash);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_id, u.id);
  EXPECT_EQ(found->purpose, AccountTokenPurpose::kVerifyEmail);
  EXPECT_EQ(found->email, "user1@example.com");
  EXPECT_EQ(found->created_at, kNow);
  EXPECT_EQ(found->expires_at, kNow + 1800);
  EXPECT_EQ(found->used_at, 0);
  EXPECT_EQ(mail_count(), 1U);

  // The email is taken: no second user, no token, no mail.
  User twin = make_user(2, kNow);
  twin.email = u.email;
  const AccountToken t2 = account_token(2, twin.id, AccountTokenPurpose::kVerifyEmail, twin.email);
  const OutgoingMail m2[] = {mail("verify_email", 2)};
  EXPECT_EQ(account_tokens().create_user(twin, t2, m2, kNow).error(), StoreError::kConflict);
  EXPECT_EQ(users().find_by_id(twin.id).error(), StoreError::kNotFound);
  EXPECT_EQ(account_tokens().find(t2.hash).error(), StoreError::kNotFound);
  EXPECT_EQ(mail_count(), 1U);
}

TEST_P(LifecycleConformance, IssueNeedsTheUserAndAFreshHash) {
  const User u = add_user(1);
  const AccountToken t = account_token(1, u.id, AccountTokenPurpose::kResetPassword, u.email);
  const OutgoingMail m[] = {mail("reset_password", 1, u.id)};
  ASSERT_TRUE(account_tokens().issue(t, m, kNow));
  EXPECT_EQ(account_tokens().issue(t, m, kNow).error(), StoreError::kConflict);
  const AccountToken stray =
      account_token(2, user_id(99), AccountTokenPurpose::kResetPassword, "x@example.com");
  EXPECT_EQ(account_tokens().issue(stray, m, kNow).error(), StoreError::kNotFound);
  EXPECT_EQ(account_tokens().find(stray.hash).error(), StoreError::kNotFound);
  EXPECT_EQ(mail_count(), 1U);  // neither refused call queued its mail
  ASSERT_TRUE(users().set_email_verified(u.id, true));
  EXPECT_TRUE(users().find_by_id(u.id)->email_verified);
  EXPECT_EQ(users().set_email_verified(user_id(99), true).error(), StoreError::kNotFound);
}

TEST_P(LifecycleConformance, VerifyEmailAppliesOnceAndOnlyForTheCurrentAddress) {
  const User u = add_user(1);
  const AccountToken t = account_token(1, u.id, AccountTokenPurpose::kVerifyEmail, u.email);
  ASSERT_TRUE(account_tokens().issue(t, {}, kNow));
  // Another purpose: unknown, nothing changes.
  auto wrong = account_tokens().redeem(t.hash, AccountTokenPurpose::kResetPassword, "$h", {}, kNow);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->outcome, Redeemed::kUnknown);
  auto ok = account_tokens().redeem(t.hash, AccountTokenPurpose::kVerifyEmail, "", {}, kNow + 1);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->outcome, Redeemed::kApplied);
  EXPECT_EQ(ok->token.user_id, u.id);
  EXPECT_TRUE(users().find_by_id(u.id)->email_verified);
  EXPECT_EQ(account_tokens().find(t.hash)->used_at, kNow + 1);
  auto again = account_tokens().redeem(t.hash, AccountTokenPurpose::kVerifyEmail, "", {}, kNow + 2);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, Redeemed::kUsed);
  auto garbage = account_tokens().redeem(token(5), AccountTokenPurpose::kVerifyEmail, "", {}, kNow);
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->outcome, Redeemed::kUnknown);

  // Expired, and stale (the address changed since the link was sent).
  const User v = add_user(2);
  const AccountToken old =
      account_token(2, v.id, AccountTokenPurpose::kVerifyEmail, v.email, kNow + 10);
  const AccountToken stale = account_token(3, v.id, AccountTokenPurpose::kVerifyEmail, v.email);
  ASSERT_TRUE(account_tokens().issue(old, {}, kNow));
  ASSERT_TRUE(account_tokens().issue(stale, {}, kNow));
  EXPECT_EQ(account_tokens()
                .redeem(old.hash, AccountTokenPurpose::kVerifyEmail, "", {}, kNow + 10)
                ->outcome,
            Redeemed::kExpired);
  ASSERT_TRUE(users().set_email(v.id, "renamed@example.com"));
  const OutgoingMail m[] = {mail("k", 1)};
  EXPECT_EQ(
      account_tokens().redeem(stale.hash, AccountTokenPurpose::kVerifyEmail, "", m, kNow)->outcome,
      Redeemed::kStale);
  EXPECT_FALSE(users().find_by_id(v.id)->email_verified);
  EXPECT_EQ(mail_count(), 0U);  // mails only go with an applied redemption
}

TEST_P(LifecycleConformance, ResetSetsThePasswordKillsEveryOtherResetLinkAndQueuesTheNotice) {
  const User u = add_user(1);
  const AccountToken a = account_token(1, u.id, AccountTokenPurpose::kResetPassword, u.email);
  const AccountToken b = account_token(2, u.id, AccountTokenPurpose::kResetPassword, u.email);
  const AccountToken verify = account_token(3, u.id, AccountTokenPurpose::kVerifyEmail, u.email);
  ASSERT_TRUE(account_tokens().issue(a, {}, kNow));
  ASSERT_TRUE(account_tokens().issue(b, {}, kNow));
  ASSERT_TRUE(account_tokens().issue(verify, {}, kNow));
  const OutgoingMail notice[] = {mail("password_changed", 1, u.id)};
  auto r = account_tokens().redeem(b.hash, AccountTokenPurpose::kResetPassword, "$argon2id$new",
                                   notice, kNow + 5);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Redeemed::kApplied);
  auto after = users().find_by_id(u.id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->password_hash, "$argon2id$new");
  EXPECT_EQ(after->password_changed_at, kNow + 5);
  EXPECT_TRUE(after->email_verified);  // the link reached that mailbox
  EXPECT_EQ(mail_count(), 1U);
  // The older link is dead; the verify link is not a reset link and lives on.
  EXPECT_EQ(account_tokens()
                .redeem(a.hash, AccountTokenPurpose::kResetPassword, "$argon2id$x", {}, kNow + 6)
                ->outcome,
            Redeemed::kUsed);
  EXPECT_EQ(account_tokens().find(verify.hash)->used_at, 0);
  EXPECT_EQ(users().find_by_id(u.id)->password_hash, "$argon2id$new");
}

TEST_P(LifecycleConformance, ChangeEmailSwitchesTheAddressUnlessTaken) {
  const User u = add_user(1);
  const User other = add_user(2);
  const AccountToken to_taken =
      account_token(1, u.id, AccountTokenPurpose::kChangeEmail, other.email);
  const AccountToken to_new =
      account_token(2, u.id, AccountTokenPurpose::kChangeEmail, "new@example.com");
  const AccountToken verify_old =
      account_token(3, u.id, AccountTokenPurpose::kVerifyEmail, u.email);
  ASSERT_TRUE(account_tokens().issue(to_taken, {}, kNow));
  ASSERT_TRUE(account_tokens().issue(to_new, {}, kNow));
  ASSERT_TRUE(account_tokens().issue(verify_old, {}, kNow));
  const OutgoingMail m[] = {mail("email_changed", 1, u.id)};
  auto taken =
      account_tokens().redeem(to_taken.hash, AccountTokenPurpose::kChangeEmail, "", m, kNow);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->outcome, Redeemed::kEmailTaken);
  EXPECT_EQ(users().find_by_id(u.id)->email, u.email);
  EXPECT_EQ(account_tokens().find(to_taken.hash)->used_at, 0);  // nothing changed
  EXPECT_EQ(mail_count(), 0U);

  auto changed =
      account_tokens().redeem(to_new.hash, AccountTokenPurpose::kChangeEmail, "", m, kNow);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->outcome, Redeemed::kApplied);
  auto after = users().find_by_id(u.id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->email, "new@example.com");
  EXPECT_TRUE(after->email_verified);
  EXPECT_TRUE(users().find_by_email("new@example.com"));
  EXPECT_EQ(users().find_by_email(u.email).error(), StoreError::kNotFound);
  EXPECT_EQ(mail_count(), 1U);
  // The other change link and the old address's verify link are dead.
  EXPECT_NE(account_tokens().find(to_taken.hash)->used_at, 0);
  EXPECT_NE(account_tokens().find(verify_old.hash)->used_at, 0);
}

TEST_P(LifecycleConformance, ConcurrentRedemptionsOfOneTokenApplyOnce) {
  const User u = add_user(1);
  const AccountToken t = account_token(1, u.id, AccountTokenPurpose::kResetPassword, u.email);
  ASSERT_TRUE(account_tokens().issue(t, {}, kNow));
  std::atomic<int> applied{0};
  std::atomic<int> used{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      const std::string hash = "$argon2id$" + std::to_string(i);
      const OutgoingMail m[] = {mail("password_changed", i, u.id)};
      auto r = account_tokens().redeem(t.hash, AccountTokenPurpose::kResetPassword, hash, m, kNow);
      if (!r) {
        ++errors;
      } else if (r->outcome == Redeemed::kApplied) {
        ++applied;
      } else if (r->outcome == Redeemed::kUsed) {
        ++used;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(applied.load(), 1);
  EXPECT_EQ(used.load(), 5);
  EXPECT_EQ(mail_count(), 1U);
}

TEST_P(LifecycleConformance, KillAndPurgeExpired) {
  const User u = add_user(1);
  const AccountToken a =
      account_token(1, u.id, AccountTokenPurpose::kResetPassword, u.email, kNow + 10);
  const AccountToken b = account_token(2, u.id, AccountTokenPurpose::kResetPassword, u.email);
  const AccountToken c = account_token(3, u.id, AccountTokenPurpose::kVerifyEmail, u.email);
  for (const auto* t : {&a, &b, &c}) ASSERT_TRUE(account_tokens().issue(*t, {}, kNow));
  EXPECT_EQ(*account_tokens().kill(u.id, AccountTokenPurpose::kResetPassword, kNow + 1), 2U);
  EXPECT_EQ(*account_tokens().kill(u.id, AccountTokenPurpose::kResetPassword, kNow + 2), 0U);
  EXPECT_EQ(account_tokens()
                .redeem(b.hash, AccountTokenPurpose::kResetPassword, "$h", {}, kNow + 3)
                ->outcome,
            Redeemed::kUsed);
  EXPECT_EQ(account_tokens().find(c.hash)->used_at, 0);
  EXPECT_EQ(*account_tokens().purge_expired(kNow + 11), 1U);
  EXPECT_EQ(account_tokens().find(a.hash).error(), StoreError::kNotFound);
  EXPECT_TRUE(account_tokens().find(b.hash));
}

// ---- removing a user -------------------------------------------------------------------------

TEST_P(LifecycleConformance, RemovingAUserRemovesEveryRowThatIsTheirsAndOnlyThose) {
  const User gone = add_user(1);
  const User kept = add_user(2);
  for (const User* u : {&gone, &kept}) {
    const int n = u == &gone ? 1 : 2;
    ASSERT_TRUE(sessions().create(testing::make_session(n, n, kNow), 0));
    ASSERT_TRUE(refresh().create(testing::make_family(n, n, kNow)));
    ASSERT_TRUE(audit().remember_device(u->id, "fp", kNow));
    ASSERT_TRUE(
        audit().append(AuditEvent{.at = kNow,
                                  .type = "login.success",
                                  .user_id = u->id,
                                  .detail = R"({"email":")" + u->email + R"(","amr":["pwd"]})"}));
    ASSERT_TRUE(credentials().put_pending_totp(u->id, "sealed", kNow));
    const OutgoingMail m[] = {mail("k", n, u->id)};
    ASSERT_TRUE(account_tokens().issue(
        account_token(n, u->id, AccountTokenPurpose::kResetPassword, u->email), m, kNow));
  }
  ASSERT_TRUE(users().remove(gone.id));

  EXPECT_EQ(users().find_by_id(gone.id).error(), StoreError::kNotFound);
  EXPECT_EQ(users().find_by_email(gone.email).error(), StoreError::kNotFound);
  EXPECT_TRUE(sessions().list(gone.id)->empty());
  EXPECT_TRUE(refresh().list(gone.id)->empty());
  EXPECT_EQ(credentials().find_totp(gone.id).error(), StoreError::kNotFound);
  EXPECT_EQ(account_tokens().find(token(1001)).error(), StoreError::kNotFound);
  EXPECT_EQ(mail_count(), 1U);                                            // the kept user's
  EXPECT_TRUE(audit().remember_device(gone.id, "fp", kNow + 1).value());  // forgotten: new again
  // The log keeps the event, without the email.
  auto events = audit().query({.limit = 10, .user_id = gone.id});
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 1U);
  EXPECT_EQ(events->at(0).detail.find(gone.email), std::string::npos) << events->at(0).detail;
  EXPECT_NE(events->at(0).detail.find("amr"), std::string::npos);

  // The other user is untouched; removing again is kNotFound.
  EXPECT_TRUE(users().find_by_id(kept.id));
  EXPECT_EQ(sessions().list(kept.id)->size(), 1U);
  EXPECT_EQ(refresh().list(kept.id)->size(), 1U);
  EXPECT_TRUE(credentials().find_totp(kept.id));
  EXPECT_TRUE(account_tokens().find(token(1002)));
  EXPECT_NE(audit().query({.limit = 10, .user_id = kept.id})->at(0).detail.find(kept.email),
            std::string::npos);
  EXPECT_EQ(users().remove(gone.id).error(), StoreError::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Backends, LifecycleConformance,
                         ::testing::Values("memory", "sqlite", "postgres"), backend_test_name);

}  // namespace
}  // namespace tessera::store
