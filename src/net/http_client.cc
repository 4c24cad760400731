#include "net/http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "base/base64url.h"
#include "base/sigpipe_guard.h"
#include "uri/uri.h"

namespace tessera::net {
namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct PartDeleter {
  void operator()(char* p) const { curl_free(p); }
};
using Part = std::unique_ptr<char, PartDeleter>;

Part url_part(CURLU* url, CURLUPart which) {
  char* out = nullptr;
  if (curl_url_get(url, which, &out, 0) != CURLUE_OK) return nullptr;
  return Part(out);
}

bool loopback_literal(std::string_view host) {
  if (host == "[::1]") return true;
  in_addr v4{};
  const std::string h(host);
  // inet_pton takes only the dotted-quad form: no "127.1", no octal, no names.
  return inet_pton(AF_INET, h.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// One transfer's state, shared with libcurl's callbacks.
struct Transfer {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::size_t max_body = 0;  // send(): 0 never (stream)
  bool too_large = false;
  const StreamHandler* handler = nullptr;  // stream() only
  bool head_told = false;
  bool stopped = false;  // a handler said stop
  CURL* easy = nullptr;
  const std::atomic<bool>* cancel = nullptr;

  bool cancelled() const { return cancel != nullptr && cancel->load(std::memory_order_acquire); }
};

// CURLOPT_HEADERFUNCTION: one header line at a time; a status line starts a new response
// (after a 1xx), so the headers kept are the final answer's.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    t->headers.clear();
  } else if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    t->headers.emplace_back(lower(trim(line.substr(0, colon))),
                            std::string(trim(line.substr(colon + 1))));
  }
  return size * count;
}

// CURLOPT_WRITEFUNCTION: the body. Returning less than given aborts the transfer.
std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->cancelled()) return 0;
  if (t->handler == nullptr) {
    if (t->body.size() + n > t->max_body) {
      t->too_large = true;
      return 0;
    }
    t->body.append(data, n);
    return n;
  }
  if (!t->head_told) {
    t->head_told = true;
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    if (t->handler->on_head && !t->handler->on_head(static_cast<int>(status), t->headers)) {
      t->stopped = true;
      return 0;
    }
  }
  if (t->handler->on_data && !t->handler->on_data(std::string_view(data, n))) {
    t->stopped = true;
    return 0;
  }
  return n;
}

// CURLOPT_XFERINFOFUNCTION: called often while data flows and about once a second while idle.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Transfer*>(user)->cancelled() ? 1 : 0;
}

HttpErrc classify(CURLcode code) {
  switch (code) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return HttpErrc::kBadUrl;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return HttpErrc::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return HttpErrc::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return HttpErrc::kTls;
    case CURLE_FILESIZE_EXCEEDED:
      return HttpErrc::kTooLarge;
    case CURLE_ABORTED_BY_CALLBACK:
      return HttpErrc::kCancelled;
    default:
      return HttpErrc::kProtocol;
  }
}

// The transfer common to send() and stream(): configures a handle for `request` and runs it.
// Returns the final answer's status.
std::expected<int, HttpError> perform(const HttpClientOptions& options, const HttpRequest& request,
                                      Transfer& t, std::chrono::milliseconds total_timeout,
                                      std::chrono::milliseconds idle_timeout) {
  if (!curl_global()) return std::unexpected(HttpError{HttpErrc::kProtocol, "curl_global_init"});
  if (auto ok = allowed_url(request.url); !ok) {
    return std::unexpected(HttpError{ok.error(), "refused URL"});
  }
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) return std::unexpected(HttpError{HttpErrc::kProtocol, "curl_easy_init"});
  CURL* c = easy.get();
  t.easy = c;
  std::unique_ptr<curl_slist, ListDeleter> list;
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(list.get(), line.c_str());
    if (next != nullptr) {
      (void)list.release();
      list.reset(next);
    }
  };
  for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
  add_header("Expect:");  // no 100-continue round trip

  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  if (total_timeout.count() > 0) {
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout.count()));
  }
  if (idle_timeout.count() > 0) {
    // Below 1 byte per second for the whole idle period: the connection is dead.
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, static_cast<long>(idle_timeout.count() / 1000)));
  }
  if (t.max_body > 0) {
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t.max_body));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  if (request.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    if (request.method != "POST") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (!request.body.empty() || request.method == "POST") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    }
  }

  const base::SigpipeGuard sigpipe;
  const CURLcode rc = curl_easy_perform(c);
  t.easy = nullptr;  // freed with `easy` on return
  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    return static_cast<int>(status);
  }
  if (t.too_large) return std::unexpected(HttpError{HttpErrc::kTooLarge, "body over max_body"});
  if (t.stopped || t.cancelled()) return std::unexpected(HttpError{HttpErrc::kCancelled, ""});
  return std::unexpected(
      HttpError{classify(rc), error[0] != '\0' ? std::string(error) : curl_easy_strerror(rc)});
}

}  // namespace

