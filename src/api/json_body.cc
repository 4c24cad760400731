#include "api/json_body.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "api/error_mapping.h"
#include "http/form.h"

namespace tessera::api {
namespace {

using json = nlohmann::json;

// A SAX consumer that accepts only {"name": "string", ...} and stops at the first violation
// (returning false ends sax_parse at once), so no tree is built and nesting never recurses.
class FlatObjectReader {
 public:
  FlatObjectReader(std::span<const JsonMember> allowed, JsonFields& out)
      : allowed_(allowed), out_(out) {}

  std::string error;

  bool null() {
    if (capturing()) return put(nullptr);
    return wrong_type("null");
  }
  bool boolean(bool value) {
    if (capturing()) return put(value);
    if (depth_ != 1 || !have_key_ || kind_ != JsonKind::kBool) return wrong_type("a boolean");
    out_.flags.emplace_back(std::move(key_), value);
    have_key_ = false;
    return true;
  }
  bool number_integer(json::number_integer_t v) {
    return capturing() ? put(v) : wrong_type("a number");
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return capturing() ? put(v) : wrong_type("a number");
  }
  bool number_float(json::number_float_t v, const std::string&) {
    return capturing() ? put(v) : wrong_type("a number");
  }
  bool binary(json::binary_t&) { return wrong_type("binary"); }
  bool string(std::string& value) {
    if (capturing()) {
      if (value.find('\0') != std::string::npos) {
        return fail("member \"" + key_ + "\" must not contain NUL characters");
      }
      return put(std::move(value));
    }
    const bool item = depth_ == 2 && kind_ == JsonKind::kStrings;
    if (!item && (depth_ != 1 || !have_key_ || kind_ != JsonKind::kString)) {
      return wrong_type("a string");
    }
    if (value.find('\0') != std::string::npos) {
      return fail("member \"" + key_ + "\" must not contain NUL characters");
    }
    if (item) {
      out_.lists.back().second.push_back(std::move(value));
      return true;
    }
    out_.members.emplace_back(std::move(key_), std::move(value));
    have_key_ = false;
    return true;
  }
  bool start_object(std::size_t) {
    if (capturing()) return open(json::object());
    if (depth_ == 1 && have_key_ && kind_ == JsonKind::kObject) {
      out_.objects.emplace_back(key_, json::object());
      stack_.push_back(&out_.objects.back().second);
      have_key_ = false;
      return true;
    }
    if (depth_ != 0) return wrong_type("an object");
    ++depth_;
    return true;
  }
  bool end_object() {
    if (capturing()) {
      stack_.pop_back();
      return true;
    }
    --depth_;
    return true;
  }
  bool start_array(std::size_t) {
    if (capturing()) return open(json::array());
    if (depth_ != 1 || !have_key_ || kind_ != JsonKind::kStrings) return wrong_type("an array");
    out_.lists.emplace_back(key_, std::vector<std::string>{});
    ++depth_;
    return true;
  }
  bool end_array() {
    if (capturing()) {
      stack_.pop_back();
      return true;
    }
    --depth_;
    have_key_ = false;
    return true;
  }
  bool key(std::string& name) {
    if (capturing()) {
      if (stack_.back()->contains(name)) {
        return fail("duplicate member \"" + printable(name) + "\" in \"" + key_ + "\"");
      }
      inner_key_ = std::move(name);
      return true;
    }
    const JsonMember* member = nullptr;
    for (const JsonMember& m : allowed_) {
      if (m.name == name) member = &m;
    }
    if (member == nullptr) return fail("unknown member \"" + printable(name) + "\"");
    if (out_.has(name)) return fail("duplicate member \"" + name + "\"");
    key_ = std::move(name);
    kind_ = member->kind;
    have_key_ = true;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) {
    if (error.empty()) error = "malformed JSON at byte " + std::to_string(position);
    return false;
  }

