#include "store/types.h"

#include <string_view>

#include "store/client_store.h"
#include "store/key_store.h"

namespace tessera::store {

std::string_view describe(StoreError e) {
  switch (e) {
    case StoreError::kNotFound:
      return "not found";
    case StoreError::kConflict:
      return "conflict";
    case StoreError::kUnavailable:
      return "store unavailable";
    case StoreError::kCorrupt:
      return "stored data corrupt";
  }
  return "unknown store error";
}

std::string_view to_string(KeyState s) {
  switch (s) {
    case KeyState::kNext:
      return "next";
    case KeyState::kActive:
      return "active";
    case KeyState::kRetired:
      return "retired";
  }
  return "unknown";
}

std::string_view to_string(ClientType t) {
  switch (t) {
    case ClientType::kPublic:
      return "public";
    case ClientType::kConfidential:
      return "confidential";
  }
  return "unknown";
}

std::string_view to_string(ClientAuthMethod m) {
  switch (m) {
    case ClientAuthMethod::kNone:
      return "none";
    case ClientAuthMethod::kClientSecretBasic:
      return "client_secret_basic";
    case ClientAuthMethod::kClientSecretPost:
      return "client_secret_post";
    case ClientAuthMethod::kPrivateKeyJwt:
      return "private_key_jwt";
  }
  return "unknown";
}

std::optional<ClientType> parse_client_type(std::string_view text) {
  for (ClientType t : {ClientType::kPublic, ClientType::kConfidential}) {
    if (to_string(t) == text) return t;
  }
  return std::nullopt;
}

std::optional<ClientAuthMethod> parse_client_auth_method(std::string_view text) {
  for (ClientAuthMethod m :
       {ClientAuthMethod::kNone, ClientAuthMethod::kClientSecretBasic,
        ClientAuthMethod::kClientSecretPost, ClientAuthMethod::kPrivateKeyJwt}) {
    if (to_string(m) == text) return m;
  }
  return std::nullopt;
}

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0x0f]);
  }
  return out;
}

std::optional<TokenHash> token_hash_from_hex(std::string_view text) {
  TokenHash h{};
  if (text.size() != h.size() * 2) return std::nullopt;
  for (std::size_t i = 0; i < h.size(); ++i) {
    const int hi = hex_digit(text[2 * i]);
    const int lo = hex_digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    h[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return h;
}

}  // namespace tessera::store
