// One field's value in the configuration's syntax (config_schema.h): read from a TOML node or
// from text (an environment variable or a flag), and printed as TOML. Internal to the
// machinery: config_schema.cc, the one place that reads TOML, and config_reference.cc.
#pragma once

#include <toml++/toml.h>

#include <expected>
#include <string>
#include <string_view>

#include "app/config_schema.h"

namespace tessera::app::detail {

// `node` (from the TOML file) into the field: "expected a list of strings, got a string".
std::expected<void, std::string> set_from_toml(const Field& field, const toml::node& node);

// The field's type in a word or two, for the reference: "string", "duration", "list of strings".
std::string_view type_name(const FieldValue& value);

// The field's value as TOML ("\"15m\"", "[\"a\", \"b\"]", "42"), a set secret as "********".
std::string toml_value(const Field& field);

}  // namespace tessera::app::detail
