// A response body that is sent over time: server-sent events (WHATWG HTML, "Server-sent
// events"; media type text/event-stream). A handler answers with Response::stream set; the
// server then writes the head (the handler's status and fields, no Content-Length, and
// "Connection: close": the body ends when the connection does, RFC 9112 section 6.3 item 8),
// and after it whatever the stream gives, until the stream ends, the client goes away (a write
// fails or times out), or the server stops.
//
// Keep-alive: when the stream gave nothing for kEventStreamKeepAlive, the server sends a
// comment line (": keep-alive"), which every event-stream reader ignores: it keeps proxies
// from timing the connection out, and a client that went away is noticed at that write.
//
// Threading: the server calls pull() on the connection's thread, never two calls at once, and
// set_waker() once before the first pull(). It calls pull() when woken, and also when the
// stream was silent for kEventStreamKeepAlive (before sending the comment), so a stream can end
// on a clock of its own (the revocation feed, when its client's token expires). The stream calls
// the waker, from any thread and as often as it likes, when pull() would give more; the waker is
// cheap and safe to call after the connection has ended (it then does nothing), so a stream may
// hold it as long as it lives.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace tessera::http {

inline constexpr std::chrono::seconds kEventStreamKeepAlive{15};

class EventStream {
 public:
  virtual ~EventStream() = default;

  struct Chunk {
    std::string text;   // bytes to send now; "" for none
    bool done = false;  // the stream is over after `text`: the server closes the connection
  };
  // What to send now. Must not block (it runs on an I/O thread).
  virtual Chunk pull() = 0;

  // `wake`: see the header comment.
  virtual void set_waker(std::function<void()> wake) = 0;
};

}  // namespace tessera::http
