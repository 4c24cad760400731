#include "mail/message.h"

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "base/base64url.h"
#include "base/day_time.h"
#include "crypto/hash.h"
#include "mail/address.h"
#include "mail/encoding.h"

namespace tessera::mail {
namespace {

// RFC 5322 section 2.1.1: lines SHOULD be at most 78 characters before the CRLF.
constexpr std::size_t kMaxHeaderLine = 78;
constexpr std::size_t kMaxMessageIdBytes = 250;
constexpr std::size_t kMessageIdRandomBytes = 16;  // 128 bits
constexpr std::size_t kBoundaryRandomBytes = 18;   // 144 bits, 24 base64url characters

// One header field, folded (RFC 5322 section 2.2.3) before a token that would push the line
// past kMaxHeaderLine. The fold's CRLF + space stands in for the space between tokens, so
// unfolding (deleting the CRLF) gives back exactly the unfolded text. Never folds before the
// first token (a value starting on the next line is legal but trips some parsers) nor twice in
// a row (a line of only whitespace is obsolete syntax): a token longer than a line stays whole.
class FoldedField {
 public:
  explicit FoldedField(std::string_view name) : text_(name), column_(name.size() + 1) {
    text_ += ':';
  }
  void add(std::string_view token) {
    if (column_ + 1 + token.size() > kMaxHeaderLine && token_on_line_) {
      text_ += "\r\n ";
      column_ = 1;
    } else {
      text_ += ' ';
      ++column_;
    }
    text_ += token;
    column_ += token.size();
    token_on_line_ = true;
  }
  void append_to(std::string& out) const {
    out += text_;
    out += "\r\n";
  }

