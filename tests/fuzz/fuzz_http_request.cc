// libFuzzer target: the bytes of one connection, read the way the server reads them
// (http/request_reader.h: the same parser, configuration, limits and framing rules), request
// after request, until one is refused, the input ends, or a request does not keep the
// connection alive.
//
// Input: one control byte, then the connection's bytes. The control byte picks the limits
// (the server's defaults, or the smallest the configuration allows: 1 KiB of header, and a
// 4 KiB body) and seeds how the bytes are cut into reads.
//
// Invariants beyond "never crash" (__builtin_trap on violation):
//   1. How TCP cuts the stream never changes what is served: read at once and read in
//      pseudo-random pieces, the requests served are the same (method, target, version,
//      fields, body, where each ends). A refusal may come earlier or later (request_reader.h),
//      but what one reading refuses the other never serves.
//   2. Nothing after a refused request is served: the driver stops there as the server does,
//      and by 1, no other cut of the stream serves a request that this one refused.
//   3. Every served request agrees with a small, strict reference framer written from RFC 9112
//      alone: its header ends at the first blank line, every line ends in CRLF and none starts
//      with whitespace; the body is exactly Content-Length bytes (one field, digits only) or
//      the de-chunked body (one Transfer-Encoding field, "chunked", HTTP/1.1 only, never with
//      Content-Length), or empty; the request ends exactly where the reference says.
//   4. Trailer fields never reach the request: it has exactly the header's field lines.
#include <boost/beast/core/flat_buffer.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "http/request_reader.h"

namespace {

using tessera::http::iequals;
using tessera::http::ServerLimits;
using tessera::http::detail::RequestReader;
using Step = RequestReader::Step;

// Traps, naming the invariant's line, when `ok` is false.
void check(bool ok, std::source_location where = std::source_location::current()) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_http_request: invariant at line %u does not hold\n",
               static_cast<unsigned>(where.line()));
  __builtin_trap();
}

struct Served {
  std::string method, target;
  unsigned version = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  std::size_t begin = 0, end = 0;  // offsets in the connection's bytes
  bool keep_alive = false;
  friend bool operator==(const Served&, const Served&) = default;
};

enum class End { kInputEnded, kRefused, kClosed };

struct Connection {
  std::vector<Served> served;
  End end = End::kInputEnded;
};

// Reads `bytes` as the server does, `next_piece()` bytes per read.
template <class Pieces>
Connection serve(std::string_view bytes, const ServerLimits& limits, Pieces next_piece) {
  Connection out;
  boost::beast::flat_buffer buffer;
  std::size_t fed = 0;
  for (;;) {
    const std::size_t begin = fed - buffer.size();
    RequestReader reader(limits);
    Step step;
    while ((step = reader.advance(buffer)) != Step::kComplete && step != Step::kRefused) {
      if (step == Step::kHeader) continue;
      if (fed == bytes.size()) return out;  // kInputEnded: the server would wait, then time out
      const std::size_t n = std::min(next_piece(), bytes.size() - fed);
      std::memcpy(buffer.prepare(n).data(), bytes.data() + fed, n);
      buffer.commit(n);
      fed += n;
    }
    if (step == Step::kRefused) {
      const int status = reader.refusal().status;
      check(status == 400 || status == 413 || status == 431);
      out.end = End::kRefused;
      return out;
    }
    auto msg = reader.release();
    Served s{std::string(msg.method_string()),
             std::string(msg.target()),
             msg.version(),
             {},
             std::move(msg.body()),
             begin,
             fed - buffer.size(),
             msg.keep_alive()};
    for (const auto& f : msg) s.fields.emplace_back(f.name_string(), f.value());
    out.served.push_back(std::move(s));
    if (!out.served.back().keep_alive) {
      out.end = End::kClosed;
      return out;
    }
  }
}

