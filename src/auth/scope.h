// OAuth 2.0 scope values (RFC 6749 section 3.3): a list of space-delimited, case-sensitive
// scope-tokens, order insignificant. The one place that parses and compares them: client
// registration, the authorization request, the token request and the tokens' `scope` claim.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::auth {

// A scope-token's longest accepted length (bytes), and how many tokens one scope may hold.
inline constexpr std::size_t kMaxScopeTokenChars = 128;
inline constexpr std::size_t kMaxScopeTokens = 64;

// scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), at most kMaxScopeTokenChars.
bool is_scope_token(std::string_view s);

// The tokens of a scope parameter, in order, duplicates dropped. nullopt if malformed: a token
// that is not a scope-token, two spaces in a row, a leading or trailing space, or more than
// kMaxScopeTokens. "" is the empty list.
std::optional<std::vector<std::string>> parse_scope(std::string_view text);

// The tokens joined by single spaces.
std::string join_scope(std::span<const std::string> tokens);

// Whether every token of `wanted` is in `allowed`.
bool scope_within(std::span<const std::string> wanted, std::span<const std::string> allowed);

// Whether `scope` holds `token`.
bool has_scope(std::span<const std::string> scope, std::string_view token);

}  // namespace tessera::auth
