// SmtpClient against a real SMTP server (tests/mail/smtp_sink.py), one sink per configuration,
// shared by the tests of a suite. Every send is synchronous and the sink stores a message before
// it answers 250, so "nothing was delivered" is checked right after send() returns.
#include "mail/smtp_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "mail/message.h"
#include "smtp_sink.h"

namespace tessera::mail {
namespace {

using testing::SmtpSink;
using testing::SmtpSinkOptions;

constexpr std::int64_t kNow = 1706781600;  // 2024-02-01T10:00:00Z

// A self-signed certificate for 127.0.0.1 and localhost, made once per test process with the
// openssl CLI in a temporary directory (removed at exit).
struct Certificate {
  std::filesystem::path dir, cert, key;
  bool ok = false;
  Certificate() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tessera-mail-tls-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) return;
    dir = pattern;
    cert = dir / "cert.pem";
    key = dir / "key.pem";
    const std::string command =
        std::string(TESSERA_OPENSSL_CLI) +
        " req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
        " -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost"
        " -keyout '" +
        key.string() + "' -out '" + cert.string() + "' 2>/dev/null";
    ok = std::system(command.c_str()) == 0 && std::filesystem::exists(cert);
  }
  ~Certificate() {
    std::error_code ignored;
    if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
  }
};

const Certificate& certificate() {
  static const Certificate c;
  return c;
}

SmtpSinkOptions tls_options(SmtpSinkOptions::Tls tls) {
  return SmtpSinkOptions{
      .tls = tls, .cert = certificate().cert.string(), .key = certificate().key.string()};
}

MailContent content(std::string to = "user@example.com") {
  return MailContent{
      .from_address = "noreply@example.com",
      .from_name = "Tessera Zoë",
      .to = std::move(to),
      .subject = "Bestätigen Sie Ihre Adresse — 確認 🔑",
      .text = "Hello,\n.a line that starts with a dot\nconfirm: https://x.example/c?t=1\n",
      .html = "<p>Hello, <b>Zoë</b></p>\n<p><a href=\"https://x.example/c?t=1\">Confirm</a></p>\n"};
}

std::string message_for(const MailContent& c, const std::string& id) {
  auto m = render(c, kNow, id);
  EXPECT_TRUE(m.has_value());
  return m.value_or("");
}

SmtpSettings settings_for(const std::string& url) {
  auto s = parse_smtp_url(url);
  EXPECT_TRUE(s.has_value()) << url;
  SmtpSettings settings = s.value_or(SmtpSettings{});
  settings.timeout = std::chrono::seconds(20);  // only against a hang
  return settings;
}

std::string describe_error(const std::expected<void, SmtpError>& r) {
  if (r) return "sent";
  return (r.error().kind == SmtpError::kPermanent ? "permanent " : "transient ") +
         std::to_string(r.error().smtp_code) + ": " + r.error().detail;
}

// One sink per suite (per configuration), started lazily by the suite's SetUpTestSuite.
template <typename Config>
class SinkSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sink_ = std::make_unique<SmtpSink>(Config::options()); }
  static void TearDownTestSuite() { sink_.reset(); }
  void SetUp() override {
    ASSERT_TRUE(certificate().ok) << "openssl could not make a certificate";
    ASSERT_TRUE(sink_ && sink_->ok()) << "the SMTP sink did not start";
    before_ = sink_->count();
  }
  SmtpSink& sink() { return *sink_; }
  // Messages that arrived during this test.
  std::size_t delivered() { return sink_->count() - before_; }

  static inline std::unique_ptr<SmtpSink> sink_;
  std::size_t before_ = 0;
};

struct PlainConfig {
  static SmtpSinkOptions options() { return {}; }
};
struct StartTlsConfig {
  static SmtpSinkOptions options() { return tls_options(SmtpSinkOptions::Tls::kStartTls); }
};
struct ImplicitTlsConfig {
  static SmtpSinkOptions options() { return tls_options(SmtpSinkOptions::Tls::kImplicit); }
};
struct AuthConfig {
  static SmtpSinkOptions options() {
    SmtpSinkOptions o = tls_options(SmtpSinkOptions::Tls::kStartTls);
    o.auth = "mailer:p@ss:w0rd";
    return o;
  }
};
struct PlaintextAuthConfig {
  static SmtpSinkOptions options() {
    return SmtpSinkOptions{.auth = "mailer:p@ss:w0rd", .auth_plaintext = true};
  }
};
struct Reject550Config {
  static SmtpSinkOptions options() { return SmtpSinkOptions{.reject_rcpt = 550}; }
};
struct Reject451Config {
  static SmtpSinkOptions options() { return SmtpSinkOptions{.reject_rcpt = 451}; }
};

