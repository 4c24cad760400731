// The date-time that HTTP's IMF-fixdate (RFC 9110 section 5.6.7) and an email's Date (RFC 5322
// section 3.3) share, up to the zone: "Sun, 06 Nov 1994 08:49:37" in UTC. Each caller appends
// its zone (" GMT", " +0000"). Computed, not strftime'd: %a and %b follow the C locale, and the
// format must not.
#pragma once

#include <cstdint>
#include <string>

namespace tessera::base {

// REQUIRES: 0 <= unix_seconds <= 253402300799 (the year 9999).
std::string format_day_time(std::int64_t unix_seconds);

}  // namespace tessera::base