// ---- The reference framer (RFC 9112 only; no Beast).

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Every CR is followed by LF and every LF preceded by CR.
bool crlf_only(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return false;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct Framed {
  std::size_t end = 0;  // where the request ends
  std::string body;
  std::size_t field_lines = 0;
};

// The request starting at `at`, or nullopt if its framing is not acceptable.
std::optional<Framed> reference(std::string_view bytes, std::size_t at, unsigned version) {
  const std::size_t blank = bytes.find("\r\n\r\n", at);
  if (blank == std::string_view::npos) return std::nullopt;
  const std::string_view head = bytes.substr(at, blank + 2 - at);  // with its last CRLF
  if (!crlf_only(head)) return std::nullopt;
  Framed f;
  std::optional<std::string_view> length, coding;
  std::size_t lengths = 0, codings = 0;
  std::size_t pos = head.find("\r\n") + 2;  // after the request line
  while (pos < head.size()) {
    const std::size_t eol = head.find("\r\n", pos);
    const std::string_view line = head.substr(pos, eol - pos);
    if (line.empty() || line.front() == ' ' || line.front() == '\t') return std::nullopt;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (iequals(name, "Content-Length")) ++lengths, length = value;
    if (iequals(name, "Transfer-Encoding")) ++codings, coding = value;
    ++f.field_lines;
    pos = eol + 2;
  }
  std::size_t p = blank + 4;
  if (codings > 0) {
    if (codings != 1 || lengths != 0 || version != 11 || !iequals(*coding, "chunked")) {
      return std::nullopt;
    }
    for (;;) {  // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
      std::uint64_t size = 0;
      std::size_t digits = 0;
      for (; p < bytes.size() && hex_value(bytes[p]) >= 0; ++p, ++digits) {
        if (size >> 60 != 0) return std::nullopt;  // over 64 bits
        size = size * 16 + static_cast<unsigned>(hex_value(bytes[p]));
      }
      if (digits == 0) return std::nullopt;
      const std::size_t eol = bytes.find("\r\n", p);
      if (eol == std::string_view::npos || !crlf_only(bytes.substr(p, eol + 2 - p))) {
        return std::nullopt;
      }
      while (p < eol && (bytes[p] == ' ' || bytes[p] == '\t')) ++p;  // BWS
      if (p != eol && bytes[p] != ';') return std::nullopt;          // only an extension may follow
      p = eol + 2;
      if (size == 0) break;
      if (bytes.size() - p < size + 2) return std::nullopt;
      f.body.append(bytes.substr(p, size));
      p += size;
      if (bytes.substr(p, 2) != "\r\n") return std::nullopt;
      p += 2;
    }
    for (;;) {  // trailer-part CRLF
      const std::size_t eol = bytes.find("\r\n", p);
      if (eol == std::string_view::npos || !crlf_only(bytes.substr(p, eol + 2 - p))) {
        return std::nullopt;
      }
      const bool blank_line = eol == p;
      p = eol + 2;
      if (blank_line) break;
    }
  } else if (lengths > 0) {
    if (lengths != 1 || length->empty()) return std::nullopt;
    std::uint64_t n = 0;
    for (char c : *length) {
      if (c < '0' || c > '9' || n > bytes.size()) return std::nullopt;  // digits; no overflow
      n = n * 10 + static_cast<unsigned>(c - '0');
    }
    if (bytes.size() - p < n) return std::nullopt;
    f.body = std::string(bytes.substr(p, n));
    p += n;
  }
  f.end = p;
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  ServerLimits limits;
  if (control & 1) {  // the smallest limits the configuration accepts (app/config.h)
    limits.max_header_bytes = 1024;
    limits.max_body_bytes = 4096;
  }

  const Connection whole = serve(bytes, limits, [&] { return bytes.size(); });
  std::uint32_t state = control * 2654435761u + 1;
  const Connection split = serve(bytes, limits, [&] {
    state = state * 1103515245u + 12345u;
    return std::size_t{1} + (state >> 16) % 64;
  });

  // 1. The same requests served, whatever the reads; 2. a refusal ends the connection.
  check(whole.served == split.served);
  if (whole.end != split.end) {
    check(whole.end != End::kClosed && split.end != End::kClosed);
  }

  // 3 and 4. Each served request is what the reference frames at the same place.
  std::size_t at = 0;
  for (const Served& s : whole.served) {
    check(s.begin == at);
    const std::optional<Framed> f = reference(bytes, at, s.version);
    check(f.has_value());
    check(f->end == s.end);
    check(f->body == s.body);
    check(f->field_lines == s.fields.size());
    at = s.end;
  }
  return 0;
}