using PlainSink = SinkSuite<PlainConfig>;
using StartTlsSink = SinkSuite<StartTlsConfig>;
using ImplicitTlsSink = SinkSuite<ImplicitTlsConfig>;
using AuthSink = SinkSuite<AuthConfig>;
using PlaintextAuthSink = SinkSuite<PlaintextAuthConfig>;
using Reject550Sink = SinkSuite<Reject550Config>;
using Reject451Sink = SinkSuite<Reject451Config>;

TEST_F(PlainSink, DeliversAndTheServerParsesItBack) {
  const MailContent c = content();
  const std::string id = make_message_id("example.com");
  const std::string message = message_for(c, id);
  SmtpClient client(settings_for(sink().url()));  // loopback, kAuto: no STARTTLS offered, fine
  const auto sent = client.send("bounces@example.com", c.to, message);
  ASSERT_TRUE(sent) << describe_error(sent);
  ASSERT_TRUE(sink().wait_for(before_ + 1));
  const nlohmann::json m = sink().messages().at(before_);
  EXPECT_EQ(m["mail_from"], "bounces@example.com");
  EXPECT_EQ(m["rcpt_tos"], nlohmann::json::array({"user@example.com"}));
  EXPECT_EQ(m["tls"], false);
  EXPECT_EQ(m["defects"], nlohmann::json::array()) << m.dump(1);
  EXPECT_EQ(m["headers"]["Subject"], c.subject);
  EXPECT_EQ(m["from"][0]["display_name"], c.from_name);
  EXPECT_EQ(m["from"][0]["addr_spec"], c.from_address);
  EXPECT_EQ(m["to"][0]["addr_spec"], c.to);
  EXPECT_EQ(m["headers"]["Message-ID"], id);
  EXPECT_EQ(m["headers"]["Date"], "Thu, 01 Feb 2024 10:00:00 +0000");
  EXPECT_EQ(m["headers"]["Auto-Submitted"], "auto-generated");
  EXPECT_EQ(m["headers"]["MIME-Version"], "1.0");
  EXPECT_TRUE(std::string(m["headers"]["Content-Type"]).starts_with("multipart/alternative"));
  EXPECT_EQ(m["text"], c.text);
  EXPECT_EQ(m["html"], c.html);
  // What arrived is byte for byte what was rendered (dot-stuffing undone by the server).
  EXPECT_EQ(sink().raw(before_), message);
}

TEST_F(PlainSink, RequiredStartTlsWithoutOfferSendsNothing) {
  SmtpSettings s = settings_for(sink().url());
  s.starttls = StartTls::kRequired;
  const auto sent = SmtpClient(s).send("noreply@example.com", "user@example.com",
                                       message_for(content(), make_message_id("example.com")));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().kind, SmtpError::kTransient) << describe_error(sent);
  EXPECT_NE(sent.error().detail.find("TLS is required"), std::string::npos) << sent.error().detail;
  EXPECT_EQ(delivered(), 0u);
}

TEST_F(PlainSink, CredentialsWithoutTlsAreNeverSent) {
  // Even the policy that allows plaintext does not allow it for credentials.
  SmtpSettings s = settings_for(sink().url());
  s.starttls = StartTls::kOpportunistic;
  s.username = "mailer";
  s.password = "hunter2-secret";
  const auto sent = SmtpClient(s).send("noreply@example.com", "user@example.com",
                                       message_for(content(), make_message_id("example.com")));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().kind, SmtpError::kTransient);
  EXPECT_NE(sent.error().detail.find("credentials are never sent without"), std::string::npos)
      << sent.error().detail;
  EXPECT_EQ(sent.error().detail.find("hunter2"), std::string::npos);
  EXPECT_EQ(delivered(), 0u);
}

