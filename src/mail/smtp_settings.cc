#include "mail/smtp_settings.h"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::mail {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

// One part of a parsed URL; nullopt when the URL has none.
std::optional<std::string> part(CURLU* u, CURLUPart which, unsigned int flags = 0) {
  char* value = nullptr;
  if (curl_url_get(u, which, &value, flags) != CURLUE_OK || value == nullptr) return std::nullopt;
  std::string out(value);
  curl_free(value);
  return out;
}

bool has_control(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

MailError from_url_code(CURLUcode code) {
  switch (code) {
    case CURLUE_UNSUPPORTED_SCHEME:
    case CURLUE_BAD_SCHEME:
      return MailError::kUrlScheme;
    case CURLUE_NO_HOST:
      return MailError::kUrlNoHost;
    case CURLUE_BAD_PORT_NUMBER:
      return MailError::kUrlBadPort;
    case CURLUE_BAD_LOGIN:
    case CURLUE_BAD_USER:
    case CURLUE_BAD_PASSWORD:
      return MailError::kUrlBadUserinfo;
    default:
      return MailError::kUrlMalformed;
  }
}

}  // namespace

std::optional<StartTls> parse_starttls(std::string_view name) {
  if (name == "auto") return StartTls::kAuto;
  if (name == "required") return StartTls::kRequired;
  if (name == "opportunistic") return StartTls::kOpportunistic;
  return std::nullopt;
}

std::string_view to_string(StartTls policy) {
  switch (policy) {
    case StartTls::kAuto:
      return "auto";
    case StartTls::kRequired:
      return "required";
    case StartTls::kOpportunistic:
      return "opportunistic";
  }
  return "auto";
}

std::expected<SmtpSettings, MailError> parse_smtp_url(std::string_view url) {
  if (url.empty() || url.size() > kMaxSmtpUrlBytes)
    return std::unexpected(MailError::kUrlMalformed);
  UrlHandle u(curl_url());
  if (!u) return std::unexpected(MailError::kUrlMalformed);
  // Without CURLU_GUESS_SCHEME a URL without "scheme://" is refused, and without
  // CURLU_ALLOW_SPACE so is any space or control character.
  const std::string text(url);
  if (const CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0); rc != CURLUE_OK) {
    return std::unexpected(from_url_code(rc));
  }
  const std::optional<std::string> scheme = part(u.get(), CURLUPART_SCHEME);
  if (!scheme || (*scheme != "smtp" && *scheme != "smtps")) {
    return std::unexpected(MailError::kUrlScheme);
  }
  const std::optional<std::string> host = part(u.get(), CURLUPART_HOST);
  if (!host || host->empty()) return std::unexpected(MailError::kUrlNoHost);
  if (part(u.get(), CURLUPART_ZONEID)) return std::unexpected(MailError::kUrlMalformed);
  const std::optional<std::string> path = part(u.get(), CURLUPART_PATH);
  if ((path && !path->empty() && *path != "/") || part(u.get(), CURLUPART_QUERY) ||
      part(u.get(), CURLUPART_FRAGMENT)) {
    return std::unexpected(MailError::kUrlHasPath);
  }
  if (part(u.get(), CURLUPART_OPTIONS)) return std::unexpected(MailError::kUrlHasOptions);
  const std::optional<std::string> port = part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  unsigned long number = 0;
  if (!port || port->empty() || port->size() > 5) return std::unexpected(MailError::kUrlBadPort);
  for (const char c : *port) {
    if (c < '0' || c > '9') return std::unexpected(MailError::kUrlBadPort);
    number = number * 10 + static_cast<unsigned long>(c - '0');
  }
  if (number == 0 || number > 65535) return std::unexpected(MailError::kUrlBadPort);

  SmtpSettings settings;
  std::optional<std::string> user = part(u.get(), CURLUPART_USER, CURLU_URLDECODE);
  std::optional<std::string> password = part(u.get(), CURLUPART_PASSWORD, CURLU_URLDECODE);
  if (user || password) {
    if (!user || !password || user->empty() || password->empty() || has_control(*user) ||
        has_control(*password)) {
      return std::unexpected(MailError::kUrlBadUserinfo);
    }
    settings.username = std::move(*user);
    settings.password = std::move(*password);
  }
  settings.url = *scheme + "://" + *host + ":" + *port;
  return settings;
}

bool is_loopback_host(std::string_view host) {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  if (std::ranges::equal(host, std::string_view("localhost"), {}, lower)) return true;
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    const std::string inner(host.substr(1, host.size() - 2));
    in6_addr v6{};
    return inet_pton(AF_INET6, inner.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

}  // namespace tessera::mail
