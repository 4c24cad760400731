#include "app/config_schema.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdio>
#include <span>
#include <utility>

#include "app/config_value.h"

namespace tessera::app::detail {
namespace {

constexpr std::size_t kMaxConfigFileBytes = 1 << 20;
// TESSERA_<SECTION>__<KEY>: the prefix, and what separates the section from the key.
constexpr std::string_view kEnvPrefix = "TESSERA_";
constexpr std::string_view kEnvSeparator = "__";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

const Section* find_section(const std::vector<Section>& sections, std::string_view name) {
  for (const Section& s : sections) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// The name keys of element `i` are qualified with: "server", "clients[1]".
std::string element_name(const Section& s, std::size_t i) {
  std::string name(s.name);
  if (s.list) name += "[" + std::to_string(i) + "]";
  return name;
}

std::expected<std::string, std::string> read_config_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return std::unexpected("cannot read config file " + path);
  std::string text;
  char buf[8192];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    text.append(buf, n);
    if (text.size() > kMaxConfigFileBytes) {
      std::fclose(f);
      return std::unexpected("config file " + path + " is larger than 1 MiB");
    }
  }
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return std::unexpected("cannot read config file " + path);
  return text;
}

// Reads one parsed file into sections, naming the file and line of whatever is wrong.
class FileReader {
 public:
  FileReader(std::string path, Origins& origins) : path_(std::move(path)), origins_(origins) {}

  std::expected<void, std::string> read(const toml::table& root,
                                        const std::vector<Section>& sections) {
    return read_sections(root, "", sections);
  }

 private:
  // The sections of `table`, whose keys are section names after `prefix` ("" at the top; a
  // dotted name such as [[access.rules]] is the table "access" holding the list "rules").
  std::expected<void, std::string> read_sections(const toml::table& table,
                                                 const std::string& prefix,
                                                 const std::vector<Section>& sections) {
    for (auto&& [name_key, node] : table) {
      std::string name = prefix + std::string(name_key.str());
      const Section* s = find_section(sections, name);
      if (s == nullptr && node.is_table() && has_sections_under(sections, name + ".")) {
        if (auto ok = read_sections(*node.as_table(), name + ".", sections); !ok) return ok;
        continue;
      }
      if (s == nullptr) return std::unexpected(where(node) + ": unknown section [" + name + "]");
      auto ok = s->list ? read_list(*s, node) : read_table(*s, node);
      if (!ok) return ok;
    }
    return {};
  }

  static bool has_sections_under(const std::vector<Section>& sections, const std::string& prefix) {
    return std::any_of(sections.begin(), sections.end(),
                       [&](const Section& s) { return s.name.starts_with(prefix); });
  }

  std::string where(const toml::node& n) const {
    return path_ + ":" + std::to_string(n.source().begin.line);
  }

  std::expected<void, std::string> read_table(const Section& s, const toml::node& node) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return std::unexpected(where(node) + ": " + std::string(s.name) + " must be a section ([" +
                             std::string(s.name) + "])");
    }
    return read_keys(*table, s.fields(0), element_name(s, 0));
  }

  // [[name]] blocks (or name = [{...}, ...]): the file's list replaces the default.
  std::expected<void, std::string> read_list(const Section& s, const toml::node& node) {
    const toml::array* list = node.as_array();
    if (list == nullptr || !std::all_of(list->begin(), list->end(),
                                        [](const toml::node& e) { return e.is_table(); })) {
      return std::unexpected(where(node) + ": " + std::string(s.name) +
                             " must be a list of tables ([[" + std::string(s.name) + "]])");
    }
    s.resize(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
      const toml::node& element = *list->get(i);
      std::string name = element_name(s, i);
      origins_[name] = where(element);
      if (auto ok = read_keys(*element.as_table(), s.fields(i), name); !ok) return ok;
    }
    return {};
  }

  std::expected<void, std::string> read_keys(const toml::table& table,
                                             const std::vector<Field>& fields,
                                             const std::string& prefix) {
    for (auto&& [key, node] : table) {
      std::string name = prefix + "." + std::string(key.str());
      auto f = std::find_if(fields.begin(), fields.end(),
                            [&](const Field& field) { return field.key == key.str(); });
      if (f == fields.end()) return std::unexpected(where(node) + ": unknown key " + name);
      if (auto ok = set_from_toml(*f, node); !ok) {
        return std::unexpected(where(node) + ": " + name + ": " + ok.error());
      }
      origins_[name] = where(node);
    }
    return {};
  }

  std::string path_;
  Origins& origins_;
};

std::string only_in_file(const std::string& variable, const Section& s) {
  return "environment " + variable + ": " + std::string(s.name) + " is a list of tables ([[" +
         std::string(s.name) + "]]), read only from the config file";
}