TEST_F(PlainSink, InvalidEnvelopeRefusedBeforeConnecting) {
  SmtpClient client(settings_for(sink().url()));
  const std::string message = message_for(content(), make_message_id("example.com"));
  for (const std::string_view bad :
       {"user@example.com>\r\nRSET", "user@example.com\r\nDATA", "", "a@b.example, c@d.example"}) {
    const auto to_bad = client.send("noreply@example.com", bad, message);
    ASSERT_FALSE(to_bad);
    EXPECT_EQ(to_bad.error().kind, SmtpError::kPermanent);
    EXPECT_EQ(to_bad.error().smtp_code, 0);
    const auto from_bad = client.send(bad, "user@example.com", message);
    ASSERT_FALSE(from_bad);
    EXPECT_EQ(from_bad.error().kind, SmtpError::kPermanent);
  }
  EXPECT_EQ(delivered(), 0u);
}

TEST_F(PlainSink, SinkExitsCleanlyOnSigterm) {
  SmtpSink own;
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own.stop(), 0);
  EXPECT_FALSE(own.ok());
}

TEST_F(StartTlsSink, RequiredStartTlsWithTrustedCertificate) {
  SmtpSettings s = settings_for(sink().url());
  s.starttls = StartTls::kRequired;
  s.ca_file = certificate().cert.string();
  const auto sent = SmtpClient(s).send("noreply@example.com", "user@example.com",
                                       message_for(content(), make_message_id("example.com")));
  ASSERT_TRUE(sent) << describe_error(sent);
  ASSERT_TRUE(sink().wait_for(before_ + 1));
  EXPECT_EQ(sink().messages().at(before_)["tls"], true);
}

TEST_F(StartTlsSink, AutoUsesOfferedStartTlsOnLoopback) {
  SmtpSettings s = settings_for("smtp://localhost:" + std::to_string(sink().port()));
  s.ca_file = certificate().cert.string();
  const auto sent = SmtpClient(s).send("noreply@example.com", "user@example.com",
                                       message_for(content(), make_message_id("example.com")));
  ASSERT_TRUE(sent) << describe_error(sent);
  ASSERT_TRUE(sink().wait_for(before_ + 1));
  EXPECT_EQ(sink().messages().at(before_)["tls"], true);
}

TEST_F(StartTlsSink, UntrustedCertificateSendsNothing) {
  SmtpSettings s = settings_for(sink().url());
  s.starttls = StartTls::kRequired;  // no ca_file: the self-signed certificate is not trusted
  const auto sent = SmtpClient(s).send("noreply@example.com", "user@example.com",
                                       message_for(content(), make_message_id("example.com")));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().kind, SmtpError::kTransient) << describe_error(sent);
  EXPECT_EQ(delivered(), 0u);
}

TEST_F(ImplicitTlsSink, SmtpsVerifiesTheCertificate) {
  SmtpSettings s = settings_for(sink().url());
  ASSERT_TRUE(s.url.starts_with("smtps://"));
  s.starttls = StartTls::kOpportunistic;  // has no say over smtps://
  const std::string message = message_for(content(), make_message_id("example.com"));
  const auto untrusted = SmtpClient(s).send("noreply@example.com", "user@example.com", message);
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().kind, SmtpError::kTransient) << describe_error(untrusted);
  EXPECT_EQ(delivered(), 0u);

  s.ca_file = certificate().cert.string();
  const auto sent = SmtpClient(s).send("noreply@example.com", "user@example.com", message);
  ASSERT_TRUE(sent) << describe_error(sent);
  ASSERT_TRUE(sink().wait_for(before_ + 1));
  EXPECT_EQ(sink().messages().at(before_)["tls"], true);
}

