// Why an email could not be rendered (message.h) or an SMTP URL was refused (smtp_settings.h):
// one value per cause, for logs and tests. Every value describes itself with a fixed text, so a
// MailError can never carry a secret (a password of an SMTP URL) into a log line.
#pragma once

#include <cstdint>
#include <string_view>

namespace tessera::mail {

enum class MailError : std::uint8_t {
  // Rendering (render, message.h)
  kBadFromAddress,     // from_address is not an ASCII RFC 5321 mailbox (is_valid_address)
  kBadToAddress,       // to is not an ASCII RFC 5321 mailbox
  kHeaderControlChar,  // a control character (CR, LF, NUL, TAB, any C0 or DEL) in from_name
                       // or subject: refused, never stripped, since CR/LF is header injection
  kInvalidUtf8,        // from_name, subject, text or html is not well-formed UTF-8
  kNulInBody,          // a NUL byte in text or html (no mail agent passes it on intact)
  kEmptyBody,          // text or html is empty: every message has both parts
  kNameTooLong,        // from_name over kMaxNameBytes
  kSubjectTooLong,     // subject over kMaxSubjectBytes
  kBodyTooLarge,       // text or html over kMaxBodyBytes
  kBadMessageId,       // message_id is not "<left@right>" of printable ASCII
  kBadTime,            // unix_time before 1970 or after 9999-12-31T23:59:59Z
  // SMTP URLs (parse_smtp_url, smtp_settings.h)
  kUrlMalformed,    // not a URL curl can parse (or over 2048 bytes)
  kUrlScheme,       // a scheme other than smtp or smtps
  kUrlNoHost,       // no host
  kUrlBadPort,      // a port that is not 1-65535
  kUrlHasPath,      // a path, query or fragment (curl would take a path as the EHLO name)
  kUrlHasOptions,   // login options (";AUTH=..." in the userinfo)
  kUrlBadUserinfo,  // a user or password that percent-decodes to a control character,
                    // a password without a user, or a user without a password
};

// A fixed sentence for logs and error messages ("the subject contains a control character").
std::string_view describe(MailError e);

}  // namespace tessera::mail
