// Start-up warnings for refusals a person would otherwise find mysterious (issue 19): each a
// warn line that says what will happen and what to change. Checked once the server is bound
// (its own URL stands in for server.public_url when that is unset).
//
//   - Browsers reach the server over plain HTTP on a host that is not loopback: the session,
//     access, refresh and CSRF cookies are Secure (__Host-/__Secure-), so browsers drop them
//     and browser sign-in never sticks (a loopback host is a secure context, so it works there).
//   - web.allowed_origins is set but leaves out server.public_url's origin: the server's own
//     pages' forms and API calls are refused by the CSRF origin check (403).
//   - Mail is on but server.public_url is unset while the server listens on a host that is not
//     loopback: links in mails point at the listen address, which users cannot reach.
//   - server.public_url is https:// while the server serves plain HTTP (a TLS proxy in front) and
//     server.trusted_proxies is empty: every client looks like the proxy, so they all share its
//     login rate-limit buckets and the audit log records its address.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "app/config.h"

namespace tessera::app {

// The warnings for `config` served at `server_url` ("http://127.0.0.1:8080"), as (message,
// what to change) pairs; pure, for tests.
struct StartupWarning {
  std::string msg;
  std::string fix;
};
std::vector<StartupWarning> startup_warnings(const Config& config, std::string_view server_url);

// Writes each as a warn line.
void log_startup_warnings(const Config& config, std::string_view server_url);

}  // namespace tessera::app
