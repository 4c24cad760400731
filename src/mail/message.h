// One transactional email, rendered to the bytes an SMTP server receives after DATA: RFC 5322
// headers and a MIME (RFC 2045-2047) multipart/alternative body with a text and an HTML part.
// The outbox stores these bytes (encrypted) and hands them to SmtpClient::send later, so
// rendering is done once, here, and a retry sends exactly what was rendered.
//
// Shape (CRLF line endings, every header line <= 78 characters but an address that is longer
// by itself; every body line <= 76):
//   Date: Thu, 01 Feb 2024 10:00:00 +0000
//   From: Tessera <noreply@example.com>          (display name: RFC 2047 encoded-words when
//   To: user@example.com                          not plain ASCII, quoted when it needs it)
//   Subject: Confirm your email                   (encoded-words when not plain ASCII)
//   Message-ID: <...@example.com>
//   MIME-Version: 1.0
//   Auto-Submitted: auto-generated                (RFC 3834: no auto-replies to this)
//   Content-Type: multipart/alternative;
//    boundary="=_..."
//
//   --=_...
//   Content-Type: text/plain; charset=utf-8
//   Content-Transfer-Encoding: quoted-printable   (or base64, whichever is shorter)
//   ...
//   --=_...
//   Content-Type: text/html; charset=utf-8
//   ...
//   --=_...--
// The boundary starts with "=_", which neither encoding can produce ('=' in quoted-printable is
// followed by a hex digit or a line break, and base64 has no '_'), so it cannot occur in a body.
// No List-Unsubscribe: these are transactional messages (RFC 8058 is for bulk mail).
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "mail/address.h"  // is_valid_address, for callers checking addresses up front
#include "mail/errors.h"

namespace tessera::mail {

// Bounds on the inputs, far above any template's needs and low enough that one message stays
// small in the outbox: a name or subject longer than a screen is a bug, not a message.
inline constexpr std::size_t kMaxNameBytes = 256;
inline constexpr std::size_t kMaxSubjectBytes = 1000;
inline constexpr std::size_t kMaxBodyBytes = 256 * 1024;  // each of text and html

struct MailContent {
  std::string from_address;  // ASCII mailbox (is_valid_address): the From header
  std::string from_name;     // display name, UTF-8, may be empty
  std::string to;            // ASCII mailbox: the one recipient (auth/email.h stores A-labels)
  std::string subject;       // UTF-8, may be empty
  std::string text;          // UTF-8 plain-text body, not empty; any line breaks
  std::string html;          // UTF-8 HTML body, not empty; any line breaks
};

// "<R@domain>" where R is 22 base64url characters of 128 bits from the CSPRNG (crypto/hash.h):
// unique without coordination. `domain` should be the From address's domain (REQUIRES: valid,
// see is_valid_domain; render refuses the id otherwise).
std::string make_message_id(std::string_view domain);

inline constexpr std::int64_t kMaxUnixTime = 253402300799;  // 9999-12-31T23:59:59Z

// The RFC 5322 section 3.3 date-time of `unix_time` in UTC: "Thu, 01 Feb 2024 10:00:00 +0000".
// REQUIRES: 0 <= unix_time <= kMaxUnixTime (render checks it; outside, the result is unspecified).
std::string format_date(std::int64_t unix_time);

// The message for `content`, dated `unix_time` (seconds since the epoch, UTC) and identified
// by `message_id` (make_message_id). The MIME boundary is random (CSPRNG), so two renders of
// the same content differ in it. Refused, never repaired: a control character in from_name or
// subject (CR/LF would inject headers), an invalid address, ill-formed UTF-8, a NUL in a body,
// an empty body, an input over its bound, a malformed message id, a time out of range.
// Pure but for the random boundary; thread-safe.
std::expected<std::string, MailError> render(const MailContent& content, std::int64_t unix_time,
                                             std::string_view message_id);

// What a person reads of a message that render() made (`tessera outbox show`): its header
// block as rendered (folds kept, encoded-words left as they are) and its text/plain part
// decoded, in which links are whole again (quoted-printable breaks long lines and escapes '=').
// Line breaks are "\n" in both, as a terminal wants them. nullopt if `message` is not in
// render()'s shape.
struct ReadableMessage {
  std::string headers;
  std::string text;
};
std::optional<ReadableMessage> read_message(std::string_view message);

}  // namespace tessera::mail
