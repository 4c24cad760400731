#include "auth/users.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "auth/email.h"
#include "auth/password_strength.h"
#include "auth/text.h"
#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::auth {
namespace {

constexpr std::size_t kMaxRoleChars = 64;
constexpr std::size_t kMaxRoles = 32;

bool valid_role(std::string_view r) {
  if (r.empty() || r.size() > kMaxRoleChars) return false;
  return std::all_of(r.begin(), r.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
           c == '-';
  });
}

// `roles` as a user's roles are stored: at most kMaxRoles, each a valid_role, sorted, without
// duplicates. kBadInput otherwise.
std::expected<std::vector<std::string>, Error> checked_roles(std::vector<std::string> roles) {
  if (roles.size() > kMaxRoles) {
    return std::unexpected(make_error(Errc::kBadInput, "too many roles"));
  }
  for (const auto& r : roles) {
    if (!valid_role(r)) {
      return std::unexpected(make_error(Errc::kBadInput, "role names are 1-64 of a-z 0-9 _ . : -"));
    }
  }
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  return roles;
}

LoginFailure invalid(LoginFailureReason reason, std::optional<store::UserId> user,
                     std::string email) {
  return LoginFailure{.error = make_error(Errc::kInvalidCredentials),
                      .reason = reason,
                      .user = user,
                      .email = std::move(email)};
}

LoginFailure plain(Error e, std::string email = {}) {
  return LoginFailure{.error = std::move(e),
                      .reason = std::nullopt,
                      .user = std::nullopt,
                      .email = std::move(email)};
}

}  // namespace

std::string_view to_string(LoginFailureReason r) {
  switch (r) {
    case LoginFailureReason::kUnknownUser:
      return "unknown_user";
    case LoginFailureReason::kBadPassword:
      return "bad_password";
    case LoginFailureReason::kDisabled:
      return "disabled";
  }
  return "unknown";
}

