#include "webauthn/cbor.h"

#include <limits>

namespace tessera::webauthn::cbor {

std::optional<Loaded> load_prefix(std::string_view bytes) {
  if (bytes.empty()) return std::nullopt;
  cbor_load_result result{};
  Item item(cbor_load(reinterpret_cast<cbor_data>(bytes.data()), bytes.size(), &result));
  if (!item || result.error.code != CBOR_ERR_NONE || result.read == 0 ||
      result.read > bytes.size()) {
    return std::nullopt;
  }
  return Loaded{std::move(item), result.read};
}

std::optional<std::string_view> bytes_of(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item))
    return std::nullopt;
  const std::size_t n = cbor_bytestring_length(item);
  if (n == 0) return std::string_view();
  return std::string_view(reinterpret_cast<const char*>(cbor_bytestring_handle(item)), n);
}

std::optional<std::string_view> text_of(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_string(item) || !cbor_string_is_definite(item))
    return std::nullopt;
  const std::size_t n = cbor_string_length(item);
  if (n == 0) return std::string_view();
  return std::string_view(reinterpret_cast<const char*>(cbor_string_handle(item)), n);
}

std::optional<std::int64_t> int_of(const cbor_item_t* item) {
  if (item == nullptr) return std::nullopt;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (cbor_isa_uint(item)) {
    const std::uint64_t v = cbor_get_int(item);
    if (v > kMax) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  if (cbor_isa_negint(item)) {
    const std::uint64_t v = cbor_get_int(item);  // the value is -1 - v
    if (v > kMax) return std::nullopt;
    return -1 - static_cast<std::int64_t>(v);
  }
  return std::nullopt;
}

std::optional<Map> map_of(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_map(item) || !cbor_map_is_definite(item)) return std::nullopt;
  return Map{cbor_map_handle(item), cbor_map_size(item)};
}

}  // namespace tessera::webauthn::cbor
