#include "app/config_webauthn.h"

#include "app/domain_name.h"

namespace tessera::app {

using detail::Field;
using detail::Problem;

namespace {

constexpr std::size_t kMaxRpNameBytes = 256;

}  // namespace

std::vector<Field> WebauthnSection::fields() {
  return {
      {kName, "rp_id", &rp_id,
       "The relying party id: a lower-case domain name (`example.com`), the host of an allowed "
       "origin or a parent domain of it, never an IP address. Empty: the host of the first allowed "
       "origin that is a domain name; when none is, passkeys are off."},
      {kName, "rp_name", &rp_name,
       "The name the browser shows the person creating a passkey. 1..256 bytes."},
  };
}

std::optional<Problem> WebauthnSection::check() const {
  if (!rp_id.empty()) {
    if (auto ok = check_rp_id(rp_id); !ok) return Problem{"rp_id", ok.error()};
  }
  if (rp_name.empty() || rp_name.size() > kMaxRpNameBytes) {
    return Problem{"rp_name", "must be 1.." + std::to_string(kMaxRpNameBytes) + " bytes"};
  }
  return std::nullopt;
}

std::expected<void, std::string> check_rp_id(std::string_view id) {
  return check_domain_name(id, "an RP id");
}

std::optional<std::string> rp_id_of_origin(std::string_view origin) {
  return domain_of_origin(origin);
}

bool origin_within_rp_id(std::string_view origin, std::string_view rp_id) {
  return origin_within_domain(origin, rp_id);
}

}  // namespace tessera::app
