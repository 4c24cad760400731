#include "store/postgres/connection.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <optional>

namespace tessera::store::postgres {
namespace {

enum class Ready : std::uint8_t { kYes, kTimeout, kError };

// Waits until `fd` is ready for `events` (or has an error or hang-up to report, which libpq
// then reads) or `deadline` passes.
Ready wait_for(int fd, short events, Deadline deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Ready::kTimeout;
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), INT_MAX)));
    if (n > 0) return Ready::kYes;
    if (n < 0 && errno != EINTR) return Ready::kError;
  }
}

// The failure an error result stands for: its SQLSTATE and primary message only (the DETAIL
// of a unique violation, for one, quotes the key).
Failure from_error_result(const PGresult* r) {
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  std::string reason = state ? std::string(state) + " " : std::string();
  reason += primary ? primary : "error without a message";
  return Failure{.error = to_store_error(state ? state : ""), .reason = one_line(reason)};
}

}  // namespace

StoreError to_store_error(std::string_view sqlstate) {
  if (sqlstate.starts_with("23")) return StoreError::kConflict;
  if (sqlstate == "XX001" || sqlstate == "XX002") return StoreError::kCorrupt;
  return StoreError::kUnavailable;
}

std::string one_line(std::string_view text) {
  constexpr std::size_t kMax = 300;
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;  // one space between words
    out.push_back(space ? ' ' : c);
    if (out.size() == kMax) break;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::expected<std::unique_ptr<Connection>, std::string> Connection::open(
    const std::string& dsn, std::chrono::milliseconds server_timeout, Canceller& canceller,
    Deadline deadline) {
  // expand_dbname: the first "dbname" is the whole connection string (key=value or URI);
  // fallback_application_name names us in pg_stat_activity unless the string names something.
  const char* const keys[] = {"dbname", "fallback_application_name", nullptr};
  const char* const values[] = {dsn.c_str(), "tessera", nullptr};
  PGconn* raw = PQconnectStartParams(keys, values, /*expand_dbname=*/1);
  if (raw == nullptr) return std::unexpected("cannot connect: out of memory");
  std::unique_ptr<Connection> conn(new Connection(raw, canceller));  // PQfinish on every path
  auto failed = [&] { return std::unexpected("cannot connect: " + one_line(PQerrorMessage(raw))); };
  if (PQstatus(raw) == CONNECTION_BAD) return failed();

  // The polling loop of PQconnectPoll's documentation, with a deadline on every wait.
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK) {
    if (status == PGRES_POLLING_FAILED) return failed();
    const short events = status == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    const Ready ready = wait_for(PQsocket(raw), events, deadline);
    if (ready == Ready::kTimeout) return std::unexpected("cannot connect: timed out");
    if (ready == Ready::kError) return std::unexpected("cannot connect: poll() failed");
    status = PQconnectPoll(raw);
  }
  // Non-blocking: PQsend* never waits for the socket; finish() does, against the deadline.
  if (PQsetnonblocking(raw, 1) != 0) return failed();
  // Notices (there should be none) must not go to stderr, libpq's default.
  PQsetNoticeProcessor(
      raw, [](void*, const char*) {}, nullptr);

  const std::string ms = std::to_string(server_timeout.count());
  auto configured = conn->execute_script(
      "SET statement_timeout = " + ms + "; SET idle_in_transaction_session_timeout = " + ms,
      deadline);
  if (!configured)
    return std::unexpected("cannot configure the session: " + configured.error().reason);
  return conn;
}

Connection::~Connection() { PQfinish(conn_); }

