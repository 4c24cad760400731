// Email addresses as identities (SPEC.md "Identity": unique, compared case-insensitively after
// NFC/ASCII lower-casing; an internationalised domain is stored in one form). Every email goes
// through normalize_email before it reaches a store, so the store's plain byte comparison is the
// SPEC's comparison.
//
// Normalization: valid UTF-8 -> no control, format, whitespace, private-use or unassigned code
// points -> Unicode NFC (ICU) -> ASCII letters lower-cased -> shape check -> the domain to its
// IDNA ASCII form (below) -> shape and length checks on the result. Non-ASCII letters of the
// local part keep their case: full Unicode case folding of local parts is not what mail servers
// do, and the SPEC asks only for ASCII lower-casing.
//
// Why refuse format and whitespace characters: U+200B (zero-width space), U+202E (bidi
// override) and friends would let two addresses that render identically be two accounts.
//
// The domain (issue 14, defect 9): `user@bücher.example`, `user@BÜCHER.example` and
// `user@xn--bcher-kva.example` are one mailbox, so they must be one account. The domain goes
// through IDNA 2008 as UTS #46 processes it (ICU: nontransitional, CheckBidi, CheckJoiners,
// UseSTD3ASCIIRules) to ASCII, and the A-label form is what is stored:
//   - it is the form DNS and SMTP use (RFC 5321 without the SMTPUTF8 extension takes only
//     A-labels), so the outbox can hand it to any mail server unchanged;
//   - it is ASCII, so comparing bytes is comparing domains, whatever Unicode version a later
//     ICU brings (a stored A-label is re-validated to itself);
//   - it shows look-alikes for what they are: an admin listing users or reading the audit log
//     sees `xn--pple-43d.com`, not a Cyrillic "аpple.com" that looks like another account.
// The price is that the user sees the A-label of an internationalised domain in API answers
// and lists; a page that wants the Unicode form can convert it for display only (ICU
// nameToUnicode), never for comparison. A domain that does not convert (a disallowed code
// point, a bad A-label, bidi or joiner rules broken, a label over 63 bytes or starting or
// ending with '-', an address literal such as [192.0.2.1], '_' in a label) is refused:
// kBadDomain. ASCII domains are processed the same way: one rule for every domain.
//
// Migration: rows written before this rule hold a non-ASCII domain in its NFC Unicode form,
// which normalize_email no longer produces, so such a user's login would miss. No SQL migration
// can run IDNA: UserService::renormalize_emails (run at every start) rewrites those rows, and
// reports by user id the ones whose new form another account already has (the duplicate
// accounts this rule prevents from now on; which one survives is an operator's decision).
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace tessera::auth {

enum class EmailError : std::uint8_t {
  kEmpty,
  kTooLong,        // more than 254 bytes (RFC 5321 path limit) after normalization, or a local
                   // part over 64 bytes, or raw input over kMaxRawEmailBytes
  kInvalidUtf8,    // ill-formed UTF-8 (overlong, surrogate, truncated, > U+10FFFF)
  kForbiddenChar,  // control, format, whitespace, private-use or unassigned code point
  kBadShape,       // not exactly one '@', empty local part or domain, empty domain label
  kBadDomain,      // the domain does not convert to an IDNA ASCII domain name (UTS #46)
};

std::string_view describe(EmailError e);

inline constexpr std::size_t kMaxEmailBytes = 254;
inline constexpr std::size_t kMaxLocalPartBytes = 64;
// Input longer than this is refused before any Unicode work.
inline constexpr std::size_t kMaxRawEmailBytes = 1024;

// The normalized form of `email`, or why it is not acceptable. Pure; thread-safe.
std::expected<std::string, EmailError> normalize_email(std::string_view email);

// `text` with its ASCII letters lower-cased, as normalize_email does to every address: what a
// byte-substring search of stored emails must look for (an admin's search is case-insensitive
// for ASCII, like the addresses themselves). Nothing else changes.
std::string lower_ascii_letters(std::string_view text);

}  // namespace tessera::auth
