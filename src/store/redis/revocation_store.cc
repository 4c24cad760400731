// RevocationStore on Redis (key layout: scripts.h, "revocations"). Every write is one script
// that changes the state, takes the next seq, appends the event and publishes the kRevocation
// hint, so seqs follow commit order across every node and a follower never sees an event
// without its change. snapshot() and events_after() are one script each: consistent reads.
//
// TTLs: a denylist entry keeps its set alive until its own expiry; a not-before lives
// not_before_keep after it was raised (measured by Redis's clock); the log and its position
// live kLogKeep after the last write, and the position as long as anyone reads the log, so a
// follower's seq never silently restarts under it.
//
// Redis may still lose the state (a restart without persistence, a flush, an expiry while no
// process ran). A snapshot says since when the state it read is complete (started_ms, set by
// the first snapshot that finds the state absent) and this object remembers it: is_denied()
// and events_after() then refuse to answer from a state begun since, so the follower takes a
// new snapshot and refuses every token issued before the state began (auth/revocation.h).
#include <atomic>
#include <string>

#include "store/redis/codec.h"
#include "store/redis/internal.h"

namespace tessera::store::redis {
namespace {

// How long the log outlives its last write. Far beyond what followers need (they read it every
// second, and purge() drops events after an hour), so it only matters when nothing writes.
constexpr std::int64_t kLogKeepSeconds = 24 * 60 * 60;
// Entries removed per purge script, and stale not-befores dropped per raise.
constexpr std::size_t kBatch = 500;
constexpr std::size_t kPruneBatch = 32;

class RedisRevocationStore final : public RevocationStore {
 public:
  RedisRevocationStore(std::shared_ptr<Client> client, std::int64_t not_before_keep_seconds)
      : client_(std::move(client)),
        state_(client_->key("revocation:state")),
        log_(client_->key("revocation:log")),
        log_at_(client_->key("revocation:log_at")),
        denied_(client_->key("revocation:denied")),
        not_before_(client_->key("revocation:not_before")),
        raised_(client_->key("revocation:raised")),
        log_keep_ms_(std::to_string(ttl_ms(kLogKeepSeconds))),
        keep_ms_(std::to_string(ttl_ms(not_before_keep_seconds))),
        hint_(encode_change(ChangeTopic::kRevocation, "")) {}

  std::expected<void, StoreError> deny(std::string_view jti, std::int64_t expires_at,
                                       std::int64_t now) override {
    auto reply =
        client_->eval(kRevocationDeny, {state_, log_, log_at_, denied_},
                      {log_keep_ms_, client_->channel(), hint_, jti,
                       std::to_string(clamp_score(expires_at)), std::to_string(clamp_score(now))});
    if (!reply) return std::unexpected(reply.error());
    if (as_integer(**reply) != 1) return std::unexpected(client_->corrupt(kRevocationDeny.name));
    return {};
  }

  std::expected<bool, StoreError> is_denied(std::string_view jti, std::int64_t now) override {
    auto reply = client_->eval(kRevocationIsDenied, {state_, denied_}, {jti, started()});
    if (!reply) return std::unexpected(reply.error());
    if (is_nil(**reply)) return false;
    if (as_integer(**reply) == -1) {
      // Not the state of this object's last snapshot: its "no" would say nothing of the
      // revocations made before it began. The follower takes a new snapshot at its next poll.
      client_->report(std::string(kRevocationIsDenied.name) +
                      ": the revocation state began again since the last snapshot");
      return std::unexpected(StoreError::kUnavailable);
    }
    auto score = as_string(**reply);
    auto expires_at = score ? parse_int(*score) : std::nullopt;
    if (!expires_at) return std::unexpected(client_->corrupt("revocations.is_denied"));
    return now <= *expires_at;
  }

  std::expected<void, StoreError> set_not_before(const UserId& user,
                                                 std::int64_t not_before_ms) override {
    if (not_before_ms <= 0) return {};  // raises nothing over "none"
    const std::int64_t ms = clamp_score(not_before_ms);
    auto reply =
        client_->eval(kRevocationNotBefore, {state_, log_, log_at_, not_before_, raised_},
                      {log_keep_ms_, client_->channel(), hint_, to_uuid(user), std::to_string(ms),
                       std::to_string(ms / 1000), keep_ms_, std::to_string(kPruneBatch)});
    if (!reply) return std::unexpected(reply.error());
    auto raised = as_integer(**reply);
    if (raised != 0 && raised != 1) {
      return std::unexpected(client_->corrupt(kRevocationNotBefore.name));
    }
    return {};
  }

  std::expected<std::int64_t, StoreError> not_before(const UserId& user) override {
    auto reply = client_->command("revocations.not_before", {"HGET", not_before_, to_uuid(user)});
    if (!reply) return std::unexpected(reply.error());
    if (is_nil(**reply)) return std::int64_t{0};
    auto text = as_string(**reply);
    auto ms = text ? parse_int(*text) : std::nullopt;
    if (!ms) return std::unexpected(client_->corrupt("revocations.not_before"));
    return *ms;
  }

  std::expected<RevocationSnapshot, StoreError> snapshot(std::int64_t now) override {
    auto reply = client_->eval(kRevocationSnapshot, {state_, denied_, not_before_},
                               {std::to_string(now), log_keep_ms_});
    if (!reply) return std::unexpected(reply.error());
    auto snap = decode_snapshot(**reply);
    if (!snap) return std::unexpected(client_->corrupt(kRevocationSnapshot.name));
    started_ms_.store(snap->complete_since_ms, std::memory_order_release);
    return std::move(*snap);
  }

