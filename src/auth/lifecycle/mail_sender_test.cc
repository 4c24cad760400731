// Mailer (templates, sealing, links) and MailSender (claims, outcomes, backoff) over the memory
// stores, with a recording transport in place of SMTP (mail/smtp_client_test.cc and the HTTP
// suites send through a real SMTP server).
#include "auth/lifecycle/mail_sender.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "auth/lifecycle/mailer.h"
#include "base/clock.h"
#include "mail/mime_test_util.h"
#include "store/memory/memory_stores.h"

namespace tessera::auth {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

const std::map<std::string, std::string, std::less<>> kTemplates = {
    {"mail/hello.txt", "Subject: Hello from {{product}}\n\nOpen {{link}} within {{minutes}}.\n"},
    {"mail/hello.html", "<p>Open <a href=\"{{link}}\">{{link}}</a> & {{name}}</p>"},
    {"mail/holey.txt", "Subject: x\n\n{{missing}}\n"},
    {"mail/holey.html", "<p>x</p>"},
};

MailerConfig mailer_config(std::uint8_t key_byte = 7) {
  MailerConfig c{.from_address = "no-reply@example.com",
                 .from_name = "Example",
                 .product = "Example App",
                 .public_url = "https://id.example.com/"};
  c.key.fill(key_byte);
  return c;
}

std::optional<std::string_view> from_table(std::string_view path) {
  auto it = kTemplates.find(path);
  if (it == kTemplates.end()) return std::nullopt;
  return it->second;
}

using mail::testing_util::decoded_parts;

class MailSenderTest : public ::testing::Test {
 protected:
  struct Delivery {
    std::string from, to, message;
  };

  // The transport's next answers, in order; then success.
  std::expected<void, DeliveryFailure> next_answer() {
    std::lock_guard lock(mu_);
    if (answers_.empty()) return {};
    auto a = answers_.front();
    answers_.erase(answers_.begin());
    return a;
  }

  MailTransport transport() {
    return [this](std::string_view from, std::string_view to,
                  std::string_view message) -> std::expected<void, DeliveryFailure> {
      auto answer = next_answer();
      std::lock_guard lock(mu_);
      if (answer) deliveries_.push_back({std::string(from), std::string(to), std::string(message)});
      return answer;
    };
  }

  store::MailId enqueue(std::string_view to = "alice@example.com") {
    auto m = mailer_.compose(
        "hello", to, std::nullopt,
        {{"link", mailer_.link("/reset", "tok")}, {"minutes", "30 minutes"}, {"name", "<b>"}},
        clock_.now_unix());
    EXPECT_TRUE(m) << (m ? "" : m.error().detail);
    const store::OutgoingMail mails[] = {*m};
    return (*stores_.outbox->enqueue(mails, clock_.now_unix()))[0];
  }

  base::ManualClock clock_{kNow};
  store::Stores stores_ = store::memory::open_stores();
  Mailer mailer_{mailer_config(), from_table};
  std::mutex mu_;
  std::vector<std::expected<void, DeliveryFailure>> answers_;
  std::vector<Delivery> deliveries_;
};

TEST_F(MailSenderTest, ComposesFromTheTemplatesSealedAndLinkedFromThePublicUrl) {
  auto m = mailer_.compose(
      "hello", "alice@example.com", std::nullopt,
      {{"link", mailer_.link("/reset", "tok")}, {"minutes", "30 minutes"}, {"name", "<b>"}}, kNow);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, "hello");
  EXPECT_EQ(m->recipient, "alice@example.com");
  // Sealed: the link is not readable in what the store keeps.
  EXPECT_EQ(m->sealed_message.find("tok"), std::string::npos);
  store::MailRecord record{
      .kind = m->kind, .recipient = m->recipient, .sealed_message = m->sealed_message};
  auto text = mailer_.open(record);
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("Subject: Hello from Example App\r\n"), std::string::npos);
  EXPECT_NE(text->find("To: alice@example.com\r\n"), std::string::npos);
  EXPECT_NE(text->find("Message-ID: <"), std::string::npos);
  EXPECT_EQ(mailer_.link("/reset", "tok"), "https://id.example.com/reset?token=tok");
  // Bound to its row: another recipient or kind does not open it; nor another key.
  record.recipient = "mallory@example.com";
  EXPECT_FALSE(mailer_.open(record));
  record.recipient = m->recipient;
  EXPECT_FALSE(Mailer(mailer_config(8), from_table).open(record));
}

TEST_F(MailSenderTest, AHoleOrAMissingTemplateIsAnErrorNeverAMail) {
  auto holey = mailer_.compose("holey", "alice@example.com", std::nullopt, {}, kNow);
  ASSERT_FALSE(holey);
  EXPECT_EQ(holey.error().code, Errc::kInternal);
  EXPECT_NE(holey.error().detail.find("missing"), std::string::npos);
  EXPECT_FALSE(mailer_.compose("absent", "alice@example.com", std::nullopt, {}, kNow));
  // A recipient that would inject a header is refused by the renderer.
  EXPECT_FALSE(mailer_.compose("hello", "a@example.com\r\nBcc: x@evil.example", std::nullopt,
                               {{"link", "l"}, {"minutes", "m"}, {"name", "n"}}, kNow));
}

