// Passkeys (SPEC.md "Second factors and step-up"; W3C WebAuthn Level 3): registering them on an
// account, managing them, and the relying party's half of a passkey sign-in, either as the
// whole login (passwordless) or as the second factor after a password.
//
// Who decides what:
//   - webauthn/ (pure) verifies a response against what the options asked: client data,
//     authenticator data, attestation, signature (sections 7.1 and 7.2);
//   - THIS SERVICE decides everything webauthn/ leaves to its caller: which challenge was
//     issued, for which ceremony and user, and that it is used once; which credentials a
//     ceremony may use (allowCredentials, the owner, the user handle); user verification per
//     ceremony; that a disabled user's passkey signs nobody in; what the sign-in proves (amr);
//     the names of passkeys; what is audited;
//   - the credential store decides, atomically across nodes, what must happen at most once or
//     be unique: a credential id belongs to one user (add_passkey), the signature counter only
//     moves up (use_passkey, section 7.2 step 22), one user handle per user (user_handle);
//   - the counter store makes a challenge single-use across nodes (increment of its nonce).
//
// Challenges are stateless: the challenge bytes ARE a TicketSigner ticket {c: ceremony, u: user
// id (when the ceremony names one), n: random nonce} valid for challenge_ttl, under a key every
// node shares, so any node can check a response to options another node issued. A ticket is
// readable by the browser: it carries no secret. It is consumed (its nonce counted in the
// CounterStore) only after the response's signature verified, so a forged response cannot
// burn someone else's challenge; and before anything is stored or answered, so a verified
// response cannot be replayed.
//
// User verification (section 6.2.3): registration asks for "required" (a passkey here is also
// a passwordless first factor, which needs UV; an authenticator that cannot verify its user
// could never sign in alone). kLogin asks for and requires "required": the passkey is the whole
// login, possession AND the user's PIN or biometric, so it counts as multi-factor (amr mfa).
// kSecondFactor asks for "discouraged" and does not require UV: the password was the first
// factor, the passkey adds possession, and a PIN prompt would add nothing.
//
// Errors: store failures are kUnavailable (fail closed; kInternal for a corrupt record, as
// from_store says); the ceremonies answer kNotConfigured while no RP id is set (passkeys off).
// Registration faults are kBadInput with a detail the user can act on, a credential registered
// already (to anyone) is kConflict. Every refusal of an assertion is kPasskeyRefused, one
// bland error whatever the cause: the cause goes to the audit log ("passkey.refused" with a
// reason; "passkey.clone_suspected" for a counter that did not increase), never to the client.
//
// Thread-safe after wiring (set_relying_party before serving). REQUIRES: every referenced
// object outlives this one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit.h"
#include "auth/auth_context.h"
#include "auth/errors.h"
#include "auth/signed_ticket.h"
#include "base/clock.h"
#include "store/counter_store.h"
#include "store/credential_store.h"
#include "store/user_store.h"

namespace tessera::auth {

struct PasskeyConfig {
  // The relying party id (section 5.4.2): a domain name, never an IP address (app/config
  // refuses one). Empty: passkeys are off and the ceremonies answer kNotConfigured.
  std::string rp_id;
  std::string rp_name = "Tessera";
  // The origins a ceremony may come from (clientDataJSON.origin, compared exactly).
  std::vector<std::string> allowed_origins;
  // Keys the challenge tickets; every node of a deployment must use the same one (app/services.cc
  // derives it from the master key). Empty: a random key for this process only.
  std::string ticket_key;
  std::int64_t challenge_ttl = 300;  // seconds a challenge (and the options' timeout) lasts
};

enum class PasskeyCeremony : std::uint8_t {
  kRegister,
  kLogin,         // passwordless: the passkey is the whole login (first factor)
  kSecondFactor,  // after a password
};

// A verified passkey sign-in.
struct PasskeyAssertion {
  store::UserId user{};
  // hwk for a device-bound credential, swk for a backup-eligible (synced) one; plus mfa for
  // kLogin (user-verified). kSecondFactor: hwk or swk alone (the caller adds pwd and mfa).
  Amr methods;
  store::Passkey passkey;  // as stored after this use (counter, last_used_at)
};

// A passkey's name: 1..kMaxPasskeyNameChars characters (code points) once trimmed.
inline constexpr std::size_t kMaxPasskeyNameChars = 64;
// A user holds at most this many passkeys (each one is in every excludeCredentials and
// allowCredentials list of the user's options).
inline constexpr std::size_t kMaxPasskeysPerUser = 32;

class PasskeyService {
 public:
  // `clock` dates the options' challenges and new user handles; the verifying calls take `now`.
  PasskeyService(std::shared_ptr<store::CredentialStore> credentials,
                 std::shared_ptr<store::UserStore> users,
                 std::shared_ptr<store::CounterStore> counters, AuditService& audit,
                 const base::Clock& clock, PasskeyConfig config);

  // Whether an RP id is set (the ceremonies work).
  bool enabled() const { return !config_.rp_id.empty(); }

  // {"publicKey": PublicKeyCredentialCreationOptionsJSON} (section 5.4) for a new passkey of
  // `user`: rp {id, name}; user {id: the user's random 32-byte handle (made now if the user has
  // none), name and displayName: the email}; a kRegister challenge for this user;
  // pubKeyCredParams ES256, EdDSA, RS256; excludeCredentials: the user's passkeys; residentKey
  // and userVerification required; attestation none. kConflict when the user holds
  // kMaxPasskeysPerUser already. REQUIRES: the caller authenticated `user` recently.
  std::expected<std::string, Error> registration_options(const store::User& user);

