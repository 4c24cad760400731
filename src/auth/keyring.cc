#include "auth/keyring.h"

#include <algorithm>
#include <utility>

#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::auth {
namespace {

using store::KeyState;

constexpr int kMaxAttempts = 8;  // compare-and-set retries before giving up (kUnavailable)

// Associated data of a sealed private key: the key is bound to its kid.
std::string seal_context(std::string_view kid) { return "tessera keyring v1 " + std::string(kid); }

Error internal(std::string detail) { return make_error(Errc::kInternal, std::move(detail)); }

const store::SigningKey* find_state(const std::vector<store::SigningKey>& keys, KeyState s) {
  auto it = std::find_if(keys.begin(), keys.end(), [s](const auto& k) { return k.state == s; });
  return it == keys.end() ? nullptr : &*it;
}

}  // namespace

KeyringService::KeyringService(std::shared_ptr<store::KeyStore> keys, const crypto::AeadKey& master,
                               const base::Clock& clock, KeyringConfig config)
    : keys_(std::move(keys)), master_(master), clock_(clock), config_(config) {}

std::shared_ptr<const KeyringView> KeyringService::current() const {
  std::lock_guard lock(mu_);
  return view_;
}

void KeyringService::install(std::shared_ptr<const KeyringView> view) {
  std::shared_ptr<const KeyringView> old;  // released outside the lock
  std::lock_guard lock(mu_);
  if (view_ && view_->version > view->version) return;  // never go back to an older state
  old = std::exchange(view_, std::move(view));
}

std::expected<store::SigningKey, Error> KeyringService::make_key(KeyState state,
                                                                 std::int64_t now) const {
  auto jwk = jose::Jwk::generate(config_.alg);
  if (!jwk) return std::unexpected(internal("cannot generate a signing key"));
  store::SigningKey k;
  k.kid = jwk->kid();
  k.alg = std::string(jose::alg_name(jwk->alg()));
  k.state = state;
  k.public_jwk = jwk->is_symmetric() ? "" : jwk->public_key().to_json(false);
  std::string secret = jwk->to_json(true);
  k.sealed_private = base::base64url_encode(crypto::seal(master_, secret, seal_context(k.kid)));
  crypto::cleanse(secret);
  k.created_at = now;
  if (state == KeyState::kActive) k.activated_at = now;
  return k;
}

std::expected<std::shared_ptr<const KeyringView>, Error> KeyringService::view_of(
    const store::Keyring& ring) const {
  auto view = std::make_shared<KeyringView>();
  view->version = ring.version;
  view->records = ring.keys;
  std::vector<jose::Jwk> verifiers;
  std::vector<jose::Jwk> published;
  for (const store::SigningKey& k : ring.keys) {
    auto sealed = base::base64url_decode(k.sealed_private);
    std::optional<std::string> json;
    if (sealed) json = crypto::open(master_, *sealed, seal_context(k.kid));
    if (!json) {
      return std::unexpected(
          internal("signing key " + k.kid + " does not open with the configured master key"));
    }
    auto jwk = jose::Jwk::parse(*json);
    crypto::cleanse(*json);
    if (!jwk || !jwk->is_private() || jwk->kid() != k.kid || jose::alg_name(jwk->alg()) != k.alg) {
      return std::unexpected(internal("signing key " + k.kid + " is malformed"));
    }
    // `next` verifies too: another process may already sign with it (it promoted it before
    // this process noticed the new version).
    verifiers.push_back(jwk->public_key());
    if (!jwk->is_symmetric()) published.push_back(jwk->public_key());
    if (k.state == KeyState::kActive) view->signer = std::move(*jwk);
  }
  view->verifiers = jose::Jwks(std::move(verifiers));
  view->jwks_json = jose::Jwks(std::move(published)).to_json();
  return view;
}

template <class Change>
std::expected<std::shared_ptr<const KeyringView>, Error> KeyringService::update(Change change) {
  std::lock_guard writer(write_mu_);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto ring = keys_->load();
    if (!ring) return std::unexpected(from_store(ring.error()));
    std::expected<std::optional<std::vector<store::SigningKey>>, Error> next =
        change(ring->keys, clock_.now_unix());
    if (!next) return std::unexpected(next.error());
    if (!*next) {  // nothing to change: adopt what is stored
      auto view = view_of(*ring);
      if (view) install(*view);
      return view;
    }
    auto version = keys_->replace(ring->version, **next);
    if (!version) {
      if (version.error() == store::StoreError::kConflict) continue;  // another writer won
      return std::unexpected(from_store(version.error()));
    }
    auto view = view_of(store::Keyring{.version = *version, .keys = std::move(**next)});
    if (view) install(*view);
    return view;
  }
  return std::unexpected(make_error(Errc::kUnavailable, "the keyring is being changed; retry"));
}