 private:
  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }
  bool wrong_type(std::string_view what) {
    if (depth_ == 0) return fail("the body must be a JSON object");
    std::string_view expected = "a string";
    if (kind_ == JsonKind::kStrings) expected = "an array of strings";
    if (kind_ == JsonKind::kBool) expected = "true or false";
    if (kind_ == JsonKind::kObject) expected = "an object";
    return fail("member \"" + key_ + "\" must be " + std::string(expected) + ", not " +
                std::string(what));
  }
  // A member name for an error message: short, printable ASCII only.
  static std::string printable(std::string_view name) {
    std::string out;
    for (char c : name.substr(0, 64)) out += (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
    return out;
  }

  // Inside a kObject member: the open containers of its value, innermost last. Pointers stay
  // valid: only the innermost container grows while it is open.
  bool capturing() const { return !stack_.empty(); }
  template <typename V>
  bool put(V&& value) {
    json& top = *stack_.back();
    if (top.is_object()) {
      top[inner_key_] = std::forward<V>(value);
    } else {
      top.push_back(std::forward<V>(value));
    }
    return true;
  }
  bool open(json container) {
    if (stack_.size() >= kMaxObjectDepth) {
      return fail("member \"" + key_ + "\" is nested too deeply");
    }
    json& top = *stack_.back();
    json* child = nullptr;
    if (top.is_object()) {
      child = &(top[inner_key_] = std::move(container));
    } else {
      top.push_back(std::move(container));
      child = &top.back();
    }
    stack_.push_back(child);
    return true;
  }

  std::span<const JsonMember> allowed_;
  JsonFields& out_;
  std::vector<json*> stack_;
  std::string inner_key_;
  int depth_ = 0;
  std::string key_;
  JsonKind kind_ = JsonKind::kString;
  bool have_key_ = false;
};

}  // namespace

std::optional<std::string_view> JsonFields::get(std::string_view name) const {
  for (const auto& [k, v] : members) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::string JsonFields::take(std::string_view name) {
  for (auto& [k, v] : members) {
    if (k == name) return std::move(v);
  }
  return {};
}

std::vector<std::string> JsonFields::take_list(std::string_view name) {
  for (auto& [k, v] : lists) {
    if (k == name) return std::move(v);
  }
  return {};
}

std::optional<bool> JsonFields::flag(std::string_view name) const {
  for (const auto& [k, v] : flags) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::optional<std::string> JsonFields::object_text(std::string_view name) const {
  for (const auto& [k, v] : objects) {
    if (k == name) return v.dump();
  }
  return std::nullopt;
}

bool JsonFields::has(std::string_view name) const {
  auto named = [name](const auto& member) { return member.first == name; };
  return std::any_of(members.begin(), members.end(), named) ||
         std::any_of(lists.begin(), lists.end(), named) ||
         std::any_of(flags.begin(), flags.end(), named) ||
         std::any_of(objects.begin(), objects.end(), named);
}

std::expected<JsonFields, http::Response> read_json_object(const http::Request& req,
                                                           std::span<const JsonMember> allowed) {
  if (!http::has_media_type(req, "application/json")) {
    return std::unexpected(problem_response(415, http::codes::kUnsupportedMediaType,
                                            "the body must be application/json"));
  }
  JsonFields fields;
  FlatObjectReader reader(allowed, fields);
  bool ok = false;
  try {
    ok = json::sax_parse(req.body, &reader);
  } catch (const std::exception&) {  // the SAX reader never throws; belt and braces
    ok = false;
  }
  if (!ok) {
    return std::unexpected(problem_response(
        400, http::codes::kMalformedJson, reader.error.empty() ? "malformed JSON" : reader.error));
  }
  for (const JsonMember& m : allowed) {
    if (m.required && !fields.has(m.name)) {
      return std::unexpected(problem_response(400, http::codes::kMalformedJson,
                                              "missing member \"" + std::string(m.name) + "\""));
    }
  }
  return fields;
}

std::expected<void, http::Response> check_empty_body(const http::Request& req) {
  if (req.body.empty()) return {};
  if (http::has_media_type(req, "application/x-www-form-urlencoded")) {
    auto form = http::parse_form(req.body);
    if (!form)
      return std::unexpected(problem_response(400, http::codes::kMalformedJson, form.error()));
    for (const auto& [name, value] : *form) {
      if (name != "csrf_token") {
        return std::unexpected(
            problem_response(400, http::codes::kMalformedJson, "unexpected form field"));
      }
    }
    return {};
  }
  auto fields = read_json_object(req, {});
  if (!fields) return std::unexpected(std::move(fields.error()));
  return {};
}

}  // namespace tessera::api