  // Section 7.1 for a RegistrationResponseJSON answering registration_options(user): the
  // challenge is a live kRegister ticket for this user, used once; the response verifies
  // (origin among allowed_origins, rp_id, UV, ES256/EdDSA/RS256). Stores the passkey (a new
  // random id, the name "Passkey N" with the smallest N free, flags, transports, AAGUID) and
  // audits passkey.added. kBadInput for any fault of the response or challenge (detail says
  // what), kConflict if the credential is registered already (to anyone) or the user holds
  // kMaxPasskeysPerUser.
  std::expected<store::Passkey, Error> register_passkey(const store::User& user,
                                                        std::string_view response_json,
                                                        std::int64_t now,
                                                        const AuditActor& from = {});

  // The user's passkeys, oldest first.
  std::expected<std::vector<store::Passkey>, Error> list(const store::User& user);

  // Renames the user's passkey `id`; returns it renamed. The name is trimmed of white space,
  // then must be 1..kMaxPasskeyNameChars characters of valid UTF-8 without control characters
  // (kBadInput). kNotFound for an unknown id or another user's, alike.
  std::expected<store::Passkey, Error> rename(const store::User& user, const store::PasskeyId& id,
                                              std::string_view name);

  // Deletes the user's passkey `id` and audits passkey.removed. kNotFound for an unknown id or
  // another user's, alike. (Removing a factor is a sensitive action: the caller checks that
  // the authentication is recent.)
  std::expected<void, Error> remove(const store::User& user, const store::PasskeyId& id,
                                    const AuditActor& from = {});

  // {"publicKey": PublicKeyCredentialRequestOptionsJSON} (section 5.5) for a sign-in:
  //   - kLogin, no user: allowCredentials empty (a discoverable credential; the browser lets
  //     the person choose), a challenge naming no user;
  //   - kLogin with a user (the login page sent an email): allowCredentials = that user's
  //     passkeys, and the challenge names the user only when there is at least one. A user
  //     without passkeys gets exactly what no user gets, so the CALLER PASSES nullopt FOR AN
  //     UNKNOWN EMAIL and the answer cannot tell an unknown email from a known one without
  //     passkeys (a user WITH passkeys is told apart by allowCredentials, which is inherent to
  //     non-discoverable sign-in: section 14.6.2);
  //   - kSecondFactor: REQUIRES a user (the one the password identified); allowCredentials =
  //     that user's passkeys; the challenge names the user.
  // userVerification "required" for kLogin, "discouraged" for kSecondFactor. kInternal for
  // kRegister or kSecondFactor without a user (caller bugs).
  std::expected<std::string, Error> login_options(std::optional<store::UserId> user,
                                                  PasskeyCeremony ceremony);

  // Section 7.2 for an AuthenticationResponseJSON answering login_options(..., ceremony), plus
  // every step webauthn/assertion.h leaves to its caller: the challenge is a live ticket of
  // this ceremony, used once (consumed after the signature verified); the credential is
  // registered; when the challenge named a user (allowCredentials was not empty) the
  // credential is that user's, and when `expected_user` is given (the user a password
  // identified, for kSecondFactor) it is that user's; the userHandle, required when no user was
  // named, is the owner's handle; the owner exists and is not disabled; UV for kLogin; the
  // signature counter increases (store::CredentialStore::use_passkey, atomic; a counter that
  // does not is audited as passkey.clone_suspected). Every refusal is kPasskeyRefused with
  // the reason in the audit log; kUnavailable for store failures; kNotConfigured when off.
  // The caller signs the user in with the returned methods (and counts a refusal toward the
  // login rate limit, as for a wrong password).
  std::expected<PasskeyAssertion, Error> verify_login(std::string_view response_json,
                                                      PasskeyCeremony ceremony,
                                                      std::optional<store::UserId> expected_user,
                                                      std::int64_t now,
                                                      const AuditActor& from = {});

  // Wiring only, before serving: the RP id and origins once the server's own URL is known
  // (app/app.cc: the default origins are the bound URL's). An empty rp_id turns passkeys off.
  void set_relying_party(std::string rp_id, std::vector<std::string> allowed_origins);

  const PasskeyConfig& config() const { return config_; }

 private:
  struct Challenge;  // an opened challenge ticket (passkeys.cc)

  // A challenge ticket for `ceremony` naming `user` (if any), valid challenge_ttl from `now`.
  std::string make_challenge(PasskeyCeremony ceremony, const std::optional<store::UserId>& user,
                             std::int64_t now) const;
  // The ticket the client data's challenge carries, opened at `now`; nullopt when it is not a
  // live ticket of ours.
  std::optional<Challenge> open_challenge(std::string_view client_data_json,
                                          std::int64_t now) const;
  // Counts the challenge's use: true for the first, false for any later one.
  std::expected<bool, Error> consume(const Challenge& challenge, std::int64_t now);
  // The user's WebAuthn user handle, made now (a fresh random candidate per try) if none.
  std::expected<store::UserHandle, Error> user_handle(const store::UserId& user);
  // The user's passkeys as allow/exclude descriptors' source.
  std::expected<std::vector<store::Passkey>, Error> passkeys_of(const store::UserId& user);

  std::shared_ptr<store::CredentialStore> credentials_;
  std::shared_ptr<store::UserStore> users_;
  std::shared_ptr<store::CounterStore> counters_;
  AuditService& audit_;
  const base::Clock& clock_;
  PasskeyConfig config_;
  TicketSigner tickets_;
};

}  // namespace tessera::auth
