#include "store/postgres/wire.h"

#include <charconv>
#include <cstring>

namespace tessera::store::postgres {
namespace {

// Network byte order, as the binary formats use.
void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

// Reads big-endian integers from the front of `in`, consuming them; false if too short.
bool take_u32(std::string_view& in, std::uint32_t& v) {
  if (in.size() < 4) return false;
  v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<std::uint8_t>(in[i]);
  in.remove_prefix(4);
  return true;
}

std::uint64_t get_u64(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<std::uint8_t>(in[i]);
  return v;
}

// The binary form of a one-dimensional text[] (array_send): dimensions, a has-NULLs flag, the
// element type, then each element as a length and its bytes. An empty array has no dimension.
std::string encode_text_array(const std::vector<std::string>& items) {
  std::string out;
  put_u32(out, items.empty() ? 0 : 1);  // dimensions
  put_u32(out, 0);                      // no NULLs
  put_u32(out, kTextOid);
  if (items.empty()) return out;
  put_u32(out, static_cast<std::uint32_t>(items.size()));
  put_u32(out, 1);  // lower bound
  for (const std::string& item : items) {
    put_u32(out, static_cast<std::uint32_t>(item.size()));
    out += item;
  }
  return out;
}

// The reverse, strictly: one dimension (or none), no NULL element, nothing left over.
std::optional<std::vector<std::string>> decode_text_array(std::string_view in) {
  std::uint32_t dims = 0, has_nulls = 0, element = 0;
  if (!take_u32(in, dims) || !take_u32(in, has_nulls) || !take_u32(in, element)) return {};
  if (element != kTextOid || has_nulls != 0 || dims > 1) return {};
  std::vector<std::string> out;
  if (dims == 1) {
    std::uint32_t count = 0, lower_bound = 0;
    if (!take_u32(in, count) || !take_u32(in, lower_bound)) return {};
    if (count > in.size() / 4) return {};  // each element takes at least its length
    out.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      std::uint32_t len = 0;
      if (!take_u32(in, len) || len > in.size()) return {};  // also -1: a NULL
      out.emplace_back(in.substr(0, len));
      in.remove_prefix(len);
    }
  }
  if (!in.empty()) return {};
  return out;
}

}  // namespace

// ---- Params --------------------------------------------------------------------------------

Params& Params::add(Oid type, std::string value, bool is_null) {
  types_.push_back(type);
  values_.push_back(std::move(value));
  nulls_.push_back(is_null);
  return *this;
}

Params& Params::int8(std::int64_t v) {
  std::string out;
  put_u64(out, static_cast<std::uint64_t>(v));
  return add(kInt8Oid, std::move(out));
}

Params& Params::boolean(bool v) { return add(kBoolOid, std::string(1, v ? '\1' : '\0')); }

Params& Params::text(std::string_view v) { return add(kTextOid, std::string(v)); }

Params& Params::bytea(std::span<const std::uint8_t> v) {
  return add(kByteaOid, std::string(v.begin(), v.end()));
}

Params& Params::bytea(std::string_view v) { return add(kByteaOid, std::string(v)); }

Params& Params::text_array(const std::vector<std::string>& v) {
  return add(kTextArrayOid, encode_text_array(v));
}

Params& Params::null(Oid type) { return add(type, {}, /*is_null=*/true); }

Params::Wire Params::wire() const {
  Wire w;
  for (std::size_t i = 0; i < values_.size(); ++i) {
    w.values.push_back(nulls_[i] ? nullptr : values_[i].data());
    w.lengths.push_back(static_cast<int>(values_[i].size()));
    w.formats.push_back(1);  // binary
  }
  return w;
}

// ---- Result, Row ---------------------------------------------------------------------------

std::size_t Result::affected() const {
  const char* text = PQcmdTuples(r_.get());  // "" for statements that change no rows
  std::size_t n = 0;
  std::from_chars(text, text + std::strlen(text), n);
  return n;
}

std::optional<std::string_view> Row::field(int col, Oid type) {
  if (col >= PQnfields(r_) || row_ >= PQntuples(r_) || PQftype(r_, col) != type ||
      PQfformat(r_, col) != 1 || PQgetisnull(r_, row_, col)) {
    ok_ = false;
    return std::nullopt;
  }
  return std::string_view(PQgetvalue(r_, row_, col),
                          static_cast<std::size_t>(PQgetlength(r_, row_, col)));
}

std::int64_t Row::integer(int col) {
  auto v = field(col, kInt8Oid);
  if (!v) return 0;
  if (v->size() != 8) {
    ok_ = false;
    return 0;
  }
  return static_cast<std::int64_t>(get_u64(*v));
}

bool Row::boolean(int col) {
  auto v = field(col, kBoolOid);
  if (!v) return false;
  if (v->size() != 1 || static_cast<std::uint8_t>((*v)[0]) > 1) {
    ok_ = false;
    return false;
  }
  return (*v)[0] == 1;
}

std::string Row::text(int col) {
  auto v = field(col, kTextOid);
  return v ? std::string(*v) : std::string();
}

std::string Row::bytes(int col) {
  auto v = field(col, kByteaOid);
  return v ? std::string(*v) : std::string();
}

std::vector<std::string> Row::text_array(int col) {
  auto v = field(col, kTextArrayOid);
  if (!v) return {};
  auto items = decode_text_array(*v);
  if (!items) {
    ok_ = false;
    return {};
  }
  return std::move(*items);
}

void Row::read_blob(int col, std::span<std::uint8_t> out) {
  auto v = field(col, kByteaOid);
  if (!v) return;
  if (v->size() != out.size()) {
    ok_ = false;
    return;
  }
  std::memcpy(out.data(), v->data(), out.size());
}

}  // namespace tessera::store::postgres
