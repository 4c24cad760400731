#include "app/config_value.h"

#include <charconv>
#include <cstdio>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace tessera::app {
namespace {

constexpr std::int64_t kMaxDurationSeconds = std::int64_t{100} * 365 * 24 * 60 * 60;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// What a field holds: its type's short name (the reference's) and the phrase "expected ..."
// messages use.
struct Kind {
  std::string_view name;
  std::string_view expected;
};

Kind kind(const detail::FieldValue& v) {
  return std::visit(
      [](auto* p) -> Kind {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) return {"string", "a string"};
        if constexpr (std::is_same_v<T, bool>) return {"boolean", "true or false"};
        if constexpr (std::is_same_v<T, std::int64_t>) return {"integer", "an integer"};
        if constexpr (std::is_same_v<T, std::uint32_t> || std::is_same_v<T, std::size_t>) {
          return {"integer ≥ 0", "a non-negative integer"};
        }
        if constexpr (std::is_same_v<T, std::chrono::seconds>) {
          return {"duration", "a duration (whole seconds, or a string like \"15m\" or \"1h30m\")"};
        }
        if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          return {"list of strings", "a list of strings"};
        }
      },
      v);
}

std::string_view expected_kind(const detail::FieldValue& v) { return kind(v).expected; }

std::string_view toml_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "a list";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// An integer into an integral field, range-checked.
template <class T>
std::expected<void, std::string> store_integer(T* out, std::int64_t v) {
  if constexpr (std::is_unsigned_v<T>) {
    if (v < 0) return std::unexpected("must not be negative");
    if (static_cast<std::uint64_t>(v) > std::numeric_limits<T>::max()) {
      return std::unexpected("is too large");
    }
  }
  *out = static_cast<T>(v);
  return {};
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

void append_toml_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

namespace detail {

std::expected<void, std::string> set_from_toml(const Field& f, const toml::node& node) {
  auto mismatch = [&]() -> std::expected<void, std::string> {
    return std::unexpected("expected " + std::string(expected_kind(f.value)) + ", got " +
                           std::string(toml_type_name(node)));
  };
  return std::visit(
      [&](auto* p) -> std::expected<void, std::string> {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (!node.is_string()) return mismatch();
          *p = **node.as_string();
          return {};
        } else if constexpr (std::is_same_v<T, bool>) {
          if (!node.is_boolean()) return mismatch();
          *p = **node.as_boolean();
          return {};
        } else if constexpr (std::is_same_v<T, std::chrono::seconds>) {
          if (node.is_integer()) {
            std::int64_t v = **node.as_integer();
            if (v < 0 || v > kMaxDurationSeconds) return std::unexpected("duration out of range");
            *p = std::chrono::seconds(v);
            return {};
          }
          if (!node.is_string()) return mismatch();
          auto d = parse_duration(**node.as_string());
          if (!d) return std::unexpected(d.error());
          *p = *d;
          return {};
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          const toml::array* a = node.as_array();
          if (a == nullptr) return mismatch();
          std::vector<std::string> items;
          for (const toml::node& item : *a) {
            if (!item.is_string()) return mismatch();
            items.push_back(**item.as_string());
          }
          *p = std::move(items);
          return {};
        } else {
          if (!node.is_integer()) return mismatch();
          return store_integer(p, **node.as_integer());
        }
      },
      f.value);
}

std::expected<void, std::string> set_from_text(const Field& f, std::string_view text) {
  return std::visit(
      [&](auto* p) -> std::expected<void, std::string> {
        auto mismatch = [&]() -> std::expected<void, std::string> {
          return std::unexpected("expected " + std::string(expected_kind(f.value)) + ", got \"" +
                                 std::string(text) + "\"");
        };
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) {
          *p = std::string(text);
          return {};
        } else if constexpr (std::is_same_v<T, bool>) {
          if (text == "true") {
            *p = true;
          } else if (text == "false") {
            *p = false;
          } else {
            return mismatch();
          }
          return {};
        } else if constexpr (std::is_same_v<T, std::chrono::seconds>) {
          auto d = parse_duration(text);
          if (!d) return std::unexpected(d.error());
          *p = *d;
          return {};
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          std::vector<std::string> items;
          if (!trim(text).empty()) {
            std::size_t pos = 0;
            while (pos <= text.size()) {
              std::size_t comma = text.find(',', pos);
              std::size_t end = comma == std::string_view::npos ? text.size() : comma;
              std::string_view item = trim(text.substr(pos, end - pos));
              if (item.empty())
                return std::unexpected("empty list element in \"" + std::string(text) + "\"");
              items.emplace_back(item);
              pos = end + 1;
            }
          }
          *p = std::move(items);
          return {};
        } else {
          auto v = parse_int(text);
          if (!v) return mismatch();
          return store_integer(p, *v);
        }
      },
      f.value);
}

std::string_view type_name(const FieldValue& value) { return kind(value).name; }

std::string toml_value(const Field& f) {
  std::string out;
  std::visit(
      [&](auto* p) {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) {
          append_toml_string(out, f.secret && !p->empty() ? "********" : *p);
        } else if constexpr (std::is_same_v<T, bool>) {
          out += *p ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::chrono::seconds>) {
          append_toml_string(out, format_duration(*p));
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          out += '[';
          for (std::size_t i = 0; i < p->size(); ++i) {
            if (i > 0) out += ", ";
            append_toml_string(out, f.secret ? "********" : (*p)[i]);
          }
          out += ']';
        } else {
          out += std::to_string(*p);
        }
      },
      f.value);
  return out;
}

}  // namespace detail

std::expected<std::chrono::seconds, std::string> parse_duration(std::string_view text) {
  auto bad = [&]() -> std::expected<std::chrono::seconds, std::string> {
    return std::unexpected("\"" + std::string(text) +
                           "\" is not a duration (whole seconds, or like \"15m\", \"1h30m\", "
                           "\"7d\")");
  };
  if (text.empty()) return bad();
  if (auto plain = parse_int(text)) {
    if (*plain < 0 || *plain > kMaxDurationSeconds) return bad();
    return std::chrono::seconds(*plain);
  }
  std::int64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t digits = pos;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == pos || digits == text.size() || digits - pos > 12) return bad();
    std::int64_t n = *parse_int(text.substr(pos, digits - pos));
    std::int64_t unit = 0;
    switch (text[digits]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 60 * 60;
        break;
      case 'd':
        unit = 24 * 60 * 60;
        break;
      default:
        return bad();
    }
    total += n * unit;
    if (total > kMaxDurationSeconds) return bad();
    pos = digits + 1;
  }
  return std::chrono::seconds(total);
}

std::string format_duration(std::chrono::seconds d) {
  std::int64_t s = d.count();
  if (s <= 0) return "0s";
  std::string out;
  for (auto [unit, suffix] :
       {std::pair<std::int64_t, char>{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}}) {
    if (s >= unit) {
      out += std::to_string(s / unit) + suffix;
      s %= unit;
    }
  }
  return out;
}

}  // namespace tessera::app
