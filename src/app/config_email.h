// [email]: how Tessera sends mail (SPEC.md "Email"; docs/email.md). Every key is a member below
// with its default and meaning; config_email.cc binds and checks them. Links in mails are built
// from server.public_url.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config_schema.h"

namespace tessera::app {

struct EmailSection {
  static constexpr std::string_view kName = "email";

  // smtp://host[:port] or smtps://host[:port], credentials optional (user:password@; a secret:
  // masked when printed). Empty: no mail is sent, and the flows that need it (password reset,
  // verification) answer 503 saying so - unless outbox_only.
  std::string smtp_url;
  std::string from;                   // the From address and envelope sender; needed with mail
  std::string from_name = "Tessera";  // the From display name (and the product in templates)
  // STARTTLS for smtp://: "auto" (required, except to a loopback relay), "required",
  // "opportunistic". smtps:// is always TLS; credentials are never sent without TLS.
  std::string starttls = "auto";
  std::string ca_file;  // an extra trust anchor (PEM) for the SMTP server's certificate
  std::chrono::seconds timeout{30};  // one delivery attempt, connecting included; 1s..5m
  // The wait before the first retry of a mail that could not be delivered; it doubles with each
  // further attempt (at most 4 hours). 1s..1h.
  std::chrono::seconds retry_backoff{30};
  // Development: mail is queued in the outbox and never sent; read it with
  // `tessera outbox list|show ID`. Needs `from`; smtp_url must be empty.
  bool outbox_only = false;

  // Whether the flows that send mail are on (smtp_url set, or outbox_only).
  bool enabled() const { return !smtp_url.empty() || outbox_only; }

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