bool curl_global() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result == CURLE_OK;
}

std::string_view to_string(HttpErrc code) {
  switch (code) {
    case HttpErrc::kBadUrl:
      return "bad_url";
    case HttpErrc::kInsecureUrl:
      return "insecure_url";
    case HttpErrc::kConnect:
      return "connect";
    case HttpErrc::kTls:
      return "tls";
    case HttpErrc::kTimeout:
      return "timeout";
    case HttpErrc::kTooLarge:
      return "too_large";
    case HttpErrc::kProtocol:
      return "protocol";
    case HttpErrc::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

std::optional<std::string_view> HttpResponse::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {}

std::expected<HttpResponse, HttpError> HttpClient::send(const HttpRequest& request) const {
  Transfer t;
  t.max_body = std::max<std::size_t>(options_.max_body, 1);
  auto status = perform(options_, request, t, options_.timeout, {});
  if (!status) return std::unexpected(std::move(status.error()));
  HttpResponse out;
  out.status = *status;
  out.headers = std::move(t.headers);
  out.body = std::move(t.body);
  return out;
}

std::expected<int, HttpError> HttpClient::stream(const HttpRequest& request,
                                                 const StreamHandler& handler,
                                                 const StreamOptions& options) const {
  Transfer t;
  t.handler = &handler;
  t.cancel = options.cancel;
  auto status = perform(options_, request, t, {}, options.idle_timeout);
  if (!status) return std::unexpected(std::move(status.error()));
  // An answer without a body never told its head: tell it now.
  if (!t.head_told && handler.on_head && !handler.on_head(*status, t.headers)) {
    return std::unexpected(HttpError{HttpErrc::kCancelled, ""});
  }
  return *status;
}

std::expected<void, HttpErrc> allowed_url(std::string_view url) {
  if (!curl_global()) return std::unexpected(HttpErrc::kBadUrl);
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u) return std::unexpected(HttpErrc::kBadUrl);
  const std::string text(url);
  if (curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return std::unexpected(HttpErrc::kBadUrl);
  }
  const Part scheme = url_part(u.get(), CURLUPART_SCHEME);
  const Part host = url_part(u.get(), CURLUPART_HOST);
  if (!scheme || !host) return std::unexpected(HttpErrc::kBadUrl);
  const std::string_view s(scheme.get());
  if (s == "https") return {};
  if (s != "http") return std::unexpected(HttpErrc::kBadUrl);
  if (!loopback_literal(host.get())) return std::unexpected(HttpErrc::kInsecureUrl);
  return {};
}

std::string basic_authorization(std::string_view client_id, std::string_view client_secret) {
  const std::string joined =
      uri::percent_encode(client_id) + ':' + uri::percent_encode(client_secret);
  // Base64 (RFC 4648 section 4, padded): base64url with its two letters swapped back.
  std::string text = base::base64url_encode(joined);
  std::ranges::replace(text, '-', '+');
  std::ranges::replace(text, '_', '/');
  while (text.size() % 4 != 0) text += '=';
  return "Basic " + text;
}

}  // namespace tessera::net
