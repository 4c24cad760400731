#include "store/redis/connection.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <vector>

#include "base/sigpipe_guard.h"

namespace tessera::store::redis {
namespace {

timeval to_timeval(std::chrono::milliseconds t) {
  const auto ms = t.count() > 0 ? t.count() : 1;
  return timeval{.tv_sec = static_cast<time_t>(ms / 1000),
                 .tv_usec = static_cast<suseconds_t>(ms % 1000 * 1000)};
}

using base::SigpipeGuard;  // base/sigpipe_guard.h

}  // namespace

std::string first_line(std::string_view error) {
  return std::string(error.substr(0, std::min(error.find_first_of("\r\n"), std::size_t{160})));
}

std::optional<std::int64_t> as_integer(const redisReply& r) {
  if (r.type != REDIS_REPLY_INTEGER) return std::nullopt;
  return static_cast<std::int64_t>(r.integer);
}

std::optional<std::string_view> as_string(const redisReply& r) {
  if (r.type != REDIS_REPLY_STRING || (r.str == nullptr && r.len != 0)) return std::nullopt;
  return std::string_view(r.str != nullptr ? r.str : "", r.len);
}

std::optional<std::span<redisReply* const>> as_array(const redisReply& r) {
  if (r.type != REDIS_REPLY_ARRAY || (r.element == nullptr && r.elements != 0)) return std::nullopt;
  std::span<redisReply* const> elements(r.element, r.elements);
  for (const redisReply* e : elements) {
    if (e == nullptr) return std::nullopt;
  }
  return elements;
}

std::optional<std::string_view> as_status(const redisReply& r) {
  if (r.type != REDIS_REPLY_STATUS || r.str == nullptr) return std::nullopt;
  return std::string_view(r.str, r.len);
}

std::optional<std::string_view> as_error(const redisReply& r) {
  if (r.type != REDIS_REPLY_ERROR || r.str == nullptr) return std::nullopt;
  return std::string_view(r.str, r.len);
}

std::optional<std::pair<std::int64_t, std::int64_t>> as_integer_pair(const redisReply& r) {
  auto parts = as_array(r);
  if (!parts || parts->size() != 2) return std::nullopt;
  auto first = as_integer(*(*parts)[0]);
  auto second = as_integer(*(*parts)[1]);
  if (!first || !second) return std::nullopt;
  return std::pair(*first, *second);
}

std::expected<std::unique_ptr<Connection>, std::string> Connection::open(
    const RedisUrl& url, std::chrono::milliseconds timeout) {
  const timeval tv = to_timeval(timeout);
  redisContext* c = redisConnectWithTimeout(url.host.c_str(), url.port, tv);
  if (c == nullptr) return std::unexpected("cannot allocate a connection");
  std::unique_ptr<Connection> conn(new Connection(c));
  if (c->err != 0) return std::unexpected("connect: " + conn->error());
  if (redisSetTimeout(c, tv) != REDIS_OK) return std::unexpected("set timeout: " + conn->error());

  auto expect_ok =
      [&](std::string_view what,
          std::initializer_list<std::string_view> args) -> std::expected<void, std::string> {
    auto reply = conn->command(args);
    if (!reply) return std::unexpected(std::string(what) + ": " + reply.error());
    if (auto error = as_error(**reply)) {
      return std::unexpected(std::string(what) + ": " + first_line(*error));
    }
    if (!as_status(**reply)) return std::unexpected(std::string(what) + ": unexpected reply");
    return {};
  };
  if (!url.password.empty()) {
    auto done = url.user.empty() ? expect_ok("AUTH", {"AUTH", url.password})
                                 : expect_ok("AUTH", {"AUTH", url.user, url.password});
    if (!done) return std::unexpected(done.error());
  }
  if (url.db != 0) {
    const std::string db = std::to_string(url.db);
    if (auto done = expect_ok("SELECT", {"SELECT", db}); !done) {
      return std::unexpected(done.error());
    }
  }
  return conn;
}

Connection::~Connection() { redisFree(c_); }

std::expected<void, std::string> Connection::send(std::span<const std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> argvlen;
  argv.reserve(args.size());
  argvlen.reserve(args.size());
  for (std::string_view a : args) {
    argv.push_back(a.data());
    argvlen.push_back(a.size());
  }
  if (redisAppendCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), argvlen.data()) !=
      REDIS_OK) {
    return std::unexpected(error());
  }
  SigpipeGuard guard;
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(c_, &done) != REDIS_OK) return std::unexpected(error());
  }
  return {};
}

std::expected<Reply, std::string> Connection::receive() {
  void* raw = nullptr;
  if (redisGetReply(c_, &raw) != REDIS_OK || raw == nullptr) return std::unexpected(error());
  return Reply(static_cast<redisReply*>(raw));
}

std::expected<std::optional<Reply>, std::string> Connection::buffered() {
  void* raw = nullptr;
  if (redisGetReplyFromReader(c_, &raw) != REDIS_OK) return std::unexpected(error());
  if (raw == nullptr) return std::optional<Reply>();
  return std::optional<Reply>(Reply(static_cast<redisReply*>(raw)));
}

std::expected<Reply, std::string> Connection::command(std::span<const std::string_view> args) {
  if (auto sent = send(args); !sent) return std::unexpected(sent.error());
  return receive();
}

bool Connection::broken() const { return c_->err != 0; }

bool Connection::idle_and_open() const {
  if (broken()) return false;
  pollfd p{.fd = c_->fd, .events = POLLIN, .revents = 0};
  return ::poll(&p, 1, 0) == 0;  // readable (data or EOF), hung up or failed: not idle
}

int Connection::fd() const { return c_->fd; }

std::string Connection::error() const {
  if (c_->err == 0) return "unknown error";
  std::string text(c_->errstr);
  if (c_->err == REDIS_ERR_IO && text == "Resource temporarily unavailable") return "timed out";
  return text.empty() ? "I/O error" : text;
}

}  // namespace tessera::store::redis
