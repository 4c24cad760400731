// The machinery behind the configuration (app/config.h), knowing no key of its own: a section
// struct binds its members to key names (Field) and says what its values must be (check());
// this file reads those keys from a TOML file, TESSERA_<SECTION>__<KEY> variables and flag text,
// checks them and prints them back as TOML.
//
// A section is either
//   - a table, [name]: one struct, e.g. [server] -> Config::server; or
//   - a list of tables, [[name]]: a std::vector of one struct, each element with its own keys
//     and its own check. A list comes only from the file (its elements have no names an
//     environment variable could use): TESSERA_<NAME>__... naming one is an error saying so.
//     The file's list replaces the default, which is empty; an empty list prints nothing.
//
// A section struct S provides:
//   static constexpr std::string_view kName;     // "server"; for a list, the list's name
//   static constexpr std::string_view kDoc;      // what the section is for, one sentence
//   std::vector<detail::Field> fields();         // its keys in printing order, bound to *this,
//                                                // each with its doc
//   std::optional<detail::Problem> check() const;  // the first bad value, key relative to S
// and an aggregate lists each section once, e.g. {table(c.server), table_list(c.clients)}.
//
// Errors name the source and the qualified key: "tessera.toml:7: server.threads: ...",
// "tessera.toml:12: clients[1].redirect_uris: expected a list of strings, got a string".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tessera::app {

// Parses a duration ("15m", "1h30m", "90s", "2d", or digits: seconds).
std::expected<std::chrono::seconds, std::string> parse_duration(std::string_view text);
// The canonical text of a duration: "1h30m", "15m", "0s".
std::string format_duration(std::chrono::seconds d);

namespace detail {

// One configuration key bound to where its value lives: the table behind loading, environment
// overrides, printing and masking.
using FieldValue = std::variant<std::string*, bool*, std::uint32_t*, std::size_t*, std::int64_t*,
                                std::chrono::seconds*, std::vector<std::string>*>;
struct Field {
  std::string_view section;  // the section's kName
  std::string_view key;
  FieldValue value;
  // What the key does, its unit or format and its allowed values: one or two sentences of
  // Markdown, the one place a key is described (`tessera config reference` prints it beside
  // the key's type, default and environment variable). The default is not repeated here: the
  // reference prints it from a default-constructed section.
  std::string_view doc;
  bool secret = false;  // printed as "********" when set
};

// One validation failure: the key and what is wrong with its value.
struct Problem {
  std::string key;
  std::string message;
};

// A section bound to the struct(s) holding its values; make one with table() or table_list().
// The functions refer to the bound storage, which must outlive the Section.
struct Section {
  std::string_view name;
  std::string_view doc;  // the section's kDoc
  bool list = false;     // [[name]]: elements come and go; a table has exactly one
  std::function<std::size_t()> size;
  std::function<void(std::size_t)> resize;  // lists only
  std::function<std::vector<Field>(std::size_t)> fields;
  std::function<std::optional<Problem>(std::size_t)> check;
};

template <class S>
Section table(S& section) {
  return {.name = S::kName,
          .doc = S::kDoc,
          .list = false,
          .size = [] { return std::size_t{1}; },
          .resize = nullptr,
          .fields = [&section](std::size_t) { return section.fields(); },
          .check = [&section](std::size_t) { return section.check(); }};
}

// REQUIRES: `elements` is empty by default (printing an emptied list must load back the same).
template <class S>
Section table_list(std::vector<S>& elements) {
  return {.name = S::kName,
          .doc = S::kDoc,
          .list = true,
          .size = [&elements] { return elements.size(); },
          .resize = [&elements](std::size_t n) { elements.resize(n); },
          .fields = [&elements](std::size_t i) { return elements.at(i).fields(); },
          .check = [&elements](std::size_t i) { return elements.at(i).check(); }};
}

// Where each value came from ("tessera.toml:7", "environment TESSERA_SERVER__LISTEN",
// "--listen"), by qualified key ("server.listen", "clients[1].id") and, for a list's element,
// by the element itself ("clients[1]": the line of its [[clients]]).
using Origins = std::map<std::string, std::string>;

// Reads the TOML file at `path` (at most 1 MiB) into `sections`, as apply_toml.
std::expected<void, std::string> apply_file(const std::string& path,
                                            const std::vector<Section>& sections, Origins& origins);

// Reads TOML `text` into `sections`: strict, an unknown section or key or a value of the wrong
// type is an error naming `source` (the file's path) and the line.
std::expected<void, std::string> apply_toml(std::string_view text, const std::string& source,
                                            const std::vector<Section>& sections, Origins& origins);

// The variable that sets `section`.`key`: "TESSERA_SERVER__LISTEN".
std::string environment_variable(std::string_view section, std::string_view key);

// Applies the TESSERA_<SECTION>__<KEY> variables of `environment` (others are ignored, but
// TESSERA_<SECTION>_<KEY> is an error: a typo, not someone else's variable).
std::expected<void, std::string> apply_environment(
    const std::map<std::string, std::string>& environment, const std::vector<Section>& sections,
    Origins& origins);

// The field `section`.`key` of a table section, for flags that set one key.
std::optional<Field> find_field(const std::vector<Section>& sections, std::string_view section,
                                std::string_view key);

// `text` (an environment variable or a flag) into the field: the environment's syntax.
std::expected<void, std::string> set_from_text(const Field& field, std::string_view text);

// The first problem of any section or element, its key qualified ("server.listen").
std::optional<Problem> check(const std::vector<Section>& sections);

// "<origin>: <key>: <message>", the origin of the key (or of its element) if known.
std::string describe(const Problem& problem, const Origins& origins);

// `value` is one of `allowed`: for checks of enumerated strings.
bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed);

// TOML for `sections`: [name] per table, [[name]] per list element, secrets masked.
std::string render_toml(const std::vector<Section>& sections);

// TOML for `fields`: one [section] per run of fields, secrets masked.
std::string render_toml(const std::vector<Field>& fields);

// The Markdown reference of `sections` (config_reference.cc): per section its doc, then per key
// its type, default, environment variable and doc. A list's keys are those of a default
// element. REQUIRES: `sections` are bound to a default-constructed configuration, which this may
// change (each list is given one default element, to print its keys and defaults).
std::string render_reference(const std::vector<Section>& sections);

}  // namespace detail
}  // namespace tessera::app
