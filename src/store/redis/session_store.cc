// SessionStore on Redis: every change is one script (scripts.h, "sessions"), so a create and
// its evictions, or a delete and its index entries, happen together or not at all, and
// concurrent creates of one user never leave more than max_per_user.
#include <string>

#include "store/redis/codec.h"
#include "store/redis/internal.h"

namespace tessera::store::redis {
namespace {

// Rows removed per purge script: bounds how long one script holds the server.
constexpr std::size_t kPurgeBatch = 500;

class RedisSessionStore final : public SessionStore {
 public:
  RedisSessionStore(std::shared_ptr<Client> client, std::int64_t max_lifetime_seconds)
      : client_(std::move(client)),
        sessions_(client_->key("session:")),
        users_(client_->key("user_sessions:")),
        by_created_(client_->key("sessions:by_created")),
        by_seen_(client_->key("sessions:by_seen")),
        lifetime_ms_(std::to_string(ttl_ms(max_lifetime_seconds))),
        many_(encode_change(ChangeTopic::kSession, "")) {}

  std::expected<std::size_t, StoreError> create(const Session& s,
                                                std::size_t max_per_user) override {
    const std::string id = to_hex(s.id_hash), user = to_uuid(s.user_id);
    auto reply = client_->eval(
        kSessionCreate, {sessions_ + id, users_ + user, by_created_, by_seen_},
        {id, user, std::to_string(s.created_at), std::to_string(s.last_seen_at),
         std::to_string(s.auth_time), s.ip, s.user_agent, to_hex(s.csrf_hash),
         std::to_string(clamp_score(s.created_at)), std::to_string(clamp_score(s.last_seen_at)),
         lifetime_ms_, std::to_string(max_per_user), sessions_, client_->channel(), many_, s.amr});
    if (!reply) return std::unexpected(reply.error());
    auto evicted = as_integer(**reply);
    if (!evicted || *evicted < -1) return std::unexpected(client_->corrupt(kSessionCreate.name));
    if (*evicted == -1) return std::unexpected(StoreError::kConflict);
    return static_cast<std::size_t>(*evicted);
  }

  std::expected<Session, StoreError> find(const TokenHash& id_hash) override {
    auto reply = client_->command("sessions.find", {"HGETALL", sessions_ + to_hex(id_hash)});
    if (!reply) return std::unexpected(reply.error());
    auto fields = as_array(**reply);
    if (!fields) return std::unexpected(client_->corrupt("sessions.find"));
    if (fields->empty()) return std::unexpected(StoreError::kNotFound);
    auto s = decode(id_hash, *fields);
    if (!s) return std::unexpected(client_->corrupt("sessions.find"));
    return std::move(*s);
  }

  std::expected<void, StoreError> touch(const TokenHash& id_hash, std::int64_t now) override {
    const std::string id = to_hex(id_hash);
    auto reply = client_->eval(kSessionTouch, {sessions_ + id, by_seen_},
                               {id, std::to_string(now), std::to_string(clamp_score(now))});
    return found_or_not(reply, kSessionTouch.name);
  }

  std::expected<void, StoreError> remove(const TokenHash& id_hash) override {
    const std::string id = to_hex(id_hash);
    auto reply = client_->eval(
        kSessionRemove, {sessions_ + id, by_created_, by_seen_},
        {id, sessions_, users_, client_->channel(), encode_change(ChangeTopic::kSession, id)});
    return found_or_not(reply, kSessionRemove.name);
  }

  std::expected<std::size_t, StoreError> remove_all(const UserId& user,
                                                    const TokenHash* keep) override {
    auto reply =
        client_->eval(kSessionRemoveAll, {users_ + to_uuid(user), by_created_, by_seen_},
                      {keep != nullptr ? to_hex(*keep) : "", sessions_, client_->channel(), many_});
    if (!reply) return std::unexpected(reply.error());
    auto n = as_integer(**reply);
    if (!n || *n < 0) return std::unexpected(client_->corrupt(kSessionRemoveAll.name));
    return static_cast<std::size_t>(*n);
  }

