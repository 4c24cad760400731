// Where and how SmtpClient (smtp_client.h) delivers: the SMTP URL, credentials, the STARTTLS
// policy, an extra trust anchor and a deadline. The `[email]` settings of the configuration
// map onto this struct (docs/email.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "mail/errors.h"

namespace tessera::mail {

// When an smtp:// connection upgrades to TLS with STARTTLS (RFC 3207). smtps:// is TLS from
// the first byte whatever this says. With credentials configured, TLS is required whatever
// this says: credentials never cross a connection without TLS.
enum class StartTls : std::uint8_t {
  kAuto,           // the default: required, unless the host is a loopback address or
                   // "localhost" (a local relay, whose traffic never leaves the machine), where
                   // it is used when the server offers it
  kRequired,       // required, loopback included: no STARTTLS offered, nothing sent
  kOpportunistic,  // used when offered, plaintext otherwise (exposed to a network attacker,
                   // who can also strip the offer: only for relays on a trusted network)
};

// "auto", "required", "opportunistic" (the configuration's email.starttls); nullopt otherwise.
std::optional<StartTls> parse_starttls(std::string_view name);
std::string_view to_string(StartTls policy);

struct SmtpSettings {
  // "smtp://host[:port]" or "smtps://host[:port]" (ports default to 25 and 465; submission is
  // usually smtp://host:587). It may carry "user:password@" (percent-encoded); parse_smtp_url
  // moves them to the fields below and returns the URL without them.
  std::string url;
  // SMTP AUTH (RFC 4954) credentials; both empty: no AUTH. The URL's win over these only when
  // these are empty.
  std::string username;
  std::string password;
  StartTls starttls = StartTls::kAuto;
  // A PEM file of extra trust anchors (a private CA, a relay's self-signed certificate), used
  // beside the system's (Debian's libcurl also reads /etc/ssl/certs). Empty: the system's only.
  // The peer's certificate and host name are verified always; there is no switch to turn that
  // off.
  std::string ca_file;
  // The deadline of one send, connection included.
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
};

inline constexpr std::size_t kMaxSmtpUrlBytes = 2048;

// Parses `url` with libcurl's own URL parser (the one that will connect, so what is checked
// here is what is used): scheme smtp or smtps, a host, an optional port 1-65535, optional
// percent-encoded "user:password@" (both or neither, no control characters once decoded);
// nothing else (no path, query, fragment or ";AUTH=" login options). Returns settings with
// url = "scheme://host:port" (the port always written), the decoded credentials in
// username/password and defaults elsewhere. An error never repeats the input, which may hold a
// password. Thread-safe.
std::expected<SmtpSettings, MailError> parse_smtp_url(std::string_view url);

// Whether `host`, as parse_smtp_url's url writes it, names this machine: "localhost" (libcurl
// resolves it to loopback without asking DNS), 127.0.0.0/8, or [::1].
bool is_loopback_host(std::string_view host);

}  // namespace tessera::mail
