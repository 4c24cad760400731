#include "auth/second_factors.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "auth/mfa/recovery_codes.h"
#include "auth/mfa/totp.h"
#include "base/base32.h"
#include "base/base64url.h"

namespace tessera::auth {
namespace {

// The AEAD's associated data binds a sealed secret to its user: a sealed value copied to
// another user's row does not open.
std::string secret_ad(const store::UserId& user) {
  return "tessera totp v1 " + store::to_uuid(user);
}

std::string mfa_nonce_key(std::string_view nonce) {
  std::string key = "mfa:token:";
  key += nonce;
  return key;
}

// The store's form of a recovery code's hash (mfa::hash_recovery_code), or nullopt when the
// code does not normalize.
std::optional<store::RecoveryCodeHash> code_hash(const crypto::HmacKey& key,
                                                 std::string_view code) {
  auto h = mfa::hash_recovery_code(key, code);
  store::RecoveryCodeHash bytes{};
  if (!h || h->size() != bytes.size()) return std::nullopt;
  std::copy(h->begin(), h->end(), bytes.begin());
  return bytes;
}

std::string key_or_random(std::string_view key) {
  return key.empty() ? crypto::random_bytes(32) : std::string(key);
}

}  // namespace

std::vector<std::string> FactorStatus::methods() const {
  std::vector<std::string> out;
  if (totp) out.emplace_back("totp");
  if (enrolled() && recovery_codes > 0) out.emplace_back("recovery_code");
  if (passkeys > 0) out.emplace_back("webauthn");
  return out;
}

SecondFactors::SecondFactors(std::shared_ptr<store::CredentialStore> credentials,
                             std::shared_ptr<store::CounterStore> counters, AuditService& audit,
                             const base::Clock& clock, SecondFactorConfig config)
    : credentials_(std::move(credentials)),
      counters_(std::move(counters)),
      audit_(audit),
      clock_(clock),
      config_(std::move(config)),
      recovery_mac_(crypto::Hash::kSha256, key_or_random(config_.recovery_key)),
      tickets_(config_.ticket_key) {}

std::expected<FactorStatus, Error> SecondFactors::status(const store::UserId& user) {
  FactorStatus s;
  auto totp = credentials_->find_totp(user);
  if (totp) {
    s.totp = totp->confirmed;
    s.totp_pending = !totp->confirmed;
  } else if (totp.error() != store::StoreError::kNotFound) {
    return std::unexpected(from_store(totp.error()));
  }
  auto codes = credentials_->remaining_recovery_codes(user);
  if (!codes) return std::unexpected(from_store(codes.error()));
  s.recovery_codes = *codes;
  auto passkeys = credentials_->list_passkeys(user);
  if (!passkeys) return std::unexpected(from_store(passkeys.error()));
  s.passkeys = passkeys->size();
  return s;
}

std::string SecondFactors::seal_secret(const store::UserId& user, std::string_view secret) const {
  return crypto::seal(config_.totp_key, secret, secret_ad(user));
}

std::optional<std::string> SecondFactors::open_secret(const store::UserId& user,
                                                      std::string_view sealed) const {
  return crypto::open(config_.totp_key, sealed, secret_ad(user));
}

std::expected<TotpEnrollment, Error> SecondFactors::enroll_totp(const store::User& user) {
  std::string secret = mfa::new_secret();
  auto uri = mfa::otpauth_uri(config_.issuer, user.email, secret);
  if (!uri) return std::unexpected(std::move(uri.error()));
  auto text = base::base32_encode(secret);
  if (!text) return std::unexpected(make_error(Errc::kInternal));
  const std::string sealed = seal_secret(user.id, secret);
  crypto::cleanse(secret);
  if (auto r = credentials_->put_pending_totp(user.id, sealed, clock_.now_unix()); !r) {
    if (r.error() == store::StoreError::kConflict) {
      return std::unexpected(make_error(
          Errc::kConflict, "two-factor authentication is on already: remove it to enrol again"));
    }
    return std::unexpected(from_store(r.error()));
  }
  // Apps want the secret unpadded (as in the URI).
  while (!text->empty() && text->back() == '=') text->pop_back();
  return TotpEnrollment{.secret = std::move(*text), .otpauth_uri = std::move(*uri)};
}

std::expected<std::vector<std::string>, Error> SecondFactors::issue_recovery_codes(
    const store::UserId& user) {
  std::vector<std::string> codes = mfa::generate_recovery_codes();
  std::vector<store::RecoveryCodeHash> hashes;
  hashes.reserve(codes.size());
  for (const std::string& code : codes) {
    auto h = code_hash(recovery_mac_, code);
    if (!h) return std::unexpected(make_error(Errc::kInternal));
    hashes.push_back(*h);
  }
  if (auto r = credentials_->replace_recovery_codes(user, hashes, clock_.now_unix()); !r) {
    return std::unexpected(from_store(r.error()));
  }
  return codes;
}

std::expected<std::vector<std::string>, Error> SecondFactors::confirm_totp(
    const store::User& user, std::string_view code, const AuditActor& actor) {
  const std::int64_t now = clock_.now_unix();
  auto totp = credentials_->find_totp(user.id);
  if (!totp) {
    if (totp.error() == store::StoreError::kNotFound) {
      return std::unexpected(make_error(Errc::kConflict, "enrol first: no secret awaits a code"));
    }
    return std::unexpected(from_store(totp.error()));
  }
  if (totp->confirmed) {
    return std::unexpected(make_error(Errc::kConflict, "two-factor authentication is on already"));
  }
  auto secret = open_secret(user.id, totp->sealed_secret);
  if (!secret) return std::unexpected(make_error(Errc::kInternal));
  const auto step = mfa::match(*secret, code, now);
  crypto::cleanse(*secret);
  if (!step) {
    audit_failure(user.id, actor, "totp", "wrong_code");
    return std::unexpected(make_error(Errc::kInvalidCode));
  }
  auto confirmed = credentials_->confirm_totp(user.id, *step, now);
  if (!confirmed) return std::unexpected(from_store(confirmed.error()));
  switch (*confirmed) {
    case store::TotpConfirm::kConfirmed:
      break;
    case store::TotpConfirm::kReplayed:
      return std::unexpected(make_error(Errc::kInvalidCode));
    case store::TotpConfirm::kNoSecret:
    case store::TotpConfirm::kAlreadyConfirmed:  // a concurrent confirmation won
      return std::unexpected(
          make_error(Errc::kConflict, "two-factor authentication is on already"));
  }
  auto codes = issue_recovery_codes(user.id);
  if (!codes) return std::unexpected(std::move(codes.error()));
  (void)audit_.record(AuditType::kTotpEnabled, now, actor, {{"recovery_codes", codes->size()}});
  return codes;
}

std::expected<void, Error> SecondFactors::remove_totp(const store::UserId& user,
                                                      const AuditActor& actor) {
  if (auto r = credentials_->remove_totp(user); !r) return std::unexpected(from_store(r.error()));
  std::size_t removed = 0;
  auto passkeys = credentials_->list_passkeys(user);
  if (!passkeys) return std::unexpected(from_store(passkeys.error()));
  if (passkeys->empty()) {
    auto n = credentials_->remove_recovery_codes(user);
    if (!n) return std::unexpected(from_store(n.error()));
    removed = *n;
  }
  (void)audit_.record(AuditType::kTotpRemoved, clock_.now_unix(), actor,
                      {{"recovery_codes_removed", removed}});
  return {};
}

std::expected<std::vector<std::string>, Error> SecondFactors::regenerate_recovery_codes(
    const store::UserId& user, const AuditActor& actor) {
  auto s = status(user);
  if (!s) return std::unexpected(std::move(s.error()));
  if (!s->enrolled()) {
    return std::unexpected(make_error(
        Errc::kConflict, "recovery codes need a second factor: turn on TOTP or add a passkey"));
  }
  auto codes = issue_recovery_codes(user);
  if (!codes) return codes;
  (void)audit_.record(AuditType::kRecoveryCodesIssued, clock_.now_unix(), actor,
                      {{"count", codes->size()}});
  return codes;
}

void SecondFactors::audit_failure(const store::UserId& user, const AuditActor& actor,
                                  std::string_view method, std::string_view reason) {
  AuditActor who = actor;
  who.user = user;
  (void)audit_.record(AuditType::kMfaFailure, clock_.now_unix(), who,
                      {{"method", method}, {"reason", reason}});
}

std::expected<AuthMethodRef, Error> SecondFactors::verify_code(const store::UserId& user,
                                                               CodeKind kind, std::string_view code,
                                                               const AuditActor& actor) {
  const std::int64_t now = clock_.now_unix();
  if (kind == CodeKind::kRecoveryCode) {
    // A code in no valid form costs no store call; it is still a failed attempt.
    auto h = code_hash(recovery_mac_, code);
    if (!h) {
      audit_failure(user, actor, "recovery_code", "malformed");
      return std::unexpected(make_error(Errc::kInvalidCode));
    }
    auto used = credentials_->use_recovery_code(user, *h, now);
    if (!used) return std::unexpected(from_store(used.error()));
    if (*used != store::RecoveryCodeUse::kAccepted) {
      audit_failure(user, actor, "recovery_code", "unknown_or_used");
      return std::unexpected(make_error(Errc::kInvalidCode));
    }
    auto left = credentials_->remaining_recovery_codes(user);
    AuditActor who = actor;
    who.user = user;
    (void)audit_.record(AuditType::kRecoveryCodeUsed, now, who, {{"remaining", left.value_or(0)}});
    return AuthMethodRef::kOtp;
  }
  if (!mfa::is_code_form(code)) {
    audit_failure(user, actor, "totp", "malformed");
    return std::unexpected(make_error(Errc::kInvalidCode));
  }
  auto totp = credentials_->find_totp(user);
  if (!totp) {
    if (totp.error() != store::StoreError::kNotFound) {
      return std::unexpected(from_store(totp.error()));
    }
    audit_failure(user, actor, "totp", "not_enrolled");
    return std::unexpected(make_error(Errc::kInvalidCode));
  }
  if (!totp->confirmed) {
    audit_failure(user, actor, "totp", "not_enrolled");
    return std::unexpected(make_error(Errc::kInvalidCode));
  }
  auto secret = open_secret(user, totp->sealed_secret);
  if (!secret) return std::unexpected(make_error(Errc::kInternal));
  const std::optional<std::int64_t> last =
      totp->last_step > 0 ? std::optional<std::int64_t>(totp->last_step) : std::nullopt;
  const auto step = mfa::match_unused(*secret, code, now, last);
  crypto::cleanse(*secret);
  if (!step) {
    audit_failure(user, actor, "totp", "wrong_or_used_code");
    return std::unexpected(make_error(Errc::kInvalidCode));
  }
  // The store decides, atomically: another node may have accepted this step meanwhile.
  auto used = credentials_->use_totp_step(user, *step);
  if (!used) return std::unexpected(from_store(used.error()));
  if (*used != store::TotpUse::kAccepted) {
    audit_failure(user, actor, "totp", "replayed");
    return std::unexpected(make_error(Errc::kInvalidCode));
  }
  return AuthMethodRef::kOtp;
}

std::string SecondFactors::issue_mfa_token(const store::UserId& user, Amr first) const {
  nlohmann::json payload = {{"typ", "mfa"},
                            {"sub", store::to_uuid(user)},
                            {"amr", first.text()},
                            {"n", base::base64url_encode(crypto::random_bytes(16))}};
  return tickets_.make(std::move(payload), clock_.now_unix(), kMfaTokenTtl);
}

std::expected<MfaTicket, Error> SecondFactors::open_mfa_token(std::string_view token) const {
  const auto bad = [] { return std::unexpected(make_error(Errc::kInvalidMfaToken)); };
  const auto payload = tickets_.open(token, clock_.now_unix());
  if (!payload) return bad();
  // Made by issue_mfa_token(): checked anyway, never trusted to be well formed.
  const auto typ = payload->find("typ");
  const auto sub = payload->find("sub");
  const auto amr = payload->find("amr");
  const auto nonce = payload->find("n");
  if (typ == payload->end() || *typ != "mfa" || sub == payload->end() || !sub->is_string() ||
      amr == payload->end() || !amr->is_string() || nonce == payload->end() ||
      !nonce->is_string()) {
    return bad();
  }
  auto user = store::parse_uuid(sub->get<std::string>());
  auto first = Amr::parse(amr->get<std::string>());
  if (!user || !first || first->empty()) return bad();
  MfaTicket ticket{.user = *user, .first = *first, .nonce = nonce->get<std::string>()};
  auto used = counters_->get(mfa_nonce_key(ticket.nonce), clock_.now_unix());
  if (!used) return std::unexpected(from_store(used.error()));
  if (used->value > 0) return bad();
  return ticket;
}

std::expected<void, Error> SecondFactors::consume_mfa_token(const MfaTicket& ticket) const {
  // The counter outlives the token (its window is the token's whole lifetime from now).
  auto n = counters_->increment(mfa_nonce_key(ticket.nonce), clock_.now_unix(), kMfaTokenTtl);
  if (!n) return std::unexpected(from_store(n.error()));
  if (n->value != 1) return std::unexpected(make_error(Errc::kInvalidMfaToken));
  return {};
}

std::expected<SecondFactors::LegacyReport, Error> SecondFactors::seal_legacy_secrets() {
  LegacyReport report;
  auto legacy = credentials_->legacy_totp_secrets();
  if (!legacy) return std::unexpected(from_store(legacy.error()));
  for (store::LegacyTotpSecret& row : *legacy) {
    auto secret = base::base32_decode(row.plaintext);
    crypto::cleanse(row.plaintext);
    // Not a usable secret (RFC 4226 R6: at least 128 bits): sealing it would store a factor
    // no code can pass. It stays where it is, counted, for the operator to look at.
    const bool usable = secret && secret->size() >= 16;
    const std::string sealed = usable ? seal_secret(row.user_id, *secret) : std::string();
    if (secret) crypto::cleanse(*secret);
    if (!usable) {
      ++report.skipped;
      continue;
    }
    auto r = credentials_->seal_legacy_totp(row.user_id, sealed, clock_.now_unix());
    if (!r) {
      if (r.error() == store::StoreError::kNotFound) continue;  // another node sealed it
      return std::unexpected(from_store(r.error()));
    }
    if (*r == store::LegacySeal::kSealed) ++report.sealed;
  }
  return report;
}

}  // namespace tessera::auth
