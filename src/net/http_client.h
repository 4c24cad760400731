// The one outbound HTTP client (libcurl): what Tessera and the installed verifier library fetch
// from other servers - JWKS, discovery documents, token endpoints, the revocation feed.
//
// Safe by default:
//   - https always, with the peer's certificate and host name verified (the system's trust
//     anchors, plus `ca_file` when given); plain http only to a loopback IP literal
//     (127.0.0.0/8, [::1]) - never 0.0.0.0, never a name, which DNS could point anywhere
//     (allowed_url());
//   - redirects are never followed (a token endpoint that redirects is misconfigured, and a
//     redirect could carry credentials elsewhere);
//   - bounded: connect and whole-exchange timeouts, a cap on the body, no 100-continue;
//   - no signals (CURLOPT_NOSIGNAL; SIGPIPE blocked in the calling thread while it sends).
// Blocking: call it from a thread that may wait (never a server I/O thread).
// Thread-safe: each call uses its own libcurl handle.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::net {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // {"Authorization", "Basic ..."}
  std::string body;  // sent when non-empty or when the method is POST
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // The first header named `lower_name` (lower case), if any.
  std::optional<std::string_view> header(std::string_view lower_name) const;
};

enum class HttpErrc {
  kBadUrl,       // not an absolute http(s) URL
  kInsecureUrl,  // plain http to anything but a loopback IP literal (allowed_url)
  kConnect,      // name resolution or connection failed
  kTls,          // the TLS handshake or the peer's certificate failed verification
  kTimeout,      // connect, whole-exchange or idle timeout
  kTooLarge,     // the body exceeded max_body
  kProtocol,     // not HTTP, or the connection broke mid-answer
  kCancelled,    // the caller's cancel flag or stream handler stopped it
};
std::string_view to_string(HttpErrc code);

struct HttpError {
  HttpErrc code;
  std::string detail;  // for logs (libcurl's words); never shown to end users
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds timeout{10'000};  // a whole send(); stream() has none
  std::size_t max_body = std::size_t{1} << 20;
  std::string ca_file;  // extra trust anchors (PEM); empty: the system's
  std::string user_agent = "tessera";
};

// What stream() tells its caller as the answer arrives. Each returns false to stop the
// transfer (stream() then ends with kCancelled).
struct StreamHandler {
  // The status line and headers (names lower-cased), before any body byte.
  std::function<bool(int status, const std::vector<std::pair<std::string, std::string>>& headers)>
      on_head;
  // The next piece of the body, as it arrives.
  std::function<bool(std::string_view chunk)> on_data;
};

struct StreamOptions {
  // Fail with kTimeout when no byte arrived for this long (a dead connection that never
  // closes); 0: never.
  std::chrono::milliseconds idle_timeout{0};
  // Checked about once a second while waiting, and on every chunk: true ends the transfer
  // with kCancelled. May be null.
  const std::atomic<bool>* cancel = nullptr;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});

  // One exchange, the whole answer read (up to max_body). Any status is a response: the
  // caller decides what a 4xx means.
  std::expected<HttpResponse, HttpError> send(const HttpRequest& request) const;
  // A long-lived answer (server-sent events): the head, then the body piece by piece, until
  // the server ends it (success: the status), a handler returns false or `cancel` is set
  // (kCancelled), or the connection fails. max_body does not apply.
  std::expected<int, HttpError> stream(const HttpRequest& request, const StreamHandler& handler,
                                       const StreamOptions& options = {}) const;

  const HttpClientOptions& options() const { return options_; }

 private:
  HttpClientOptions options_;
};

// Whether the client may fetch `url`: https (any host), or http to a loopback IP literal.
// kBadUrl or kInsecureUrl otherwise.
std::expected<void, HttpErrc> allowed_url(std::string_view url);

// HTTP Basic credentials for an OAuth client (RFC 6749 section 2.3.1: id and secret are
// form-encoded before they are joined and base64-encoded; uri::percent_encode's output is what
// a form decoder reads back): the Authorization header's value. A form body for a token
// endpoint is uri::encode_query.
std::string basic_authorization(std::string_view client_id, std::string_view client_secret);

// libcurl's process-wide initialisation, once, before any thread uses it (curl_global_init is
// not safe to race). Every user of libcurl in the tree calls it. False if it failed.
bool curl_global();

}  // namespace tessera::net
