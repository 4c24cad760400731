#include "auth/federation/federation_service.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "auth/email.h"
#include "auth/opaque_token.h"
#include "auth/pkce.h"
#include "base/base64url.h"
#include "uri/uri.h"

namespace tessera::auth::federation {
namespace {

std::unexpected<FederationError> fail(FederationErrc code, std::string detail = {}) {
  return std::unexpected(FederationError{.code = code, .detail = std::move(detail)});
}

std::unexpected<FederationError> store_failure(store::StoreError e) {
  return std::unexpected(FederationError{.code = FederationErrc::kStore, .auth = from_store(e)});
}

// The counter that makes a state single use: keyed by its hash (a state is not secret once
// used, but the key need not be readable).
std::string state_key(std::string_view state) {
  const store::TokenHash h = token_hash_of(state);
  return "fed:state:" + base::base64url_encode(
                            std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

// The methods of a federated sign-in: `fed`, plus the upstream's values Tessera knows (RFC
// 8176: pwd, otp, hwk, swk, mfa); others are dropped, they name nothing Tessera can check.
Amr methods_of(const UpstreamIdentity& who) {
  Amr amr = Amr::of(AuthMethodRef::kFed);
  for (const std::string& v : who.amr) {
    for (AuthMethodRef m : {AuthMethodRef::kPwd, AuthMethodRef::kOtp, AuthMethodRef::kHwk,
                            AuthMethodRef::kSwk, AuthMethodRef::kMfa}) {
      if (Amr::from_values({v}) == Amr::of(m)) amr = amr.with(m);
    }
  }
  return amr;
}

}  // namespace

std::string_view to_string(FederationErrc e) {
  switch (e) {
    case FederationErrc::kUnknownProvider:
      return "unknown_provider";
    case FederationErrc::kUnavailable:
      return "provider_unavailable";
    case FederationErrc::kBadReturnTo:
      return "bad_return_to";
    case FederationErrc::kBadState:
      return "bad_state";
    case FederationErrc::kReplayedState:
      return "replayed_state";
    case FederationErrc::kIssuerMismatch:
      return "issuer_mismatch";
    case FederationErrc::kAccessDenied:
      return "access_denied";
    case FederationErrc::kUpstreamError:
      return "upstream_error";
    case FederationErrc::kRedeemFailed:
      return "redeem_failed";
    case FederationErrc::kIdTokenInvalid:
      return "id_token_invalid";
    case FederationErrc::kEmailMissing:
      return "email_missing";
    case FederationErrc::kAccountExists:
      return "account_exists";
    case FederationErrc::kNoAccount:
      return "no_account";
    case FederationErrc::kUserDisabled:
      return "user_disabled";
    case FederationErrc::kIdentityTaken:
      return "identity_taken";
    case FederationErrc::kLastWayIn:
      return "last_way_in";
    case FederationErrc::kNotLinked:
      return "not_linked";
    case FederationErrc::kStore:
      return "store";
  }
  return "unknown";
}

FederationService::FederationService(std::vector<UpstreamConfig> providers,
                                     const net::HttpClient& http, UserService& users,
                                     AuthService& auth,
                                     std::shared_ptr<store::FederatedIdentityStore> identities,
                                     std::shared_ptr<store::CounterStore> counters,
                                     std::shared_ptr<store::CredentialStore> credentials,
                                     AuditService& audit, const base::Clock& clock,
                                     FederationConfig config)
    : users_(users),
      auth_(auth),
      identities_(std::move(identities)),
      counters_(std::move(counters)),
      credentials_(std::move(credentials)),
      audit_(audit),
      clock_(clock),
      config_(std::move(config)),
      tickets_(config_.ticket_key),
      pkce_(crypto::Hash::kSha256,
            config_.pkce_key.empty() ? crypto::random_bytes(32) : config_.pkce_key) {
  for (UpstreamConfig& p : providers) {
    upstreams_.push_back(std::make_unique<Upstream>(std::move(p), http));
  }
}

FederationService::~FederationService() {
  {
    std::lock_guard lock(watch_mu_);
    stopping_ = true;
  }
  watch_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

void FederationService::set_public_url(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  config_.public_url = std::move(url);
}

void FederationService::load_and_watch() {
  for (auto& u : upstreams_) (void)u->refresh();
  if (!upstreams_.empty()) watcher_ = std::thread([this] { watch(); });
}

// Retries the unavailable providers (Upstream::retry_if_due) until the service goes.
void FederationService::watch() {
  std::unique_lock lock(watch_mu_);
  while (!watch_cv_.wait_for(lock, Upstream::kRetryInterval, [this] { return stopping_; })) {
    lock.unlock();
    for (auto& u : upstreams_) (void)u->retry_if_due();
    lock.lock();
  }
}

std::vector<ProviderStatus> FederationService::providers() const {
  std::vector<ProviderStatus> out;
  for (const auto& u : upstreams_) {
    out.push_back({.id = u->config().id,
                   .name = u->config().name,
                   .issuer = u->config().issuer,
                   .available = u->available(),
                   .problem = u->problem()});
  }
  return out;
}

Upstream* FederationService::find(std::string_view id) const {
  for (const auto& u : upstreams_) {
    if (u->config().id == id) return u.get();
  }
  return nullptr;
}

std::string FederationService::redirect_uri(std::string_view id) const {
  return config_.public_url + "/auth/federation/" + std::string(id) + "/callback";
}

std::string FederationService::verifier_of(std::string_view state) const {
  const crypto::Digest mac = pkce_.mac(std::string("tessera federation pkce v1\n") += state);
  return base::base64url_encode(mac.view());  // 43 characters: a valid RFC 7636 verifier
}

std::expected<Started, FederationError> FederationService::start(const StartRequest& request) {
  Upstream* upstream = find(request.provider);
  if (upstream == nullptr) return fail(FederationErrc::kUnknownProvider);
  if (!upstream->retry_if_due()) return fail(FederationErrc::kUnavailable, upstream->problem());
  const ProviderMetadata m = upstream->metadata();
  const std::string state = new_opaque_token();
  const std::string nonce = new_opaque_token();
  nlohmann::json payload = {{"p", request.provider}, {"s", state}, {"n", nonce}};
  if (!request.return_to.empty()) payload["r"] = request.return_to;
  if (request.link_to) payload["u"] = store::to_uuid(*request.link_to);
  if (request.max_age) payload["ma"] = *request.max_age;
  std::string scope;
  for (const std::string& s : upstream->config().scopes) {
    if (!scope.empty()) scope += ' ';
    scope += s;
  }
  const std::string redirect = redirect_uri(request.provider);
  const std::string challenge = code_challenge_s256(verifier_of(state));
  uri::QueryParams params = {{"response_type", "code"},
                             {"client_id", upstream->config().client_id},
                             {"redirect_uri", redirect},
                             {"scope", scope},
                             {"state", state},
                             {"nonce", nonce},
                             {"code_challenge", challenge},
                             {"code_challenge_method", "S256"}};
  const std::string max_age = request.max_age ? std::to_string(*request.max_age) : std::string();
  if (request.max_age) params.emplace_back("max_age", max_age);
  if (request.prompt_login) params.emplace_back("prompt", "login");
  auto url = uri::with_query_params(m.authorization_endpoint, params);
  if (!url) return fail(FederationErrc::kUnavailable, "authorization_endpoint: " + url.error());
  return Started{.authorization_url = std::move(*url),
                 .ticket = tickets_.make(std::move(payload), clock_.now_unix(), config_.flow_ttl)};
}

void FederationService::refused(const CallbackRequest& request, const FederationError& e) {
  (void)audit_.record(AuditType::kFederationRefused, clock_.now_unix(),
                      actor_of({}, request.at.from),
                      {{"provider", request.provider}, {"reason", to_string(e.code)}});
}

std::expected<Finished, FederationError> FederationService::finish(const CallbackRequest& request) {
  auto result = [&]() -> std::expected<Finished, FederationError> {
    Upstream* upstream = find(request.provider);
    if (upstream == nullptr) return fail(FederationErrc::kUnknownProvider);
    const std::int64_t now = clock_.now_unix();
    // The flow must be this browser's: its ticket, for this provider, naming this state.
    auto ticket = tickets_.open(request.ticket, now);
    if (!ticket || !ticket->is_object() || ticket->value("p", "") != request.provider ||
        !ticket->contains("s") || !(*ticket)["s"].is_string() || request.state.empty() ||
        !crypto::constant_time_equal((*ticket)["s"].get<std::string>(), request.state)) {
      return fail(FederationErrc::kBadState);
    }
    // Single use, on every node: the first callback with this state counts 1.
    auto used = counters_->increment(state_key(request.state), now, config_.flow_ttl + 60);
    if (!used) return store_failure(used.error());
    if (used->value != 1) return fail(FederationErrc::kReplayedState);
    if (!upstream->available()) return fail(FederationErrc::kUnavailable, upstream->problem());
    const ProviderMetadata m = upstream->metadata();
    // RFC 9207 section 2.4: compare iss when present; require it when advertised.
    if (request.has_iss ? request.iss != upstream->config().issuer
                        : m.authorization_response_iss_parameter_supported) {
      return fail(FederationErrc::kIssuerMismatch);
    }
    if (!request.error.empty()) {
      return fail(request.error == "access_denied" ? FederationErrc::kAccessDenied
                                                   : FederationErrc::kUpstreamError,
                  request.error.substr(0, 64));
    }
    if (request.code.empty()) return fail(FederationErrc::kUpstreamError, "no code");
    IdTokenExpectations expect{.nonce = ticket->value("n", ""), .now = now};
    if (auto ma = ticket->find("ma"); ma != ticket->end() && ma->is_number_integer()) {
      expect.max_age = ma->get<std::int64_t>();
    }
    auto who = upstream->redeem(request.code, verifier_of(request.state),
                                redirect_uri(request.provider), expect);
    if (!who) {
      return fail(who.error().code == UpstreamErrc::kIdToken ? FederationErrc::kIdTokenInvalid
                                                             : FederationErrc::kRedeemFailed,
                  who.error().detail);
    }
    std::optional<store::UserId> link_to;
    if (auto u = ticket->find("u"); u != ticket->end() && u->is_string()) {
      link_to = store::parse_uuid(u->get<std::string>());
    }
    auto done = resolve(*upstream, *who, request, link_to);
    if (done) done->return_to = ticket->value("r", "");
    return done;
  }();
  if (!result) refused(request, result.error());
  return result;
}

std::expected<Finished, FederationError> FederationService::resolve(
    Upstream& upstream, const UpstreamIdentity& who, const CallbackRequest& request,
    std::optional<store::UserId> link_to) {
  const UpstreamConfig& cfg = upstream.config();
  const std::int64_t now = clock_.now_unix();
  const AuditActor actor = actor_of({}, request.at.from);
  auto audit_link = [&](const store::UserId& user, bool created) {
    AuditActor a = actor;
    a.user = user;
    (void)audit_.record(AuditType::kFederationLinked, now, a,
                        {{"issuer", who.issuer}, {"provider", cfg.id}, {"created", created}});
  };
  const store::FederatedIdentity identity{
      .issuer = who.issuer, .sub = who.sub, .email = who.email, .linked_at = now};
  Finished out;
  auto existing = identities_->find(who.issuer, who.sub);
  if (!existing && existing.error() != store::StoreError::kNotFound) {
    return store_failure(existing.error());
  }

  if (link_to) {  // from the account page: link to the signed-in user, sign nobody in
    if (existing) {
      if (existing->user_id != *link_to) return fail(FederationErrc::kIdentityTaken);
    } else {
      store::FederatedIdentity mine = identity;
      mine.user_id = *link_to;
      if (auto linked = identities_->link(mine); !linked) {
        if (linked.error() == store::StoreError::kConflict) {
          return fail(FederationErrc::kIdentityTaken);
        }
        return store_failure(linked.error());
      }
      audit_link(*link_to, false);
      out.linked = true;
    }
    auto user = users_.find(*link_to);
    if (!user) return std::unexpected(FederationError{.auth = user.error()});
    out.user = std::move(*user);
    return out;
  }

  if (existing) {
    auto user = users_.find(existing->user_id);
    if (!user) return std::unexpected(FederationError{.auth = user.error()});
    out.user = std::move(*user);
  } else {
    if (who.email.empty()) return fail(FederationErrc::kEmailMissing);
    auto email = normalize_email(who.email);
    if (!email) return fail(FederationErrc::kEmailMissing, "the email does not normalize");
    auto owner = users_.find_by_email(*email);
    if (owner) {
      // OIDC Core section 5.7: an email is not an identity. Link only when the operator allows
      // it and the provider vouches for the address.
      if (!cfg.link_verified_email || !who.email_verified) {
        return fail(FederationErrc::kAccountExists);
      }
      store::FederatedIdentity mine = identity;
      mine.user_id = owner->id;
      if (auto linked = identities_->link(mine); !linked) return store_failure(linked.error());
      audit_link(owner->id, false);
      out.user = std::move(*owner);
      out.linked = true;
    } else if (owner.error().code != Errc::kNotFound) {
      return std::unexpected(FederationError{.auth = owner.error()});
    } else if (!cfg.create_users) {
      return fail(FederationErrc::kNoAccount);
    } else {
      store::User user{.id = new_user_id(),
                       .email = *email,
                       .password_hash = "",  // no password: the provider is the way in
                       .roles = {},
                       .created_at = now,
                       .password_changed_at = 0,
                       .email_verified = who.email_verified};
      store::FederatedIdentity mine = identity;
      mine.user_id = user.id;
      if (auto created = identities_->create_user(user, mine); !created) {
        // A concurrent first sign-in of the same identity or email: refuse, nothing is made.
        if (created.error() == store::StoreError::kConflict) {
          return fail(FederationErrc::kAccountExists, "created meanwhile");
        }
        return store_failure(created.error());
      }
      audit_link(user.id, true);
      out.user = std::move(user);
      out.created = true;
      out.linked = true;
    }
  }
  if (out.user.disabled) return fail(FederationErrc::kUserDisabled);
  // auth_time is the upstream's (never later than now): step-up sees when the user really
  // authenticated, not when the code came back.
  const std::int64_t auth_time = who.auth_time ? std::min(*who.auth_time, now) : now;
  auto signed_in = auth_.sign_in(
      out.user, Authentication{.time = auth_time, .methods = methods_of(who)}, request.at);
  if (!signed_in) return std::unexpected(FederationError{.auth = signed_in.error()});
  out.signed_in = true;
  out.login = std::move(*signed_in);
  return out;
}

std::expected<std::vector<FederationService::LinkedIdentity>, FederationError>
FederationService::identities(const store::UserId& user) {
  auto listed = identities_->list(user);
  if (!listed) return store_failure(listed.error());
  std::vector<LinkedIdentity> out;
  for (store::FederatedIdentity& f : *listed) {
    LinkedIdentity l{.identity = std::move(f)};
    for (const auto& u : upstreams_) {
      if (u->config().issuer == l.identity.issuer) {
        l.provider = u->config().id;
        l.name = u->config().name;
        break;
      }
    }
    out.push_back(std::move(l));
  }
  return out;
}

std::expected<void, FederationError> FederationService::unlink(const store::User& user,
                                                               std::string_view issuer,
                                                               std::string_view sub,
                                                               const AuditActor& actor) {
  auto listed = identities_->list(user.id);
  if (!listed) return store_failure(listed.error());
  const auto mine = std::find_if(listed->begin(), listed->end(),
                                 [&](const auto& f) { return f.issuer == issuer && f.sub == sub; });
  if (mine == listed->end()) return fail(FederationErrc::kNotLinked);
  // Never the last way in: a password, a passkey, or another identity must remain.
  if (user.password_hash.empty() && listed->size() == 1) {
    auto passkeys = credentials_->list_passkeys(user.id);
    if (!passkeys) return store_failure(passkeys.error());
    if (passkeys->empty()) return fail(FederationErrc::kLastWayIn);
  }
  if (auto gone = identities_->unlink(user.id, issuer, sub); !gone) {
    if (gone.error() == store::StoreError::kNotFound) return fail(FederationErrc::kNotLinked);
    return store_failure(gone.error());
  }
  std::string provider;
  for (const auto& u : upstreams_) {
    if (u->config().issuer == issuer) provider = u->config().id;
  }
  (void)audit_.record(AuditType::kFederationUnlinked, clock_.now_unix(), actor,
                      {{"issuer", std::string(issuer)}, {"provider", provider}});
  return {};
}

}  // namespace tessera::auth::federation
