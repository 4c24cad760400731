// One blocking hiredis connection, and type-checked reads of the replies it returns. The only
// code (with connection.cc) that calls hiredis; everything above works with Reply and
// std::expected.
//
// Thread safety: a Connection is used by one thread at a time (the pool or the feed's
// subscriber thread owns it).
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "store/redis/url.h"

namespace tessera::store::redis {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// Each answers nullopt when the reply is not of that type: callers treat that as a corrupt
// answer, never as a crash.
std::optional<std::int64_t> as_integer(const redisReply& r);
std::optional<std::string_view> as_string(const redisReply& r);  // bulk strings only
std::optional<std::span<redisReply* const>> as_array(const redisReply& r);
std::optional<std::string_view> as_status(const redisReply& r);  // +OK, +PONG
std::optional<std::string_view> as_error(const redisReply& r);   // -ERR ...
// A two-element array of integers (what the batched scripts answer).
std::optional<std::pair<std::int64_t, std::int64_t>> as_integer_pair(const redisReply& r);
inline bool is_nil(const redisReply& r) { return r.type == REDIS_REPLY_NIL; }

// An error reply's text for a log line: its first line, at most 160 bytes. Redis's errors name
// commands and reasons, never the values sent.
std::string first_line(std::string_view error);

class Connection {
 public:
  // Connects within `timeout`, bounds every later read and write by it, then authenticates
  // and selects the database the URL names. Errors are one-line messages without secrets.
  static std::expected<std::unique_ptr<Connection>, std::string> open(
      const RedisUrl& url, std::chrono::milliseconds timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one command and waits for its reply. An error reply from Redis (-ERR ...) is a
  // reply; an I/O error, a timeout or a protocol error is the error message, after which the
  // connection is broken().
  std::expected<Reply, std::string> command(std::span<const std::string_view> args);
  std::expected<Reply, std::string> command(std::initializer_list<std::string_view> args) {
    return command(std::span(args.begin(), args.size()));
  }

  // For a subscriber: sends without waiting for a reply; waits (up to the timeout) for the
  // next reply; or takes one already read, if any (never blocks).
  std::expected<void, std::string> send(std::span<const std::string_view> args);
  std::expected<Reply, std::string> receive();
  std::expected<std::optional<Reply>, std::string> buffered();

  // Whether an error made the connection unusable (the pool then drops it).
  bool broken() const;
  // Whether an idle connection is still good: nothing to read and not closed by the server
  // (a Redis restart closes every connection; this notices before a command is lost on it).
  bool idle_and_open() const;
  int fd() const;

 private:
  explicit Connection(redisContext* c) : c_(c) {}
  std::string error() const;  // the context's error, as a message

  redisContext* c_;
};

}  // namespace tessera::store::redis