 private:
  std::string text_;
  std::size_t column_;
  bool token_on_line_ = false;
};

bool valid_utf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

bool has_control(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

bool printable_ascii(std::string_view s) {
  for (const char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// RFC 5322 section 3.6.4 msg-id, the strict (dot-atom-text on both sides) form.
bool is_message_id(std::string_view id) {
  if (id.size() < 5 || id.size() > kMaxMessageIdBytes || id.front() != '<' || id.back() != '>') {
    return false;
  }
  id = id.substr(1, id.size() - 2);
  const std::size_t at = id.find('@');
  return at != std::string_view::npos && is_dot_atom_text(id.substr(0, at)) &&
         is_dot_atom_text(id.substr(at + 1));
}

// Text that an RFC 2047 decoder could mistake for an encoded-word must itself be encoded.
bool looks_encoded(std::string_view s) { return s.find("=?") != std::string_view::npos; }

// The words of a subject that can go out as it is: printable ASCII, nothing a decoder would
// decode, no leading or trailing space (parsers trim it) and no word too long to fold.
bool split_plain_words(std::string_view s, std::size_t first_room,
                       std::vector<std::string_view>& words) {
  if (!printable_ascii(s) || looks_encoded(s) || s.front() == ' ' || s.back() == ' ') return false;
  for (;;) {
    const std::size_t space = s.find(' ');
    const std::string_view word = s.substr(0, space);
    if (word.size() > first_room) return false;
    words.push_back(word);
    if (space == std::string_view::npos) return true;
    s.remove_prefix(space + 1);
  }
}

void add_subject(std::string_view subject, std::string& out) {
  FoldedField field("Subject");
  if (!subject.empty()) {
    constexpr std::size_t kRoom = kMaxHeaderLine - std::string_view("Subject: ").size();
    std::vector<std::string_view> words;
    if (split_plain_words(subject, kRoom, words)) {
      for (const std::string_view word : words) field.add(word);
    } else {
      for (const std::string& word : b_encoded_words(subject, kRoom)) field.add(word);
    }
  }
  field.append_to(out);
}

// RFC 5322 section 3.4 name-addr, or the bare addr-spec when there is no name.
void add_from(std::string_view name, std::string_view address, std::string& out) {
  FoldedField field("From");
  if (name.empty()) {
    field.add(address);
    field.append_to(out);
    return;
  }
  constexpr std::size_t kRoom = kMaxHeaderLine - std::string_view("From: ").size();
  bool atoms = printable_ascii(name) && !looks_encoded(name) && name.front() != ' ' &&
               name.back() != ' ' && name.find("  ") == std::string_view::npos;
  for (const char c : name) atoms = atoms && (c == ' ' || is_atext(c));
  if (atoms && name.size() <= kRoom) {
    field.add(name);  // a phrase of atoms (RFC 5322 section 3.2.5)
  } else if (printable_ascii(name) && !looks_encoded(name) && name.size() + 2 <= kRoom) {
    std::string quoted = "\"";  // quoted-string (RFC 5322 section 3.2.4)
    for (const char c : name) {
      if (c == '"' || c == '\\') quoted.push_back('\\');
      quoted.push_back(c);
    }
    quoted.push_back('"');
    if (quoted.size() <= kRoom) {
      field.add(quoted);
    } else {
      for (const std::string& word : b_encoded_words(name, kRoom)) field.add(word);
    }
  } else {
    for (const std::string& word : b_encoded_words(name, kRoom)) field.add(word);
  }
  std::string angle = "<";
  angle += address;
  angle += '>';
  field.add(angle);
  field.append_to(out);
}

// One part of the multipart/alternative: headers, blank line, body in the shorter encoding.
void add_part(std::string_view boundary, std::string_view subtype, std::string_view body,
              std::string& out) {
  std::string qp = quoted_printable(body);
  std::string b64 = base64_encode(to_crlf(body), kMaxEncodedLine);
  const bool use_qp = qp.size() <= b64.size();
  out += "--";
  out += boundary;
  out += "\r\nContent-Type: text/";
  out += subtype;
  out += "; charset=utf-8\r\nContent-Transfer-Encoding: ";
  out += use_qp ? "quoted-printable" : "base64";
  out += "\r\n\r\n";
  out += use_qp ? qp : b64;
  out += "\r\n";
}

std::expected<void, MailError> check(const MailContent& c, std::int64_t unix_time,
                                     std::string_view message_id) {
  if (!is_valid_address(c.from_address)) return std::unexpected(MailError::kBadFromAddress);
  if (!is_valid_address(c.to)) return std::unexpected(MailError::kBadToAddress);
  if (c.from_name.size() > kMaxNameBytes) return std::unexpected(MailError::kNameTooLong);
  if (c.subject.size() > kMaxSubjectBytes) return std::unexpected(MailError::kSubjectTooLong);
  if (c.text.size() > kMaxBodyBytes || c.html.size() > kMaxBodyBytes) {
    return std::unexpected(MailError::kBodyTooLarge);
  }
  if (c.text.empty() || c.html.empty()) return std::unexpected(MailError::kEmptyBody);
  if (has_control(c.from_name) || has_control(c.subject)) {
    return std::unexpected(MailError::kHeaderControlChar);
  }
  for (const std::string* s : {&c.from_name, &c.subject, &c.text, &c.html}) {
    if (!valid_utf8(*s)) return std::unexpected(MailError::kInvalidUtf8);
  }
  if (c.text.find('\0') != std::string::npos || c.html.find('\0') != std::string::npos) {
    return std::unexpected(MailError::kNulInBody);
  }
  if (!is_message_id(message_id)) return std::unexpected(MailError::kBadMessageId);
  if (unix_time < 0 || unix_time > kMaxUnixTime) return std::unexpected(MailError::kBadTime);
  return {};
}

}  // namespace

std::string make_message_id(std::string_view domain) {
  std::string id = "<";
  base::base64url_encode_append(crypto::random_bytes(kMessageIdRandomBytes), id);
  id += '@';
  id += domain;
  id += '>';
  return id;
}

std::string format_date(std::int64_t unix_time) {
  return base::format_day_time(unix_time) + " +0000";
}

std::expected<std::string, MailError> render(const MailContent& content, std::int64_t unix_time,
                                             std::string_view message_id) {
  if (auto ok = check(content, unix_time, message_id); !ok) return std::unexpected(ok.error());
  const std::string boundary =
      "=_" + base::base64url_encode(crypto::random_bytes(kBoundaryRandomBytes));

  std::string out;
  out.reserve(1024 + content.text.size() * 2 + content.html.size() * 2);
  out += "Date: ";
  out += format_date(unix_time);
  out += "\r\n";
  add_from(content.from_name, content.from_address, out);
  out += "To: ";
  out += content.to;
  out += "\r\n";
  add_subject(content.subject, out);
  out += "Message-ID: ";
  out += message_id;
  out += "\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n";
  out += "Content-Type: multipart/alternative;\r\n boundary=\"";
  out += boundary;
  out += "\"\r\n\r\n";
  add_part(boundary, "plain", content.text, out);
  add_part(boundary, "html", content.html, out);
  out += "--";
  out += boundary;
  out += "--\r\n";
  return out;
}

std::optional<ReadableMessage> read_message(std::string_view message) {
  constexpr std::string_view kBoundary = "boundary=\"";
  const std::size_t blank = message.find("\r\n\r\n");
  if (blank == std::string_view::npos) return std::nullopt;
  const std::string_view headers = message.substr(0, blank);
  const std::string_view body = message.substr(blank + 4);
  const std::size_t b = headers.find(kBoundary);
  const std::size_t b_end = headers.find('"', b + kBoundary.size());
  if (b == std::string_view::npos || b_end == std::string_view::npos) return std::nullopt;
  const std::string delimiter =
      "--" + std::string(headers.substr(b + kBoundary.size(), b_end - b - kBoundary.size()));
  // The first part (add_part): its delimiter line, its headers, a blank line, its body up to the
  // CRLF before the next delimiter.
  if (!body.starts_with(delimiter + "\r\n")) return std::nullopt;
  const std::string_view part = body.substr(delimiter.size() + 2);
  const std::size_t part_blank = part.find("\r\n\r\n");
  const std::size_t part_end = part.find("\r\n" + delimiter);
  if (part_blank == std::string_view::npos || part_end == std::string_view::npos ||
      part_end < part_blank) {
    return std::nullopt;
  }
  const std::string_view part_headers = part.substr(0, part_blank);
  const std::string_view encoded = part.substr(part_blank + 4, part_end - part_blank - 4);
  if (!part_headers.starts_with("Content-Type: text/plain;")) return std::nullopt;
  std::optional<std::string> text;
  if (part_headers.ends_with("\r\nContent-Transfer-Encoding: quoted-printable")) {
    text = decode_quoted_printable(encoded);
  } else if (part_headers.ends_with("\r\nContent-Transfer-Encoding: base64")) {
    text = decode_base64(encoded);
  }
  if (!text) return std::nullopt;
  auto lf = [](std::string_view crlf) {
    std::string out;
    out.reserve(crlf.size());
    for (std::size_t i = 0; i < crlf.size(); ++i) {
      if (!(crlf[i] == '\r' && i + 1 < crlf.size() && crlf[i + 1] == '\n')) out.push_back(crlf[i]);
    }
    return out;
  };
  return ReadableMessage{.headers = lf(headers), .text = lf(*text)};
}

}  // namespace tessera::mail
