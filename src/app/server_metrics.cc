#include "app/server_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "app/process_stats.h"

namespace tessera::app {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Password hashing, and the store workers every store-bound handler runs on when the stores
// are across a network (api/store_routes.h): what waits, what runs, and the totals since start.
void add_pool_metrics(http::Metrics& metrics, Services& s) {
  metrics.gauge("tessera_hash_queue_depth", "Password hashing jobs waiting for a worker",
                [&s] { return static_cast<double>(s.pool->queued()); });
  metrics.gauge("tessera_hash_busy_workers", "Password hashing workers running a job now",
                [&s] { return static_cast<double>(s.pool->busy()); });
  // Totals since start: counters (with the _total suffix), so that rate() works on them.
  metrics.sampled_counter("tessera_hash_rejected_total",
                          "Password hashing jobs refused (queue full) since start",
                          [&s] { return static_cast<double>(s.pool->rejected()); });
  metrics.sampled_counter("tessera_hash_jobs_started_total",
                          "Password hashing jobs (Argon2id hash or verify) run since start",
                          [&s] { return static_cast<double>(s.pool->started()); });
  metrics.gauge("tessera_store_queue_depth", "Store-bound jobs waiting for a store worker",
                [&s] { return static_cast<double>(s.store_pool->queued()); });
  metrics.gauge("tessera_store_busy_workers", "Store workers running a job now",
                [&s] { return static_cast<double>(s.store_pool->busy()); });
  metrics.gauge("tessera_store_workers", "Store worker threads",
                [&s] { return static_cast<double>(s.store_pool->threads()); });
  metrics.sampled_counter("tessera_store_rejected_total",
                          "Store-bound jobs refused (queue full: answered 503) since start",
                          [&s] { return static_cast<double>(s.store_pool->rejected()); });
}

// The stores' connection pools (store/pool_state.h), one series per backend and state.
void add_connection_metrics(http::Metrics& metrics, Services& s) {
  const std::string name = "tessera_store_connections";
  const std::string help =
      "Store connections by state: in_use (lent to an operation), idle (open and free), "
      "waiting (operations waiting for one)";
  for (const store::PoolProbe& pool : s.stores.pools) {
    using Field = std::size_t store::PoolState::*;
    for (auto [state, field] : {std::pair<const char*, Field>{"in_use", &store::PoolState::in_use},
                                {"idle", &store::PoolState::idle},
                                {"waiting", &store::PoolState::waiting}}) {
      metrics.gauge(name, help, {{"backend", pool.backend}, {"state", state}},
                    [sample = pool.state, field] { return static_cast<double>(sample().*field); });
    }
  }
}

// The outbox on /metrics (SPEC.md "Email"): what this node queued and what its sender did, as
// counters; what waits in the shared outbox, and for how long, as gauges (one store query per
// scrape each; NaN when the store does not answer).
void add_mail_metrics(http::Metrics& metrics, Services& s) {
  metrics.sampled_counter("tessera_mail_queued_total", "Mails this node committed to the outbox",
                          [&s] { return static_cast<double>(s.account_mail->queued_total()); });
  auto sender = [&s](std::uint64_t (auth::MailSender::*count)() const) {
    return [&s, count] {
      return s.mail_sender ? static_cast<double>(((*s.mail_sender).*count)()) : 0.0;
    };
  };
  metrics.sampled_counter("tessera_mail_sent_total", "Mails this node's sender delivered",
                          sender(&auth::MailSender::sent));
  metrics.sampled_counter("tessera_mail_failed_total",
                          "Mails this node's sender gave up on (a permanent refusal, or too many "
                          "attempts)",
                          sender(&auth::MailSender::failed));
  metrics.sampled_counter("tessera_mail_retried_total",
                          "Delivery attempts of this node's sender that failed and will be retried",
                          sender(&auth::MailSender::retried));
  metrics.gauge("tessera_mail_pending", "Mails waiting in the outbox (every node's)", [&s] {
    auto stats = s.stores.outbox->stats();
    return stats ? static_cast<double>(stats->pending) : kNaN;
  });
  metrics.gauge("tessera_mail_oldest_pending_seconds",
                "Age of the oldest mail waiting in the outbox; 0 when none waits", [&s] {
                  auto stats = s.stores.outbox->stats();
                  if (!stats) return kNaN;
                  if (stats->oldest_pending_at == 0) return 0.0;
                  return static_cast<double>(
                      std::max<std::int64_t>(0, s.clock.now_unix() - stats->oldest_pending_at));
                });
}

// The standard process_* names (the Prometheus client libraries' "process collector"), read at
// each scrape (app/process_stats.h); NaN where the system does not say.
void add_process_metrics(http::Metrics& metrics) {
  auto cpu_memory = [](double ProcessCpuMemory::*field) {
    return [field] {
      auto p = read_process_cpu_memory();
      return p ? (*p).*field : kNaN;
    };
  };
  auto bytes = [](std::uint64_t ProcessCpuMemory::*field) {
    return [field] {
      auto p = read_process_cpu_memory();
      return p ? static_cast<double>((*p).*field) : kNaN;
    };
  };
  metrics.sampled_counter("process_cpu_seconds_total", "Total user and system CPU time spent",
                          cpu_memory(&ProcessCpuMemory::cpu_seconds));
  metrics.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch",
                cpu_memory(&ProcessCpuMemory::start_time_seconds));
  metrics.gauge("process_resident_memory_bytes", "Resident memory size",
                bytes(&ProcessCpuMemory::resident_bytes));
  metrics.gauge("process_virtual_memory_bytes", "Virtual memory size",
                bytes(&ProcessCpuMemory::virtual_bytes));
  metrics.gauge("process_open_fds", "Open file descriptors", [] {
    auto n = read_open_fds();
    return n ? static_cast<double>(*n) : kNaN;
  });
  metrics.gauge("process_max_fds", "Maximum number of open file descriptors (soft limit)", [] {
    auto n = read_max_fds();
    return n ? static_cast<double>(*n) : kNaN;
  });
}

}  // namespace

store::OperationTimer store_operation_timer(http::Metrics& metrics) {
  return [&metrics](std::string_view backend, std::string_view op) {
    return &metrics.histogram(
        "tessera_store_operation_duration_seconds",
        "Store operations from their start (waiting for a connection included) to their end",
        {{"backend", std::string(backend)}, {"op", std::string(op)}});
  };
}

void add_server_metrics(http::Metrics& metrics, Services& s) {
  add_pool_metrics(metrics, s);
  add_connection_metrics(metrics, s);
  metrics.sampled_counter("tessera_audit_failures_total",
                          "Audit events that could not be written since start",
                          [&s] { return static_cast<double>(s.audit->failures()); });
  add_mail_metrics(metrics, s);
  add_process_metrics(metrics);
}

}  // namespace tessera::app
