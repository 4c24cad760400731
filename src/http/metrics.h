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
// plus any counter family or sampled gauge registered at wiring time.
//
// Cardinality is bounded by construction: `route` is a registered route path (router.h
// paths(), patterns as registered) or "unmatched"; `method` is one of the RFC 9110 methods or
// "other"; `status` is 100..599 (anything else is counted as 500, as the server sends it).
//
// Cost on the request path: a few relaxed atomic increments, no lock, no allocation after the
// first request of a (route, method) pair. Requests are counted by the server (see
// ServerOptions::metrics); other layers bump counters through CounterFamily.
//
// Thread safety: set_routes() and the registration functions (counter(), gauge()) are for
// wiring, before serving; observe_request(), Counter::inc(), CounterFamily::with()/inc() and
// render() are safe from any thread at any time.
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
#include <vector>

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

class Metrics {
 public:
  // Upper bounds (seconds) of the latency histogram's buckets; +Inf is implied.
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

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
  // A gauge sampled at every scrape. `sample` must be thread-safe and quick.
  // REQUIRES: a new Prometheus name.
  void gauge(const std::string& name, const std::string& help, std::function<double()> sample);
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
    std::function<double()> sample;
    std::string_view type = "gauge";
  };
  void sampled(const std::string& name, const std::string& help, std::function<double()> sample,
               std::string_view type);
  std::vector<Gauge> gauges_;
  CounterFamily* logins_ = nullptr;
  CounterFamily* revocations_ = nullptr;
  CounterFamily* oauth_tokens_ = nullptr;
  CounterFamily* oauth_errors_ = nullptr;
  CounterFamily* oauth_authorizations_ = nullptr;
};

// GET /metrics: render() as text/plain; version=0.0.4. `metrics` must outlive the handler.
Handler metrics_handler(const Metrics& metrics);

// Readiness for GET /readyz: true when the server can do its work (the stores answer).
using ReadinessCheck = std::function<bool()>;

// GET /readyz: 200 {"status":"ready"} when `check` says so (or `check` is empty), else 503
// problem+json. A throwing check counts as not ready.
Handler readiness_handler(ReadinessCheck check);

}  // namespace tessera::http
