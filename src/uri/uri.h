// URIs (RFC 3986) as OAuth needs them, on Boost.URL (a maintained parser and serializer;
// nothing here is hand-written URI grammar).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::uri {

using QueryParams = std::vector<std::pair<std::string_view, std::string_view>>;

// `uri` with `params` appended to its query, each name and value percent-encoded but for RFC
// 3986 unreserved characters (so a form decoder and an RFC 3986 one read the same values),
// after any query it already has; the rest of the URI is kept byte for byte.
// Refused (with a message) when `uri` is not an absolute URI or has a fragment (RFC 6749
// section 3.1.2: a redirection endpoint has none).
std::expected<std::string, std::string> with_query_params(std::string_view uri,
                                                          const QueryParams& params);

// `params` as a query string "n1=v1&n2=v2", encoded as with_query_params() encodes them.
std::string encode_query(const QueryParams& params);

// `s` with every byte but RFC 3986 unreserved characters (ALPHA DIGIT - . _ ~) percent-encoded
// (RFC 3986 section 2.1): one path segment, name or value that no URI or form decoder can split
// or alter (e.g. the label of an otpauth:// URI).
std::string percent_encode(std::string_view s);

// The CSP source expression that allows navigation to `uri` (CSP 3 section 2.3.1): the origin
// "scheme://host[:port]" for a URI with a host, else the scheme-source "scheme:" (a private-use
// scheme). nullopt when `uri` is not an absolute URI.
std::optional<std::string> csp_source_of(std::string_view uri);

// The origin "scheme://host[:port]" (as written, scheme and host lower-cased) of an absolute URL
// a browser may be sent to after signing in (a gateway's return target, SPEC.md "Gateway"):
// https, or http to a loopback IP literal (127.0.0.1, [::1]); a host that is a name or an IP
// literal, never percent-encoded; a port from 1 to 65535 when given; no userinfo (not even an
// empty "@"), no fragment. nullopt for anything else: relative or scheme-relative references
// ("//evil"), other schemes (javascript:, data:), malformed URLs. Callers still decide which
// origins are allowed (api/return_target.h); bytes a browser would reinterpret (backslashes,
// controls) are theirs to refuse first, since RFC 3986 parsing alone does not see them.
std::optional<std::string> navigation_origin(std::string_view url);

// What kind of redirection endpoint a registered URI is.
enum class RedirectKind : std::uint8_t {
  kHttps,       // https://host/...: any web or native client
  kLoopback,    // http://127.0.0.1[:port]/... or http://[::1][:port]/...: a native app's
                // loopback listener (RFC 8252 section 7.3); any port matches at request time
  kPrivateUse,  // com.example.app:/... : a native app's private-use scheme (RFC 8252 section
                // 7.1), which must contain a '.' (a reverse domain name the app's owner holds)
};

// Checks a redirect URI at registration (RFC 6749 section 3.1.2, RFC 8252 sections 7 and 8,
// OAuth 2.0 Security BCP (RFC 9700) section 2.1): an absolute URI without fragment or userinfo;
// https, or http to a loopback IP literal (never "localhost", which DNS or a hosts file can point
// elsewhere: RFC 8252 section 8.3), or a private-use scheme with a '.'; a host for https and
// loopback. The error says what is wrong.
std::expected<RedirectKind, std::string> check_redirect_uri(std::string_view uri);

// Whether `presented` (from an authorization or token request) is the registered URI: the same
// string, byte for byte (no normalisation: case, percent-encoding, a trailing slash, a default
// port all make it another URI); except that for a kLoopback registration the port may differ
// or be absent (RFC 8252 section 7.3), everything else still byte for byte.
bool redirect_uri_matches(std::string_view registered, std::string_view presented);

}  // namespace tessera::uri
