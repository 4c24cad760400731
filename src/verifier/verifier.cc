// tessera::Verifier (include/tessera/verifier.h): the JWKS cache, the feed follower and the
// verified-token cache around the revocation check the server shares (revocation_mirror.h).
//
// Two background threads, so that neither waits on the other's network:
//   keys  fetches the JWKS at start (retrying with backoff until it succeeds), again when
//         verify() meets an unknown kid (at most once per jwks_min_interval) or the feed
//         announces a key-ring change (at once), and every 10 minutes;
//   feed  gets a client-credentials token (kept until a minute before it expires), opens the
//         revocation feed (with Last-Event-ID once it holds a state, so a reconnect resumes),
//         applies what it reads, and reconnects with exponential backoff (250 ms to 10 s, with
//         jitter) when the stream ends or fails.
// verify() itself reads only memory.
#include "tessera/verifier.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <utility>

#include "base/clock.h"
#include "crypto/hash.h"
#include "net/http_client.h"
#include "tessera/jws.h"
#include "uri/uri.h"
#include "verifier/access_claims.h"
#include "verifier/feed_event.h"
#include "verifier/hash_cache.h"
#include "verifier/revocation_mirror.h"
#include "verifier/sse_parser.h"

namespace tessera {

std::string_view to_string(VerifyError e) {
  switch (e) {
    case VerifyError::kMalformed:
      return "malformed token";
    case VerifyError::kInvalid:
      return "invalid token";
    case VerifyError::kUnknownKey:
      return "unknown signing key";
    case VerifyError::kRevoked:
      return "revoked token";
    case VerifyError::kUnavailable:
      return "revocation state unavailable";
  }
  return "invalid token";
}

namespace verifier {
namespace {

using namespace std::chrono_literals;

// Signatures only: an HMAC "key" in a JWKS would be a shared secret, never Tessera's.
constexpr jose::Alg kAsymmetric[] = {
    jose::Alg::kRS256, jose::Alg::kRS384, jose::Alg::kRS512, jose::Alg::kPS256, jose::Alg::kPS384,
    jose::Alg::kPS512, jose::Alg::kES256, jose::Alg::kES384, jose::Alg::kES512, jose::Alg::kEdDSA};
constexpr auto kUnknownKidWait = 1s;
constexpr auto kJwksPeriod = 10min;
constexpr auto kFeedIdleTimeout = 40s;  // the server sends a keep-alive every 15 s
constexpr auto kBackoffFirst = 250ms;
constexpr auto kBackoffMax = 10s;
constexpr std::size_t kMaxSseLine = std::size_t{64} << 20;  // a snapshot is one line
// Not-befores are kept this long: longer than any access token lives (tokens.access_ttl is at most
// a day, plus the leeway). The server's snapshot holds only those that can still match.
constexpr std::int64_t kNotBeforeKeepMs = (24LL * 60 + 5) * 60 * 1000;

struct Verified {
  jose::Claims claims;
  TokenIdentity identity;
};

struct KeySet {
  jose::Jwks jwks;
  std::uint64_t version = 0;
};

VerifyError from_jose(jose::Error e) {
  switch (e) {
    case jose::Error::kTokenTooLarge:
    case jose::Error::kMalformedCompact:
    case jose::Error::kJweNotSupported:
    case jose::Error::kBadBase64:
    case jose::Error::kBadJson:
    case jose::Error::kNotAnObject:
      return VerifyError::kMalformed;
    case jose::Error::kUnknownKid:
      return VerifyError::kUnknownKey;
    default:
      return VerifyError::kInvalid;
  }
}

class VerifierImpl final : public Verifier {
 public:
  VerifierImpl(VerifierOptions options, const base::Clock& clock)
      : options_(std::move(options)),
        clock_(clock),
        http_({.connect_timeout = 5s,
               .timeout = 10s,
               .ca_file = options_.ca_file,
               .user_agent = "tessera-verifier"}),
        policy_(access_token_policy(options_.issuer, options_.audience, options_.leeway_seconds)),
        mirror_({.not_before_keep_ms = kNotBeforeKeepMs,
                 .max_staleness_ms = options_.max_feed_silence.count(),
                 .keep_denylist = true}),
        cache_(options_.cache_capacity) {
    keys_thread_ = std::thread([this] { run_keys(); });
    feed_thread_ = std::thread([this] { run_feed(); });
  }

