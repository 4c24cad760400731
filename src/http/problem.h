// RFC 9457 problem details: the error body of every non-OAuth endpoint (SPEC.md "HTTP API").
// The detail is what the client is told; keep it bland where the reason is sensitive (see
// tessera/jose_error.h: detailed inside, bland outside).
#pragma once

#include <string>
#include <string_view>

#include "http/message.h"

namespace tessera::http {

// The standard reason phrase of `status` ("Not Found"), or "Unknown Status".
std::string_view reason_phrase(int status);

// {"type":"about:blank","title":<reason phrase>,"status":<status>,"detail":<detail>}
// (RFC 9457 section 4.2.1: with type about:blank the title is the status's reason phrase).
std::string problem_json(int status, std::string_view detail);

// A response carrying problem_json with Content-Type application/problem+json.
Response problem(int status, std::string_view detail);

}  // namespace tessera::http
