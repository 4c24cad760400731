// [email]: how Tessera sends mail (SPEC.md "Email"; docs/email.md). Every key is a member below
// with its default; config_email.cc binds each to its name and its doc (what it means, printed by
// `tessera config reference` into docs/configuration.md) and checks them. Links in mails are built
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
  static constexpr std::string_view kDoc =
      "How Tessera sends mail (address verification and password-reset links; docs/email.md).";

  std::string smtp_url;
  std::string from;
  std::string from_name = "Tessera";
  std::string starttls = "auto";
  std::string ca_file;
  std::chrono::seconds timeout{30};
  std::chrono::seconds retry_backoff{30};
  bool outbox_only = false;

  // Whether the flows that send mail are on (smtp_url set, or outbox_only).
  bool enabled() const { return !smtp_url.empty() || outbox_only; }

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
