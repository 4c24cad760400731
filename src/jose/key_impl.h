// What a Jwk holds. Private to jose/: callers see only tessera/jwk.h.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "crypto/hash.h"
#include "crypto/pkey.h"
#include "tessera/jwk.h"

namespace tessera::jose::detail {

struct KeyImpl {
  Alg alg{};
  std::string kid;
  // Exactly one of these is set: the HMAC secret and its precomputed key, or an asymmetric key.
  std::string secret;
  std::unique_ptr<crypto::HmacKey> hmac;
  std::optional<crypto::AsymmetricKey> asym;

  KeyImpl() = default;
  KeyImpl(const KeyImpl&) = delete;
  KeyImpl& operator=(const KeyImpl&) = delete;
  ~KeyImpl() { crypto::cleanse(secret); }
};

}  // namespace tessera::jose::detail
