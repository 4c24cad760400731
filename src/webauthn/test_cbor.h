// CBOR built with libcbor for the webauthn tests (test_util.h) and the software authenticator
// (test_authenticator.h): tests build their inputs with the same library the code under test
// decodes with; nothing is encoded by hand. Test-only; header-only.
#pragma once

#include <cbor.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "webauthn/cbor.h"

namespace tessera::webauthn::test {

using cbor::Item;

inline Item cint(std::int64_t v) {
  return Item(v >= 0 ? cbor_build_uint64(static_cast<std::uint64_t>(v))
                     : cbor_build_negint64(static_cast<std::uint64_t>(-1 - v)));
}
inline Item cbytes(std::string_view b) {
  return Item(cbor_build_bytestring(reinterpret_cast<cbor_data>(b.data()), b.size()));
}
inline Item ctext(const std::string& s) { return Item(cbor_build_string(s.c_str())); }
inline Item cbool(bool v) { return Item(cbor_build_bool(v)); }

// A definite map of the given pairs, in order (duplicates allowed: tests need them).
inline Item cmap(std::vector<std::pair<Item, Item>> pairs) {
  Item m(cbor_new_definite_map(pairs.size()));
  for (auto& [k, v] : pairs) cbor_map_add(m.get(), cbor_pair{.key = k.get(), .value = v.get()});
  return m;
}

// A shared reference to an existing item (e.g. one taken from a decoded map).
inline Item cref(cbor_item_t* item) { return Item(cbor_incref(item)); }

inline std::string encode(const Item& item) {
  unsigned char* buf = nullptr;
  std::size_t cap = 0;
  const std::size_t n = cbor_serialize_alloc(item.get(), &buf, &cap);
  std::string out(reinterpret_cast<const char*>(buf), n);
  std::free(buf);
  return out;
}

// An attestation object {"fmt", "attStmt", "authData"} (W3C WebAuthn section 6.5.4).
inline std::string attestation_object(const std::string& fmt, Item att_stmt,
                                      std::string_view auth_data) {
  std::vector<std::pair<Item, Item>> pairs;
  pairs.emplace_back(ctext("fmt"), ctext(fmt));
  pairs.emplace_back(ctext("attStmt"), std::move(att_stmt));
  pairs.emplace_back(ctext("authData"), cbytes(auth_data));
  return encode(cmap(std::move(pairs)));
}

inline Item empty_map() { return cmap({}); }

}  // namespace tessera::webauthn::test
