#include "store/postgres/op.h"

#include <cstring>

namespace tessera::store::postgres {

std::expected<Op, StoreError> Op::start(Pool& pool, std::string_view what) {
  return start(pool, what, pool.deadline());
}

std::expected<Op, StoreError> Op::start(Pool& pool, std::string_view what, Deadline deadline) {
  const auto started = std::chrono::steady_clock::now();
  auto lease = pool.acquire(deadline);
  if (!lease) {
    if (pool.latency() != nullptr)
      pool.latency()->observe(std::chrono::steady_clock::now() - started);
    pool.report(what, lease.error().reason);
    return std::unexpected(lease.error().error);
  }
  return Op(pool, std::move(*lease), what, deadline, started);
}

Op::~Op() {
  if (in_transaction_) rollback();
  if (latency_ != nullptr) latency_->observe(std::chrono::steady_clock::now() - started_);
}

std::expected<void, StoreError> Op::begin(Isolation isolation) {
  const std::string sql = isolation == Isolation::kReadCommitted
                              ? "BEGIN"
                              : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  auto r = lease_->execute_script(sql, deadline_);
  if (!r) return std::unexpected(fail(r.error()));
  in_transaction_ = true;
  return {};
}

std::expected<Result, StoreError> Op::exec(std::string_view sql, const Params& params) {
  auto r = lease_->execute(sql, params, deadline_);
  if (!r) return std::unexpected(fail(r.error()));
  return std::move(*r);
}

std::expected<void, StoreError> Op::commit() {
  in_transaction_ = false;
  auto r = lease_->execute_script("COMMIT", deadline_);
  if (!r) return std::unexpected(fail(r.error()));
  // COMMIT of a transaction that already failed answers "ROLLBACK" instead of an error.
  if (std::strcmp(PQcmdStatus(r->get()), "COMMIT") != 0) {
    return std::unexpected(fail(Failure{.reason = "the transaction was rolled back"}));
  }
  return {};
}

void Op::rollback() {
  in_transaction_ = false;
  if (Clock::now() >= deadline_ || !lease_->execute_script("ROLLBACK", deadline_)) {
    lease_->mark_broken();
  }
}

StoreError Op::corrupt(std::string_view table) {
  pool_->report(what_, "undecodable row in " + std::string(table));
  return StoreError::kCorrupt;
}

StoreError Op::fail(const Failure& f) {
  if (f.error != StoreError::kConflict) pool_->report(what_, f.reason);
  return f.error;
}

}  // namespace tessera::store::postgres
