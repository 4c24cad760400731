// URIs (RFC 3986) as the OAuth endpoints need them, on Boost.URL (a maintained parser and
// serializer; nothing here is hand-written URI grammar).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::http {

using QueryParams = std::vector<std::pair<std::string_view, std::string_view>>;

// `uri` with `params` appended to its query, each name and value percent-encoded but for RFC
// 3986 unreserved characters (so a form decoder and an RFC 3986 one read the same values),
// after any query it already has; the rest of the URI is kept byte for byte.
// Refused (with a message) when `uri` is not an absolute URI or has a fragment (RFC 6749
// section 3.1.2: a redirection endpoint has none).
std::expected<std::string, std::string> with_query_params(std::string_view uri,
                                                          const QueryParams& params);

}  // namespace tessera::http
