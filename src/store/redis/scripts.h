// Every Lua script the Redis stores run, in one place. Each runs atomically on the server
// (EVALSHA, falling back to EVAL when the server's script cache lost it: Client::eval), so a
// multi-key change is all-or-nothing and nothing else interleaves with it.
//
// Conventions:
//   - KEYS are the keys a script names up front. Scripts that reach other sessions (eviction,
//     remove_all, purge) build those keys from the prefix in ARGV: fine on one Redis server or
//     a replicated one, not on Redis Cluster (which would need every key in one hash slot).
//   - Every key written gets a TTL in the same script (extend() never shortens one), so
//     nothing outlives what it serves even if purge() never runs.
//   - Integers travel as decimal strings; Lua compares them as doubles, exact up to 2^53
//     (codec.h clamps what is stored as a score), and formats them back with %d, never with
//     Lua's tostring (which switches to exponents).
//   - A value that is not what the stores wrote is answered with an error reply starting with
//     CORRUPT (kCorrupt); nil (false) means "not found" where a script says so.
#pragma once

#include <string_view>

namespace tessera::store::redis {

struct Script {
  std::string_view name;  // for logs ("sessions.create")
  std::string_view lua;
};

// extend(key, ms): the key's TTL becomes at least `ms` (set when it has none). A missing key
// stays missing.
#define TESSERA_LUA_EXTEND                               \
  "local function extend(key, ms)\n"                     \
  "  local t = redis.call('PTTL', key)\n"                \
  "  if t == -1 or (t >= 0 and t < tonumber(ms)) then\n" \
  "    redis.call('PEXPIRE', key, ms)\n"                 \
  "  end\n"                                              \
  "end\n"

// ---- sessions ---------------------------------------------------------------------------------
// A session is the hash <p>session:<id hex> {user, created, seen, auth, ip, ua, csrf}, expiring
// session_max_lifetime after it is written. Its id is also a member of <p>user_sessions:<user
// uuid> (score: creation order, each new session one above the highest there; list order and
// eviction order: created_at's whole seconds tie), <p>sessions:by_created and
// <p>sessions:by_seen (purge). The indexes' TTL is renewed to the full lifetime by every create,
// so they outlive every session in them; an index member whose hash expired is cleaned up
// lazily (the user's next create or remove_all, purge for the global ones) and never returned
// or counted. Scripts that reach other sessions get the key prefixes "<p>session:" (S) and
// "<p>user_sessions:" (U) in ARGV.

// drop(S, m, index...): deletes the hash of session m and removes m from each index; 1 if the
// hash existed (0: it had expired, only index entries were left).
#define TESSERA_LUA_DROP                                                  \
  "local function drop(S, m, ...)\n"                                      \
  "  for _, index in ipairs({...}) do redis.call('ZREM', index, m) end\n" \
  "  return redis.call('DEL', S .. m)\n"                                  \
  "end\n"

// KEYS: session, user index, by_created, by_seen
// ARGV: id, user, created, seen, auth, ip, ua, csrf, created score, seen score, lifetime ms,
//       max per user, S, channel, message, amr
// -> -1 if the id exists, else how many were evicted
inline constexpr Script kSessionCreate{"sessions.create", TESSERA_LUA_EXTEND TESSERA_LUA_DROP R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
redis.call('HSET', KEYS[1], 'user', ARGV[2], 'created', ARGV[3], 'seen', ARGV[4],
           'auth', ARGV[5], 'ip', ARGV[6], 'ua', ARGV[7], 'csrf', ARGV[8],
           'amr', ARGV[16])
redis.call('PEXPIRE', KEYS[1], ARGV[11])
local top = redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')
redis.call('ZADD', KEYS[2], string.format('%.0f', (tonumber(top[2]) or 0) + 1), ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[9], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[10], ARGV[1])
for i = 2, 4 do extend(KEYS[i], ARGV[11]) end
-- The user's other sessions, oldest first; index entries of expired ones are dropped here, so
-- the user's index holds no more than its live sessions and those expired since its last login.
local live = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if m ~= ARGV[1] then
    if redis.call('EXISTS', ARGV[13] .. m) == 1 then
      live[#live + 1] = m
    else
      drop(ARGV[13], m, KEYS[2], KEYS[3], KEYS[4])
    end
  end
end
local max = tonumber(ARGV[12])
local evicted = 0
if max > 0 then
  for i = 1, #live + 1 - max do
    evicted = evicted + drop(ARGV[13], live[i], KEYS[2], KEYS[3], KEYS[4])
  end
end
if evicted > 0 then redis.call('PUBLISH', ARGV[14], ARGV[15]) end
return evicted
)lua"};

// KEYS: session, by_seen. ARGV: id, now, now score -> 0 if absent, else 1
inline constexpr Script kSessionTouch{"sessions.touch", R"lua(
local seen = redis.call('HGET', KEYS[1], 'seen')
if not seen then return 0 end
local old = tonumber(seen)
if not old then return redis.error_reply('CORRUPT session last_seen_at') end
if tonumber(ARGV[2]) > old then
  redis.call('HSET', KEYS[1], 'seen', ARGV[2])
  redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[1])
end
return 1
)lua"};

// KEYS: session, by_created, by_seen. ARGV: id, S, U, channel, message -> 0 if absent, else 1
inline constexpr Script kSessionRemove{"sessions.remove", TESSERA_LUA_DROP R"lua(
local user = redis.call('HGET', KEYS[1], 'user')
if not user then return 0 end
drop(ARGV[2], ARGV[1], ARGV[3] .. user, KEYS[2], KEYS[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
)lua"};

// KEYS: user index, by_created, by_seen. ARGV: id to keep (or ""), S, channel, message
// -> how many sessions were deleted
inline constexpr Script kSessionRemoveAll{"sessions.remove_all", TESSERA_LUA_DROP R"lua(
local n = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if m ~= ARGV[1] then n = n + drop(ARGV[2], m, KEYS[1], KEYS[2], KEYS[3]) end
end
if n > 0 then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return n
)lua"};

// KEYS: user index. ARGV: S -> {{id, {field, value, ...}}, ...} newest first
inline constexpr Script kSessionList{"sessions.list", R"lua(
local out = {}
for _, m in ipairs(redis.call('ZREVRANGE', KEYS[1], 0, -1)) do
  local h = redis.call('HGETALL', ARGV[1] .. m)
  if #h > 0 then out[#out + 1] = {m, h} end
end
return out
)lua"};

// One batch of purge. KEYS: by_created, by_seen.
// ARGV: "(created_before", "(seen_before", batch, S, U, channel, message
// -> {sessions deleted, 1 if a batch was full (call again) else 0}
inline constexpr Script kSessionPurge{"sessions.purge", TESSERA_LUA_DROP R"lua(
local batch = tonumber(ARGV[3])
local a = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, batch)
local b = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, batch)
local n = 0
for _, list in ipairs({a, b}) do
  for _, m in ipairs(list) do
    local user = redis.call('HGET', ARGV[4] .. m, 'user')
    if user then
      n = n + drop(ARGV[4], m, ARGV[5] .. user, KEYS[1], KEYS[2])
    else
      drop(ARGV[4], m, KEYS[1], KEYS[2])
    end
  end
end
if n > 0 then redis.call('PUBLISH', ARGV[6], ARGV[7]) end
return {n, (#a == batch or #b == batch) and 1 or 0}
)lua"};

// ---- counters ---------------------------------------------------------------------------------
// A counter is the hash <p>counter:<key> {value, ends}, expiring when its window ends.

// KEYS: counter. ARGV: now, the new window's end, window ms -> {value, window end}
inline constexpr Script kCounterIncrement{"counters.increment", R"lua(
local e = redis.call('HGET', KEYS[1], 'ends')
if e then
  local ends = tonumber(e)
  if not ends then return redis.error_reply('CORRUPT counter window') end
  if ends > tonumber(ARGV[1]) then
    return {redis.call('HINCRBY', KEYS[1], 'value', 1), e}
  end
end
redis.call('HSET', KEYS[1], 'value', 1, 'ends', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, ARGV[2]}
)lua"};

// ---- revocations ------------------------------------------------------------------------------
// <p>revocation:denied      sorted set: jti -> expires_at
// <p>revocation:not_before  hash: user uuid -> not-before ms
// <p>revocation:raised      sorted set: user uuid -> Redis time (ms) of the raise (its keep
//                           window is measured from there)
// <p>revocation:state       hash {last_seq, purged_through, started_ms}: started_ms is when this
//                           state began (Redis's clock), set by the first snapshot that finds
//                           it absent - a new deployment, or a Redis that lost its data
// <p>revocation:log         sorted set: "<seq>|<at>|d|<expires_at>|<jti>" or
//                           "<seq>|<at>|n|<not_before_ms>|<user uuid>", scored by seq
// <p>revocation:log_at      sorted set: seq -> at (for purge)
// Writes share KEYS[1..3] = state, log, log_at and ARGV[1..3] = log keep ms, channel, message:
// append() takes the next seq, logs the event and publishes the hint, in the writer's script.
#define TESSERA_LUA_APPEND                                        \
  "local function append(body, at)\n"                             \
  "  local seq = redis.call('HINCRBY', KEYS[1], 'last_seq', 1)\n" \
  "  local s = string.format('%d', seq)\n"                        \
  "  redis.call('ZADD', KEYS[2], s, s .. '|' .. body)\n"          \
  "  redis.call('ZADD', KEYS[3], at, s)\n"                        \
  "  for i = 1, 3 do extend(KEYS[i], ARGV[1]) end\n"              \
  "  redis.call('PUBLISH', ARGV[2], ARGV[3])\n"                   \
  "end\n"

// KEYS: state, log, log_at, denied. ARGV: log keep ms, channel, message, jti, expires_at, now
inline constexpr Script kRevocationDeny{"revocations.deny",
                                        TESSERA_LUA_EXTEND TESSERA_LUA_APPEND R"lua(
local kept = tonumber(ARGV[5])
local old = redis.call('ZSCORE', KEYS[4], ARGV[4])
if old and tonumber(old) > kept then kept = tonumber(old) end
local k = string.format('%d', kept)
redis.call('ZADD', KEYS[4], k, ARGV[4])
-- The set lives at least until this entry's own expiry (through its last second).
local ttl = math.min(math.max((kept - tonumber(ARGV[6]) + 1) * 1000, 1000), 2 ^ 53)
extend(KEYS[4], string.format('%d', ttl))
append(ARGV[6] .. '|d|' .. k .. '|' .. ARGV[4], ARGV[6])
return 1
)lua"};

// KEYS: state, log, log_at, not_before, raised.
// ARGV: log keep ms, channel, message, user, not_before_ms, at, keep ms, prune batch
// -> 1 if raised (and logged), 0 if not
inline constexpr Script kRevocationNotBefore{"revocations.set_not_before",
                                             TESSERA_LUA_EXTEND TESSERA_LUA_APPEND R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stale = string.format('(%d', now - tonumber(ARGV[7]))
for _, u in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', stale, 'LIMIT', 0, ARGV[8])) do
  redis.call('HDEL', KEYS[4], u)
  redis.call('ZREM', KEYS[5], u)
end
local old = tonumber(redis.call('HGET', KEYS[4], ARGV[4]) or '0')
if not old then return redis.error_reply('CORRUPT not-before') end
if old >= tonumber(ARGV[5]) then return 0 end
redis.call('HSET', KEYS[4], ARGV[4], ARGV[5])
redis.call('ZADD', KEYS[5], string.format('%d', now), ARGV[4])
extend(KEYS[4], ARGV[7])
extend(KEYS[5], ARGV[7])
append(ARGV[6] .. '|n|' .. ARGV[5] .. '|' .. ARGV[4], ARGV[6])
return 1
)lua"};

// KEYS: state, denied, not_before. ARGV: now, log keep ms
// -> {last seq, {jti, expires_at, ...} live at now, {user, ms, ...}, started_ms}
inline constexpr Script kRevocationSnapshot{"revocations.snapshot", TESSERA_LUA_EXTEND R"lua(
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSETNX', KEYS[1], 'started_ms', string.format('%d', now_ms))
local st = redis.call('HMGET', KEYS[1], 'last_seq', 'started_ms')
extend(KEYS[1], ARGV[2])
return {st[1] or '0', redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[1], '+inf', 'WITHSCORES'),
        redis.call('HGETALL', KEYS[3]), st[2]}
)lua"};

// KEYS: state, denied. ARGV: jti, the started_ms of the caller's snapshot ('': unchecked)
// -> the jti's expiry, nil if not denied, -1 if the state is not the one the caller follows
inline constexpr Script kRevocationIsDenied{"revocations.is_denied", R"lua(
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'started_ms') ~= ARGV[2] then return -1 end
return redis.call('ZSCORE', KEYS[2], ARGV[1])
)lua"};

// KEYS: state, log. ARGV: after, limit, log keep ms, the started_ms of the caller's snapshot
// ('': unchecked)
// -> nil when the caller must re-snapshot (behind a purge, a position never reached, events
//    lost with an expired log, or a state begun after its snapshot), else the events after
//    `after`, in seq order
// Reading renews the state's TTL: while any process follows the log, its position survives.
inline constexpr Script kRevocationEventsAfter{"revocations.events_after", TESSERA_LUA_EXTEND R"lua(
local st = redis.call('HMGET', KEYS[1], 'last_seq', 'purged_through', 'started_ms')
if ARGV[4] ~= '' and st[3] ~= ARGV[4] then return false end
local last, purged = tonumber(st[1] or '0'), tonumber(st[2] or '0')
if not last or not purged then return redis.error_reply('CORRUPT revocation log state') end
extend(KEYS[1], ARGV[3])
local after = tonumber(ARGV[1])
if after < purged or after > last then return false end
local events = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf', 'LIMIT', 0, ARGV[2])
-- Every seq above purged_through was written with its event and only purge deletes events:
-- a gap means the log expired under us.
if after < last and tonumber(ARGV[2]) > 0 then
  local first = events[1] and tonumber(string.match(events[1], '^(%d+)|'))
  if first ~= after + 1 then return false end
end
return events
)lua"};

// One batch of purge. KEYS: state, log, log_at, denied.
// ARGV: "(now", "(log_before", batch, log keep ms -> {denylist entries, events} deleted
inline constexpr Script kRevocationPurge{"revocations.purge", TESSERA_LUA_EXTEND R"lua(
local denied = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, j in ipairs(denied) do redis.call('ZREM', KEYS[4], j) end
local seqs = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])
local events, top = 0, 0
for _, s in ipairs(seqs) do
  events = events + redis.call('ZREMRANGEBYSCORE', KEYS[2], s, s)
  redis.call('ZREM', KEYS[3], s)
  top = math.max(top, tonumber(s))
end
-- Remember the newest seq deleted: it is what tells a follower it fell behind.
local purged = tonumber(redis.call('HGET', KEYS[1], 'purged_through') or '0') or 0
if top > purged then
  redis.call('HSET', KEYS[1], 'purged_through', string.format('%d', top))
  extend(KEYS[1], ARGV[4])
end
return {#denied, events}
)lua"};

#undef TESSERA_LUA_APPEND
#undef TESSERA_LUA_DROP
#undef TESSERA_LUA_EXTEND

}  // namespace tessera::store::redis
