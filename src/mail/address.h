// Mailbox syntax for the SMTP envelope and the From/To headers.
//
// Strict on purpose: what passes here goes into an SMTP command (MAIL FROM, RCPT TO) and a
// header line verbatim, so anything that could end, split or bend either one is refused.
#pragma once

#include <cstddef>
#include <string_view>

namespace tessera::mail {

inline constexpr std::size_t kMaxAddressBytes = 254;   // RFC 5321 section 4.5.3.1.3 (path
                                                       // 256 octets including "<" and ">")
inline constexpr std::size_t kMaxLocalPartBytes = 64;  // RFC 5321 section 4.5.3.1.1
inline constexpr std::size_t kMaxDomainBytes = 253;    // RFC 1035 name, written without the root
inline constexpr std::size_t kMaxLabelBytes = 63;      // RFC 1035 section 2.3.4

// Whether `address` is an ASCII RFC 5321 Mailbox of the strict kind: a Dot-string local part
// (RFC 5322 atext runs joined by single dots: no quoted local part, no leading, trailing or
// doubled dot), one '@', and a domain of LDH labels (letters, digits, '-', 1-63 bytes, not
// starting or ending with '-'; no address literal, no trailing dot). A single-label domain
// ("localhost") passes, as it does in auth/email.h. Lengths: local part <= 64, domain <= 253,
// whole <= 254. Everything else, CR, LF, NUL, space, '<', '>', ',', '"', non-ASCII (an
// internationalised local part needs SMTPUTF8, which this module does not speak), is refused.
// Pure; thread-safe.
bool is_valid_address(std::string_view address);

// Whether `domain` is a domain as is_valid_address accepts it after the '@'.
bool is_valid_domain(std::string_view domain);

// RFC 5322 section 3.2.3: atext (the characters of an atom), and dot-atom-text (atext runs
// joined by single dots), the grammar of a Dot-string local part and of a Message-ID's halves.
bool is_atext(char c);
bool is_dot_atom_text(std::string_view text);

}  // namespace tessera::mail