  ~VerifierImpl() override {
    {
      std::lock_guard lock(mu_);
      stopping_.store(true, std::memory_order_release);
    }
    cv_.notify_all();
    keys_thread_.join();
    feed_thread_.join();
  }

  std::expected<jose::Claims, VerifyError> verify(std::string_view token) const override {
    if (token.empty() || token.size() > jose::kMaxTokenSize) {
      return std::unexpected(VerifyError::kMalformed);
    }
    const std::int64_t now_ms = clock_.now_ms();
    const std::int64_t now = now_ms / 1000 - (now_ms % 1000 < 0 ? 1 : 0);
    const std::uint64_t version = keys_version_.load(std::memory_order_acquire);
    if (version == 0) return std::unexpected(VerifyError::kUnavailable);  // no JWKS yet
    const Digest key = crypto::sha256(token);                             // the same array type
    std::shared_ptr<const Verified> v = cache_.get(key, static_cast<std::int64_t>(version));
    if (v && now >= *v->claims.exp + options_.leeway_seconds) v = nullptr;
    if (!v) {
      auto fresh = verify_signed(token, now);
      if (!fresh) return std::unexpected(fresh.error());
      v = std::move(fresh->first);
      cache_.put(key, v, static_cast<std::int64_t>(fresh->second), cache_.generation());
    }
    const bool open = options_.on_feed_outage == FeedOutagePolicy::kFailOpen;
    switch (mirror_.check(v->identity, now_ms, open).verdict) {
      case Verdict::kValid:
        return v->claims;
      case Verdict::kStale:
        return std::unexpected(VerifyError::kUnavailable);
      case Verdict::kRevoked:
      case Verdict::kAsk:  // never with keep_denylist
        break;
    }
    return std::unexpected(VerifyError::kRevoked);
  }

  VerifierStatus status() const override {
    VerifierStatus s;
    const std::int64_t now_ms = clock_.now_ms();
    s.ready = ready();
    s.feed_connected = feed_connected_.load();
    s.feed_silent_ms = mirror_.ready() ? now_ms - mirror_.synced_ms() : -1;
    s.failing_closed = options_.on_feed_outage == FeedOutagePolicy::kFailClosed &&
                       (!mirror_.ready() || s.feed_silent_ms > options_.max_feed_silence.count());
    const MirrorStats m = mirror_.stats();
    s.last_event_id = m.seq;
    s.denied = m.denylist_entries;
    s.jwks_fetches = jwks_fetches_.load();
    s.token_requests = token_requests_.load();
    s.feed_connects = feed_connects_.load();
    std::lock_guard lock(mu_);
    s.keys = keys_ ? keys_->jwks.keys().size() : 0;
    s.last_error = last_error_;
    return s;
  }

  bool wait_ready(std::chrono::milliseconds timeout) const override {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return ready(); });
  }

 private:
  bool ready() const {
    return keys_version_.load(std::memory_order_acquire) != 0 && mirror_.ready();
  }

  // The signature and claims, with one more JWKS fetch on an unknown kid. The verified token
  // and the key-set version it was verified under.
  std::expected<std::pair<std::shared_ptr<const Verified>, std::uint64_t>, VerifyError>
  verify_signed(std::string_view token, std::int64_t now) const {
    std::shared_ptr<const KeySet> keys = current_keys();
    auto claims = jose::verify_jwt(token, keys->jwks, policy_, now, {.allowed_algs = kAsymmetric});
    if (!claims && claims.error() == jose::Error::kUnknownKid && refetch_for_unknown_kid(*keys)) {
      keys = current_keys();
      claims = jose::verify_jwt(token, keys->jwks, policy_, now, {.allowed_algs = kAsymmetric});
    }
    if (!claims) return std::unexpected(from_jose(claims.error()));
    auto facts = access_facts(*claims);
    if (!facts) return std::unexpected(VerifyError::kInvalid);
    auto v = std::make_shared<Verified>();
    v->identity = mirror_.identify(facts->user, facts->issued_ms, claims->jti, claims->sid);
    v->claims = std::move(*claims);
    return std::pair{std::shared_ptr<const Verified>(std::move(v)), keys->version};
  }

