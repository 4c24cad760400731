#include "webauthn/cbor.h"

#include <cstdint>
#include <limits>

namespace tessera::webauthn::cbor {

namespace {

// A first pass over the item's heads with libcbor's streaming decoder, before cbor_load builds
// anything. Why: libcbor 0.8's builder allocates a definite array or map for its declared
// size before reading one element, so a 9-byte header declaring 2^40 elements asks malloc for
// terabytes (found by fuzz_webauthn_response). Here every item still to come must have a byte
// of its own left in the input: the elements declared by all open containers, summed, may not
// exceed the bytes remaining. Indefinite lengths and tags are refused outright: WebAuthn's
// CBOR is CTAP2 canonical (definite lengths only) and tag-free.
struct Scan {
  std::uint64_t declared = 0;  // elements the head just decoded declares
  bool refused = false;
};

void on_array(void* ctx, std::size_t n) { static_cast<Scan*>(ctx)->declared = n; }
void on_map(void* ctx, std::size_t n) {
  // Keys and values: 2n items (n < 2^63 here, or the sum check below fails first).
  static_cast<Scan*>(ctx)->declared = n > (UINT64_MAX / 2) ? UINT64_MAX : 2 * n;
}
void on_refused(void* ctx) { static_cast<Scan*>(ctx)->refused = true; }
void on_tag(void* ctx, std::uint64_t) { static_cast<Scan*>(ctx)->refused = true; }

const cbor_callbacks& scan_callbacks() {
  static const cbor_callbacks cb = [] {
    cbor_callbacks c = cbor_empty_callbacks;
    c.array_start = on_array;
    c.map_start = on_map;
    c.indef_array_start = on_refused;
    c.indef_map_start = on_refused;
    c.byte_string_start = on_refused;
    c.string_start = on_refused;
    c.indef_break = on_refused;
    c.tag = on_tag;
    return c;
  }();
  return cb;
}

// The length of the one well-formed, bounded item at the front of `bytes`, or nullopt.
std::optional<std::size_t> scan_item(std::string_view bytes) {
  const auto* data = reinterpret_cast<cbor_data>(bytes.data());
  std::size_t offset = 0;
  std::uint64_t pending = 1;  // items still to come: the top item
  while (pending > 0) {
    Scan scan;
    const cbor_decoder_result r =
        cbor_stream_decode(data + offset, bytes.size() - offset, &scan_callbacks(), &scan);
    if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || scan.refused) return std::nullopt;
    offset += r.read;
    --pending;
    const std::uint64_t remaining = bytes.size() - offset;
    if (scan.declared > remaining || pending + scan.declared > remaining) return std::nullopt;
    pending += scan.declared;
  }
  return offset;
}

}  // namespace

std::optional<Loaded> load_prefix(std::string_view bytes) {
  const std::optional<std::size_t> size = scan_item(bytes);
  if (!size) return std::nullopt;
  cbor_load_result result{};
  Item item(cbor_load(reinterpret_cast<cbor_data>(bytes.data()), *size, &result));
  if (!item || result.error.code != CBOR_ERR_NONE || result.read != *size) {
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
