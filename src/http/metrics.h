// Prometheus metrics, text exposition format 0.0.4, served at GET /metrics.
//
// Built in:
//   tessera_http_requests_total{route,method,status}   counter, every answered request
//   tessera_http_request_duration_seconds{route}       histogram, handler latency (request read
//                                                      to response ready; excludes the write)
//   tessera_logins_total{result}                       counter, bumped by the api layer
//   tessera_revocations_total{kind}                    counter, bumped by the api layer
//   tessera_oauth_tokens_total{grant}                  counter, tokens issued by /oauth2/token
//   tessera_oauth_errors_total{error}                  counter, OAuth error responses by code
//   tessera_oauth_authorizations_total{outcome}        counter, /oauth2/authorize and consent
//                                                      answers: code, login, consent, error
//   tessera_tokens_issued_total{kind}                  counter, tokens handed out by the api
//                                                      layer: access, refresh, id
//   tessera_refresh_total{result}                      counter, POST /auth/refresh outcomes
// plus any counter family, histogram or sampled gauge registered at wiring time. `tessera serve`
// registers (app/server_metrics.h):
//   tessera_store_operation_duration_seconds{backend,op}  histogram, timed by the store backends
//                                                         into base::LatencyHistogram
//   tessera_store_connections{backend,state}              gauge, connection pools
//   tessera_store_queue_depth, _busy_workers, _workers    gauges; tessera_store_rejected_total
//   tessera_hash_queue_depth, tessera_hash_busy_workers   gauges; tessera_hash_rejected_total,
//                                                         tessera_hash_jobs_started_total
//   tessera_audit_failures_total, tessera_mail_*          the audit writer and the mail outbox
//   process_cpu_seconds_total, process_*_memory_bytes, process_open_fds, process_max_fds,
//   process_start_time_seconds                            read from /proc at each scrape
// docs/operations.md lists every metric with its type and labels.
//
// Cardinality is bounded by construction: `route` is a registered route path (router.h
// paths(), patterns as registered) or "unmatched"; `method` is one of the RFC 9110 methods or
// "other"; `status` is 100..599 (anything else is counted as 500, as the server sends it).
//
// Cost on the request path: a few relaxed atomic increments, no lock, no allocation after the
// first request of a (route, method) pair. Requests are counted by the server (see
// ServerOptions::metrics); other layers bump counters through CounterFamily.
//
// Thread safety: set_routes() and the registration functions (counter(), histogram(), gauge())
// are for wiring, before serving; observe_request(), Counter::inc(), CounterFamily::with()/inc(),
// LatencyHistogram::observe() and render() are safe from any thread at any time.
//
// Example (wiring):
//   Metrics metrics;
//   Counter& ok = metrics.logins().with("success");   // resolve once
//   ... ok.inc();                                      // then one atomic add per event
//   metrics.gauge("tessera_hash_queue_depth", "Jobs waiting for a hash worker",
//                 [&pool] { return double(pool.queued()); });
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/histogram.h"
#include "http/router.h"

namespace tessera::http {

// A monotonically increasing count. Lock-free.
class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Counters that share a name and one label, e.g. tessera_logins_total{result="..."}.
class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::string label);

  // The counter for `label_value`, created on first use. The reference stays valid as long as
  // the family; resolve it once and keep it where events are frequent (this takes a lock).
  Counter& with(std::string_view label_value);
  // with(label_value).inc(n).
  void inc(std::string_view label_value, std::uint64_t n = 1) { with(label_value).inc(n); }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::string& label() const { return label_; }
  void render(std::string& out) const;

 private:
  std::string name_, help_, label_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Counter>, std::less<>> counters_;  // guarded by mu_
};

