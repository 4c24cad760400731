#include "auth/errors.h"

namespace tessera::auth {

std::string_view describe(Errc c) {
  switch (c) {
    case Errc::kInvalidCredentials:
      return "invalid credentials";
    case Errc::kRateLimited:
      return "rate limited";
    case Errc::kConcurrencyLimited:
      return "too many concurrent attempts";
    case Errc::kEmailTaken:
      return "email taken";
    case Errc::kWeakPassword:
      return "weak password";
    case Errc::kBadInput:
      return "bad input";
    case Errc::kUnauthenticated:
      return "unauthenticated";
    case Errc::kForbidden:
      return "forbidden";
    case Errc::kBusy:
      return "busy";
    case Errc::kUnavailable:
      return "store unavailable";
    case Errc::kNotFound:
      return "not found";
    case Errc::kInternal:
      return "internal error";
    case Errc::kStepUpRequired:
      return "step-up required";
    case Errc::kConflict:
      return "conflict";
    case Errc::kInvalidCode:
      return "invalid second-factor code";
    case Errc::kInvalidMfaToken:
      return "invalid mfa token";
    case Errc::kMfaEnrollmentRequired:
      return "second factor enrolment required";
    case Errc::kPasskeyRefused:
      return "passkey refused";
    case Errc::kNotConfigured:
      return "not configured";
    case Errc::kInvalidLink:
      return "invalid link";
    case Errc::kEmailNotVerified:
      return "email not verified";
  }
  return "unknown error";
}

std::string describe(const Error& e) {
  std::string out(describe(e.code));
  if (e.code == Errc::kRateLimited || e.code == Errc::kConcurrencyLimited) {
    out += " (retry after " + std::to_string(e.retry_after) + " s)";
  }
  if (!e.detail.empty()) {
    out += ": ";
    out += e.detail;
  }
  return out;
}

Error from_store(store::StoreError e) {
  switch (e) {
    case store::StoreError::kUnavailable:
      return make_error(Errc::kUnavailable);
    case store::StoreError::kNotFound:
      return make_error(Errc::kNotFound);
    case store::StoreError::kConflict:
    case store::StoreError::kCorrupt:
      break;
  }
  return make_error(Errc::kInternal);
}

}  // namespace tessera::auth
