// The names of the account lifecycle's enums (outbox_store.h, account_token_store.h).
#include <array>
#include <utility>

#include "store/account_token_store.h"
#include "store/outbox_store.h"

namespace tessera::store {
namespace {

constexpr std::array<std::pair<MailStatus, std::string_view>, 3> kMailStatuses = {{
    {MailStatus::kPending, "pending"},
    {MailStatus::kSent, "sent"},
    {MailStatus::kFailed, "failed"},
}};

constexpr std::array<std::pair<AccountTokenPurpose, std::string_view>, 3> kPurposes = {{
    {AccountTokenPurpose::kVerifyEmail, "verify_email"},
    {AccountTokenPurpose::kResetPassword, "reset_password"},
    {AccountTokenPurpose::kChangeEmail, "change_email"},
}};

template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view text) {
  for (const auto& [v, name] : table) {
    if (name == text) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(MailStatus s) { return name_of(kMailStatuses, s); }
std::optional<MailStatus> parse_mail_status(std::string_view text) {
  return value_of(kMailStatuses, text);
}

std::string clip_mail_error(std::string_view error) {
  if (error.size() <= kMaxMailErrorBytes) return std::string(error);
  std::size_t end = kMaxMailErrorBytes;
  // Back up over continuation bytes (10xxxxxx) so no character is cut in two.
  while (end > 0 && (static_cast<unsigned char>(error[end]) & 0xC0U) == 0x80U) --end;
  return std::string(error.substr(0, end));
}

std::string_view to_string(AccountTokenPurpose p) { return name_of(kPurposes, p); }
std::optional<AccountTokenPurpose> parse_account_token_purpose(std::string_view text) {
  return value_of(kPurposes, text);
}

}  // namespace tessera::store