  std::shared_ptr<const KeySet> current_keys() const {
    std::lock_guard lock(mu_);
    return keys_;
  }

  // Asks the keys thread for the JWKS and waits for a newer set than `seen`; at once false when
  // the rate limit allows no fetch now (a token of a key Tessera no longer publishes must not
  // make every request wait).
  bool refetch_for_unknown_kid(const KeySet& seen) const {
    std::unique_lock lock(mu_);
    if (std::chrono::steady_clock::now() < last_fetch_ + options_.jwks_min_interval) return false;
    keys_wanted_ = true;
    cv_.notify_all();
    return cv_.wait_for(lock, kUnknownKidWait, [&] {
      return (keys_ && keys_->version != seen.version) || stopping_.load();
    }) && !stopping_.load();
  }

  void record_error(std::string text) {
    std::lock_guard lock(mu_);
    last_error_ = std::move(text);
  }

  // Sleeps `d` or until stopping. False when stopping.
  bool pause(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, d, [&] { return stopping_.load(); });
  }

  // Between half and all of `d`, so that services restarted together do not reconnect together.
  static std::chrono::milliseconds jittered(std::chrono::milliseconds d) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_int_distribution<long> half(0, static_cast<long>(d.count() / 2));
    return d / 2 + std::chrono::milliseconds(half(rng));
  }

  // ---- keys thread ----
  void run_keys() {
    using Steady = std::chrono::steady_clock;
    std::chrono::milliseconds backoff = kBackoffFirst;
    Steady::time_point due = Steady::now();  // the first fetch: at once
    Steady::time_point last_fetch = Steady::now() - options_.jwks_min_interval;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        for (;;) {
          if (stopping_.load()) return;
          const auto now = Steady::now();
          const auto allowed = last_fetch + options_.jwks_min_interval;
          if (keys_urgent_ || now >= due || (keys_wanted_ && now >= allowed)) break;
          cv_.wait_until(lock, keys_wanted_ ? std::min(due, allowed) : due);
        }
        keys_wanted_ = false;
        keys_urgent_ = false;
      }
      last_fetch = Steady::now();
      {
        std::lock_guard lock(mu_);
        last_fetch_ = last_fetch;
      }
      if (fetch_keys()) {
        due = last_fetch + kJwksPeriod;
        backoff = kBackoffFirst;
      } else {
        due = last_fetch + jittered(backoff);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, kBackoffMax);
      }
    }
  }

  bool fetch_keys() {
    jwks_fetches_.fetch_add(1, std::memory_order_relaxed);
    auto r = http_.send({.url = options_.url + "/.well-known/jwks.json"});
    if (!r) {
      record_error("JWKS: " + std::string(net::to_string(r.error().code)) + ": " +
                   r.error().detail);
      return false;
    }
    if (r->status != 200) {
      record_error("JWKS: HTTP " + std::to_string(r->status));
      return false;
    }
    auto jwks = jose::Jwks::parse(r->body);
    if (!jwks) {
      record_error("JWKS: " + std::string(jose::describe(jwks.error())));
      return false;
    }
    auto next = std::make_shared<KeySet>();
    next->jwks = std::move(*jwks);
    {
      std::lock_guard lock(mu_);
      next->version = ++keys_counter_;
      keys_ = std::move(next);
      keys_version_.store(keys_counter_, std::memory_order_release);
    }
    cv_.notify_all();
    return true;
  }

  // ---- feed thread ----
  void run_feed() {
    std::chrono::milliseconds backoff = kBackoffFirst;
    while (!stopping_.load()) {
      const bool heard = follow_once();
      feed_connected_.store(false);
      if (heard) backoff = kBackoffFirst;
      if (!pause(jittered(backoff))) return;
      if (!heard) backoff = std::min<std::chrono::milliseconds>(backoff * 2, kBackoffMax);
    }
  }

  // One connection to the feed. True if it applied anything (then the backoff starts again).
  bool follow_once() {
    auto token = feed_token();
    if (!token) return false;
    net::HttpRequest req{
        .url = options_.url + "/oauth2/revocation-feed",
        .headers = {{"Authorization", "Bearer " + *token}, {"Accept", "text/event-stream"}}};
    if (mirror_.ready()) req.headers.emplace_back("Last-Event-ID", std::to_string(mirror_.seq()));
    bool applied = false;
    std::string failure;
    SseParser parser(
        [&](const SseEvent& e) {
          if (!failure.empty()) return;
          auto event = read_feed_event(e);
          if (!event) {
            failure = "feed: " + event.error();
            return;
          }
          apply(*event);
          applied = true;
        },
        kMaxSseLine);
    int status = 0;
    feed_connects_.fetch_add(1, std::memory_order_relaxed);
    auto r =
        http_.stream(req,
                     {.on_head =
                          [&](int s, const auto&) {
                            status = s;
                            if (s != 200) return false;
                            feed_connected_.store(true);
                            return true;
                          },
                      .on_data =
                          [&](std::string_view chunk) {
                            if (!parser.feed(chunk)) failure = "feed: a line over the limit";
                            if (!failure.empty()) return false;
                            mirror_.mark_synced(clock_.now_ms());  // events and keep-alives alike
                            return true;
                          }},
                     {.idle_timeout = kFeedIdleTimeout, .cancel = &stopping_});
    if (status == 401) {
      std::lock_guard lock(mu_);
      token_.clear();  // expired or revoked: get a new one
    }
    if (!failure.empty()) {
      record_error(failure);
    } else if (status != 0 && status != 200) {
      record_error("feed: HTTP " + std::to_string(status));
    } else if (!r && r.error().code != net::HttpErrc::kCancelled) {
      record_error("feed: " + std::string(net::to_string(r.error().code)) + ": " +
                   r.error().detail);
    }
    return applied;
  }

  void apply(const FeedEvent& e) {
    const std::int64_t now_ms = clock_.now_ms();
    switch (e.kind) {
      case FeedEvent::Kind::kSnapshot:
        mirror_.load(e.snapshot, now_ms);
        { std::lock_guard lock(mu_); }  // a wait_ready() between its check and its wait
        cv_.notify_all();
        break;
      case FeedEvent::Kind::kRevoke: {
        const MirrorChange c{.kind = MirrorChange::Kind::kDenied,
                             .seq = e.id,
                             .key = e.key,
                             .expires_at = e.expires_at};
        mirror_.apply({&c, 1}, now_ms);
        break;
      }
      case FeedEvent::Kind::kNotBefore: {
        const MirrorChange c{.kind = MirrorChange::Kind::kNotBefore,
                             .seq = e.id,
                             .user = e.user,
                             .not_before_ms = e.not_before_ms};
        mirror_.apply({&c, 1}, now_ms);
        break;
      }
      case FeedEvent::Kind::kKeys: {
        std::lock_guard lock(mu_);
        keys_urgent_ = true;  // a rotation: fetch the JWKS now, whatever the rate limit
        cv_.notify_all();
        break;
      }
      case FeedEvent::Kind::kOther:
        break;
    }
  }

  // A client-credentials token for the feed (RFC 6749 section 4.4), reused until a minute
  // before it expires.
  std::optional<std::string> feed_token() {
    const std::int64_t now = clock_.now_unix();
    {
      std::lock_guard lock(mu_);
      if (!token_.empty() && now < token_expires_ - 60) return token_;
    }
    token_requests_.fetch_add(1, std::memory_order_relaxed);
    const uri::QueryParams form = {{"grant_type", "client_credentials"},
                                   {"scope", "revocations:read"}};
    auto r =
        http_.send({.method = "POST",
                    .url = options_.url + "/oauth2/token",
                    .headers = {{"Authorization", net::basic_authorization(options_.client_id,
                                                                           options_.client_secret)},
                                {"Content-Type", "application/x-www-form-urlencoded"}},
                    .body = uri::encode_query(form)});
    if (!r) {
      record_error("token: " + std::string(net::to_string(r.error().code)) + ": " +
                   r.error().detail);
      return std::nullopt;
    }
    const auto body = nlohmann::json::parse(r->body, nullptr, false);
    if (r->status != 200 || !body.is_object() || !body.contains("access_token") ||
        !body["access_token"].is_string()) {
      std::string why = "token: HTTP " + std::to_string(r->status);
      if (body.is_object() && body.contains("error") && body["error"].is_string()) {
        why += " " + body["error"].get<std::string>();
      }
      record_error(why);
      return std::nullopt;
    }
    const std::int64_t ttl = body.contains("expires_in") && body["expires_in"].is_number_integer()
                                 ? body["expires_in"].get<std::int64_t>()
                                 : 60;
    std::lock_guard lock(mu_);
    token_ = body["access_token"].get<std::string>();
    token_expires_ = now + ttl;
    return token_;
  }

  const VerifierOptions options_;
  const base::Clock& clock_;
  const net::HttpClient http_;
  const jose::ClaimsPolicy policy_;
  RevocationMirror mirror_;
  mutable HashCache<Verified> cache_;

  mutable std::mutex mu_;  // guards what is below unless atomic
  mutable std::condition_variable cv_;
  std::atomic<bool> stopping_{false};
  std::shared_ptr<const KeySet> keys_;
  std::uint64_t keys_counter_ = 0;
  std::atomic<std::uint64_t> keys_version_{0};          // keys_->version; 0: none yet
  mutable bool keys_wanted_ = false;                    // verify() met an unknown kid
  std::chrono::steady_clock::time_point last_fetch_{};  // of the JWKS
  bool keys_urgent_ = false;                            // the feed announced a key-ring change
  std::string token_;
  std::int64_t token_expires_ = 0;
  std::string last_error_;
  std::atomic<bool> feed_connected_{false};
  std::atomic<std::uint64_t> jwks_fetches_{0}, token_requests_{0}, feed_connects_{0};
  std::thread keys_thread_, feed_thread_;
};

