// Test helper: reads a Prometheus text exposition (format 0.0.4) into samples and checks the
// rules a scraper relies on. Header-only, for unit tests (http/metrics_test.cc) and the HTTP
// integration tests (tests/http/metrics_api_test.cc).
//
// exposition_errors(text) lists what is wrong (empty: well-formed as far as checked):
//   - every sample's family has exactly one # TYPE line, before its samples;
//   - a counter's samples are named <family> (the family ends in _total), a gauge's <family>,
//     a histogram's <family>_bucket, _sum or _count;
//   - per histogram series (labels without le): buckets cumulative (never decreasing), the
//     le="+Inf" bucket present and equal to _count;
//   - every value parses as a number.
#pragma once

#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace tessera::http::testing {

struct Sample {
  std::string name;    // the full sample name (with a histogram suffix)
  std::string labels;  // as written, without the braces: a="b",c="d" ("" without labels)
  double value = 0;
};

// Every sample line of `text`, in order. A line that does not parse is left out (and reported
// by exposition_errors).
inline std::vector<Sample> parse_samples(const std::string& text) {
  std::vector<Sample> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    Sample s;
    std::string key = line.substr(0, space);
    const auto brace = key.find('{');
    if (brace == std::string::npos) {
      s.name = key;
    } else {
      if (key.back() != '}') continue;
      s.name = key.substr(0, brace);
      s.labels = key.substr(brace + 1, key.size() - brace - 2);
    }
    const std::string v = line.substr(space + 1);
    char* end = nullptr;
    s.value = v == "+Inf" ? 1e308 : std::strtod(v.c_str(), &end);
    if (v != "+Inf" && v != "NaN" && (end == nullptr || *end != '\0')) continue;
    out.push_back(std::move(s));
  }
  return out;
}

// The value of sample `name`{labels} (labels as written, without braces), or `missing`.
inline double sample_value(const std::string& text, const std::string& name,
                           const std::string& labels = "", double missing = -1) {
  for (const Sample& s : parse_samples(text)) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return missing;
}

inline std::vector<std::string> exposition_errors(const std::string& text) {
  std::vector<std::string> errors;
  std::map<std::string, std::string> types;  // family -> type
  std::istringstream in(text);
  std::string line;
  std::size_t samples = 0;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string family, type;
      words >> family >> type;
      if (types.contains(family)) errors.push_back("two TYPE lines for " + family);
      types[family] = type;
    } else if (!line.empty() && line[0] != '#') {
      ++samples;
    }
  }
  const std::vector<Sample> parsed = parse_samples(text);
  if (parsed.size() != samples) errors.push_back("a sample line does not parse");

  // Histogram series: family + labels without le -> (bucket values in order, +Inf, count).
  struct Series {
    std::vector<double> buckets;
    double inf = -1, count = -1;
  };
  std::map<std::string, Series> series;
  auto strip_le = [](const std::string& labels) {
    const auto le = labels.find("le=\"");
    if (le == std::string::npos) return labels;
    auto end = labels.find('"', le + 4);
    std::string rest = labels.substr(0, le) + labels.substr(end + 1);
    if (!rest.empty() && rest.back() == ',') rest.pop_back();
    return rest;
  };
  for (const Sample& s : parsed) {
    std::string family = s.name;
    std::string suffix;
    for (const char* x : {"_bucket", "_sum", "_count"}) {
      const std::string sx = x;
      if (family.size() > sx.size() && family.ends_with(sx) &&
          types.contains(family.substr(0, family.size() - sx.size())) &&
          types[family.substr(0, family.size() - sx.size())] == "histogram") {
        suffix = sx;
        family = family.substr(0, family.size() - sx.size());
      }
    }
    auto type = types.find(family);
    if (type == types.end()) {
      errors.push_back("no TYPE for " + s.name);
      continue;
    }
    if (type->second == "counter" && !family.ends_with("_total")) {
      errors.push_back("counter without _total: " + family);
    }
    if (type->second == "histogram") {
      if (suffix.empty()) {
        errors.push_back("histogram sample without suffix: " + s.name);
        continue;
      }
      Series& h = series[family + "{" + strip_le(s.labels) + "}"];
      if (suffix == "_bucket") {
        if (s.labels.find("le=\"+Inf\"") != std::string::npos) h.inf = s.value;
        if (!h.buckets.empty() && s.value < h.buckets.back()) {
          errors.push_back("buckets not cumulative: " + family + "{" + s.labels + "}");
        }
        h.buckets.push_back(s.value);
      } else if (suffix == "_count") {
        h.count = s.value;
      }
    }
  }
  for (const auto& [key, h] : series) {
    if (h.inf < 0) errors.push_back("no +Inf bucket: " + key);
    if (h.count < 0) errors.push_back("no _count: " + key);
    if (h.inf != h.count) errors.push_back("+Inf bucket differs from _count: " + key);
  }
  return errors;
}

}  // namespace tessera::http::testing
