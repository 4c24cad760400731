// 128-bit ids printed as UUIDs (8-4-4-4-12 lower-case hex): users' ids, and the `sub` of their
// tokens, which services following the revocation feed compare too (src/verifier/).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::base {

using Uuid = std::array<std::uint8_t, 16>;
std::string to_uuid(const Uuid& id);
// Exactly 36 characters, dashes at 8, 13, 18, 23, hex digits of either case; nullopt otherwise.
std::optional<Uuid> parse_uuid(std::string_view text);
// The value of one hex digit (either case), -1 if `c` is not one.
int hex_digit(char c);

}  // namespace tessera::base
