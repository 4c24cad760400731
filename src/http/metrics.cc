#include "http/metrics.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "http/problem.h"

namespace tessera::http {
namespace {

// The method label: the RFC 9110 methods, anything else "other" (methods are client-chosen).
constexpr std::array<std::string_view, 10> kMethods = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "other"};

std::size_t method_index(std::string_view method) {
  for (std::size_t i = 0; i + 1 < kMethods.size(); ++i) {
    if (kMethods[i] == method) return i;
  }
  return kMethods.size() - 1;
}

constexpr int kMinStatus = 100, kMaxStatus = 599;

constexpr std::array<std::string_view, Metrics::kBuckets.size()> kBucketLabels = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
    "0.1",    "0.25",  "0.5",    "1",     "2.5",  "5",     "10"};

// A Prometheus metric or label name: [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no ':').
bool valid_name(std::string_view s, bool label) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (!label && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// A label value between double quotes: backslash, double quote and newline escaped.
void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// HELP text: backslash and newline escaped.
void append_help(std::string& out, std::string_view name, std::string_view help,
                 std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, ec == std::errc() ? end : buf);
  }
}

void append_number(std::string& out, std::uint64_t v) { out += std::to_string(v); }

}  // namespace

// ---- CounterFamily ----

CounterFamily::CounterFamily(std::string name, std::string help, std::string label)
    : name_(std::move(name)), help_(std::move(help)), label_(std::move(label)) {}

Counter& CounterFamily::with(std::string_view label_value) {
  std::lock_guard lock(mu_);
  auto it = counters_.find(label_value);
  if (it == counters_.end()) {
    it = counters_.emplace(std::string(label_value), std::make_unique<Counter>()).first;
  }
  return *it->second;
}

void CounterFamily::render(std::string& out) const {
  append_help(out, name_, help_, "counter");
  std::lock_guard lock(mu_);
  for (const auto& [value, counter] : counters_) {
    out += name_;
    out += '{';
    out += label_;
    out += "=\"";
    append_label_value(out, value);
    out += "\"} ";
    append_number(out, counter->value());
    out += '\n';
  }
}

// ---- Metrics ----

// One route's request counts and latency histogram. Status counts per method are allocated on
// the first request of that method (most routes see one or two methods).
struct Metrics::RouteStats {
  using StatusCounts = std::array<std::atomic<std::uint64_t>, kMaxStatus - kMinStatus + 1>;

  RouteStats() = default;
  ~RouteStats() {
    for (auto& m : by_method) delete m.load();
  }
  RouteStats(const RouteStats&) = delete;
  RouteStats& operator=(const RouteStats&) = delete;

  StatusCounts& statuses(std::size_t method) {
    StatusCounts* s = by_method[method].load(std::memory_order_acquire);
    if (s != nullptr) return *s;
    auto* fresh = new StatusCounts();  // value-initialized: zeros
    if (by_method[method].compare_exchange_strong(s, fresh, std::memory_order_acq_rel)) {
      return *fresh;
    }
    delete fresh;  // another thread won the race; `s` is its array
    return *s;
  }

  std::array<std::atomic<StatusCounts*>, kMethods.size()> by_method{};
  std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets{};  // per bucket, +Inf last
  std::atomic<std::uint64_t> sum_ns{0};
};

Metrics::Metrics() {
  stats_.push_back(std::make_unique<RouteStats>());  // unmatched
  logins_ = &counter("tessera_logins_total", "Login attempts by result", "result");
  revocations_ =
      &counter("tessera_revocations_total", "Revoked sessions and token families by cause", "kind");
  oauth_tokens_ = &counter("tessera_oauth_tokens_total", "OAuth tokens issued by grant", "grant");
  oauth_errors_ =
      &counter("tessera_oauth_errors_total", "OAuth error responses by error code", "error");
  oauth_authorizations_ = &counter("tessera_oauth_authorizations_total",
                                   "Authorization endpoint answers by outcome", "outcome");
}

Metrics::~Metrics() = default;

void Metrics::set_routes(std::vector<std::string> routes) {
  routes_ = std::move(routes);
  stats_.clear();
  for (std::size_t i = 0; i <= routes_.size(); ++i)
    stats_.push_back(std::make_unique<RouteStats>());
}

Metrics::RouteStats& Metrics::stats_for(std::size_t route) {
  return route < routes_.size() ? *stats_[route] : *stats_.back();
}

void Metrics::observe_request(std::size_t route, std::string_view method, int status,
                              std::chrono::nanoseconds elapsed) {
  RouteStats& s = stats_for(route);
  if (status < kMinStatus || status > kMaxStatus) status = 500;
  s.statuses(method_index(method))[static_cast<std::size_t>(status - kMinStatus)].fetch_add(
      1, std::memory_order_relaxed);

  const double seconds = std::chrono::duration<double>(elapsed).count();
  std::size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  s.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  s.sum_ns.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, elapsed.count())),
                     std::memory_order_relaxed);
}

