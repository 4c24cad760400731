#include "api/revocation_feed.h"

#include <charconv>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "api/credentials.h"
#include "api/error_mapping.h"
#include "api/json_text.h"
#include "api/oauth_errors.h"
#include "api/oauth_request.h"
#include "api/store_routes.h"
#include "auth/scope.h"

namespace tessera::api {
namespace {

constexpr std::size_t kEventsPerPull = 512;  // per write: a backlog goes in several
constexpr std::string_view kRetry = "retry: 2000\n\n";

std::string snapshot_event(const store::RevocationSnapshot& s) {
  nlohmann::ordered_json denied = nlohmann::ordered_json::array();
  for (const store::DeniedToken& d : s.denied) {
    denied.push_back({{"key", d.jti}, {"exp", d.expires_at}});
  }
  nlohmann::ordered_json not_before = nlohmann::ordered_json::array();
  for (const store::UserNotBefore& n : s.not_before) {
    not_before.push_back({{"sub", store::to_uuid(n.user)}, {"not_before_ms", n.not_before_ms}});
  }
  const nlohmann::ordered_json data = {{"denied", std::move(denied)},
                                       {"not_before", std::move(not_before)},
                                       {"complete_since_ms", s.complete_since_ms}};
  return "id: " + std::to_string(s.seq) + "\nevent: snapshot\ndata: " + dump_json(data) + "\n\n";
}

void append_event(std::string& out, const store::RevocationEvent& e) {
  nlohmann::ordered_json data;
  std::string_view name;
  if (e.kind == store::RevocationEvent::Kind::kDenied) {
    name = "revoke";
    data = {{"key", e.jti}, {"exp", e.expires_at}};
  } else {
    name = "not_before";
    data = {{"sub", store::to_uuid(e.user)}, {"not_before_ms", e.not_before_ms}};
  }
  out.append("id: ").append(std::to_string(e.seq)).append("\nevent: ").append(name);
  out.append("\ndata: ").append(dump_json(data)).append("\n\n");
}

// One service's stream: follows the feed from its position; when the feed no longer holds what
// comes after it (this node reloaded its state, or the service fell a whole window behind),
// sends a new snapshot read from the store (on the store pool when there is one).
class FeedStream final : public http::EventStream, public std::enable_shared_from_this<FeedStream> {
 public:
  struct Start {
    std::int64_t position = 0;  // the last event the service has (a snapshot's seq included)
    std::uint64_t keys_generation = 0;
    std::int64_t expires_ms = 0;  // the service's token's exp: the stream ends then
  };
  FeedStream(const ApiContext& ctx, Start start)
      : ctx_(ctx),
        revocation_(ctx.revocation()),
        feed_(ctx.revocation_feed()),
        position_(start.position),
        keys_generation_(start.keys_generation),
        expires_ms_(start.expires_ms) {}

  void set_waker(std::function<void()> wake) override {
    {
      std::lock_guard lock(mu_);
      wake_ = wake;
    }
    subscription_ = feed_.subscribe(std::move(wake));
  }

  Chunk pull() override {
    Chunk c;
    if (ctx_.clock().now_ms() >= expires_ms_) {
      c.text = ": the access token expired; reconnect with a new one\n\n";
      c.done = true;
      return c;
    }
    {
      std::lock_guard lock(mu_);
      if (failed_) {  // the store could not give a snapshot: the service reconnects
        c.done = true;
        return c;
      }
      if (loading_) return c;
      if (snapshot_) {
        c.text = snapshot_event(*snapshot_);
        position_ = snapshot_->seq;
        snapshot_.reset();
      }
    }
    const auth::RevocationFeed::Read r = feed_.read(position_, kEventsPerPull);
    if (r.snapshot_needed) {
      load_snapshot();
      return c;
    }
    // ahead: the snapshot is newer than this node's last poll; the feed wakes us when it is not.
    for (const store::RevocationEvent& e : r.events) {
      append_event(c.text, e);
      position_ = e.seq;
    }
    if (r.keys_generation != keys_generation_) {
      c.text.append("event: keys\ndata: {}\n\n");
      keys_generation_ = r.keys_generation;
    }
    if (r.events.size() == kEventsPerPull) wake();  // more after these
    return c;
  }

 private:
  void wake() {
    std::function<void()> w;
    {
      std::lock_guard lock(mu_);
      w = wake_;
    }
    if (w) w();
  }