// A sample's labels: (name, value) pairs, in the order they are written. Values are
// registered names (a backend, an operation kind), never request text.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  // Upper bounds (seconds) of every latency histogram's buckets; +Inf is implied.
  static constexpr auto kBuckets = base::LatencyHistogram::kBounds;

  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The route labels, by route index (Router::paths()). Server::create calls it with its
  // router's paths. REQUIRES: before the first observe_request (wiring).
  void set_routes(std::vector<std::string> routes);

  // Counts one answered request. `route` is a route index or Router::kUnmatched (also for an
  // index past the routes set).
  void observe_request(std::size_t route, std::string_view method, int status,
                       std::chrono::nanoseconds elapsed);

  // The counter family `name`, created on first call; a later call with the same name returns
  // the same family. REQUIRES: `name` and `label` are Prometheus names, and a repeated name
  // comes with the same label (else std::logic_error: a wiring bug).
  CounterFamily& counter(const std::string& name, const std::string& help,
                         const std::string& label);
  // The latency histogram `name`{labels} (seconds, kBuckets), created on first call; a later
  // call with the same name and labels returns the same one. Several label sets may share a
  // name (one family). The reference stays valid as long as the Metrics: resolve it at wiring
  // and observe() on it. REQUIRES: Prometheus names; `name` not used by another kind of metric
  // (else std::logic_error).
  base::LatencyHistogram& histogram(const std::string& name, const std::string& help,
                                    const Labels& labels);
  // A gauge sampled at every scrape. `sample` must be thread-safe and quick. Several label sets
  // may share a name (one family, registered one call each with the same help).
  // REQUIRES: Prometheus names; `name` not used by another kind of metric, nor twice with the
  // same labels.
  void gauge(const std::string& name, const std::string& help, std::function<double()> sample);
  void gauge(const std::string& name, const std::string& help, const Labels& labels,
             std::function<double()> sample);
  // A counter (a total that only grows, e.g. "_total") kept elsewhere and sampled at every
  // scrape, typed `counter` so rate() works. Same rules as gauge().
  void sampled_counter(const std::string& name, const std::string& help,
                       std::function<double()> sample);

  // tessera_logins_total{result}: results the api uses are "success", "failure",
  // "rate_limited", "busy", "mfa_required" (a first step that passed; a second step counts again).
  CounterFamily& logins() { return *logins_; }
  // tessera_revocations_total{kind}: e.g. "logout", "logout_all", "session", "password_change",
  // "user_disabled", "admin".
  CounterFamily& revocations() { return *revocations_; }
  // The OAuth families above. Labels are registered names (grant types, error codes, the four
  // outcomes), never request text.
  CounterFamily& oauth_tokens() { return *oauth_tokens_; }
  CounterFamily& oauth_errors() { return *oauth_errors_; }
  CounterFamily& oauth_authorizations() { return *oauth_authorizations_; }
  // tessera_tokens_issued_total{kind}: "access", "refresh", "id" (every first-party and OAuth
  // response that carries one; a grace-window refresh hands out its successor again and counts).
  CounterFamily& tokens_issued() { return *tokens_issued_; }
  // tessera_refresh_total{result}: one per POST /auth/refresh that reached the rotation:
  // "rotated", "grace", "reused" (family revoked), "wrong_client" (family revoked), "revoked",
  // "expired", "invalid", "unavailable".
  CounterFamily& refreshes() { return *refreshes_; }

  // Everything, in the text exposition format.
  std::string render() const;

 private:
  struct RouteStats;

  RouteStats& stats_for(std::size_t route);

  std::vector<std::string> routes_;                 // set at wiring
  std::vector<std::unique_ptr<RouteStats>> stats_;  // routes_.size() + 1 (unmatched last)
  mutable std::mutex registry_mu_;                  // guards the two below (registration)
  std::vector<std::unique_ptr<CounterFamily>> families_;
  // A sampled metric: a gauge, or a counter kept elsewhere (`type`: its Prometheus TYPE).
  struct Gauge {
    std::string name, help;
    std::string labels;  // rendered: {a="b",c="d"}, or "" without labels
    std::function<double()> sample;
    std::string_view type = "gauge";
  };
  struct Histogram {
    std::string name, help;
    std::string labels;  // rendered, as above
    std::unique_ptr<base::LatencyHistogram> histogram;
  };
  void sampled(const std::string& name, const std::string& help, const Labels& labels,
               std::function<double()> sample, std::string_view type);
  // Throws std::logic_error when `name` is taken by a metric of another kind than `kind`:
  // "family" (a CounterFamily), "histogram", or a sampled type ("gauge", "counter").
  // REQUIRES: registry_mu_ held.
  void check_free(const std::string& name, std::string_view kind) const;
  std::vector<Gauge> gauges_;          // in registration order; a family's series adjacent
  std::vector<Histogram> histograms_;  // the same
  CounterFamily* logins_ = nullptr;
  CounterFamily* revocations_ = nullptr;
  CounterFamily* oauth_tokens_ = nullptr;
  CounterFamily* oauth_errors_ = nullptr;
  CounterFamily* oauth_authorizations_ = nullptr;
  CounterFamily* tokens_issued_ = nullptr;
  CounterFamily* refreshes_ = nullptr;
};

// GET /metrics: render() as text/plain; version=0.0.4. `metrics` must outlive the handler.
Handler metrics_handler(const Metrics& metrics);

// Readiness for GET /readyz: true when the server can do its work (the stores answer).
using ReadinessCheck = std::function<bool()>;

// GET /readyz: 200 {"status":"ready"} when `check` says so (or `check` is empty), else 503
// problem+json. A throwing check counts as not ready.
Handler readiness_handler(ReadinessCheck check);

}  // namespace tessera::http
