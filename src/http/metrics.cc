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

// {a="b",c="d"} (or "" for no labels). REQUIRES: valid label names (checked by the caller).
std::string render_labels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) out += ',';
    out += name;
    out += "=\"";
    append_label_value(out, value);
    out += '"';
  }
  out += '}';
  return out;
}

// `labels` (rendered, "{...}" or "") with le="<bound>" added: the labels of a _bucket sample.
void append_bucket_labels(std::string& out, std::string_view labels, std::string_view le) {
  out += '{';
  if (!labels.empty()) {
    out += labels.substr(1, labels.size() - 2);
    out += ',';
  }
  out += "le=\"";
  out += le;
  out += "\"}";
}

// The _bucket, _sum and _count samples of one histogram series (its TYPE line written before).
void append_histogram(std::string& out, std::string_view name, std::string_view labels,
                      const base::LatencyHistogram::Snapshot& s) {
  using H = base::LatencyHistogram;
  for (std::size_t b = 0; b < s.cumulative.size(); ++b) {
    out += name;
    out += "_bucket";
    append_bucket_labels(out, labels, b < H::kBounds.size() ? H::kBoundLabels[b] : "+Inf");
    out += ' ';
    append_number(out, s.cumulative[b]);
    out += '\n';
  }
  out += name;
  out += "_sum";
  out += labels;
  out += ' ';
  append_number(out, s.sum_seconds);
  out += '\n';
  out += name;
  out += "_count";
  out += labels;
  out += ' ';
  append_number(out, s.count());
  out += '\n';
}

bool valid_labels(const Labels& labels) {
  for (const auto& [name, value] : labels) {
    if (!valid_name(name, true) || name == "le") return false;
  }
  return true;
}

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
  base::LatencyHistogram latency;
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
  tokens_issued_ = &counter("tessera_tokens_issued_total",
                            "Tokens handed out by kind (access, refresh, id)", "kind");
  refreshes_ = &counter("tessera_refresh_total", "POST /auth/refresh outcomes", "result");
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
  s.latency.observe(elapsed);
}

void Metrics::check_free(const std::string& name, std::string_view kind) const {
  auto taken = [&] { throw std::logic_error("metric registered twice: " + name); };
  if (kind != "family") {
    for (auto& f : families_) {
      if (f->name() == name) taken();
    }
  }
  if (kind != "histogram") {
    for (const Histogram& h : histograms_) {
      if (h.name == name) taken();
    }
  }
  for (const Gauge& g : gauges_) {
    if (g.name == name && g.type != kind) taken();
  }
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
  check_free(name, "family");
  families_.push_back(std::make_unique<CounterFamily>(name, help, label));
  return *families_.back();
}

base::LatencyHistogram& Metrics::histogram(const std::string& name, const std::string& help,
                                           const Labels& labels) {
  if (!valid_name(name, false) || !valid_labels(labels)) {
    throw std::logic_error("invalid metric or label name: " + name);
  }
  const std::string rendered = render_labels(labels);
  std::lock_guard lock(registry_mu_);
  check_free(name, "histogram");
  for (Histogram& h : histograms_) {
    if (h.name == name && h.labels == rendered) return *h.histogram;
  }
  histograms_.push_back(
      Histogram{name, help, rendered, std::make_unique<base::LatencyHistogram>()});
  return *histograms_.back().histogram;
}

void Metrics::gauge(const std::string& name, const std::string& help,
                    std::function<double()> sample) {
  sampled(name, help, {}, std::move(sample), "gauge");
}

void Metrics::gauge(const std::string& name, const std::string& help, const Labels& labels,
                    std::function<double()> sample) {
  sampled(name, help, labels, std::move(sample), "gauge");
}

void Metrics::sampled_counter(const std::string& name, const std::string& help,
                              std::function<double()> sample) {
  sampled(name, help, {}, std::move(sample), "counter");
}

void Metrics::sampled(const std::string& name, const std::string& help, const Labels& labels,
                      std::function<double()> sample, std::string_view type) {
  if (!valid_name(name, false) || !valid_labels(labels)) {
    throw std::logic_error("invalid metric or label name: " + name);
  }
  std::string rendered = render_labels(labels);
  std::lock_guard lock(registry_mu_);
  check_free(name, type);
  for (const Gauge& g : gauges_) {
    if (g.name == name && g.labels == rendered) {
      throw std::logic_error("metric registered twice: " + name + rendered);
    }
  }
  gauges_.push_back(Gauge{name, help, std::move(rendered), std::move(sample), type});
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
    const base::LatencyHistogram::Snapshot snap = stats_[i]->latency.snapshot();
    if (snap.count() == 0) continue;
    std::string labels = "{route=\"";
    append_label_value(labels, route_label(i));
    labels += "\"}";
    append_histogram(out, "tessera_http_request_duration_seconds", labels, snap);
  }

  std::lock_guard lock(registry_mu_);
  for (const auto& f : families_) f->render(out);
  // One HELP/TYPE per name, then every series of that name (in registration order).
  for (std::size_t i = 0; i < histograms_.size(); ++i) {
    const Histogram& first = histograms_[i];
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) seen = histograms_[j].name == first.name;
    if (seen) continue;
    append_help(out, first.name, first.help, "histogram");
    for (std::size_t j = i; j < histograms_.size(); ++j) {
      const Histogram& h = histograms_[j];
      if (h.name == first.name) append_histogram(out, h.name, h.labels, h.histogram->snapshot());
    }
  }
  for (std::size_t i = 0; i < gauges_.size(); ++i) {
    const Gauge& first = gauges_[i];
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) seen = gauges_[j].name == first.name;
    if (seen) continue;
    append_help(out, first.name, first.help, first.type);
    for (std::size_t j = i; j < gauges_.size(); ++j) {
      const Gauge& g = gauges_[j];
      if (g.name != first.name) continue;
      double v = 0;
      try {
        v = g.sample();
      } catch (...) {
        v = std::nan("");
      }
      out += g.name;
      out += g.labels;
      out += ' ';
      append_number(out, v);
      out += '\n';
    }
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