std::expected<Result, Failure> Connection::execute(std::string_view sql, const Params& params,
                                                   Deadline deadline) {
  if (broken_) return std::unexpected(Failure{.reason = "connection already failed"});
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    std::string text(sql);
    std::string name = "tessera_" + std::to_string(statements_.size() + 1);
    if (!PQsendPrepare(conn_, name.c_str(), text.c_str(), params.size(), params.types())) {
      return std::unexpected(lost("sending"));
    }
    if (auto prepared = finish(deadline); !prepared) return std::unexpected(prepared.error());
    it = statements_.emplace(std::move(text), std::move(name)).first;
  }
  const Params::Wire wire = params.wire();
  if (!PQsendQueryPrepared(conn_, it->second.c_str(), params.size(), wire.values.data(),
                           wire.lengths.data(), wire.formats.data(), /*resultFormat=*/1)) {
    return std::unexpected(lost("sending"));
  }
  return finish(deadline);
}

std::expected<Result, Failure> Connection::execute_script(const std::string& sql,
                                                          Deadline deadline) {
  if (broken_) return std::unexpected(Failure{.reason = "connection already failed"});
  if (!PQsendQuery(conn_, sql.c_str())) return std::unexpected(lost("sending"));
  return finish(deadline);
}

std::expected<Result, Failure> Connection::finish(Deadline deadline) {
  const int fd = PQsocket(conn_);
  // Send what is still buffered. Reading meanwhile keeps a server that is itself blocked on
  // writing to us from deadlocking the exchange.
  for (;;) {
    const int flushed = PQflush(conn_);
    if (flushed == 0) break;
    if (flushed < 0) return std::unexpected(lost("sending"));
    const Ready ready = wait_for(fd, POLLIN | POLLOUT, deadline);
    if (ready == Ready::kTimeout) return std::unexpected(timed_out());
    if (ready == Ready::kError || !PQconsumeInput(conn_)) return std::unexpected(lost("receiving"));
  }
  // Collect every result until libpq says the command is done (PQgetResult gives NULL).
  std::optional<Result> error;
  std::optional<Result> last;
  for (;;) {
    while (PQisBusy(conn_)) {
      const Ready ready = wait_for(fd, POLLIN, deadline);
      if (ready == Ready::kTimeout) return std::unexpected(timed_out());
      if (ready == Ready::kError || !PQconsumeInput(conn_)) {
        return std::unexpected(lost("receiving"));
      }
    }
    PGresult* raw = PQgetResult(conn_);
    if (raw == nullptr) break;
    Result result(raw);
    const ExecStatusType status = PQresultStatus(raw);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      last = std::move(result);
    } else if (!error) {
      error = std::move(result);
    }
  }
  // A fatal error (the server terminating the session, say) leaves the connection closed.
  if (PQstatus(conn_) != CONNECTION_OK) broken_ = true;
  if (error) {
    // This connection's prepared statements went stale (a migration changed a table's columns
    // under them: "cached plan must not change result type"; or they are gone): a new
    // connection prepares them afresh.
    const char* state = PQresultErrorField(error->get(), PG_DIAG_SQLSTATE);
    const std::string_view code = state ? state : "";
    if (code == "0A000" || code == "26000") broken_ = true;
    return std::unexpected(from_error_result(error->get()));
  }
  if (!last) return std::unexpected(lost("receiving"));
  return std::move(*last);
}

bool Connection::keepable() const {
  return !broken_ && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

bool Connection::reusable() {
  if (!keepable()) return false;
  pollfd p{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
  return ::poll(&p, 1, 0) == 0;
}

Failure Connection::lost(std::string_view what) {
  broken_ = true;
  std::string reason(what);
  const std::string detail = one_line(PQerrorMessage(conn_));
  reason += detail.empty() ? ": connection lost" : ": " + detail;
  return Failure{.error = StoreError::kUnavailable, .reason = std::move(reason)};
}

Failure Connection::timed_out() {
  canceller_.cancel(conn_);  // before the pool closes the connection
  broken_ = true;
  return Failure{.error = StoreError::kUnavailable,
                 .reason = "timed out waiting for the server (statement cancelled)"};
}

}  // namespace tessera::store::postgres