TEST_F(AuthSink, CorrectCredentialsFromTheUrlOverStartTls) {
  // "p@ss:w0rd" percent-encoded in the URL's userinfo.
  SmtpSettings s =
      settings_for("smtp://mailer:p%40ss%3Aw0rd@127.0.0.1:" + std::to_string(sink().port()));
  s.ca_file = certificate().cert.string();
  const auto sent = SmtpClient(s).send("noreply@example.com", "user@example.com",
                                       message_for(content(), make_message_id("example.com")));
  ASSERT_TRUE(sent) << describe_error(sent);
  ASSERT_TRUE(sink().wait_for(before_ + 1));
  const nlohmann::json m = sink().messages().at(before_);
  EXPECT_EQ(m["auth_login"], "mailer");
  EXPECT_EQ(m["tls"], true);
}

TEST_F(AuthSink, WrongPasswordIsPermanent) {
  SmtpSettings s = settings_for(sink().url());
  s.username = "mailer";
  s.password = "wrong-secret";
  s.ca_file = certificate().cert.string();
  const auto sent = SmtpClient(s).send("noreply@example.com", "user@example.com",
                                       message_for(content(), make_message_id("example.com")));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().kind, SmtpError::kPermanent) << describe_error(sent);
  EXPECT_EQ(sent.error().smtp_code, 535);
  EXPECT_EQ(sent.error().detail.find("wrong-secret"), std::string::npos);
  EXPECT_EQ(delivered(), 0u);
  const std::vector<nlohmann::json> attempts = sink().auth_attempts();
  ASSERT_FALSE(attempts.empty());
  EXPECT_EQ(attempts.back()["success"], false);
  EXPECT_EQ(attempts.back()["tls"], true);
}

TEST_F(PlaintextAuthSink, CredentialsRefusedBeforeAuthWithoutTls) {
  // The server would take AUTH in plaintext; the client must not offer it.
  SmtpSettings s = settings_for(sink().url());
  s.username = "mailer";
  s.password = "p@ss:w0rd";
  const auto sent = SmtpClient(s).send("noreply@example.com", "user@example.com",
                                       message_for(content(), make_message_id("example.com")));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().kind, SmtpError::kTransient) << describe_error(sent);
  EXPECT_EQ(delivered(), 0u);
  EXPECT_TRUE(sink().auth_attempts().empty());
}

TEST_F(Reject550Sink, UnknownRecipientIsPermanent) {
  const auto sent =
      SmtpClient(settings_for(sink().url()))
          .send("noreply@example.com", "nobody@example.com",
                message_for(content("nobody@example.com"), make_message_id("example.com")));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().kind, SmtpError::kPermanent) << describe_error(sent);
  EXPECT_EQ(sent.error().smtp_code, 550);
  EXPECT_NE(sent.error().detail.find("550 5.1.1"), std::string::npos) << sent.error().detail;
  EXPECT_EQ(delivered(), 0u);
}

TEST_F(Reject451Sink, TemporaryRefusalIsTransient) {
  const auto sent = SmtpClient(settings_for(sink().url()))
                        .send("noreply@example.com", "user@example.com",
                              message_for(content(), make_message_id("example.com")));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().kind, SmtpError::kTransient) << describe_error(sent);
  EXPECT_EQ(sent.error().smtp_code, 451);
  EXPECT_EQ(delivered(), 0u);
}

TEST(SmtpClient, ConnectionRefusedIsTransient) {
  // A port bound but not listening (held for the test, so nothing else takes it) refuses.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string url = "smtp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  const auto sent = SmtpClient(settings_for(url))
                        .send("noreply@example.com", "user@example.com",
                              message_for(content(), make_message_id("example.com")));
  ::close(fd);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().kind, SmtpError::kTransient) << describe_error(sent);
  EXPECT_EQ(sent.error().smtp_code, 0);
}

TEST(SmtpClient, BadUrlFailsEverySendTransientlyWithoutTheSecret) {
  SmtpSettings s;
  s.url = "http://user:topsecret@mail.example.com";
  const auto sent = SmtpClient(s).send("noreply@example.com", "user@example.com", "x");
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().kind, SmtpError::kTransient);
  EXPECT_EQ(sent.error().detail, describe(MailError::kUrlScheme));
}

