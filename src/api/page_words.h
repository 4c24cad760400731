// A refusal in the words a person reads (issue 18 "Pages": no HTTP jargon), for the pages that
// answer a plain HTML form themselves (api/account_forms.h).
//
// This is the server's twin of web/static/api.js describeError, and it reads the same input:
// the problem response the JSON API answers for the same auth::Error (api/error_mapping.h), so
// the status, the detail and Retry-After are decided in one place for both. The two must say the
// same; tests/e2e/problem_words.json lists the cases and both page_text.mjs (the script) and
// web_pages_test.cc (this file) check them. Only what these forms can meet is mirrored: the
// statuses, and the page's own words keyed by `code` member or status; the second-factor codes
// of describeError's CODE_MESSAGES never reach a form page.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "http/message.h"

namespace tessera::api {

// A page's own words for a refusal only it understands: keyed by the problem's `code` member
// (`code`, non-empty) or else by `status`.
struct OwnWords {
  int status = 0;
  std::string_view code;
  std::string_view words;
};

// "in 15 minutes", "in 40 seconds", "in 2 hours", "in a few seconds", or "later" (a negative
// wait: unknown), rounded up as api.js waitText does.
std::string wait_text(std::int64_t seconds);

// What the page says for the problem response `problem` (status, problem+json body,
// Retry-After): own[code], own[status], then the status's usual words (api.js describeError).
std::string describe_problem(const http::Response& problem, std::span<const OwnWords> own = {});

// The problem's `code` member ("invalid_link"; docs/errors.md), or "" when it has none.
std::string problem_code(const http::Response& problem);

// The problem's `detail` member, or "".
std::string problem_detail(const http::Response& problem);

}  // namespace tessera::api
