#include "crypto/error.h"

namespace tessera::crypto {

std::string_view describe(Error e) {
  switch (e) {
    case Error::kInvalidKey:
      return "invalid key material";
    case Error::kWeakKey:
      return "key too weak";
    case Error::kUnsupported:
      return "unsupported key type or parameter";
    case Error::kNoPrivateKey:
      return "private key required";
    case Error::kInternal:
      return "internal crypto failure";
  }
  return "unknown crypto error";
}

}  // namespace tessera::crypto