TEST(ParseSmtpUrl, Accepts) {
  struct Case {
    std::string_view url, normalized, user, password;
  };
  for (const Case& k : std::vector<Case>{
           {"smtp://mail.example.com", "smtp://mail.example.com:25", "", ""},
           {"smtps://mail.example.com", "smtps://mail.example.com:465", "", ""},
           {"smtp://mail.example.com:587/", "smtp://mail.example.com:587", "", ""},
           {"SMTP://Mail.Example.com:2525", "smtp://Mail.Example.com:2525", "", ""},
           {"smtp://127.0.0.1:1025", "smtp://127.0.0.1:1025", "", ""},
           {"smtp://[::1]:1025", "smtp://[::1]:1025", "", ""},
           {"smtps://apikey:s3cr%2Ft%40x%3A@smtp.example.com:465", "smtps://smtp.example.com:465",
            "apikey", "s3cr/t@x:"},
           {"smtp://me%40example.com:pw@mail.example.com", "smtp://mail.example.com:25",
            "me@example.com", "pw"},
       }) {
    const auto s = parse_smtp_url(k.url);
    ASSERT_TRUE(s.has_value()) << k.url << ": " << describe(s.error());
    EXPECT_EQ(s->url, k.normalized) << k.url;
    EXPECT_EQ(s->username, k.user) << k.url;
    EXPECT_EQ(s->password, k.password) << k.url;
    EXPECT_EQ(s->starttls, StartTls::kAuto);
  }
}

TEST(ParseSmtpUrl, Refuses) {
  struct Case {
    std::string_view url;
    MailError error;
  };
  for (const Case& k : std::vector<Case>{
           {"", MailError::kUrlMalformed},
           {"mail.example.com:25", MailError::kUrlScheme},
           {"http://mail.example.com", MailError::kUrlScheme},
           {"imap://mail.example.com", MailError::kUrlScheme},
           {"file:///etc/passwd", MailError::kUrlScheme},
           {"smtp://", MailError::kUrlNoHost},
           {"smtp://mail.example.com:0", MailError::kUrlBadPort},
           {"smtp://mail.example.com:65536", MailError::kUrlBadPort},
           {"smtp://mail.example.com:x", MailError::kUrlBadPort},
           {"smtp://mail.example.com/helo.example", MailError::kUrlHasPath},
           {"smtp://mail.example.com/?a=b", MailError::kUrlHasPath},
           {"smtp://mail.example.com/#f", MailError::kUrlHasPath},
           {"smtp://user;AUTH=PLAIN:pw@mail.example.com", MailError::kUrlHasOptions},
           {"smtp://user@mail.example.com", MailError::kUrlBadUserinfo},
           {"smtp://:pw@mail.example.com", MailError::kUrlBadUserinfo},
           {"smtp://user:pw%0d%0aRSET@mail.example.com", MailError::kUrlBadUserinfo},
           {"smtp://mail.example.com\r\n:25", MailError::kUrlMalformed},
           {"smtp://mail example.com", MailError::kUrlMalformed},
       }) {
    const auto s = parse_smtp_url(k.url);
    ASSERT_FALSE(s.has_value()) << k.url;
    EXPECT_EQ(s.error(), k.error) << k.url << ": " << describe(s.error());
  }
  EXPECT_FALSE(parse_smtp_url("smtp://" + std::string(kMaxSmtpUrlBytes, 'a')).has_value());
}

TEST(ParseSmtpUrl, StartTlsNamesAndLoopbackHosts) {
  EXPECT_EQ(parse_starttls("auto"), StartTls::kAuto);
  EXPECT_EQ(parse_starttls("required"), StartTls::kRequired);
  EXPECT_EQ(parse_starttls("opportunistic"), StartTls::kOpportunistic);
  EXPECT_EQ(parse_starttls("off"), std::nullopt);
  EXPECT_EQ(to_string(StartTls::kOpportunistic), "opportunistic");
  for (const std::string_view h : {"localhost", "LocalHost", "127.0.0.1", "127.1.2.3", "[::1]"}) {
    EXPECT_TRUE(is_loopback_host(h)) << h;
  }
  for (const std::string_view h : {"localhost.example.com", "mail.localhost", "10.0.0.1",
                                   "128.0.0.1", "[::2]", "::1", "[::ffff:10.0.0.1]", ""}) {
    EXPECT_FALSE(is_loopback_host(h)) << h;
  }
}

}  // namespace
}  // namespace tessera::mail