  std::expected<std::vector<RevocationEvent>, StoreError> events_after(std::int64_t after,
                                                                       std::size_t limit) override {
    auto reply = client_->eval(kRevocationEventsAfter, {state_, log_},
                               {std::to_string(after), count(limit), log_keep_ms_, started()});
    if (!reply) return std::unexpected(reply.error());
    if (is_nil(**reply)) return std::unexpected(StoreError::kNotFound);  // re-snapshot
    auto members = as_array(**reply);
    if (!members) return std::unexpected(client_->corrupt(kRevocationEventsAfter.name));
    std::vector<RevocationEvent> out;
    out.reserve(members->size());
    for (const redisReply* m : *members) {
      auto text = as_string(*m);
      auto e = text ? decode_event(*text) : std::nullopt;
      if (!e) return std::unexpected(client_->corrupt(kRevocationEventsAfter.name));
      out.push_back(std::move(*e));
    }
    return out;
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t now, std::int64_t log_before) override {
    const std::string batch = std::to_string(kBatch);
    std::size_t removed = 0;
    for (;;) {
      auto reply = client_->eval(kRevocationPurge, {state_, log_, log_at_, denied_},
                                 {below(now), below(log_before), batch, log_keep_ms_});
      if (!reply) return std::unexpected(reply.error());
      auto deleted = as_integer_pair(**reply);  // {denylist entries, events}
      if (!deleted || deleted->first < 0 || deleted->second < 0) {
        return std::unexpected(client_->corrupt(kRevocationPurge.name));
      }
      removed += static_cast<std::size_t>(deleted->first + deleted->second);
      constexpr auto kFull = static_cast<std::int64_t>(kBatch);
      if (deleted->first < kFull && deleted->second < kFull) return removed;
    }
  }

 private:
  // The started_ms of the last snapshot this object took, as the scripts compare it; "" before
  // the first (nothing to compare: a CLI run, say, that never follows the log).
  std::string started() const {
    const std::int64_t ms = started_ms_.load(std::memory_order_acquire);
    return ms == 0 ? std::string() : std::to_string(ms);
  }

  // {last seq, {jti, expires_at, ...}, {user uuid, ms, ...}, started_ms}
  static std::optional<RevocationSnapshot> decode_snapshot(const redisReply& reply) {
    auto parts = as_array(reply);
    if (!parts || parts->size() != 4) return std::nullopt;
    auto seq_text = as_string(*(*parts)[0]);
    auto seq = seq_text ? parse_int(*seq_text) : std::nullopt;
    auto denied = as_array(*(*parts)[1]);
    auto not_before = as_array(*(*parts)[2]);
    auto started_text = as_string(*(*parts)[3]);
    const std::int64_t started = started_text ? parse_int(*started_text).value_or(0) : 0;
    if (!seq || !denied || !not_before || denied->size() % 2 != 0 || not_before->size() % 2 != 0 ||
        started <= 0) {
      return std::nullopt;
    }
    RevocationSnapshot snap{.seq = *seq, .complete_since_ms = started};
    for (std::size_t i = 0; i < denied->size(); i += 2) {
      auto jti = as_string(*(*denied)[i]);
      auto score = as_string(*(*denied)[i + 1]);
      auto expires_at = score ? parse_int(*score) : std::nullopt;
      if (!jti || !expires_at) return std::nullopt;
      snap.denied.push_back({.jti = std::string(*jti), .expires_at = *expires_at});
    }
    for (std::size_t i = 0; i < not_before->size(); i += 2) {
      auto user_text = as_string(*(*not_before)[i]);
      auto ms_text = as_string(*(*not_before)[i + 1]);
      auto user = user_text ? parse_uuid(*user_text) : std::nullopt;
      auto ms = ms_text ? parse_int(*ms_text) : std::nullopt;
      if (!user || !ms) return std::nullopt;
      snap.not_before.push_back({.user = *user, .not_before_ms = *ms});
    }
    return snap;
  }

  // "<seq>|<at>|d|<expires_at>|<jti>" or "<seq>|<at>|n|<not_before_ms>|<user uuid>" (the jti
  // last: it may hold any byte, '|' included).
  static std::optional<RevocationEvent> decode_event(std::string_view text) {
    std::string_view field[4];
    for (std::string_view& f : field) {
      const auto bar = text.find('|');
      if (bar == std::string_view::npos) return std::nullopt;
      f = text.substr(0, bar);
      text.remove_prefix(bar + 1);
    }
    auto seq = parse_int(field[0]);
    auto at = parse_int(field[1]);
    auto number = parse_int(field[3]);
    if (!seq || !at || !number) return std::nullopt;
    RevocationEvent e{.seq = *seq, .at = *at};
    if (field[2] == "d") {
      e.kind = RevocationEvent::Kind::kDenied;
      e.jti = std::string(text);
      e.expires_at = *number;
    } else if (field[2] == "n") {
      auto user = parse_uuid(text);
      if (!user) return std::nullopt;
      e.kind = RevocationEvent::Kind::kNotBefore;
      e.user = *user;
      e.not_before_ms = *number;
    } else {
      return std::nullopt;
    }
    return e;
  }

  std::shared_ptr<Client> client_;
  const std::string state_, log_, log_at_, denied_, not_before_, raised_;
  const std::string log_keep_ms_, keep_ms_;
  const std::string hint_;  // the kRevocation hint
  // The started_ms of the state this object last took a snapshot of (0: none yet).
  std::atomic<std::int64_t> started_ms_{0};
};

}  // namespace

std::shared_ptr<RevocationStore> make_revocation_store(std::shared_ptr<Client> client,
                                                       std::int64_t not_before_keep_seconds) {
  return std::make_shared<RedisRevocationStore>(std::move(client), not_before_keep_seconds);
}

}  // namespace tessera::store::redis