std::expected<void, Error> KeyringService::start() {
  auto r = update([this](const std::vector<store::SigningKey>& keys, std::int64_t now)
                      -> std::expected<std::optional<std::vector<store::SigningKey>>, Error> {
    if (find_state(keys, KeyState::kActive) != nullptr) return std::nullopt;
    // First start (or every key removed by hand): an active key and the next one.
    std::vector<store::SigningKey> out = keys;
    for (KeyState s : {KeyState::kActive, KeyState::kNext}) {
      if (s == KeyState::kNext && find_state(out, KeyState::kNext) != nullptr) break;
      auto k = make_key(s, now);
      if (!k) return std::unexpected(k.error());
      out.push_back(std::move(*k));
    }
    return out;
  });
  if (!r) return std::unexpected(r.error());
  return {};
}

std::expected<void, Error> KeyringService::refresh() {
  auto version = keys_->version();
  if (!version) return std::unexpected(from_store(version.error()));
  if (auto now = current(); now && now->version == *version) return {};
  auto ring = keys_->load();
  if (!ring) return std::unexpected(from_store(ring.error()));
  auto view = view_of(*ring);
  if (!view) return std::unexpected(view.error());
  install(std::move(*view));
  return {};
}

std::expected<std::shared_ptr<const KeyringView>, Error> KeyringService::rotate(bool emergency) {
  return rotate_if(emergency, /*only_if_due=*/false, nullptr);
}

std::expected<bool, Error> KeyringService::maybe_rotate() {
  if (config_.rotate_every <= 0) return false;
  bool rotated = false;
  auto after = rotate_if(false, /*only_if_due=*/true, &rotated);
  if (!after) return std::unexpected(after.error());
  return rotated;
}

std::expected<std::shared_ptr<const KeyringView>, Error> KeyringService::rotate_if(bool emergency,
                                                                                   bool only_if_due,
                                                                                   bool* rotated) {
  return update(
      [this, emergency, only_if_due, rotated](
          const std::vector<store::SigningKey>& keys,
          std::int64_t now) -> std::expected<std::optional<std::vector<store::SigningKey>>, Error> {
        // Set on the attempt whose replacement is written (the last call of this lambda).
        if (rotated != nullptr) *rotated = false;
        if (only_if_due) {
          // Decided on the keyring just loaded, inside the compare-and-set loop: when several
          // nodes find the key due at once, the first rotates and the others see a fresh key.
          const store::SigningKey* active = find_state(keys, KeyState::kActive);
          if (active != nullptr && active->activated_at + config_.rotate_every > now) {
            return std::nullopt;
          }
        }
        std::vector<store::SigningKey> out;
        if (!emergency) {
          for (store::SigningKey k : keys) {
            if (k.state == KeyState::kRetired) {
              if (k.retired_at + config_.retire_after <= now) continue;  // removed
            } else if (k.state == KeyState::kActive) {
              k.state = KeyState::kRetired;
              k.retired_at = now;
            } else {
              k.state = KeyState::kActive;
              k.activated_at = now;
            }
            out.push_back(std::move(k));
          }
        }
        // Emergency: nothing is kept, not even `next` (it sat in the same store as the keys
        // suspected compromised).
        if (find_state(out, KeyState::kActive) == nullptr) {
          auto k = make_key(KeyState::kActive, now);
          if (!k) return std::unexpected(k.error());
          out.push_back(std::move(*k));
        }
        auto k = make_key(KeyState::kNext, now);
        if (!k) return std::unexpected(k.error());
        out.push_back(std::move(*k));
        if (rotated != nullptr) *rotated = true;
        return out;
      });
}

std::vector<KeyInfo> KeyringService::list() const {
  std::vector<KeyInfo> out;
  auto view = current();
  if (!view) return out;
  for (const store::SigningKey& k : view->records) {
    out.push_back(KeyInfo{
        .kid = k.kid,
        .alg = k.alg,
        .state = k.state,
        .created_at = k.created_at,
        .activated_at = k.activated_at,
        .retired_at = k.retired_at,
        .removable_at = k.state == KeyState::kRetired ? k.retired_at + config_.retire_after : 0,
    });
  }
  return out;
}

}  // namespace tessera::auth