  std::expected<std::vector<Session>, StoreError> list(const UserId& user) override {
    auto reply = client_->eval(kSessionList, {users_ + to_uuid(user)}, {sessions_});
    if (!reply) return std::unexpected(reply.error());
    auto rows = as_array(**reply);
    if (!rows) return std::unexpected(client_->corrupt(kSessionList.name));
    std::vector<Session> out;
    out.reserve(rows->size());
    for (const redisReply* row : *rows) {
      auto pair = as_array(*row);
      auto id = pair && pair->size() == 2 ? as_string(*(*pair)[0]) : std::nullopt;
      auto id_hash = id ? token_hash_from_hex(*id) : std::nullopt;
      auto fields = id_hash ? as_array(*(*pair)[1]) : std::nullopt;
      auto s = fields ? decode(*id_hash, *fields) : std::nullopt;
      if (!s) return std::unexpected(client_->corrupt(kSessionList.name));
      out.push_back(std::move(*s));
    }
    return out;
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t created_before,
                                               std::int64_t seen_before) override {
    const std::string batch = std::to_string(kPurgeBatch);
    std::size_t removed = 0;
    for (;;) {
      auto reply = client_->eval(kSessionPurge, {by_created_, by_seen_},
                                 {below(created_before), below(seen_before), batch, sessions_,
                                  users_, client_->channel(), many_});
      if (!reply) return std::unexpected(reply.error());
      auto batch_done = as_integer_pair(**reply);  // {deleted, more}
      if (!batch_done || batch_done->first < 0) {
        return std::unexpected(client_->corrupt(kSessionPurge.name));
      }
      removed += static_cast<std::size_t>(batch_done->first);
      if (batch_done->second == 0) return removed;
    }
  }

 private:
  // 1 -> found, 0 -> kNotFound.
  std::expected<void, StoreError> found_or_not(const std::expected<Reply, StoreError>& reply,
                                               std::string_view what) {
    if (!reply) return std::unexpected(reply.error());
    auto found = as_integer(**reply);
    if (!found || (*found != 0 && *found != 1)) return std::unexpected(client_->corrupt(what));
    if (*found == 0) return std::unexpected(StoreError::kNotFound);
    return {};
  }

  // The session from HGETALL's field/value list; nullopt unless every field is there and well
  // formed.
  static std::optional<Session> decode(const TokenHash& id_hash,
                                       std::span<redisReply* const> fields) {
    if (fields.size() % 2 != 0) return std::nullopt;
    Session s{.id_hash = id_hash};
    unsigned seen = 0;
    for (std::size_t i = 0; i < fields.size(); i += 2) {
      auto name = as_string(*fields[i]);
      auto value = as_string(*fields[i + 1]);
      if (!name || !value) return std::nullopt;
      bool ok = false;
      if (*name == "user") {
        auto user = parse_uuid(*value);
        if ((ok = user.has_value())) s.user_id = *user;
        seen |= 1u;
      } else if (*name == "created") {
        ok = read_int(*value, s.created_at);
        seen |= 2u;
      } else if (*name == "seen") {
        ok = read_int(*value, s.last_seen_at);
        seen |= 4u;
      } else if (*name == "auth") {
        ok = read_int(*value, s.auth_time);
        seen |= 8u;
      } else if (*name == "ip") {
        s.ip = std::string(*value);
        ok = true;
        seen |= 16u;
      } else if (*name == "ua") {
        s.user_agent = std::string(*value);
        ok = true;
        seen |= 32u;
      } else if (*name == "amr") {
        s.amr = std::string(*value);  // absent in sessions written before it: "pwd", the default
        ok = true;
      } else if (*name == "csrf") {
        auto csrf = token_hash_from_hex(*value);
        if ((ok = csrf.has_value())) s.csrf_hash = *csrf;
        seen |= 64u;
      } else {
        ok = true;  // a field a later version added: not ours to judge
      }
      if (!ok) return std::nullopt;
    }
    if (seen != 127u) return std::nullopt;
    return s;
  }

  static bool read_int(std::string_view text, std::int64_t& out) {
    auto v = parse_int(text);
    if (v) out = *v;
    return v.has_value();
  }

  std::shared_ptr<Client> client_;
  const std::string sessions_;    // "<p>session:" + id hex: the session hash
  const std::string users_;       // "<p>user_sessions:" + user uuid: the user's ids by created_at
  const std::string by_created_;  // every id by created_at
  const std::string by_seen_;     // every id by last_seen_at
  const std::string lifetime_ms_;
  const std::string many_;  // the kSession "" hint
};

}  // namespace

std::shared_ptr<SessionStore> make_session_store(std::shared_ptr<Client> client,
                                                 std::int64_t max_lifetime_seconds) {
  return std::make_shared<RedisSessionStore>(std::move(client), max_lifetime_seconds);
}

}  // namespace tessera::store::redis
