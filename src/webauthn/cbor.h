// Thin RAII and typed accessors over libcbor (Debian libcbor-dev) for webauthn/: every CBOR
// byte this module reads is decoded by libcbor; these helpers only check the decoded items'
// types. Internal to webauthn/.
#pragma once

#include <cbor.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace tessera::webauthn::cbor {

struct Decref {
  void operator()(cbor_item_t* p) const { cbor_decref(&p); }
};
using Item = std::unique_ptr<cbor_item_t, Decref>;

struct Loaded {
  Item item;
  std::size_t read = 0;  // bytes of `bytes` the item took
};

// Decodes the one CBOR data item at the front of `bytes` (RFC 8949); what follows it is left
// to the caller. nullopt when no complete, well-formed item is there, when it uses indefinite
// lengths or tags (not in WebAuthn's CTAP2 canonical CBOR), or when its containers declare more
// elements than there are bytes left (so a short input never makes libcbor allocate much).
std::optional<Loaded> load_prefix(std::string_view bytes);

// Typed views of decoded items. nullopt for another type, an indefinite-length string, or an
// integer outside int64. The views point into `item` and live as long as it.
std::optional<std::string_view> bytes_of(const cbor_item_t* item);
std::optional<std::string_view> text_of(const cbor_item_t* item);
std::optional<std::int64_t> int_of(const cbor_item_t* item);

// A definite-length map. nullopt otherwise.
struct Map {
  const cbor_pair* pairs = nullptr;
  std::size_t size = 0;
  const cbor_pair* begin() const { return pairs; }
  const cbor_pair* end() const { return pairs + size; }
};
std::optional<Map> map_of(const cbor_item_t* item);

}  // namespace tessera::webauthn::cbor