store::UserId new_user_id() {
  const std::string r = crypto::random_bytes(16);
  store::UserId id{};
  std::memcpy(id.data(), r.data(), id.size());
  id[6] = static_cast<std::uint8_t>((id[6] & 0x0F) | 0x40);  // version 4
  id[8] = static_cast<std::uint8_t>((id[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return id;
}

bool has_role(const store::User& user, std::string_view role) {
  return std::find(user.roles.begin(), user.roles.end(), role) != user.roles.end();
}

std::expected<std::unique_ptr<UserService>, std::string> UserService::create(
    std::shared_ptr<store::UserStore> users, HashPool& pool, UserServiceConfig config) {
  if (config.policy.max_bytes == 0 || config.policy.max_bytes > crypto::kMaxPasswordBytes) {
    return std::unexpected("auth: password max_bytes must be 1.." +
                           std::to_string(crypto::kMaxPasswordBytes));
  }
  if (config.policy.min_chars == 0 || config.policy.min_chars > config.policy.max_bytes) {
    return std::unexpected(std::string("auth: password min_chars must be 1..max_bytes"));
  }
  // The dummy hash: a random password nobody knows, at the configured cost, so verifying a
  // password for an unknown email costs what a real verification costs.
  auto dummy =
      crypto::hash_password(base::base64url_encode(crypto::random_bytes(24)), config.params);
  if (!dummy) {
    return std::unexpected("auth: cannot hash with the configured Argon2id parameters (" +
                           std::string(crypto::describe(dummy.error())) + ")");
  }
  return std::unique_ptr<UserService>(
      new UserService(std::move(users), pool, config, std::move(*dummy)));
}

UserService::UserService(std::shared_ptr<store::UserStore> users, HashPool& pool,
                         UserServiceConfig config, std::string dummy_hash)
    : users_(std::move(users)), pool_(pool), config_(config), dummy_hash_(std::move(dummy_hash)) {}

template <typename R>
void UserService::run_on_pool(std::function<R()> work, std::function<void(R)> done, R busy) {
  // `done` is shared between the job and the busy path so exactly one of them calls it.
  auto shared_done = std::make_shared<std::function<void(R)>>(std::move(done));
  const bool queued =
      pool_.submit([work = std::move(work), shared_done]() mutable { (*shared_done)(work()); });
  if (!queued) (*shared_done)(std::move(busy));
}

std::expected<void, Error> UserService::check_policy(std::string_view password,
                                                     std::string_view email) const {
  if (password.size() > config_.policy.max_bytes) {
    return std::unexpected(make_error(
        Errc::kBadInput,
        "password must be at most " + std::to_string(config_.policy.max_bytes) + " bytes"));
  }
  if (!valid_utf8(password)) {
    return std::unexpected(make_error(Errc::kBadInput, "password must be valid UTF-8"));
  }
  if (count_code_points(password) < config_.policy.min_chars) {
    return std::unexpected(make_error(
        Errc::kWeakPassword,
        "password must be at least " + std::to_string(config_.policy.min_chars) + " characters"));
  }
  if (config_.policy.min_score > 0 &&
      password_score(password, account_words(email)) < config_.policy.min_score) {
    return std::unexpected(make_error(
        Errc::kWeakPassword,
        "this password is too easy to guess: avoid common passwords, names, dates, keyboard "
        "patterns and your email address; a few unrelated words make a strong one"));
  }
  return {};
}

std::expected<store::User, Error> UserService::prepare_user_now(std::string_view email,
                                                                std::string_view password,
                                                                std::vector<std::string> roles,
                                                                std::int64_t now) {
  auto normalized = normalize_email(email);
  if (!normalized) {
    return std::unexpected(make_error(Errc::kBadInput, std::string(describe(normalized.error()))));
  }
  if (auto ok = check_policy(password, *normalized); !ok) return std::unexpected(ok.error());
  auto checked = checked_roles(std::move(roles));
  if (!checked) return std::unexpected(std::move(checked.error()));

  auto hash = crypto::hash_password(password, config_.params);
  if (!hash) return std::unexpected(make_error(Errc::kInternal));

  store::User u;
  u.id = new_user_id();
  u.email = std::move(*normalized);
  u.password_hash = std::move(*hash);
  u.roles = std::move(*checked);
  u.created_at = now;
  u.password_changed_at = now;
  return u;
}

std::expected<store::User, Error> UserService::create_user_now(std::string_view email,
                                                               std::string_view password,
                                                               std::vector<std::string> roles,
                                                               std::int64_t now) {
  auto u = prepare_user_now(email, password, std::move(roles), now);
  if (!u) return u;
  if (auto r = users_->create(*u); !r) {
    if (r.error() == store::StoreError::kConflict) {
      // The id is 122 random bits: a conflict is the email.
      return std::unexpected(make_error(Errc::kEmailTaken));
    }
    return std::unexpected(from_store(r.error()));
  }
  return u;
}

void UserService::user_job(UserMaker make, std::string email, std::string password,
                           std::vector<std::string> roles, std::int64_t now,
                           Done<store::User> done) {
  using R = std::expected<store::User, Error>;
  run_on_pool<R>(
      [this, make, email = std::move(email), password = std::move(password),
       roles = std::move(roles), now]() mutable {
        R r = (this->*make)(email, password, std::move(roles), now);
        crypto::cleanse(password);
        return r;
      },
      std::move(done), std::unexpected(make_error(Errc::kBusy)));
}

void UserService::create_user(std::string email, std::string password,
                              std::vector<std::string> roles, std::int64_t now,
                              Done<store::User> done) {
  user_job(&UserService::create_user_now, std::move(email), std::move(password), std::move(roles),
           now, std::move(done));
}

void UserService::prepare_user(std::string email, std::string password,
                               std::vector<std::string> roles, std::int64_t now,
                               Done<store::User> done) {
  user_job(&UserService::prepare_user_now, std::move(email), std::move(password), std::move(roles),
           now, std::move(done));
}

std::expected<std::string, Error> UserService::hash_new_password_now(std::string_view password,
                                                                     std::string_view email) {
  if (auto ok = check_policy(password, email); !ok) return std::unexpected(ok.error());
  auto hash = crypto::hash_password(password, config_.params);
  if (!hash) return std::unexpected(make_error(Errc::kInternal));
  return std::move(*hash);
}

void UserService::hash_new_password(std::string password, std::string email,
                                    Done<std::string> done) {
  using R = std::expected<std::string, Error>;
  run_on_pool<R>(
      [this, password = std::move(password), email = std::move(email)]() mutable {
        R r = hash_new_password_now(password, email);
        crypto::cleanse(password);
        return r;
      },
      std::move(done), std::unexpected(make_error(Errc::kBusy)));
}

std::expected<store::User, LoginFailure> UserService::verify_credentials_now(
    std::string_view email, std::string_view password) {
  auto normalized = normalize_email(email);
  if (!normalized) {
    return std::unexpected(
        plain(make_error(Errc::kBadInput, std::string(describe(normalized.error())))));
  }
  if (password.empty() || password.size() > config_.policy.max_bytes) {
    return std::unexpected(plain(
        make_error(Errc::kBadInput, password.empty() ? "password is empty" : "password too long"),
        *normalized));
  }

  auto user = users_->find_by_email(*normalized);
  if (!user) {
    if (user.error() != store::StoreError::kNotFound) {
      return std::unexpected(plain(from_store(user.error()), *normalized));
    }
    // Unknown email: the same Argon2id work as a real check, result ignored.
    (void)crypto::verify_password(dummy_hash_, password);
    return std::unexpected(invalid(LoginFailureReason::kUnknownUser, std::nullopt, *normalized));
  }
  if (!crypto::verify_password(user->password_hash, password)) {
    return std::unexpected(invalid(LoginFailureReason::kBadPassword, user->id, *normalized));
  }
  // Checked after the verification, so a disabled account takes the same time and gives the
  // same answer as a wrong password: the client cannot tell which it was.
  if (user->disabled) {
    return std::unexpected(invalid(LoginFailureReason::kDisabled, user->id, *normalized));
  }
  if (crypto::password_needs_rehash(user->password_hash, config_.params)) {
    // Best effort: the login succeeds whether or not the stronger hash could be stored.
    if (auto h = crypto::hash_password(password, config_.params); h) {
      if (users_->rehash_password(user->id, *h)) user->password_hash = std::move(*h);
    }
  }
  return std::move(*user);
}

void UserService::verify_credentials(
    std::string email, std::string password,
    std::function<void(std::expected<store::User, LoginFailure>)> done) {
  using R = std::expected<store::User, LoginFailure>;
  run_on_pool<R>(
      [this, email = std::move(email), password = std::move(password)]() mutable {
        R r = verify_credentials_now(email, password);
        crypto::cleanse(password);
        return r;
      },
      std::move(done), std::unexpected(plain(make_error(Errc::kBusy))));
}

void UserService::authenticate(std::string email, std::string password, Done<store::User> done) {
  verify_credentials(std::move(email), std::move(password),
                     [done = std::move(done)](std::expected<store::User, LoginFailure> r) {
                       if (r) {
                         done(std::move(*r));
                       } else {
                         done(std::unexpected(std::move(r.error().error)));
                       }
                     });
}

std::expected<store::User, Error> UserService::change_password_now(const store::UserId& id,
                                                                   std::string_view current,
                                                                   std::string_view next,
                                                                   std::int64_t now) {
  auto user = users_->find_by_id(id);
  if (!user) return std::unexpected(from_store(user.error()));
  if (user->disabled) return std::unexpected(make_error(Errc::kUnauthenticated));
  if (current.empty() || current.size() > config_.policy.max_bytes ||
      !crypto::verify_password(user->password_hash, current)) {
    return std::unexpected(make_error(Errc::kInvalidCredentials));
  }
  auto hash = hash_new_password_now(next, user->email);
  if (!hash) return std::unexpected(std::move(hash.error()));
  if (auto r = users_->set_password(id, *hash, now); !r) {
    return std::unexpected(from_store(r.error()));
  }
  user->password_hash = std::move(*hash);
  user->password_changed_at = now;
  return std::move(*user);
}

void UserService::change_password(store::UserId user, std::string current, std::string next,
                                  std::int64_t now, Done<store::User> done) {
  using R = std::expected<store::User, Error>;
  run_on_pool<R>(
      [this, user, current = std::move(current), next = std::move(next), now]() mutable {
        R r = change_password_now(user, current, next, now);
        crypto::cleanse(current);
        crypto::cleanse(next);
        return r;
      },
      std::move(done), std::unexpected(make_error(Errc::kBusy)));
}

std::expected<void, Error> UserService::remove(const store::UserId& id) {
  if (auto r = users_->remove(id); !r) return std::unexpected(from_store(r.error()));
  return {};
}

std::expected<store::User, Error> UserService::find(const store::UserId& id) {
  auto u = users_->find_by_id(id);
  if (!u) return std::unexpected(from_store(u.error()));
  return std::move(*u);
}

std::expected<store::User, Error> UserService::find_by_email(std::string_view email) {
  auto normalized = normalize_email(email);
  if (!normalized) {
    return std::unexpected(make_error(Errc::kBadInput, std::string(describe(normalized.error()))));
  }
  auto u = users_->find_by_email(*normalized);
  if (!u) return std::unexpected(from_store(u.error()));
  return std::move(*u);
}

std::expected<UserService::Renormalized, Error> UserService::renormalize_emails() {
  auto candidates = users_->list_non_ascii_emails();
  if (!candidates) return std::unexpected(from_store(candidates.error()));
  Renormalized out;
  for (const store::User& u : *candidates) {
    const std::string who = "user " + store::to_uuid(u.id);
    auto normalized = normalize_email(u.email);
    if (!normalized) {
      out.problems.push_back(who + ": stored email no longer acceptable (" +
                             std::string(describe(normalized.error())) + ")");
      continue;
    }
    if (*normalized == u.email) continue;
    auto set = users_->set_email(u.id, *normalized);
    if (set) {
      ++out.changed;
    } else if (set.error() == store::StoreError::kConflict) {
      auto other = users_->find_by_email(*normalized);
      out.problems.push_back(who + ": stored email now normalizes to the email of user " +
                             (other ? store::to_uuid(other->id) : std::string("(unknown)")) +
                             "; left unchanged");
    } else if (set.error() != store::StoreError::kNotFound) {  // deleted meanwhile: nothing to do
      return std::unexpected(from_store(set.error()));
    }
  }
  return out;
}

std::expected<std::vector<store::User>, Error> UserService::list(store::UserListQuery q) {
  const std::string_view text = q.email_contains;
  if (text.size() > kMaxEmailBytes || !valid_utf8(text) || text.contains('\0')) {
    return std::unexpected(make_error(
        Errc::kBadInput, "must be valid UTF-8 without NUL, at most 254 bytes (an email's most)"));
  }
  q.email_contains = lower_ascii_letters(text);
  auto r = users_->list(q);
  if (!r) return std::unexpected(from_store(r.error()));
  return std::move(*r);
}

std::expected<void, Error> UserService::set_disabled(const store::UserId& id, bool disabled) {
  auto r = users_->set_disabled(id, disabled);
  if (!r) return std::unexpected(from_store(r.error()));
  return {};
}

std::expected<std::vector<std::string>, Error> UserService::set_roles(
    const store::UserId& id, std::vector<std::string> roles) {
  auto checked = checked_roles(std::move(roles));
  if (!checked) return checked;
  if (auto r = users_->set_roles(id, *checked); !r) return std::unexpected(from_store(r.error()));
  return checked;
}

}  // namespace tessera::auth
