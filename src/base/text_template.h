// "{{name}}" placeholders filled in text: the browser pages (api/web_pages.h) and the mails
// (auth/lifecycle/mailer.h) share this one rule. Written here rather than with a template
// library: Debian has no maintained C++ one smaller than this substitution, and neither user
// needs loops or conditions.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::base {

// `text` with & < > " ' replaced by character references: safe in element content and in
// quoted attribute values.
std::string html_escape(std::string_view text);

enum class Escape : unsigned char { kNone, kHtml };

// The value of placeholder `name`, or nullopt if it has none.
using TemplateLookup = std::function<std::optional<std::string_view>(std::string_view name)>;

// `tmpl` with each {{name}} (spaces inside the braces ignored) replaced by its value, escaped
// per `escape`. A name without a value becomes empty and is appended to `missing` (if given).
// Text outside placeholders, and an unclosed "{{", are copied unchanged.
std::string fill_template(std::string_view tmpl, const TemplateLookup& lookup, Escape escape,
                          std::vector<std::string>* missing = nullptr);

}  // namespace tessera::base
