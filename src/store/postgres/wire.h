// What travels between the postgres/ stores and libpq: statement parameters (Params) and the
// strict decoding of result rows (Result, Row). Parameters and results use PostgreSQL's BINARY
// formats, so nothing is parsed from text, no value needs quoting, and a column of an
// unexpected type or size is detected instead of coerced. Plain values; not thread-safe (each
// belongs to one call).
#pragma once

#include <libpq-fe.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::store::postgres {

// The type OIDs used here (fixed in PostgreSQL's catalog).
inline constexpr Oid kBoolOid = 16;
inline constexpr Oid kByteaOid = 17;
inline constexpr Oid kInt8Oid = 20;
inline constexpr Oid kTextOid = 25;
inline constexpr Oid kTextArrayOid = 1009;

// The parameters $1, $2, ... of one statement, in the order added, each with its type. Keeps
// copies of the values (temporaries may be passed). A statement prepared with one call's types
// is reused for every call with the same SQL: pass the same types each time.
class Params {
 public:
  Params& int8(std::int64_t v);
  Params& boolean(bool v);
  // UTF-8 without NUL (the server refuses anything else: the call fails with kUnavailable).
  Params& text(std::string_view v);
  Params& bytea(std::span<const std::uint8_t> v);
  Params& bytea(std::string_view v);
  Params& text_array(const std::vector<std::string>& v);  // one dimension, no NULLs
  Params& null(Oid type);                                 // SQL NULL of `type`

  int size() const { return static_cast<int>(types_.size()); }
  const Oid* types() const { return types_.data(); }

  // The arrays PQsendQueryPrepared takes; they point into this object (valid while it is
  // alive and unchanged).
  struct Wire {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
  };
  Wire wire() const;

 private:
  Params& add(Oid type, std::string value, bool is_null = false);
  std::vector<Oid> types_;
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
};

// One PGresult, owned.
class Result {
 public:
  Result() = default;
  explicit Result(PGresult* r) : r_(r) {}
  PGresult* get() const { return r_.get(); }
  int rows() const { return PQntuples(r_.get()); }
  // Rows the INSERT/UPDATE/DELETE changed (0 for other statements).
  std::size_t affected() const;

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> r_;
};

// Reads one row of a binary Result with checks. The first column that is missing, NULL where
// the schema forbids it, of another type, or of a size that does not decode marks the row
// corrupt (ok() false); values read after that are defaults.
class Row {
 public:
  Row(const Result& result, int row) : r_(result.get()), row_(row) {}

  std::int64_t integer(int col);  // BIGINT
  bool boolean(int col);          // BOOLEAN
  std::string text(int col);      // TEXT
  std::string bytes(int col);     // BYTEA of any length
  std::vector<std::string> text_array(int col);
  template <std::size_t N>
  std::array<std::uint8_t, N> blob(int col) {  // BYTEA of exactly N bytes
    std::array<std::uint8_t, N> out{};
    read_blob(col, out);
    return out;
  }
  template <std::size_t N>
  std::optional<std::array<std::uint8_t, N>> nullable_blob(int col) {
    if (col < PQnfields(r_) && PQgetisnull(r_, row_, col)) return std::nullopt;
    return blob<N>(col);
  }
  void mark_corrupt() { ok_ = false; }
  bool ok() const { return ok_; }

 private:
  // The column's bytes if it exists, is binary, of `type` and not NULL; else marks the row
  // corrupt and returns nullopt.
  std::optional<std::string_view> field(int col, Oid type);
  void read_blob(int col, std::span<std::uint8_t> out);

  const PGresult* r_;
  int row_;
  bool ok_ = true;
};

}  // namespace tessera::store::postgres
