#include "app/startup_warnings.h"

#include "base/log.h"
#include "http/csrf.h"

namespace tessera::app {
namespace {

struct UrlParts {
  std::string_view scheme;
  std::string_view host;  // without brackets or port
};

UrlParts parts(std::string_view url) {
  UrlParts p;
  const auto colon = url.find("://");
  if (colon == std::string_view::npos) return p;
  p.scheme = url.substr(0, colon);
  std::string_view rest = url.substr(colon + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.starts_with('[')) {
    p.host = rest.substr(1, rest.find(']') - 1);
  } else {
    p.host = rest.substr(0, rest.find(':'));
  }
  return p;
}

// What browsers treat as a secure context over plain HTTP (W3C Secure Contexts section 3.2).
bool loopback(std::string_view host) {
  return host == "localhost" || host.ends_with(".localhost") || host.starts_with("127.") ||
         host == "::1";
}

}  // namespace

std::vector<StartupWarning> startup_warnings(const Config& config, std::string_view server_url) {
  std::vector<StartupWarning> out;
  const std::string_view browser_url =
      config.server.public_url.empty() ? server_url : std::string_view(config.server.public_url);
  const UrlParts browser = parts(browser_url);
  if (browser.scheme == "http" && !loopback(browser.host)) {
    out.push_back({"browsers will drop the sign-in cookies: they are Secure and " +
                       std::string(browser_url) + " is plain HTTP on a host that is not loopback",
                   "serve HTTPS (server.tls_cert) or put a TLS proxy in front and set "
                   "server.public_url to its https:// URL"});
  }
  if (!config.server.public_url.empty() && !config.web.allowed_origins.empty()) {
    auto own = http::origin_of_url(config.server.public_url);
    bool listed = false;
    for (const std::string& o : config.web.allowed_origins) {
      auto n = http::normalize_origin(o);
      listed = listed || (own && n && *n == *own);
    }
    if (own && !listed) {
      out.push_back(
          {"the server's own pages will be refused by the CSRF check (403): "
           "web.allowed_origins leaves out " +
               *own,
           "add " + *own + " to web.allowed_origins"});
    }
  }
  if (config.email.enabled() && config.server.public_url.empty() &&
      !loopback(parts(server_url).host)) {
    out.push_back({"links in mails will point at " + std::string(server_url) +
                       ", the listen address, which users may not reach",
                   "set server.public_url to the URL users open"});
  }
  if (browser.scheme == "https" && parts(server_url).scheme == "http" &&
      config.server.trusted_proxies.empty()) {
    out.push_back(
        {"every client will look like the TLS proxy in front: they share its login "
         "rate limits and the audit log records its address",
         "list the proxy's address in server.trusted_proxies"});
  }
  return out;
}

void log_startup_warnings(const Config& config, std::string_view server_url) {
  for (const StartupWarning& w : startup_warnings(config, server_url)) {
    base::log_event(base::LogLevel::kWarn, w.msg, {{"fix", w.fix}});
  }
}

}  // namespace tessera::app
