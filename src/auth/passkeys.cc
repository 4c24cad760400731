#include "auth/passkeys.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "auth/text.h"
#include "base/base64url.h"
#include "crypto/hash.h"
#include "webauthn/assertion.h"
#include "webauthn/client_data.h"
#include "webauthn/options.h"
#include "webauthn/registration.h"
#include "webauthn/response_json.h"

namespace tessera::auth {
namespace {

constexpr std::string_view kNotConfiguredDetail =
    "passkeys are not configured: set webauthn.rp_id (or an allowed origin that is a domain name)";
constexpr std::string_view kChallengeKeyPrefix = "webauthn:challenge:";
constexpr std::size_t kNonceBytes = 16;
// Fresh user-handle candidates drawn before giving up (a collision of 256 random bits means a
// broken CSPRNG, not bad luck).
constexpr int kHandleTries = 3;

// The ticket's "c" member.
std::string_view ceremony_tag(PasskeyCeremony c) {
  switch (c) {
    case PasskeyCeremony::kRegister:
      return "register";
    case PasskeyCeremony::kLogin:
      return "login";
    case PasskeyCeremony::kSecondFactor:
      return "second_factor";
  }
  return "?";
}

template <std::size_t N>
std::string b64(const std::array<std::uint8_t, N>& bytes) {
  return base::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

template <std::size_t N>
std::string raw(const std::array<std::uint8_t, N>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> fixed_bytes(std::string_view bytes) {
  if (bytes.size() != N) return std::nullopt;
  std::array<std::uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(out.data()));
  return out;
}

template <std::size_t N>
std::array<std::uint8_t, N> random_array() {
  return *fixed_bytes<N>(crypto::random_bytes(N));
}

std::vector<webauthn::CredentialDescriptor> descriptors(const std::vector<store::Passkey>& list) {
  std::vector<webauthn::CredentialDescriptor> out;
  out.reserve(list.size());
  for (const store::Passkey& p : list) {
    out.push_back({.id = p.credential_id, .transports = p.transports});
  }
  return out;
}

std::string wrap_public_key(const std::string& options_json) {
  return R"({"publicKey":)" + options_json + "}";
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// The trimmed name, or kBadInput saying what is wrong.
std::expected<std::string, Error> checked_name(std::string_view name) {
  while (!name.empty() && is_space(name.front())) name.remove_prefix(1);
  while (!name.empty() && is_space(name.back())) name.remove_suffix(1);
  if (!valid_utf8(name)) return std::unexpected(make_error(Errc::kBadInput, "name must be UTF-8"));
  const std::size_t chars = count_code_points(name);
  if (chars < 1 || chars > kMaxPasskeyNameChars) {
    return std::unexpected(
        make_error(Errc::kBadInput,
                   "name must be 1 to " + std::to_string(kMaxPasskeyNameChars) + " characters"));
  }
  for (std::size_t i = 0; i < name.size();) {
    const std::int32_t cp = detail::next_code_point(name, i);
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {  // Unicode category Cc: C0, DEL, C1
      return std::unexpected(
          make_error(Errc::kBadInput, "name must not contain control characters"));
    }
  }
  return std::string(name);
}

// "Passkey N" with the smallest N >= 1 no passkey of `list` is named.
std::string default_name(const std::vector<store::Passkey>& list) {
  for (std::size_t n = 1;; ++n) {
    std::string name = "Passkey " + std::to_string(n);
    if (std::none_of(list.begin(), list.end(),
                     [&](const store::Passkey& p) { return p.name == name; })) {
      return name;
    }
  }
}

Error not_configured() {
  return make_error(Errc::kNotConfigured, std::string(kNotConfiguredDetail));
}

Error too_many() {
  return make_error(Errc::kConflict, "an account holds at most " +
                                         std::to_string(kMaxPasskeysPerUser) +
                                         " passkeys: remove one first");
}

}  // namespace

struct PasskeyService::Challenge {
  std::string ticket;  // the challenge's raw bytes, as verify_* compare them
  PasskeyCeremony ceremony = PasskeyCeremony::kRegister;
  std::optional<store::UserId> user;
  std::string nonce;
};

PasskeyService::PasskeyService(std::shared_ptr<store::CredentialStore> credentials,
                               std::shared_ptr<store::UserStore> users,
                               std::shared_ptr<store::CounterStore> counters, AuditService& audit,
                               const base::Clock& clock, PasskeyConfig config)
    : credentials_(std::move(credentials)),
      users_(std::move(users)),
      counters_(std::move(counters)),
      audit_(audit),
      clock_(clock),
      config_(std::move(config)),
      tickets_(config_.ticket_key) {}

void PasskeyService::set_relying_party(std::string rp_id,
                                       std::vector<std::string> allowed_origins) {
  config_.rp_id = std::move(rp_id);
  config_.allowed_origins = std::move(allowed_origins);
}

std::string PasskeyService::make_challenge(PasskeyCeremony ceremony,
                                           const std::optional<store::UserId>& user,
                                           std::int64_t now) const {
  nlohmann::json payload = {{"c", ceremony_tag(ceremony)},
                            {"n", base::base64url_encode(crypto::random_bytes(kNonceBytes))}};
  if (user) payload["u"] = store::to_uuid(*user);
  return tickets_.make(std::move(payload), now, config_.challenge_ttl);
}

std::optional<PasskeyService::Challenge> PasskeyService::open_challenge(
    std::string_view client_data_json, std::int64_t now) const {
  auto client = webauthn::parse_client_data(client_data_json);
  if (!client) return std::nullopt;
  auto ticket = base::base64url_decode(client->challenge);
  if (!ticket) return std::nullopt;
  auto payload = tickets_.open(*ticket, now);
  if (!payload) return std::nullopt;
  // Made by make_challenge() under our key: the members are there, but checked all the same.
  const auto c = payload->find("c");
  const auto n = payload->find("n");
  if (c == payload->end() || !c->is_string() || n == payload->end() || !n->is_string()) {
    return std::nullopt;
  }
  Challenge out{.ticket = std::move(*ticket), .nonce = n->get<std::string>()};
  bool known = false;
  for (PasskeyCeremony k :
       {PasskeyCeremony::kRegister, PasskeyCeremony::kLogin, PasskeyCeremony::kSecondFactor}) {
    if (c->get<std::string>() == ceremony_tag(k)) {
      out.ceremony = k;
      known = true;
    }
  }
  if (!known) return std::nullopt;
  if (const auto u = payload->find("u"); u != payload->end()) {
    if (!u->is_string()) return std::nullopt;
    out.user = store::parse_uuid(u->get<std::string>());
    if (!out.user) return std::nullopt;
  }
  return out;
}

std::expected<bool, Error> PasskeyService::consume(const Challenge& challenge, std::int64_t now) {
  // The window outlives the ticket (which was made at or before now with the same ttl).
  std::string key(kChallengeKeyPrefix);
  key += challenge.nonce;
  auto count = counters_->increment(key, now, config_.challenge_ttl);
  if (!count) return std::unexpected(from_store(count.error()));
  return count->value == 1;
}

std::expected<store::UserHandle, Error> PasskeyService::user_handle(const store::UserId& user) {
  for (int i = 0; i < kHandleTries; ++i) {
    auto handle = credentials_->user_handle(user, random_array<32>(), clock_.now_unix());
    if (handle) return *handle;
    if (handle.error() != store::StoreError::kConflict) {
      return std::unexpected(from_store(handle.error()));
    }
  }
  return std::unexpected(make_error(Errc::kInternal, "no free WebAuthn user handle"));
}

std::expected<std::vector<store::Passkey>, Error> PasskeyService::passkeys_of(
    const store::UserId& user) {
  auto list = credentials_->list_passkeys(user);
  if (!list) return std::unexpected(from_store(list.error()));
  return std::move(*list);
}

std::expected<std::string, Error> PasskeyService::registration_options(const store::User& user) {
  if (!enabled()) return std::unexpected(not_configured());
  auto handle = user_handle(user.id);
  if (!handle) return std::unexpected(handle.error());
  auto existing = passkeys_of(user.id);
  if (!existing) return std::unexpected(existing.error());
  if (existing->size() >= kMaxPasskeysPerUser) return std::unexpected(too_many());
  webauthn::CreationOptions o;
  o.rp_id = config_.rp_id;
  o.rp_name = config_.rp_name;
  o.user_id = raw(*handle);
  o.user_name = user.email;
  o.user_display_name = user.email;
  o.challenge = make_challenge(PasskeyCeremony::kRegister, user.id, clock_.now_unix());
  o.timeout_ms = static_cast<std::uint32_t>(config_.challenge_ttl * 1000);
  o.exclude_credentials = descriptors(*existing);
  o.resident_key = webauthn::Requirement::kRequired;
  o.user_verification = webauthn::Requirement::kRequired;
  return wrap_public_key(webauthn::creation_options_json(o));
}

std::expected<store::Passkey, Error> PasskeyService::register_passkey(
    const store::User& user, std::string_view response_json, std::int64_t now,
    const AuditActor& from) {
  if (!enabled()) return std::unexpected(not_configured());
  const auto bad = [](std::string detail) {
    return std::unexpected(make_error(Errc::kBadInput, std::move(detail)));
  };
  auto response = webauthn::parse_registration_response(response_json);
  if (!response) {
    return bad("the registration response is malformed: " +
               std::string(webauthn::describe(response.error())));
  }
  // The challenge: a live kRegister ticket for this very user.
  const auto challenge = open_challenge(response->client_data_json, now);
  if (!challenge || challenge->ceremony != PasskeyCeremony::kRegister ||
      challenge->user != user.id) {
    return bad("the registration challenge is invalid or expired: ask for new options");
  }
  // Section 7.1 steps 5-25 and 27.
  auto credential =
      webauthn::verify_registration(*response, {.challenge = challenge->ticket,
                                                .rp_id = config_.rp_id,
                                                .allowed_origins = config_.allowed_origins,
                                                .require_user_verification = true});
  if (!credential) {
    return bad("the passkey was not accepted: " +
               std::string(webauthn::describe(credential.error())));
  }
  // Verified: the challenge is spent now, before anything is stored.
  auto first = consume(*challenge, now);
  if (!first) return std::unexpected(first.error());
  if (!*first) return bad("the registration challenge was used already: ask for new options");

  auto existing = passkeys_of(user.id);
  if (!existing) return std::unexpected(existing.error());
  if (existing->size() >= kMaxPasskeysPerUser) return std::unexpected(too_many());
  store::Passkey p;
  p.id = random_array<16>();
  p.user_id = user.id;
  p.credential_id = std::move(credential->credential_id);
  p.public_key = std::move(credential->public_key);
  p.sign_count = credential->sign_count;
  p.transports = std::move(credential->transports);
  p.name = default_name(*existing);
  p.aaguid = fixed_bytes<16>(credential->aaguid).value_or(store::Aaguid{});
  p.backup_eligible = credential->backup_eligible;
  p.backed_up = credential->backup_state;
  p.created_at = now;
  // Step 26: a credential id is registered to one user at most; the store decides atomically.
  if (auto added = credentials_->add_passkey(p); !added) {
    if (added.error() == store::StoreError::kConflict) {
      return std::unexpected(make_error(Errc::kConflict, "this passkey is registered already"));
    }
    return std::unexpected(from_store(added.error()));
  }
  AuditActor actor = from;
  actor.user = user.id;
  (void)audit_.record(
      AuditType::kPasskeyAdded, now, actor,
      {{"passkey", b64(p.id)}, {"name", p.name}, {"backup_eligible", p.backup_eligible}});
  return p;
}

std::expected<std::vector<store::Passkey>, Error> PasskeyService::list(const store::User& user) {
  return passkeys_of(user.id);
}

std::expected<store::Passkey, Error> PasskeyService::rename(const store::User& user,
                                                            const store::PasskeyId& id,
                                                            std::string_view name) {
  auto checked = checked_name(name);
  if (!checked) return std::unexpected(checked.error());
  if (auto r = credentials_->rename_passkey(user.id, id, *checked); !r) {
    return std::unexpected(from_store(r.error()));
  }
  auto p = credentials_->find_passkey(user.id, id);
  if (!p) return std::unexpected(from_store(p.error()));  // removed meanwhile: kNotFound
  return std::move(*p);
}

std::expected<void, Error> PasskeyService::remove(const store::User& user,
                                                  const store::PasskeyId& id,
                                                  const AuditActor& from) {
  auto p = credentials_->find_passkey(user.id, id);
  if (!p) return std::unexpected(from_store(p.error()));
  if (auto r = credentials_->remove_passkey(user.id, id); !r) {
    return std::unexpected(from_store(r.error()));
  }
  AuditActor actor = from;
  actor.user = user.id;
  (void)audit_.record(AuditType::kPasskeyRemoved, clock_.now_unix(), actor,
                      {{"passkey", b64(id)}, {"name", p->name}});
  return {};
}

std::expected<std::string, Error> PasskeyService::login_options(std::optional<store::UserId> user,
                                                                PasskeyCeremony ceremony) {
  if (ceremony == PasskeyCeremony::kRegister ||
      (ceremony == PasskeyCeremony::kSecondFactor && !user)) {
    return std::unexpected(make_error(Errc::kInternal, "login_options: no such ceremony"));
  }
  if (!enabled()) return std::unexpected(not_configured());
  webauthn::RequestOptions o;
  std::optional<store::UserId> named;
  if (user) {
    auto mine = passkeys_of(*user);
    if (!mine) return std::unexpected(mine.error());
    o.allow_credentials = descriptors(*mine);
    // kLogin names the user only with a non-empty allowCredentials: a user without passkeys
    // gets exactly what an unknown email gets.
    if (ceremony == PasskeyCeremony::kSecondFactor || !mine->empty()) named = user;
  }
  o.challenge = make_challenge(ceremony, named, clock_.now_unix());
  o.rp_id = config_.rp_id;
  o.timeout_ms = static_cast<std::uint32_t>(config_.challenge_ttl * 1000);
  o.user_verification = ceremony == PasskeyCeremony::kLogin ? webauthn::Requirement::kRequired
                                                            : webauthn::Requirement::kDiscouraged;
  return wrap_public_key(webauthn::request_options_json(o));
}

std::expected<PasskeyAssertion, Error> PasskeyService::verify_login(
    std::string_view response_json, PasskeyCeremony ceremony,
    std::optional<store::UserId> expected_user, std::int64_t now, const AuditActor& from) {
  if (ceremony == PasskeyCeremony::kRegister) {
    return std::unexpected(make_error(Errc::kInternal, "verify_login: not a sign-in ceremony"));
  }
  if (!enabled()) return std::unexpected(not_configured());
  // One bland error out, the reason in the audit log.
  const auto refuse = [&](std::string reason, const store::Passkey* p = nullptr) {
    nlohmann::json detail = {{"reason", std::move(reason)}, {"ceremony", ceremony_tag(ceremony)}};
    AuditActor actor = from;
    if (p != nullptr) {
      detail["passkey"] = b64(p->id);
      actor.user = p->user_id;
    }
    (void)audit_.record(AuditType::kPasskeyRefused, now, actor, detail);
    return std::unexpected(make_error(Errc::kPasskeyRefused));
  };

  auto response = webauthn::parse_authentication_response(response_json);
  if (!response) {
    return refuse("malformed response: " + std::string(webauthn::describe(response.error())));
  }
  const auto challenge = open_challenge(response->client_data_json, now);
  if (!challenge) return refuse("challenge invalid, forged or expired");
  if (challenge->ceremony != ceremony) return refuse("challenge of another ceremony");
  if (ceremony == PasskeyCeremony::kSecondFactor && !challenge->user) {
    return refuse("second-factor challenge names no user");
  }

  // Steps 5-6: the credential, its owner, and the user handle.
  auto found = credentials_->find_passkey_by_credential_id(response->raw_id);
  if (!found) {
    if (found.error() == store::StoreError::kNotFound) return refuse("unknown credential");
    return std::unexpected(from_store(found.error()));
  }
  const store::Passkey& passkey = *found;
  if (challenge->user && *challenge->user != passkey.user_id) {
    return refuse("credential not among allowCredentials (another user's)", &passkey);
  }
  if (expected_user && *expected_user != passkey.user_id) {
    return refuse("credential of another user than the expected one", &passkey);
  }
  if (response->user_handle) {
    const auto handle = fixed_bytes<32>(*response->user_handle);
    if (!handle) return refuse("userHandle is not one of ours", &passkey);
    auto owner = credentials_->user_by_handle(*handle);
    if (!owner && owner.error() != store::StoreError::kNotFound) {
      return std::unexpected(from_store(owner.error()));
    }
    if (!owner || *owner != passkey.user_id) {
      return refuse("userHandle is not the credential owner's", &passkey);
    }
  } else if (!challenge->user && !expected_user) {
    return refuse("userHandle missing on a discoverable sign-in", &passkey);
  }
  auto user = users_->find_by_id(passkey.user_id);
  if (!user) {
    if (user.error() == store::StoreError::kNotFound) return refuse("user gone", &passkey);
    return std::unexpected(from_store(user.error()));
  }
  if (user->disabled) return refuse("user disabled", &passkey);

  // Steps 7-21 and 23: the response itself, with the stored key.
  auto key = webauthn::CoseKey::parse(passkey.public_key);
  if (!key) {
    return std::unexpected(make_error(Errc::kInternal, "stored passkey key does not parse"));
  }
  const bool login = ceremony == PasskeyCeremony::kLogin;
  auto verified = webauthn::verify_assertion(*response, *key,
                                             {.challenge = challenge->ticket,
                                              .rp_id = config_.rp_id,
                                              .allowed_origins = config_.allowed_origins,
                                              .require_user_verification = login,
                                              .stored_backup_eligible = passkey.backup_eligible});
  if (!verified) return refuse(std::string(webauthn::describe(verified.error())), &passkey);

  // The signature verified: spend the challenge before anything else happens.
  auto first = consume(*challenge, now);
  if (!first) return std::unexpected(first.error());
  if (!*first) return refuse("challenge used already (replay)", &passkey);

  // Steps 22 and 24: the counter moves up, atomically; the record is updated.
  auto used = credentials_->use_passkey(passkey.credential_id, verified->sign_count,
                                        verified->backup_state, now);
  if (!used) {
    if (used.error() == store::StoreError::kNotFound) return refuse("credential removed", &passkey);
    return std::unexpected(from_store(used.error()));
  }
  if (used->outcome == store::PasskeyUseOutcome::kCounterNotIncreased) {
    AuditActor actor = from;
    actor.user = passkey.user_id;
    (void)audit_.record(AuditType::kPasskeyCloneSuspected, now, actor,
                        {{"passkey", b64(passkey.id)},
                         {"stored_count", used->passkey.sign_count},
                         {"presented_count", verified->sign_count}});
    return refuse("signature counter did not increase (possible cloned authenticator)", &passkey);
  }

  Amr methods = Amr::of(passkey.backup_eligible ? AuthMethodRef::kSwk : AuthMethodRef::kHwk);
  if (login) methods = methods.with(AuthMethodRef::kMfa);  // UV was required and verified
  return PasskeyAssertion{
      .user = passkey.user_id, .methods = methods, .passkey = std::move(used->passkey)};
}

}  // namespace tessera::auth
