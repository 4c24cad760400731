#include "webauthn/client_data.h"

#include "jose/json.h"

namespace tessera::webauthn {

std::expected<ClientData, Error> parse_client_data(std::string_view json) {
  if (json.starts_with("\xEF\xBB\xBF")) json.remove_prefix(3);
  // One parser per thread: the elements it returns live until its next parse (jose/json.h).
  thread_local jose::json::StrictParser parser;
  auto obj = parser.parse_object(json);
  if (!obj) return std::unexpected(Error::kClientDataMalformed);
  ClientData c;
  std::string_view s;
  simdjson::dom::element e;
  for (auto [name, out] : {std::pair{"type", &c.type}, std::pair{"challenge", &c.challenge},
                           std::pair{"origin", &c.origin}}) {
    if (obj->at_key(name).get(e) != simdjson::SUCCESS || e.get_string().get(s) != simdjson::SUCCESS)
      return std::unexpected(Error::kClientDataMalformed);
    out->assign(s);
  }
  if (obj->at_key("crossOrigin").get(e) == simdjson::SUCCESS &&
      e.get_bool().get(c.cross_origin) != simdjson::SUCCESS) {
    return std::unexpected(Error::kClientDataMalformed);
  }
  if (obj->at_key("topOrigin").get(e) == simdjson::SUCCESS) {
    if (e.get_string().get(s) != simdjson::SUCCESS)
      return std::unexpected(Error::kClientDataMalformed);
    c.has_top_origin = true;
  }
  return c;
}

}  // namespace tessera::webauthn
