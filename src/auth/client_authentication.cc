#include "auth/client_authentication.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "auth/text.h"
#include "base/base64url.h"
#include "tessera/jwt.h"

namespace tessera::auth {
namespace {

using Via = PresentedClient::Via;

constexpr std::size_t kMaxClientIdBytes = 255;
constexpr std::size_t kMaxJtiBytes = 255;  // a key in the counter store, not a document

OAuthError refused() {
  return {.code = OAuthErrc::kInvalidClient, .description = std::string(kClientAuthFailed)};
}

// A failure of the store (or a client that is not there) as the token endpoint answers it.
OAuthError from_lookup(const Error& error) {
  OAuthError e = oauth_error(error, OAuthErrc::kInvalidClient);
  return e.code == OAuthErrc::kInvalidClient ? refused() : e;
}

// 1-`max` bytes of UTF-8 without control characters: what the stores may be given as a key.
bool storable(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max || !valid_utf8(s)) return false;
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool method_matches(store::ClientAuthMethod method, Via via) {
  switch (method) {
    case store::ClientAuthMethod::kNone:
      return via == Via::kNone;
    case store::ClientAuthMethod::kClientSecretBasic:
      return via == Via::kSecretBasic;
    case store::ClientAuthMethod::kClientSecretPost:
      return via == Via::kSecretPost;
    case store::ClientAuthMethod::kPrivateKeyJwt:
      return via == Via::kAssertion;
  }
  return false;
}

// The "sub" of a JWT's payload, NOT verified: only to choose whose keys verify it (RFC 7521
// section 4.2, client_id omitted). "" when there is none to read.
std::string unverified_subject(std::string_view jwt) {
  if (jwt.size() > jose::kMaxTokenSize) return {};
  const std::size_t d1 = jwt.find('.');
  const std::size_t d2 = d1 == std::string_view::npos ? d1 : jwt.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return {};
  auto payload = base::base64url_decode(jwt.substr(d1 + 1, d2 - d1 - 1));
  if (!payload) return {};
  const auto json = nlohmann::json::parse(*payload, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return {};
  const auto sub = json.find("sub");
  return sub != json.end() && sub->is_string() ? sub->get<std::string>() : std::string();
}

}  // namespace

ClientAuthenticator::ClientAuthenticator(ClientService& clients,
                                         std::shared_ptr<store::CounterStore> counters,
                                         const base::Clock& clock)
    : clients_(clients), counters_(std::move(counters)), clock_(clock) {}

std::expected<store::Client, OAuthError> ClientAuthenticator::authenticate(
    const PresentedClient& presented, std::span<const std::string> audiences) const {
  const std::string id = presented.via == Via::kAssertion && presented.client_id.empty()
                             ? unverified_subject(presented.assertion)
                             : presented.client_id;
  if (!storable(id, kMaxClientIdBytes)) return std::unexpected(refused());
  auto client = clients_.find(id);
  if (!client) return std::unexpected(from_lookup(client.error()));
  if (!method_matches(client->auth_method, presented.via)) return std::unexpected(refused());
  switch (presented.via) {
    case Via::kNone:
      break;
    case Via::kSecretBasic:
    case Via::kSecretPost:
      // secret_matches is false for "" too; said here because an empty secret must never pass.
      if (presented.secret.empty() || !ClientService::secret_matches(*client, presented.secret)) {
        return std::unexpected(refused());
      }
      break;
    case Via::kAssertion:
      if (auto ok = check_assertion(*client, presented.assertion, audiences); !ok) {
        return std::unexpected(ok.error());
      }
      break;
  }
  return std::move(*client);
}

std::expected<void, OAuthError> ClientAuthenticator::check_assertion(
    const store::Client& client, std::string_view assertion,
    std::span<const std::string> audiences) const {
  // Checked at registration; a stored set that no longer parses authenticates nobody.
  auto keys = jose::Jwks::parse(client.jwks);
  if (!keys) return std::unexpected(refused());
  const jose::ClaimsPolicy policy{.issuer = client.id,
                                  .audience = {},  // one of several: checked below
                                  .leeway_seconds = kLeewaySeconds,
                                  .typ = {},
                                  .required = {"iss", "sub", "aud", "exp", "jti"}};
  const std::int64_t now = clock_.now_unix();
  auto claims =
      jose::verify_jwt(assertion, *keys, policy, now, {.allowed_algs = kClientAssertionAlgs});
  if (!claims || claims->sub != client.id) return std::unexpected(refused());
  const bool for_us = std::any_of(audiences.begin(), audiences.end(), [&](const std::string& a) {
    return std::find(claims->aud.begin(), claims->aud.end(), a) != claims->aud.end();
  });
  // exp is present (required) and not past now - leeway (verify_jwt): now + limit cannot
  // overflow for any clock this side of the year 292 billion.
  if (!for_us || *claims->exp > now + kMaxAssertionLifetime) return std::unexpected(refused());
  if (!storable(claims->jti, kMaxJtiBytes)) return std::unexpected(refused());
  // Remembered while the assertion could still be accepted: until exp + leeway.
  const std::int64_t window = std::max<std::int64_t>(1, *claims->exp + kLeewaySeconds - now);
  auto uses =
      counters_->increment("client-assertion:" + client.id + ":" + claims->jti, now, window);
  if (!uses) return std::unexpected(from_lookup(from_store(uses.error())));
  if (uses->value > 1) return std::unexpected(refused());  // a replay
  return {};
}

}  // namespace tessera::auth
