#include "app/config_email.h"

#include "mail/address.h"
#include "mail/errors.h"
#include "mail/smtp_settings.h"

namespace tessera::app {

using detail::Field;
using detail::Problem;

std::vector<Field> EmailSection::fields() {
  return {
      {kName, "smtp_url", &smtp_url,
       "`smtp://host[:port]` or `smtps://host[:port]`, with optional `user:password@` (a secret). "
       "Empty: no mail is sent and the flows that need it answer 503 saying so, unless "
       "`outbox_only`.",
       /*secret=*/true},
      {kName, "from", &from,
       "The From address and envelope sender (`no-reply@example.com`); needed when mail is on."},
      {kName, "from_name", &from_name,
       "The From display name, and the product's name in the mail templates. At most 256 bytes on "
       "one line."},
      {kName, "starttls", &starttls,
       "For `smtp://`: `auto` (required, except to a loopback relay), `required` or "
       "`opportunistic`. `smtps://` is always TLS, and credentials are never sent without TLS."},
      {kName, "ca_file", &ca_file,
       "Path of a PEM file with an extra trust anchor for the SMTP server's certificate."},
      {kName, "timeout", &timeout, "One delivery attempt, connecting included. 1s..5m."},
      {kName, "retry_backoff", &retry_backoff,
       "The wait before the first retry of an undelivered mail; it doubles with each further "
       "attempt, up to 4 hours. 1s..1h."},
      {kName, "outbox_only", &outbox_only,
       "Development: mail is queued in the outbox and never sent; read it with `tessera outbox "
       "list` and `tessera outbox show ID`. Needs `from`; `smtp_url` must be empty."},
  };
}

std::optional<Problem> EmailSection::check() const {
  if (!smtp_url.empty()) {
    // The message is one of mail::describe's fixed texts: never the URL's password.
    if (auto parsed = mail::parse_smtp_url(smtp_url); !parsed) {
      return Problem{"smtp_url", std::string(mail::describe(parsed.error()))};
    }
    if (outbox_only) return Problem{"outbox_only", "must be false when email.smtp_url is set"};
  }
  if ((enabled() || !from.empty()) && !mail::is_valid_address(from)) {
    return Problem{"from", "must be an ASCII address such as no-reply@example.com"};
  }
  if (from_name.size() > 256 || from_name.find_first_of("\r\n") != std::string::npos) {
    return Problem{"from_name", "must be at most 256 bytes on one line"};
  }
  if (!mail::parse_starttls(starttls)) {
    return Problem{"starttls", "must be \"auto\", \"required\" or \"opportunistic\""};
  }
  if (timeout < std::chrono::seconds{1} || timeout > std::chrono::minutes{5}) {
    return Problem{"timeout", "must be 1s..5m"};
  }
  if (retry_backoff < std::chrono::seconds{1} || retry_backoff > std::chrono::hours{1}) {
    return Problem{"retry_backoff", "must be 1s..1h"};
  }
  return std::nullopt;
}

}  // namespace tessera::app
