#include "mail/smtp_client.h"

#include <curl/curl.h>
#include <signal.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <deque>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/sigpipe_guard.h"
#include "mail/address.h"
#include "mail/errors.h"
#include "net/http_client.h"

namespace tessera::mail {
namespace {

// A server reply line kept for SmtpError::detail is cut to this many bytes.
constexpr std::size_t kMaxReplyInDetail = 200;

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

using base::SigpipeGuard;  // base/sigpipe_guard.h

// CURLOPT_READFUNCTION: the message, in the pieces libcurl asks for.
std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* rest = static_cast<std::string_view*>(user);
  const std::size_t n = std::min(size * count, rest->size());
  std::memcpy(buffer, rest->data(), n);
  rest->remove_prefix(n);
  return n;
}

// The server's reply lines of one send, newest last (at most kMaxReplies).
struct Replies {
  static constexpr std::size_t kMaxReplies = 16;
  std::deque<std::string> lines;

  // The newest line with reply code `code` (libcurl sends QUIT after a refusal, so the newest
  // line of all is usually "221 Bye"); empty if none.
  std::string with_code(long code) const {
    const std::string prefix = std::to_string(code);
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
      if (it->starts_with(prefix)) return *it;
    }
    return {};
  }
};

// CURLOPT_DEBUGFUNCTION: records the server's reply lines ("550 5.1.1 ..."). Only what the
// server sent (CURLINFO_HEADER_IN) is looked at: what the client sent includes AUTH.
int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  if (type != CURLINFO_HEADER_IN) return 0;
  auto* replies = static_cast<Replies*>(user);
  std::string_view chunk(data, size);
  while (!chunk.empty()) {
    const std::size_t end = chunk.find('\n');
    std::string_view line = chunk.substr(0, end);
    chunk.remove_prefix(end == std::string_view::npos ? chunk.size() : end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.size() < 3 ||
        !std::all_of(line.begin(), line.begin() + 3, [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    std::string kept;
    for (const char c : line.substr(0, kMaxReplyInDetail)) {
      kept.push_back(c >= 0x20 && c < 0x7F ? c : '?');
    }
    if (replies->lines.size() == Replies::kMaxReplies) replies->lines.pop_front();
    replies->lines.push_back(std::move(kept));
  }
  return 0;
}

// STARTTLS per the policy in smtp_client.h.
curl_usessl tls_demand(StartTls policy, bool loopback, bool credentials) {
  if (credentials) return CURLUSESSL_ALL;
  switch (policy) {
    case StartTls::kRequired:
      return CURLUSESSL_ALL;
    case StartTls::kOpportunistic:
      return CURLUSESSL_TRY;
    case StartTls::kAuto:
      return loopback ? CURLUSESSL_TRY : CURLUSESSL_ALL;
  }
  return CURLUSESSL_ALL;
}

// `text` with every occurrence of `secret` masked.
std::string masked(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

SmtpError refused(SmtpError::Kind kind, std::string detail) {
  return SmtpError{.kind = kind, .smtp_code = 0, .detail = std::move(detail)};
}

}  // namespace

SmtpClient::SmtpClient(SmtpSettings settings) : settings_(std::move(settings)) {
  std::expected<SmtpSettings, MailError> parsed = parse_smtp_url(settings_.url);
  if (!parsed) {
    url_error_ = parsed.error();
    settings_.url.clear();  // it may hold a password, and is of no further use
    return;
  }
  url_ok_ = true;
  settings_.url = parsed->url;
  if (settings_.username.empty()) {
    settings_.username = std::move(parsed->username);
    settings_.password = std::move(parsed->password);
  }
  // parse_smtp_url writes "scheme://host:port".
  const std::string_view url = settings_.url;
  const std::size_t start = url.find("://") + 3;
  implicit_tls_ = url.starts_with("smtps://");
  loopback_ = is_loopback_host(url.substr(start, url.rfind(':') - start));
}

std::expected<void, SmtpError> SmtpClient::send(std::string_view envelope_from,
                                                std::string_view recipient,
                                                std::string_view rfc5322_message) const {
  if (!url_ok_) {
    return std::unexpected(refused(SmtpError::kTransient, std::string(describe(url_error_))));
  }
  if (!is_valid_address(envelope_from)) {
    return std::unexpected(refused(SmtpError::kPermanent, "invalid envelope sender address"));
  }
  if (!is_valid_address(recipient)) {
    return std::unexpected(refused(SmtpError::kPermanent, "invalid recipient address"));
  }
  if (rfc5322_message.empty()) {
    return std::unexpected(refused(SmtpError::kPermanent, "empty message"));
  }
  if (!net::curl_global()) {
    return std::unexpected(refused(SmtpError::kTransient, "libcurl failed to initialise"));
  }
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return std::unexpected(refused(SmtpError::kTransient, "libcurl failed to start"));
  CURL* h = curl.get();

  const std::string from = "<" + std::string(envelope_from) + ">";
  const std::string to = "<" + std::string(recipient) + ">";
  std::unique_ptr<curl_slist, ListDeleter> rcpt(curl_slist_append(nullptr, to.c_str()));
  if (!rcpt) return std::unexpected(refused(SmtpError::kTransient, "out of memory"));
  const bool credentials = !settings_.username.empty();
  const curl_usessl demand =
      implicit_tls_ ? CURLUSESSL_ALL : tls_demand(settings_.starttls, loopback_, credentials);
  const long timeout_ms = std::max<long>(1, static_cast<long>(settings_.timeout.count()));
  std::string_view rest = rfc5322_message;
  Replies replies;
  char error_text[CURL_ERROR_SIZE] = {};

  // Every option below is a plain setter that cannot fail with valid arguments; what can go
  // wrong shows in curl_easy_perform's result.
  curl_easy_setopt(h, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // no proxy from the environment
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(demand));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!settings_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, settings_.ca_file.c_str());
  if (credentials) {
    curl_easy_setopt(h, CURLOPT_USERNAME, settings_.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, settings_.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_message);
  curl_easy_setopt(h, CURLOPT_READDATA, &rest);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(rfc5322_message.size()));
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
  curl_easy_setopt(h, CURLOPT_DEBUGDATA, &replies);
  curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);  // only so that on_debug sees the replies

  CURLcode rc;
  {
    SigpipeGuard guard;
    rc = curl_easy_perform(h);
  }
  if (rc == CURLE_OK) return {};

  long reply = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  // A refusal is a 4xx or 5xx reply; any other last reply (220, 250, 334) is just where a
  // failure of another kind (TLS, timeout, connection) happened.
  const bool refusal = reply >= 400 && reply <= 599;
  std::string detail;
  if (rc == CURLE_USE_SSL_FAILED) {
    detail = credentials ? "TLS is required (credentials are never sent without it) and "
                           "could not be started: "
                         : "TLS is required (email.starttls policy) and could not be started: ";
  }
  detail += error_text[0] != '\0' ? error_text : curl_easy_strerror(rc);
  if (const std::string line = refusal ? replies.with_code(reply) : ""; !line.empty()) {
    detail += "; server replied: ";
    detail += line;
  }
  SmtpError error;
  error.kind = refusal && reply >= 500 ? SmtpError::kPermanent : SmtpError::kTransient;
  error.smtp_code = refusal ? static_cast<int>(reply) : 0;
  error.detail = masked(std::move(detail), settings_.password);
  return std::unexpected(std::move(error));
}

}  // namespace tessera::mail
