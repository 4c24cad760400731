#include "mail/errors.h"

#include <string_view>

namespace tessera::mail {

std::string_view describe(MailError e) {
  switch (e) {
    case MailError::kBadFromAddress:
      return "the from address is not a valid ASCII mailbox";
    case MailError::kBadToAddress:
      return "the recipient address is not a valid ASCII mailbox";
    case MailError::kHeaderControlChar:
      return "the sender name or subject contains a control character (CR, LF, NUL, ...)";
    case MailError::kInvalidUtf8:
      return "the sender name, subject or a body is not valid UTF-8";
    case MailError::kNulInBody:
      return "a body contains a NUL byte";
    case MailError::kEmptyBody:
      return "the text or HTML body is empty";
    case MailError::kNameTooLong:
      return "the sender name is too long";
    case MailError::kSubjectTooLong:
      return "the subject is too long";
    case MailError::kBodyTooLarge:
      return "a body is too large";
    case MailError::kBadMessageId:
      return "the Message-ID is malformed";
    case MailError::kBadTime:
      return "the date is out of range";
    case MailError::kUrlMalformed:
      return "the SMTP URL is malformed";
    case MailError::kUrlScheme:
      return "the SMTP URL must start with smtp:// or smtps://";
    case MailError::kUrlNoHost:
      return "the SMTP URL has no host";
    case MailError::kUrlBadPort:
      return "the SMTP URL's port is not 1-65535";
    case MailError::kUrlHasPath:
      return "the SMTP URL must not have a path, query or fragment";
    case MailError::kUrlHasOptions:
      return "the SMTP URL must not have login options (;AUTH=...)";
    case MailError::kUrlBadUserinfo:
      return "the SMTP URL's user and password must both be given, percent-encoded, without "
             "control characters";
  }
  return "unknown mail error";
}

}  // namespace tessera::mail
