#include "app/config_email.h"

#include "mail/address.h"
#include "mail/errors.h"
#include "mail/smtp_settings.h"

namespace tessera::app {

using detail::Field;
using detail::Problem;

std::vector<Field> EmailSection::fields() {
  return {
      {kName, "smtp_url", &smtp_url, /*secret=*/true},
      {kName, "from", &from},
      {kName, "from_name", &from_name},
      {kName, "starttls", &starttls},
      {kName, "ca_file", &ca_file},
      {kName, "timeout", &timeout},
      {kName, "retry_backoff", &retry_backoff},
      {kName, "outbox_only", &outbox_only},
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
