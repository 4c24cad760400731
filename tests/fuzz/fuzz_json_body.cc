// Fuzzes the JSON API's body reader (src/api/json_body.h read_json_object, check_empty_body):
// the input is the body of a POST with Content-Type: application/json.
//
// Invariants (abort() on violation):
//   1. A refusal is a clean 400 problem+json with a detail, never an exception, a crash or a
//      5xx.
//   2. An accepted body holds only allowed members, each once, every required one; every value
//      is UTF-8 (the Unicode Standard's Table 3-7) with no NUL.
//   3. Agreement with nlohmann's DOM parser as the reference: accepted exactly when the body is
//      one JSON object (RFC 8259) whose members are allowed, distinct, string-valued, free of
//      NUL, with the required ones present; and then with the same members and values.
//   4. Round trip: the accepted members written out as JSON are read back the same.
//   5. check_empty_body accepts the body exactly when it is an object with no members.
//   6. An object member (JsonKind::kObject, as /auth/login/mfa's "webauthn"): accepted exactly
//      when the reference accepts the body with that member an object of any JSON, no
//      duplicate member at any level, no NUL in a string, at most kMaxObjectDepth containers
//      deep; and then its text parses to the reference's value.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/json_body.h"
#include "fuzz_reference.h"

namespace {

using json = nlohmann::json;
using tessera::api::JsonKind;
using tessera::api::JsonMember;

void check(bool ok, const char* what) {
  if (!ok) tessera::fuzz::fail("fuzz_json_body", what);
}

constexpr JsonMember kAllowed[] = {{"email", true},
                                   {"password", false},
                                   {"a", false},
                                   {"\xC3\xA9", false}};  // é: a non-ASCII name

constexpr JsonMember kWithObject[] = {
    {"mfa_token", true}, {.name = "webauthn", .required = false, .kind = JsonKind::kObject}};

bool allowed(const std::string& name) {
  for (const JsonMember& m : kAllowed) {
    if (m.name == name) return true;
  }
  return false;
}

tessera::http::Request post(std::string body) {
  tessera::http::Request req;
  req.method = "POST";
  req.headers.add("Content-Type", "application/json");
  req.body = std::move(body);
  return req;
}

void check_refusal(const tessera::http::Response& r) {
  check(r.status == 400, "a refusal is not a 400");
  check(
      r.headers.get("Content-Type") == std::optional<std::string_view>("application/problem+json"),
      "a refusal is not problem+json");
  const json p = json::parse(r.body, nullptr, false);
  check(p.is_object() && p.contains("detail") && p["detail"].is_string() &&
            !p["detail"].get<std::string>().empty(),
        "a refusal without a detail");
}

// What the reference says: the members when the body should be accepted, else nothing.
std::optional<std::vector<std::pair<std::string, std::string>>> reference(
    const std::string& body, std::span<const JsonMember> members) {
  std::size_t keys_at_top = 0;
  json::parser_callback_t count = [&keys_at_top](int depth, json::parse_event_t event, json&) {
    if (event == json::parse_event_t::key && depth == 1) ++keys_at_top;
    return true;
  };
  const json doc = json::parse(body, count, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  if (keys_at_top != doc.size()) return std::nullopt;  // a member twice
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : doc.items()) {
    bool known = false;
    for (const JsonMember& m : members) known = known || m.name == name;
    if (!known || !value.is_string()) return std::nullopt;
    const std::string& v = value.get_ref<const std::string&>();
    if (v.find('\0') != std::string::npos) return std::nullopt;
    out.emplace_back(name, v);
  }
  for (const JsonMember& m : members) {
    if (m.required && !doc.contains(std::string(m.name))) return std::nullopt;
  }
  return out;
}

// No string holding NUL anywhere in `v`.
bool free_of_nul(const json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().find('\0') == std::string::npos;
  if (v.is_structured()) {
    for (const auto& item : v) {
      if (!free_of_nul(item)) return false;
    }
  }
  return true;
}

// The reference for kWithObject: the webauthn value when the body should be accepted (null
// when it is absent), else nothing.
std::optional<json> reference_with_object(const std::string& body) {
  std::vector<std::vector<std::string>> open;  // the keys seen in each open object
  bool duplicate = false;
  int deepest = 0;
  json::parser_callback_t watch = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open.emplace_back();
    if (event == json::parse_event_t::object_end && !open.empty()) open.pop_back();
    if (event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) {
      deepest = std::max(deepest, depth);
    }
    if (event == json::parse_event_t::key && !open.empty()) {
      const std::string& k = parsed.get_ref<const std::string&>();
      if (std::find(open.back().begin(), open.back().end(), k) != open.back().end()) {
        duplicate = true;
      }
      open.back().push_back(k);
    }
    return true;
  };
  const json doc = json::parse(body, watch, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || duplicate) return std::nullopt;
  if (deepest > static_cast<int>(tessera::api::kMaxObjectDepth)) return std::nullopt;
  json webauthn = nullptr;
  bool token = false;
  for (const auto& [name, value] : doc.items()) {
    if (name == "mfa_token") {
      if (!value.is_string() || !free_of_nul(value)) return std::nullopt;
      token = true;
    } else if (name == "webauthn") {
      if (!value.is_object() || !free_of_nul(value)) return std::nullopt;
      webauthn = value;
    } else {
      return std::nullopt;
    }
  }
  if (!token) return std::nullopt;
  return webauthn;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  const tessera::http::Request req = post(body);
  const auto fields = tessera::api::read_json_object(req, kAllowed);
  const auto expected = reference(body, kAllowed);
  check(fields.has_value() == expected.has_value(), "accept/reject differs from the reference");
  if (!fields) {
    check_refusal(fields.error());
  } else {
    auto got = fields->members;
    auto want = *expected;
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());  // nlohmann's object is ordered by name
    check(got == want, "members differ from the reference");
    json again = json::object();
    for (const auto& [name, value] : fields->members) {
      check(allowed(name), "a member that is not allowed");
      check(value.find('\0') == std::string::npos, "a value holds NUL");
      check(tessera::fuzz::reference_utf8(value), "a value is not UTF-8");
      again[name] = value;
    }
    check(again.size() == fields->members.size(), "a member twice");
    check(fields->get("email").has_value(), "a required member is missing");
    const auto reread = tessera::api::read_json_object(post(again.dump()), kAllowed);
    check(reread.has_value(), "accepted members written out are refused");
    auto round = reread->members;
    std::sort(round.begin(), round.end());
    check(round == got, "accepted members do not round-trip");
  }
  const auto with_object = tessera::api::read_json_object(req, kWithObject);
  const auto expected_object = reference_with_object(body);
  check(with_object.has_value() == expected_object.has_value(),
        "object member: accept/reject differs from the reference");
  if (!with_object) {
    check_refusal(with_object.error());
  } else {
    const auto text = with_object->object_text("webauthn");
    check(text.has_value() == !expected_object->is_null(), "object member presence differs");
    if (text) {
      check(json::parse(*text, nullptr, false) == *expected_object, "object member differs");
    }
  }
  const auto empty = tessera::api::check_empty_body(req);
  const bool empty_object = reference(body, {}).has_value();
  check(empty.has_value() == (body.empty() || empty_object), "check_empty_body disagrees");
  if (!empty) check_refusal(empty.error());
  return 0;
}
