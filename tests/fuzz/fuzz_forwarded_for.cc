// Fuzzes the client address behind trusted proxies (src/http/client_ip.h client_ip).
//
// Input: the first byte picks the peer (one of kPeers: trusted and untrusted, IPv4, IPv6 and
// IPv4-mapped); the rest, split at '\n', is the X-Forwarded-For fields, in order. The trusted
// proxies are fixed: 10.0.0.0/8, 127.0.0.1, fd00::/8, ::1.
//
// Invariants (abort() on violation), with "elements" the fields' comma-separated elements,
// trimmed of SP/HTAB, empty ones dropped:
//   1. An untrusted peer is the client, whatever the header says.
//   2. A trusted peer with no element is the client (the proxy's own request).
//   3. Otherwise the result is decided by the right-most element that is not a trusted proxy's
//      address: its canonical address, or, when it is not an address, the unparseable client
//      key of exactly that element (issue 14, defect 3); never the peer, never a trusted
//      proxy's address. Only when every element is a trusted proxy is the result one (the
//      left-most).
//   4. The result is a canonical IP literal (IpAddress::parse(r)->to_string() == r) or an
//      unparseable client key: printable ASCII, at most kMaxClientKeyBytes, never an address.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_reference.h"
#include "http/client_ip.h"

namespace {

using tessera::fuzz::trim;
using tessera::http::IpAddress;
using tessera::http::TrustedProxies;

void check(bool ok, const char* what) {
  if (!ok) tessera::fuzz::fail("fuzz_forwarded_for", what);
}

constexpr const char* kPeers[] = {"10.0.0.1",  "127.0.0.1",   "::ffff:10.1.2.3", "fd00::7",
                                  "::1",       "203.0.113.9", "2001:db8::5",     "::ffff:8.8.8.8",
                                  "10.255.0.1"};

const TrustedProxies& proxies() {
  static const TrustedProxies p =
      *TrustedProxies::parse({"10.0.0.0/8", "127.0.0.1", "fd00::/8", "::1"});
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string peer = kPeers[data[0] % (sizeof kPeers / sizeof kPeers[0])];
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);

  tessera::http::Request req;
  req.remote_address = peer;
  std::vector<std::string_view> elements;
  std::vector<std::string> fields;
  for (std::size_t pos = 0; pos <= input.size();) {
    std::size_t nl = input.find('\n', pos);
    if (nl == std::string::npos) nl = input.size();
    fields.push_back(input.substr(pos, nl - pos));
    pos = nl + 1;
  }
  for (const std::string& f : fields) {
    req.headers.add("X-Forwarded-For", f);
    for (std::size_t pos = 0; pos <= f.size();) {
      std::size_t comma = f.find(',', pos);
      if (comma == std::string::npos) comma = f.size();
      std::string_view e = trim(std::string_view(f).substr(pos, comma - pos));
      if (!e.empty()) elements.push_back(e);
      pos = comma + 1;
    }
  }

  const std::string got = tessera::http::client_ip(req, proxies());

  // 4. The shape of every answer.
  const auto as_ip = IpAddress::parse(got);
  if (as_ip) {
    check(as_ip->to_string() == got, "an address result is not canonical");
  } else {
    check(tessera::http::is_unparseable_client(got), "neither an address nor unparseable");
    check(got.size() <= tessera::http::kMaxClientKeyBytes, "an unparseable key is too long");
    for (char c : got) check(c >= 0x21 && c <= 0x7E, "an unparseable key is not printable");
  }

  const auto peer_ip = IpAddress::parse(peer);
  if (!proxies().contains(*peer_ip)) {  // 1
    check(got == peer_ip->to_string(), "an untrusted peer is not the client");
    return 0;
  }
  if (elements.empty()) {  // 2
    check(got == peer_ip->to_string(), "the proxy's own request is not the proxy's");
    return 0;
  }
  // 3. The right-most element that is not a trusted proxy's address decides.
  for (auto it = elements.rbegin(); it != elements.rend(); ++it) {
    const auto hop = IpAddress::parse(*it);
    if (hop && proxies().contains(*hop)) continue;
    if (hop) {
      check(got == hop->to_string(), "not the right-most untrusted address");
    } else {
      check(got == tessera::http::unparseable_client_key(*it), "not the unparseable element");
    }
    check(!as_ip || !proxies().contains(*as_ip), "a trusted proxy's address with an untrusted hop");
    check(got != peer_ip->to_string(), "the peer although an untrusted element exists");
    return 0;
  }
  check(got == IpAddress::parse(elements.front())->to_string(), "all trusted: not the left-most");
  return 0;
}