void append_table(std::string& out, std::string_view header, std::span<const Field> fields) {
  if (!out.empty()) out += '\n';
  out += header;
  out += '\n';
  for (const Field& f : fields) out += std::string(f.key) + " = " + toml_value(f) + "\n";
}

}  // namespace

std::expected<void, std::string> apply_file(const std::string& path,
                                            const std::vector<Section>& sections,
                                            Origins& origins) {
  auto text = read_config_file(path);
  if (!text) return std::unexpected(text.error());
  return apply_toml(*text, path, sections, origins);
}

std::expected<void, std::string> apply_toml(std::string_view text, const std::string& source,
                                            const std::vector<Section>& sections,
                                            Origins& origins) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(source));
  } catch (const toml::parse_error& e) {
    return std::unexpected(source + ":" + std::to_string(e.source().begin.line) + ":" +
                           std::to_string(e.source().begin.column) + ": " +
                           std::string(e.description()));
  }
  return FileReader(source, origins).read(root, sections);
}

std::string environment_variable(std::string_view section, std::string_view key) {
  std::string name = std::string(kEnvPrefix) + std::string(section) + std::string(kEnvSeparator);
  name += key;
  for (char& c : name) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return name;
}

std::expected<void, std::string> apply_environment(
    const std::map<std::string, std::string>& environment, const std::vector<Section>& sections,
    Origins& origins) {
  for (const auto& [variable, value] : environment) {
    if (!variable.starts_with(kEnvPrefix)) continue;
    std::string rest = lower(std::string_view(variable).substr(kEnvPrefix.size()));
    std::size_t sep = rest.find(kEnvSeparator);
    if (sep == std::string::npos) {
      // TESSERA_SERVER_LISTEN: a section name with one underscore is a typo, not someone
      // else's variable.
      for (const Section& s : sections) {
        if (!rest.starts_with(std::string(s.name) + "_")) continue;
        if (s.list) return std::unexpected(only_in_file(variable, s));
        return std::unexpected("environment " + variable +
                               ": section and key are separated by two "
                               "underscores (TESSERA_<SECTION>__<KEY>)");
      }
      continue;  // another TESSERA_ variable (not configuration)
    }
    std::string section = rest.substr(0, sep), key = rest.substr(sep + kEnvSeparator.size());
    std::string name = section + "." + key;
    const Section* s = find_section(sections, section);
    if (s == nullptr) s = find_section(sections, name);  // TESSERA_ACCESS__RULES: [[access.rules]]
    if (s != nullptr && s->list) return std::unexpected(only_in_file(variable, *s));
    std::optional<Field> f = find_field(sections, section, key);
    if (!f) return std::unexpected("environment " + variable + ": unknown key " + name);
    if (auto ok = set_from_text(*f, value); !ok) {
      return std::unexpected("environment " + variable + ": " + name + ": " + ok.error());
    }
    origins[name] = "environment " + variable;
  }
  return {};
}

std::optional<Field> find_field(const std::vector<Section>& sections, std::string_view section,
                                std::string_view key) {
  const Section* s = find_section(sections, section);
  if (s == nullptr || s->list) return std::nullopt;
  for (const Field& f : s->fields(0)) {
    if (f.key == key) return f;
  }
  return std::nullopt;
}

std::optional<Problem> check(const std::vector<Section>& sections) {
  for (const Section& s : sections) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (auto p = s.check(i)) return Problem{element_name(s, i) + "." + p->key, p->message};
    }
  }
  return std::nullopt;
}

std::string describe(const Problem& problem, const Origins& origins) {
  auto from = origins.find(problem.key);
  if (from == origins.end()) {
    // A list element's key that was not in the file (a missing one): the element's line.
    from = origins.find(problem.key.substr(0, problem.key.rfind('.')));
  }
  std::string where = from == origins.end() ? "" : from->second + ": ";
  return where + problem.key + ": " + problem.message;
}

bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

std::string render_toml(const std::vector<Section>& sections) {
  std::string out;
  for (const Section& s : sections) {
    std::string header =
        s.list ? "[[" + std::string(s.name) + "]]" : "[" + std::string(s.name) + "]";
    for (std::size_t i = 0; i < s.size(); ++i) append_table(out, header, s.fields(i));
  }
  return out;
}

std::string render_toml(const std::vector<Field>& fields) {
  std::string out;
  for (auto run = fields.begin(); run != fields.end();) {
    auto end =
        std::find_if(run, fields.end(), [&](const Field& f) { return f.section != run->section; });
    append_table(out, "[" + std::string(run->section) + "]", std::span(run, end));
    run = end;
  }
  return out;
}

}  // namespace tessera::app::detail
