// Writing the API's JSON answers. Hand-built JSON for the few answers on a hot path (GET
// /auth/me), where building an nlohmann::json tree costs more allocations than the rest of the
// request; everything else builds an nlohmann tree and writes it with dump_json.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_text.h"

namespace tessera::api {

// `j` as compact JSON text, each invalid UTF-8 byte in a string (an echoed value) written as
// U+FFFD rather than thrown on: an answer never fails on what a client sent.
std::string dump_json(const nlohmann::json& j);
std::string dump_json(const nlohmann::ordered_json& j);

// The hand-built parts (a string, an array of strings) are written by base/json_text.h.
using base::append_json_string;
using base::append_json_strings;

}  // namespace tessera::api
