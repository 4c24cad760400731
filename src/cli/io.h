// Small I/O helpers shared by the subcommands. Every failure is a message for stderr, never
// an exception.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::cli {

// Exit codes every subcommand follows.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;  // the input was judged and found invalid
inline constexpr int kExitUsage = 2;     // unusable input: flags, files, malformed keys

// Reads a whole file of at most `limit` bytes.
std::expected<std::string, std::string> read_file(const std::string& path,
                                                  std::size_t limit = 1 << 20);

// Reads stdin up to `limit` bytes; more than that is an error (never an unbounded read).
std::expected<std::string, std::string> read_stdin(std::size_t limit = 1 << 20);

// `s` without leading and trailing ASCII whitespace (tokens piped from echo end in '\n').
std::string_view trim(std::string_view s);

// Prints "tessera: <msg>" on stderr and returns `code`.
int fail(int code, std::string_view msg);

// Unix seconds as an ISO 8601 UTC time, "2026-11-23T10:00:00Z".
std::string utc_time(std::int64_t unix_seconds);

// The inverse of utc_time: "2026-11-23T10:00:00Z", also without the seconds
// ("2026-11-23T10:00Z") or as a date alone ("2026-11-23": its midnight, UTC), as Unix seconds.
// nullopt for anything else: another zone, an impossible date or time, a year before 1970.
std::optional<std::int64_t> parse_utc_time(std::string_view text);

}  // namespace tessera::cli