TEST_F(MailSenderTest, SendsEachDueMailOnceAndErasesIt) {
  const store::MailId a = enqueue("alice@example.com");
  const store::MailId b = enqueue("bob@example.com");
  MailSender sender(*stores_.outbox, mailer_, transport(), clock_);
  EXPECT_EQ(sender.run_once(), 2U);
  EXPECT_EQ(sender.run_once(), 0U);
  ASSERT_EQ(deliveries_.size(), 2U);
  EXPECT_EQ(deliveries_[0].from, "no-reply@example.com");
  EXPECT_EQ(deliveries_[0].to, "alice@example.com");
  const std::string bodies = decoded_parts(deliveries_[0].message);
  EXPECT_NE(bodies.find("Open https://id.example.com/reset?token=tok within 30 minutes."),
            std::string::npos);
  // The HTML body escapes what it is given.
  EXPECT_NE(bodies.find("&lt;b&gt;</p>"), std::string::npos);
  EXPECT_EQ(bodies.find("<b>"), std::string::npos);
  for (store::MailId id : {a, b}) {
    auto m = stores_.outbox->find(id);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->status, store::MailStatus::kSent);
    EXPECT_TRUE(m->sealed_message.empty());
  }
  EXPECT_EQ(sender.sent(), 2U);
}

TEST_F(MailSenderTest, TransientFailuresRetryWithBackoffThenGiveUp) {
  const store::MailId id = enqueue();
  MailSenderConfig config;
  config.max_attempts = 3;
  MailSender sender(*stores_.outbox, mailer_, transport(), clock_, config);
  EXPECT_EQ(sender.backoff(1), std::chrono::seconds(30));
  EXPECT_EQ(sender.backoff(2), std::chrono::seconds(60));
  EXPECT_EQ(sender.backoff(40), config.max_backoff);
  answers_ = {std::unexpected(DeliveryFailure{false, "connection refused"}),
              std::unexpected(DeliveryFailure{false, "421 try later"}),
              std::unexpected(DeliveryFailure{false, "421 try later"})};
  EXPECT_EQ(sender.run_once(), 1U);
  auto waiting = stores_.outbox->find(id);
  ASSERT_TRUE(waiting);
  EXPECT_EQ(waiting->status, store::MailStatus::kPending);
  EXPECT_EQ(waiting->next_attempt_at, kNow + 30);
  EXPECT_EQ(waiting->last_error, "connection refused");
  EXPECT_EQ(sender.run_once(), 0U);  // not due yet
  clock_.advance(30);
  EXPECT_EQ(sender.run_once(), 1U);
  EXPECT_EQ(stores_.outbox->find(id)->next_attempt_at, kNow + 30 + 60);
  clock_.advance(60);
  EXPECT_EQ(sender.run_once(), 1U);  // the third attempt fails: max_attempts reached
  EXPECT_EQ(stores_.outbox->find(id)->status, store::MailStatus::kFailed);
  EXPECT_TRUE(deliveries_.empty());
  EXPECT_EQ(sender.retried(), 2U);
  EXPECT_EQ(sender.failed(), 1U);
}

TEST_F(MailSenderTest, PermanentFailuresAndUnopenableMailsFailAtOnce) {
  const store::MailId refused = enqueue();
  answers_ = {std::unexpected(DeliveryFailure{true, "550 no such user"})};
  MailSender sender(*stores_.outbox, mailer_, transport(), clock_);
  EXPECT_EQ(sender.run_once(), 1U);
  auto m = stores_.outbox->find(refused);
  EXPECT_EQ(m->status, store::MailStatus::kFailed);
  EXPECT_EQ(m->last_error, "550 no such user");
  // A mail sealed under another master key never reaches the transport.
  Mailer other(mailer_config(9), from_table);
  auto foreign = other.compose("hello", "carol@example.com", std::nullopt,
                               {{"link", "l"}, {"minutes", "m"}, {"name", "n"}}, kNow);
  ASSERT_TRUE(foreign);
  const store::OutgoingMail mails[] = {*foreign};
  const store::MailId id = (*stores_.outbox->enqueue(mails, kNow))[0];
  EXPECT_EQ(sender.run_once(), 1U);
  EXPECT_EQ(stores_.outbox->find(id)->status, store::MailStatus::kFailed);
  EXPECT_TRUE(deliveries_.empty());
}

TEST_F(MailSenderTest, TheThreadSendsWhatIsEnqueuedAndTwoSendersNeverSendOneMailTwice) {
  MailSenderConfig config;
  config.batch = 2;
  MailSender one(*stores_.outbox, mailer_, transport(), clock_, config);
  MailSender two(*stores_.outbox, mailer_, transport(), clock_, config);
  one.start();
  two.start();
  for (int i = 0; i < 20; ++i) {
    enqueue("user" + std::to_string(i) + "@example.com");
    (i % 2 == 0 ? one : two).wake();
  }
  // Wait (bounded: a hang must not block the suite) until every mail is sent.
  for (int i = 0; i < 500 && stores_.outbox->stats()->sent < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  one.stop();
  two.stop();
  EXPECT_EQ(stores_.outbox->stats()->sent, 20U);
  std::lock_guard lock(mu_);
  ASSERT_EQ(deliveries_.size(), 20U);
  std::set<std::string> recipients;
  for (const auto& d : deliveries_) recipients.insert(d.to);
  EXPECT_EQ(recipients.size(), 20U);
  EXPECT_EQ(one.sent() + two.sent(), 20U);
}

}  // namespace
}  // namespace tessera::auth
