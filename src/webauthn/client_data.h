// Collected client data (W3C WebAuthn Level 3 section 5.8.1): the JSON the browser built and
// the authenticator signed (by hash). Parsed strictly as sections 7.1 steps 5-6 and 7.2 steps
// 8-9 allow ("an implementation-specific JSON parser"): valid UTF-8 (a leading BOM stripped,
// as UTF-8 decode does), one object, no member twice, type/challenge/origin strings,
// crossOrigin a boolean when present, topOrigin a string when present. Other members (for
// instance the spec's reserved "extraData" text) are ignored, as section 5.8.1.2 requires.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "webauthn/errors.h"

namespace tessera::webauthn {

struct ClientData {
  std::string type;       // "webauthn.create" or "webauthn.get" when genuine
  std::string challenge;  // base64url text, as the client wrote it
  std::string origin;
  bool cross_origin = false;
  bool has_top_origin = false;
};

// kClientDataMalformed for anything that is not such an object.
std::expected<ClientData, Error> parse_client_data(std::string_view json);

}  // namespace tessera::webauthn
