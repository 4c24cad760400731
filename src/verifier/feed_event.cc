#include "verifier/feed_event.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "base/uuid.h"

namespace tessera::verifier {
namespace {

using nlohmann::json;

std::expected<std::int64_t, std::string> integer(const json& o, const char* name) {
  auto it = o.find(name);
  if (it == o.end() || !it->is_number_integer()) {
    return std::unexpected(std::string("no integer \"") + name + "\"");
  }
  return it->get<std::int64_t>();
}

std::expected<std::string, std::string> text(const json& o, const char* name) {
  auto it = o.find(name);
  if (it == o.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return std::unexpected(std::string("no string \"") + name + "\"");
  }
  return it->get<std::string>();
}

std::expected<UserKey, std::string> user_of(const json& o) {
  auto sub = text(o, "sub");
  if (!sub) return std::unexpected(sub.error());
  auto user = base::parse_uuid(*sub);
  if (!user) return std::unexpected("\"sub\" is not a UUID");
  return *user;
}

}  // namespace

std::expected<FeedEvent, std::string> read_feed_event(const SseEvent& e) {
  FeedEvent out;
  if (e.type == "snapshot") {
    out.kind = FeedEvent::Kind::kSnapshot;
  } else if (e.type == "revoke") {
    out.kind = FeedEvent::Kind::kRevoke;
  } else if (e.type == "not_before") {
    out.kind = FeedEvent::Kind::kNotBefore;
  } else if (e.type == "keys") {
    out.kind = FeedEvent::Kind::kKeys;
    return out;
  } else {
    return out;  // kOther
  }
  const std::string& id = e.last_event_id;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), out.id);
  if (id.empty() || ec != std::errc() || end != id.data() + id.size() || out.id < 0) {
    return std::unexpected("event without a decimal id");
  }
  const json d = json::parse(e.data, nullptr, /*allow_exceptions=*/false);
  if (!d.is_object()) return std::unexpected("data is not a JSON object");
  switch (out.kind) {
    case FeedEvent::Kind::kSnapshot: {
      auto denied = d.find("denied");
      auto not_before = d.find("not_before");
      if (denied == d.end() || !denied->is_array() || not_before == d.end() ||
          !not_before->is_array()) {
        return std::unexpected("snapshot without denied and not_before arrays");
      }
      for (const json& x : *denied) {
        if (!x.is_object()) return std::unexpected("snapshot: a denied entry is not an object");
        auto key = text(x, "key");
        auto exp = integer(x, "exp");
        if (!key || !exp) return std::unexpected("snapshot: " + (key ? exp.error() : key.error()));
        out.snapshot.denied.push_back({.key = std::move(*key), .expires_at = *exp});
      }
      for (const json& x : *not_before) {
        if (!x.is_object()) return std::unexpected("snapshot: a not_before entry is not an object");
        auto user = user_of(x);
        auto ms = integer(x, "not_before_ms");
        if (!user || !ms) return std::unexpected("snapshot: " + (user ? ms.error() : user.error()));
        out.snapshot.not_before.push_back({.user = *user, .not_before_ms = *ms});
      }
      auto since = integer(d, "complete_since_ms");
      if (!since) return std::unexpected("snapshot: " + since.error());
      out.snapshot.complete_since_ms = *since;
      out.snapshot.seq = out.id;
      return out;
    }
    case FeedEvent::Kind::kRevoke: {
      auto key = text(d, "key");
      auto exp = integer(d, "exp");
      if (!key || !exp) return std::unexpected("revoke: " + (key ? exp.error() : key.error()));
      out.key = std::move(*key);
      out.expires_at = *exp;
      return out;
    }
    default: {
      auto user = user_of(d);
      auto ms = integer(d, "not_before_ms");
      if (!user || !ms) return std::unexpected("not_before: " + (user ? ms.error() : user.error()));
      out.user = *user;
      out.not_before_ms = *ms;
      return out;
    }
  }
}

}  // namespace tessera::verifier
