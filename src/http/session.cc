#include "http/session.h"

#include <array>
#include <chrono>

#include "http/log.h"
#include "http/session_impl.h"

namespace tessera::http::detail {
namespace {

namespace asio = boost::asio;

// Closing with unread bytes in the socket makes the kernel send RST, which can destroy our last
// response before the client reads it (say, the 413 for a 70 KiB body still arriving). So when
// the peer may still be sending (Close::kLinger), shut down our side, then read and discard,
// within these bounds, until the peer closes: a "lingering close", as nginx and Apache do.
constexpr std::chrono::milliseconds kLingerTime{2000};
constexpr std::size_t kLingerBytes = 1 << 20;

asio::awaitable<void> close_connection(beast::tcp_stream& tcp, Close how) {
  beast::error_code ec;
  tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (!ec && how == Close::kLinger) {
    tcp.expires_after(kLingerTime);
    std::array<char, 16 * 1024> sink;
    for (std::size_t total = 0; total < kLingerBytes;) {
      auto [rec, n] = co_await tcp.async_read_some(asio::buffer(sink), kNoThrow);
      if (rec) break;
      total += n;
    }
  }
  tcp.socket().close(ec);
}

// Header fields the server sets from the message itself.
bool framing_field(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
         iequals(name, "Connection");
}

// A name that is a token and a value without CR, LF or NUL (RFC 9110 section 5.5).
bool safe_field(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    bool tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!tchar) return false;
  }
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// The Date field value for now (RFC 9110 section 6.6.1), formatted once per second per thread.
const std::string& date_now() {
  thread_local std::int64_t cached_second = -1;
  thread_local std::string cached;
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  if (now != cached_second) {
    cached = http_date(now);
    cached_second = now;
  }
  return cached;
}

}  // namespace

std::string remote_address(beast::tcp_stream& tcp) {
  beast::error_code ec;
  auto ep = tcp.socket().remote_endpoint(ec);
  return ec ? std::string() : ep.address().to_string();
}

asio::awaitable<void> serve_plain(beast::tcp_stream tcp, std::shared_ptr<Connection> conn,
                                  const SessionContext& ctx) {
  ConnectionGuard guard(*conn, tcp);
  Close how = co_await serve_requests(tcp, tcp, *conn, ctx, remote_address(tcp));
  co_await close_connection(tcp, how);
}

int status_for_read_error(const beast::error_code& ec) {
  if (ec == bhttp::error::header_limit) return 431;
  if (ec == bhttp::error::body_limit) return 413;
  if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) {
    return 0;  // a socket error, a timeout or a cancellation: nobody to answer
  }
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return 0;
  return 400;  // the bytes are not HTTP/1.1 (bad method, target, version, field, framing...)
}

BeastResponse error_message(int status, const ServerLimits& limits) {
  std::string detail = "malformed HTTP request";
  if (status == 413) {
    detail = "request body is larger than " + std::to_string(limits.max_body_bytes) + " bytes";
  } else if (status == 431) {
    detail = "request header is larger than " + std::to_string(limits.max_header_bytes) + " bytes";
  }
  return to_message(problem(status, detail), 11, /*keep_alive=*/false, /*head=*/false);
}

int status_for_request(const BeastRequest& msg) {
  if (msg.version() >= 11 && msg.count(bhttp::field::host) != 1) return 400;
  return 0;
}

bool wants_continue(const BeastRequest& msg) {
  return msg.version() >= 11 && iequals(msg[bhttp::field::expect], "100-continue");
}

Request to_request(BeastRequest&& msg, std::string remote) {
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  std::tie(req.path, req.query) = split_target(req.target);
  for (const auto& field : msg) {
    req.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  req.body = std::move(msg.body());
  req.remote_address = std::move(remote);
  return req;
}

Response call_handler(const Handler& handler, const Request& req) noexcept {
  std::string what;
  try {
    Response res = handler(req);
    if (res.status >= 200 && res.status <= 599) return res;
    what = "handler returned status " + std::to_string(res.status);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  try {
    log_event(LogLevel::kError, "handler failed",
              {{"method", req.method}, {"path", req.path}, {"error", what}});
    return problem(500, "the server failed to handle this request");
  } catch (...) {  // out of memory while reporting: answer with what needs no allocation
    Response bare;
    bare.status = 500;
    return bare;
  }
}

BeastResponse to_message(Response&& res, unsigned version, bool keep_alive, bool head) {
  BeastResponse msg{static_cast<bhttp::status>(res.status), version};
  for (const auto& [name, value] : res.headers) {
    if (framing_field(name)) continue;  // the server frames the message itself
    if (!safe_field(name, value)) {     // response splitting: drop the field, tell the log
      log_event(LogLevel::kError, "handler set an invalid header field", {{"name", name}});
      continue;
    }
    msg.insert(name, value);
  }
  if (!res.headers.has("Cache-Control")) msg.set(bhttp::field::cache_control, "no-store");
  if (!res.headers.has("Date")) msg.set(bhttp::field::date, date_now());
  msg.set("X-Content-Type-Options", "nosniff");
  msg.body() = std::move(res.body);
  msg.keep_alive(keep_alive);
  msg.prepare_payload();  // Content-Length from the body (replaces any the handler set)
  if (head) msg.body().clear();
  return msg;
}

}  // namespace tessera::http::detail
