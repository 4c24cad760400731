// The services over the configured store, for one administrative command (`tessera user ...`,
// `tessera keys list|rotate`) run beside - or without - a server on the same store.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "app/services.h"
#include "auth/audit.h"
#include "cli/config_flags.h"

namespace tessera::cli {

// Loads the configuration, refuses the memory backend (a separate process would administer an
// empty store of its own), creates the data dir if needed and opens the services with one
// hashing worker. The error is a message for exit 2.
std::expected<std::unique_ptr<app::Services>, std::string> open_admin_services(
    const ConfigFlags& flags);

// The user that `who` names: a UUID, else an email. The error is a message for exit 2 ("no
// such user: WHO", or why the store could not say).
std::expected<store::User, std::string> find_user(app::Services& s, const std::string& who);

// What to tell the operator about `e`: its detail, else its code's description.
std::string reason(const auth::Error& e);

// The audit actor of every CLI action.
inline const auth::AuditActor kCliActor{
    .user = std::nullopt, .ip = "", .user_agent = "tessera-cli"};

}  // namespace tessera::cli
