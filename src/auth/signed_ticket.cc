#include "auth/signed_ticket.h"

#include <utility>

#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::auth {
namespace {

std::string secret_or_random(std::string_view key) {
  return key.empty() ? crypto::random_bytes(32) : std::string(key);
}

}  // namespace

TicketSigner::TicketSigner(std::string_view key)
    : mac_(crypto::Hash::kSha256, secret_or_random(key)) {}

std::string TicketSigner::make(nlohmann::json payload, std::int64_t now,
                               std::int64_t ttl_seconds) const {
  payload["exp"] = now + ttl_seconds;
  std::string text = base::base64url_encode(payload.dump());
  const crypto::Digest tag = mac_.mac(text);
  text += '.';
  text += base::base64url_encode(tag.view());
  return text;
}

std::optional<nlohmann::json> TicketSigner::open(std::string_view ticket, std::int64_t now) const {
  if (ticket.size() > kMaxTicketBytes) return std::nullopt;
  const std::size_t dot = ticket.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto tag = base::base64url_decode(ticket.substr(dot + 1));
  if (!tag || !mac_.verify(ticket.substr(0, dot), *tag)) return std::nullopt;
  const auto text = base::base64url_decode(ticket.substr(0, dot));
  if (!text) return std::nullopt;
  auto payload = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  // Made by make(): an object with an integer "exp"; checked anyway, never trusted to be.
  if (!payload.is_object()) return std::nullopt;
  const auto exp = payload.find("exp");
  if (exp == payload.end() || !exp->is_number_integer()) return std::nullopt;
  if (exp->get<std::int64_t>() <= now) return std::nullopt;
  return payload;
}

}  // namespace tessera::auth
