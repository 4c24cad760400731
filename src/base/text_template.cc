#include "base/text_template.h"

namespace tessera::base {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string fill_template(std::string_view tmpl, const TemplateLookup& lookup, Escape escape,
                          std::vector<std::string>* missing) {
  std::string out;
  out.reserve(tmpl.size());
  for (;;) {
    const std::size_t open = tmpl.find("{{");
    const std::size_t close = open == std::string_view::npos ? open : tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out += tmpl;
      return out;
    }
    out += tmpl.substr(0, open);
    const std::string_view name = trim(tmpl.substr(open + 2, close - open - 2));
    if (auto value = lookup(name)) {
      out += escape == Escape::kHtml ? html_escape(*value) : std::string(*value);
    } else if (missing != nullptr) {
      missing->emplace_back(name);
    }
    tmpl.remove_prefix(close + 2);
  }
}

}  // namespace tessera::base