  void load_snapshot() {
    {
      std::lock_guard lock(mu_);
      loading_ = true;
    }
    auto job = [weak = weak_from_this()] {
      auto self = weak.lock();
      if (!self) return;  // the connection is gone
      auto snap = self->revocation_.store_snapshot();
      {
        std::lock_guard lock(self->mu_);
        self->loading_ = false;
        if (snap) {
          self->snapshot_ = std::move(*snap);
        } else {
          self->failed_ = true;
        }
      }
      self->wake();
    };
    auth::HashPool* pool = ctx_.offload_pool();
    if (pool == nullptr) return job();  // a local store: as inline as every other call
    if (!pool->submit(job)) {
      {
        std::lock_guard lock(mu_);
        loading_ = false;
        failed_ = true;
      }
      wake();
    }
  }

  const ApiContext& ctx_;
  auth::RevocationService& revocation_;
  auth::RevocationFeed& feed_;
  std::int64_t position_;  // pull() only
  std::uint64_t keys_generation_;
  const std::int64_t expires_ms_;
  std::unique_ptr<auth::RevocationFeed::Subscription> subscription_;

  std::mutex mu_;
  std::function<void()> wake_;                         // guarded by mu_
  bool loading_ = false;                               // guarded by mu_
  bool failed_ = false;                                // guarded by mu_
  std::optional<store::RevocationSnapshot> snapshot_;  // guarded by mu_: loaded, not yet sent
};

http::Response bearer_refusal(OAuthErrc code, std::string description, bool presented = true) {
  return oauth_bearer_error(
      OAuthError{.code = code, .description = std::move(description)}, presented,
      code == OAuthErrc::kInsufficientScope ? kRevocationFeedScope : std::string_view{});
}

// Last-Event-ID: absent (nullopt), or a decimal event id; anything else is an error.
std::expected<std::optional<std::int64_t>, http::Response> last_event_id(const http::Request& req) {
  const auto header = req.headers.get("Last-Event-ID");
  if (!header) return std::nullopt;
  std::int64_t id = -1;
  const char* end = header->data() + header->size();
  auto [p, ec] = std::from_chars(header->data(), end, id);
  if (header->empty() || ec != std::errc() || p != end || id < 0) {
    return std::unexpected(problem_response(400, http::codes::kBadInput,
                                            "Last-Event-ID must be the decimal id of an event"));
  }
  return id;
}

http::Response open_feed(const ApiContext& ctx, const http::Request& req) {
  auto bearer = bearer_token(req);
  if (!bearer) return bearer_refusal(OAuthErrc::kInvalidRequest, "malformed Authorization");
  if (!*bearer) return bearer_refusal(OAuthErrc::kInvalidToken, {}, /*presented=*/false);
  auto principal = verify_bearer(ctx, **bearer);
  if (!principal) return std::move(principal.error());
  const auth::AccessPrincipal& p = **principal;
  const auto scope = auth::parse_scope(p.scope).value_or(std::vector<std::string>{});
  if (!p.service || !auth::has_scope(scope, kRevocationFeedScope)) {
    return bearer_refusal(OAuthErrc::kInsufficientScope,
                          "the feed needs a service's token with scope revocations:read");
  }
  auto resume = last_event_id(req);
  if (!resume) return std::move(resume.error());

  std::string body(kRetry);
  const auth::RevocationFeed::Read where = ctx.revocation_feed().read(resume->value_or(-1), 0);
  FeedStream::Start start{.keys_generation = where.keys_generation,
                          .expires_ms = p.expires_at * 1000};
  if (*resume && !where.snapshot_needed && !where.ahead) {
    start.position = **resume;  // the events after it follow
  } else {
    auto snap = ctx.revocation().store_snapshot();
    if (!snap) return error_response(snap.error());
    body += snapshot_event(*snap);
    start.position = snap->seq;
  }
  http::Response res = http::make_response(200, std::move(body), "text/event-stream");
  res.headers.set("Cache-Control", "no-store");
  res.headers.set("X-Accel-Buffering", "no");  // nginx: pass events on at once
  res.stream = std::make_shared<FeedStream>(ctx, start);
  return res;
}

}  // namespace

void add_revocation_feed_route(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  add_store_route(router, ctx.offload_pool(), "GET", "/oauth2/revocation-feed",
                  [c](const http::Request& req) { return open_feed(*c, req); });
}

}  // namespace tessera::api
