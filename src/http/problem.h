// RFC 9457 problem details: the error body of every non-OAuth endpoint (SPEC.md "HTTP API").
// The detail is what the client is told; keep it bland where the reason is sensitive (see
// tessera/jose_error.h: detailed inside, bland outside).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "http/message.h"
#include "http/problem_codes.h"

namespace tessera::http {

// The standard reason phrase of `status` ("Not Found"), or "Unknown Status".
std::string_view reason_phrase(int status);

// {"type":"about:blank","title":<reason phrase>,"status":<status>,"detail":<detail>,
//  "code":<code>} (RFC 9457 section 4.2.1: with type about:blank the title is the status's
// reason phrase; `code` is an extension member, section 3.2, from http/problem_codes.h).
std::string problem_json(int status, ProblemCode code, std::string_view detail);

// A response carrying problem_json with Content-Type application/problem+json.
Response problem(int status, ProblemCode code, std::string_view detail);

// An extension member (RFC 9457 section 3.2): a string, an integer, true, or an array of
// strings.
struct ProblemMember {
  std::string_view name;
  std::string_view text;    // used when none of the is_* flags is set
  std::int64_t number = 0;  // used when is_number is true
  bool is_number = false;
  bool is_true = false;                // the value is `true`
  std::span<const std::string> texts;  // used when is_array is true
  bool is_array = false;
};

// problem() with extension members after the standard ones and `code`. REQUIRES: no member
// reuses a standard member's name or `code`.
Response problem(int status, ProblemCode code, std::string_view detail,
                 std::initializer_list<ProblemMember> extra);

}  // namespace tessera::http
