// Request ids (issue 19): every request gets one, returned as X-Request-Id on its response and
// present in the log lines about it (base/log_context.h), so that a user's report, a proxy's
// log and ours can be joined.
//
// Rule: a request from a trusted proxy (client_ip.h, server.trusted_proxies) keeps the
// X-Request-Id it came with when that value is valid (1 to 128 bytes of [A-Za-z0-9._:-]: a
// log field that can never break a line or forge a key); any other request gets a new one:
// 128 random bits as 32 lowercase hex digits. A client that is not a trusted proxy cannot
// choose its id, so it cannot make its requests' lines look like another's.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/client_ip.h"
#include "http/message.h"

namespace tessera::http {

inline constexpr std::size_t kMaxRequestIdBytes = 128;

// Whether `id` may be taken from a trusted proxy (see the rule above).
bool valid_request_id(std::string_view id);

// A new id: 32 lowercase hex digits from the CSPRNG (crypto::random_bytes, drawn in blocks per
// thread so that a request costs no system call or lock).
std::string new_request_id();

// The id of `req` by the rule above (its X-Request-Id and remote_address).
std::string request_id_for(const Request& req, const TrustedProxies& proxies);

}  // namespace tessera::http