base::SystemClock g_system_clock;

}  // namespace
}  // namespace verifier

std::expected<std::unique_ptr<Verifier>, std::string> Verifier::create(VerifierOptions options) {
  if (options.issuer.empty()) return std::unexpected("issuer is required");
  if (options.url.empty()) options.url = options.issuer;
  while (!options.url.empty() && options.url.back() == '/') options.url.pop_back();
  if (auto ok = net::allowed_url(options.url + "/"); !ok) {
    return std::unexpected(ok.error() == net::HttpErrc::kInsecureUrl
                               ? "Tessera's URL must be https (or http to a loopback IP literal)"
                               : "Tessera's URL is not an absolute http(s) URL");
  }
  if (options.audience.empty()) return std::unexpected("audience is required");
  if (options.client_id.empty() || options.client_secret.empty()) {
    return std::unexpected("client_id and client_secret are required (the revocation feed)");
  }
  if (options.max_feed_silence < std::chrono::seconds(20)) {
    // Tessera sends a keep-alive every 15 s: a shorter bound would fail closed in quiet times.
    return std::unexpected("max_feed_silence must be at least 20 s (keep-alives come every 15 s)");
  }
  if (options.leeway_seconds < 0 || options.leeway_seconds > 300) {
    return std::unexpected("leeway_seconds must be 0 to 300");
  }
  return std::make_unique<verifier::VerifierImpl>(std::move(options), verifier::g_system_clock);
}

}  // namespace tessera
