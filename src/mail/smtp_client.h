// Delivers one rendered message (message.h) to one recipient through an SMTP server, on
// libcurl (SMTP, STARTTLS, SMTPS, AUTH). The outbox calls send() and, on failure, looks at
// SmtpError::kind: kTransient -> retry later with backoff; kPermanent -> give up on this
// message (retrying would get the same answer).
//
// TLS policy (security by default; see StartTls in smtp_settings.h):
//   - smtps://: implicit TLS (RFC 8314), always.
//   - smtp:// with StartTls::kAuto (the default): STARTTLS required, unless the host is a
//     loopback address or "localhost" (a local relay), where it is used when offered.
//     kRequired: required even on loopback. kOpportunistic: used when offered.
//   - Credentials are never sent without TLS: with a username configured, TLS is required
//     whatever the policy, and a server that does not offer STARTTLS gets no AUTH and no
//     message (kTransient, "TLS required ...").
//   - Whenever TLS is used, the server's certificate chain and host name are verified (against
//     the system's trust anchors plus SmtpSettings::ca_file), TLS 1.2 at least. No switch turns
//     verification off: a relay with a self-signed certificate is trusted by naming that
//     certificate in ca_file.
// Proxies from the environment (all_proxy and friends) are ignored: mail goes straight to the
// configured server.
//
// Secrets: the password goes to libcurl and nowhere else. SmtpError::detail holds libcurl's
// error text and the server's refusing reply line, never a command sent (AUTH carries the
// credentials), and any occurrence of the password is masked.
//
// Usage:
//   auto settings = parse_smtp_url(config.smtp_url);   // check at startup: errors are config
//   errors SmtpClient client(*settings); auto sent = client.send("noreply@example.com",
//   "user@example.com", rendered); if (!sent && sent.error().kind == SmtpError::kTransient) { /*
//   retry later */ }
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "mail/smtp_settings.h"

namespace tessera::mail {

struct SmtpError {
  enum Kind : std::uint8_t {
    kTransient,  // try again later: no connection, timeout, TLS failure (including no
                 // STARTTLS where TLS is required), a 4xx reply, a bad configuration that a
                 // restart with a fixed configuration cures
    kPermanent,  // this message will never go: a 5xx reply (550 unknown recipient, 535
                 // credentials refused, 552 too large, ...), an invalid envelope address
  };
  Kind kind = kTransient;
  int smtp_code = 0;   // the server's refusing reply (4xx or 5xx, e.g. 550); 0 when the
                       // failure was not a refusal (connection, TLS, timeout, bad input)
  std::string detail;  // for logs and the outbox's record; never a secret
};

class SmtpClient {
 public:
  // Keeps the settings; a URL that parse_smtp_url refuses makes every send() fail (kTransient:
  // a configuration error, which must not cost the message). Credentials in the URL are used
  // when settings.username is empty.
  explicit SmtpClient(SmtpSettings settings);

  // Sends `rfc5322_message` (CRLF line endings; message.h renders one) with envelope sender
  // `envelope_from` (MAIL FROM) to `recipient` (RCPT TO), both ASCII mailboxes
  // (is_valid_address; anything else is refused before connecting: it would go into an SMTP
  // command). Blocks until the server accepted the message (250 after DATA) or the attempt
  // failed, for at most settings.timeout. One connection per call.
  // Thread-safe: calls share nothing but libcurl's global state (initialised once).
  std::expected<void, SmtpError> send(std::string_view envelope_from, std::string_view recipient,
                                      std::string_view rfc5322_message) const;

 private:
  SmtpSettings settings_;  // url without credentials once parsed
  MailError url_error_{};  // why settings.url was refused; meaningful when !url_ok_
  bool url_ok_ = false;
  bool implicit_tls_ = false;  // smtps://
  bool loopback_ = false;      // the host is this machine
};

}  // namespace tessera::mail