CounterFamily& Metrics::counter(const std::string& name, const std::string& help,
                                const std::string& label) {
  if (!valid_name(name, false) || !valid_name(label, true)) {
    throw std::logic_error("invalid metric or label name: " + name + "{" + label + "}");
  }
  std::lock_guard lock(registry_mu_);
  for (auto& f : families_) {
    if (f->name() != name) continue;
    if (f->label() != label) throw std::logic_error("metric registered twice: " + name);
    return *f;
  }
  for (const Gauge& g : gauges_) {
    if (g.name == name) throw std::logic_error("metric registered twice: " + name);
  }
  families_.push_back(std::make_unique<CounterFamily>(name, help, label));
  return *families_.back();
}

void Metrics::gauge(const std::string& name, const std::string& help,
                    std::function<double()> sample) {
  sampled(name, help, std::move(sample), "gauge");
}

void Metrics::sampled_counter(const std::string& name, const std::string& help,
                              std::function<double()> sample) {
  sampled(name, help, std::move(sample), "counter");
}

void Metrics::sampled(const std::string& name, const std::string& help,
                      std::function<double()> sample, std::string_view type) {
  if (!valid_name(name, false)) throw std::logic_error("invalid metric name: " + name);
  std::lock_guard lock(registry_mu_);
  for (auto& f : families_) {
    if (f->name() == name) throw std::logic_error("metric registered twice: " + name);
  }
  for (const Gauge& g : gauges_) {
    if (g.name == name) throw std::logic_error("metric registered twice: " + name);
  }
  gauges_.push_back(Gauge{name, help, std::move(sample), type});
}

std::string Metrics::render() const {
  std::string out;
  out.reserve(4096);
  auto route_label = [&](std::size_t i) -> std::string_view {
    return i < routes_.size() ? std::string_view(routes_[i]) : std::string_view("unmatched");
  };

  append_help(out, "tessera_http_requests_total", "HTTP requests answered, by route and status",
              "counter");
  for (std::size_t i = 0; i < stats_.size(); ++i) {
    const RouteStats& s = *stats_[i];
    for (std::size_t m = 0; m < kMethods.size(); ++m) {
      const RouteStats::StatusCounts* counts = s.by_method[m].load(std::memory_order_acquire);
      if (counts == nullptr) continue;
      for (std::size_t st = 0; st < counts->size(); ++st) {
        std::uint64_t n = (*counts)[st].load(std::memory_order_relaxed);
        if (n == 0) continue;
        out += "tessera_http_requests_total{route=\"";
        append_label_value(out, route_label(i));
        out += "\",method=\"";
        out += kMethods[m];
        out += "\",status=\"";
        out += std::to_string(st + kMinStatus);
        out += "\"} ";
        append_number(out, n);
        out += '\n';
      }
    }
  }

  append_help(out, "tessera_http_request_duration_seconds",
              "Time from a request's last byte to its response being ready", "histogram");
  for (std::size_t i = 0; i < stats_.size(); ++i) {
    const RouteStats& s = *stats_[i];
    // Read the buckets first and derive the count from them, so a scrape racing a request
    // still shows a consistent histogram (count == the +Inf bucket).
    std::uint64_t cumulative = 0;
    std::string lines;
    for (std::size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += s.buckets[b].load(std::memory_order_relaxed);
      lines += "tessera_http_request_duration_seconds_bucket{route=\"";
      append_label_value(lines, route_label(i));
      lines += "\",le=\"";
      lines += b < kBuckets.size() ? kBucketLabels[b] : std::string_view("+Inf");
      lines += "\"} ";
      append_number(lines, cumulative);
      lines += '\n';
    }
    if (cumulative == 0) continue;
    out += lines;
    for (std::string_view suffix : {"_sum", "_count"}) {
      out += "tessera_http_request_duration_seconds";
      out += suffix;
      out += "{route=\"";
      append_label_value(out, route_label(i));
      out += "\"} ";
      if (suffix == "_sum") {
        append_number(out, static_cast<double>(s.sum_ns.load(std::memory_order_relaxed)) / 1e9);
      } else {
        append_number(out, cumulative);
      }
      out += '\n';
    }
  }

  std::lock_guard lock(registry_mu_);
  for (const auto& f : families_) f->render(out);
  for (const Gauge& g : gauges_) {
    append_help(out, g.name, g.help, g.type);
    double v = 0;
    try {
      v = g.sample();
    } catch (...) {
      v = std::nan("");
    }
    out += g.name;
    out += ' ';
    append_number(out, v);
    out += '\n';
  }
  return out;
}

Handler metrics_handler(const Metrics& metrics) {
  return [&metrics](const Request&) {
    return make_response(200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  };
}

Handler readiness_handler(ReadinessCheck check) {
  return [check = std::move(check)](const Request&) {
    bool ready = true;
    if (check) {
      try {
        ready = check();
      } catch (...) {
        ready = false;
      }
    }
    if (!ready)
      return problem(503, codes::kNotReady, "the server is not ready: a store cannot be reached");
    return make_response(200, R"({"status":"ready"})");
  };
}

}  // namespace tessera::http
