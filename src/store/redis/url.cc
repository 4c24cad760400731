#include "store/redis/url.h"

#include <charconv>
#include <optional>

#include "store/redis/codec.h"

namespace tessera::store::redis {
namespace {

constexpr std::string_view kScheme = "redis://";

std::optional<int> parse_number(std::string_view text, int min, int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < min || value > max) return std::nullopt;
  return value;
}

// RFC 3986 percent-decoding of the userinfo.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const int hi = i + 1 < text.size() ? hex_digit(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
    i += 2;
  }
  return out;
}

std::unexpected<std::string> bad(std::string_view why) {
  return std::unexpected("bad redis_url (expected redis://[:password@]host:port[/db]): " +
                         std::string(why));
}

}  // namespace

std::expected<RedisUrl, std::string> parse_redis_url(std::string_view url) {
  if (!url.starts_with(kScheme)) return bad("it must start with redis://");
  std::string_view rest = url.substr(kScheme.size());
  RedisUrl out;

  // [[user]:password@]: the last '@' ends it (an unencoded '@' in a password still works).
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) return bad("credentials need a ':' before the password");
    auto user = percent_decode(userinfo.substr(0, colon));
    auto password = percent_decode(userinfo.substr(colon + 1));
    if (!user || !password) return bad("malformed percent-encoding in the credentials");
    if (password->empty()) return bad("empty password");
    out.user = std::move(*user);
    out.password = std::move(*password);
  }

  // /db
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty()) {
      auto n = parse_number(db, 0, 1 << 20);
      if (!n) return bad("the database must be a non-negative number");
      out.db = *n;
    }
  }

  // host[:port], with [v6] in brackets
  std::string_view host = rest, port;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return bad("unterminated [IPv6 address]");
    host = rest.substr(1, close - 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return bad("junk after the [IPv6 address]");
    if (!after.empty()) port = after.substr(1);
  } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) return bad("no host");
  if (host.find_first_of("?#@/ ") != std::string_view::npos) return bad("invalid host");
  out.host = std::string(host);
  if (!port.empty() || rest.ends_with(':')) {
    auto n = parse_number(port, 1, 65535);
    if (!n) return bad("the port must be 1..65535");
    out.port = *n;
  }
  return out;
}

}  // namespace tessera::store::redis
