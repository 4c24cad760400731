#include "auth/email.h"

#include <unicode/uchar.h>
#include <unicode/uidna.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <string>

#include "auth/text.h"

namespace tessera::auth {
namespace {

bool forbidden(std::int32_t cp) {
  if (cp < 0x80) return cp <= 0x20 || cp == 0x7F;  // controls and space
  switch (u_charType(cp)) {
    case U_UNASSIGNED:           // Cn: NFC of unassigned code points is not stable
    case U_CONTROL_CHAR:         // Cc (C1 controls)
    case U_FORMAT_CHAR:          // Cf (zero-width, bidi controls, soft hyphen)
    case U_SPACE_SEPARATOR:      // Zs (no-break space, ideographic space)
    case U_LINE_SEPARATOR:       // Zl
    case U_PARAGRAPH_SEPARATOR:  // Zp
    case U_PRIVATE_USE_CHAR:     // Co
    case U_SURROGATE:            // Cs (cannot occur after decoding; kept for completeness)
      return true;
    default:
      return false;
  }
}

// NFC through ICU (UTF-8 -> UTF-16 -> NFC -> UTF-8). REQUIRES: `utf8` is well-formed.
std::expected<std::string, EmailError> to_nfc(std::string_view utf8) {
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2* nfc = unorm2_getNFCInstance(&status);
  if (U_FAILURE(status)) return std::unexpected(EmailError::kInvalidUtf8);

  std::u16string in(utf8.size(), u'\0');  // UTF-16 never needs more units than UTF-8 bytes
  std::int32_t in_len = 0;
  u_strFromUTF8(in.data(), static_cast<std::int32_t>(in.size()), &in_len, utf8.data(),
                static_cast<std::int32_t>(utf8.size()), &status);
  if (U_FAILURE(status)) return std::unexpected(EmailError::kInvalidUtf8);

  // NFC can grow a string (up to 3x for some scripts); retry once with the size ICU reports.
  std::u16string out(static_cast<std::size_t>(in_len) * 3 + 16, u'\0');
  std::int32_t out_len = unorm2_normalize(nfc, in.data(), in_len, out.data(),
                                          static_cast<std::int32_t>(out.size()), &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    status = U_ZERO_ERROR;
    out.assign(static_cast<std::size_t>(out_len), u'\0');
    out_len = unorm2_normalize(nfc, in.data(), in_len, out.data(),
                               static_cast<std::int32_t>(out.size()), &status);
  }
  if (U_FAILURE(status)) return std::unexpected(EmailError::kInvalidUtf8);

  std::string result(static_cast<std::size_t>(out_len) * 3, '\0');
  std::int32_t result_len = 0;
  u_strToUTF8(result.data(), static_cast<std::int32_t>(result.size()), &result_len, out.data(),
              out_len, &status);
  if (U_FAILURE(status)) return std::unexpected(EmailError::kInvalidUtf8);
  result.resize(static_cast<std::size_t>(result_len));
  return result;
}

// `domain` as UTS #46 ToASCII makes it (see the header), or kBadDomain.
std::expected<std::string, EmailError> to_ascii_domain(std::string_view domain) {
  // Created once: a UTS #46 instance is immutable and thread-safe (ICU uidna.h).
  static UIDNA* const idna = [] {
    UErrorCode status = U_ZERO_ERROR;
    UIDNA* p = uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_CHECK_BIDI |
                                   UIDNA_CHECK_CONTEXTJ | UIDNA_USE_STD3_RULES,
                               &status);
    return U_SUCCESS(status) ? p : nullptr;
  }();
  if (idna == nullptr) return std::unexpected(EmailError::kBadDomain);
  // Enough for any domain that can pass; ICU says how much it needs when it is not.
  std::string out(domain.size() * 2 + 64, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    UErrorCode status = U_ZERO_ERROR;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    const std::int32_t n =
        uidna_nameToASCII_UTF8(idna, domain.data(), static_cast<std::int32_t>(domain.size()),
                               out.data(), static_cast<std::int32_t>(out.size()), &info, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR && attempt == 0) {
      out.assign(static_cast<std::size_t>(n), '\0');
      continue;
    }
    if (U_FAILURE(status) || info.errors != 0) return std::unexpected(EmailError::kBadDomain);
    out.resize(static_cast<std::size_t>(n));
    return out;
  }
  return std::unexpected(EmailError::kBadDomain);
}

bool good_shape(std::string_view e) {
  const auto at = e.find('@');
  if (at == std::string_view::npos || e.find('@', at + 1) != std::string_view::npos) return false;
  const std::string_view local = e.substr(0, at);
  const std::string_view domain = e.substr(at + 1);
  if (local.empty() || domain.empty()) return false;
  // Domain labels: none empty (no leading, trailing or doubled dots).
  if (domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return false;
  }
  return true;
}

}  // namespace

std::string_view describe(EmailError e) {
  switch (e) {
    case EmailError::kEmpty:
      return "email is empty";
    case EmailError::kTooLong:
      return "email is too long";
    case EmailError::kInvalidUtf8:
      return "email is not valid UTF-8";
    case EmailError::kForbiddenChar:
      return "email contains a character that is not allowed";
    case EmailError::kBadShape:
      return "email is not of the form local@domain";
    case EmailError::kBadDomain:
      return "email domain is not a valid domain name";
  }
  return "email is not valid";
}

std::expected<std::string, EmailError> normalize_email(std::string_view email) {
  if (email.empty()) return std::unexpected(EmailError::kEmpty);
  if (email.size() > kMaxRawEmailBytes) return std::unexpected(EmailError::kTooLong);

  bool ascii = true;
  for (std::size_t i = 0; i < email.size();) {
    const std::int32_t cp = detail::next_code_point(email, i);
    if (cp < 0) return std::unexpected(EmailError::kInvalidUtf8);
    if (forbidden(cp)) return std::unexpected(EmailError::kForbiddenChar);
    ascii = ascii && cp < 0x80;
  }

  std::string out;
  if (ascii) {
    out.assign(email);  // ASCII is already in NFC
  } else {
    auto nfc = to_nfc(email);
    if (!nfc) return std::unexpected(nfc.error());
    out = std::move(*nfc);
  }
  out = lower_ascii_letters(out);

  if (!good_shape(out)) return std::unexpected(EmailError::kBadShape);
  const std::size_t at = out.find('@');
  auto domain = to_ascii_domain(std::string_view(out).substr(at + 1));
  if (!domain) return std::unexpected(domain.error());
  out.replace(at + 1, std::string::npos, *domain);
  // Again on the result: UTS #46 maps U+3002 and other full stops to '.', so "a@b\u3002" would
  // otherwise end in an empty label.
  if (!good_shape(out)) return std::unexpected(EmailError::kBadShape);
  if (out.size() > kMaxEmailBytes || out.find('@') > kMaxLocalPartBytes) {
    return std::unexpected(EmailError::kTooLong);
  }
  return out;
}

std::string lower_ascii_letters(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace tessera::auth
