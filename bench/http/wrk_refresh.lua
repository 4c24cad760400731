-- wrk_refresh.lua: the wrk script of bench/http/run.sh for POST /auth/refresh (refresh-token
-- rotation). Every request presents a refresh token that no other request presents, and the
-- token each answer returns is presented next: one rotation chain per connection.
--
--   WRK_REFRESH_TOKENS=FILE WRK_REFRESH_THREADS=T wrk -tT -cN -d10s --latency \
--     -s wrk_refresh.lua -H 'Content-Type: application/json' http://127.0.0.1:PORT/auth/refresh
--
-- FILE holds N + 1 fresh refresh tokens, one per line (run.sh gets them with POST /auth/token
-- just before each wrk run). wrk gives N/T connections to each thread (each thread has its own
-- Lua state), and this script gives each thread as many tokens, in file order, and thread 0 one
-- more: wrk calls request() once on thread 0's state before starting (to check the request
-- parses) and never sends that request, so its token would otherwise be missing. (Were that
-- call to go away, the spare would simply stay unused.)
--
-- Chains: wrk's Lua API does not say which connection a callback belongs to. It does not need
-- to: without pipelining a connection has one request in flight at most, and wrk calls
-- request() for a connection only once that connection's previous response() has run (or when
-- it connects). So each thread keeps a pool of its tokens: request() takes one out, response()
-- puts the successor back. Tokens in the pool + requests in flight = the thread's connections,
-- and no token is ever presented twice (which Tessera would rightly treat as reuse and revoke
-- the family): the chains are per connection, up to which connection carries which chain.
--
-- Errors are counted, never hidden: an answer other than 200, or a 200 without a new
-- refresh_token, ends that chain. A connection whose thread has no token left (a chain ended,
-- or a request was lost to a socket error or a reconnect) sends an invalid token, which
-- Tessera answers 401, counted too. wrk stops with requests in flight: their successors are
-- never read, so every run needs fresh tokens.
--
-- done() prints the same "WRKJSON {...}" line as wrk_json.lua, except that non2xx counts every
-- answer that did not continue a chain (status other than 200, or no refresh_token in it) and
-- ok_rps counts only the answers that did.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_common.lua")
wrk.method = "POST"

local path = os.getenv("WRK_REFRESH_TOKENS")
local nthreads = tonumber(os.getenv("WRK_REFRESH_THREADS") or "")
if path == nil or path == "" or nthreads == nil or nthreads < 1 then
  error("wrk_refresh.lua needs WRK_REFRESH_TOKENS (a file) and WRK_REFRESH_THREADS")
end

local all = {}
for line in io.lines(path) do
  if line ~= "" then all[#all + 1] = line end
end
local chains = #all - 1  -- one per connection; the last line is thread 0's spare
if chains < nthreads or chains % nthreads ~= 0 then
  error(string.format("wrk_refresh.lua: %d tokens for %d threads (want N + 1, N a multiple)",
                      #all, nthreads))
end
local per_thread = chains / nthreads

local threads = {}
setup = function(thread)
  local i = #threads
  threads[#threads + 1] = thread
  local mine = {}
  for k = 1, per_thread do mine[k] = all[i * per_thread + k] end
  if i == 0 then mine[#mine + 1] = all[#all] end
  thread:set("pool", mine)
end

-- Per thread (each thread's own Lua state): its pool and its error counts.
non200 = 0
no_token = 0
no_token_left = 0

request = function()
  local token = table.remove(pool)
  if token == nil then
    no_token_left = no_token_left + 1
    token = "chain-lost"  -- not a refresh token: Tessera answers 401, counted as an error
  end
  return wrk.format(nil, nil, nil, '{"refresh_token":"' .. token .. '"}')
end

response = function(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    return
  end
  local successor = string.match(body, '"refresh_token"%s*:%s*"([%w_%-]+)"')
  if successor == nil then
    no_token = no_token + 1
    return
  end
  pool[#pool + 1] = successor
end

function done(summary, latency, requests)
  local bad_status, bad_body, starved = 0, 0, 0
  for _, t in ipairs(threads) do
    bad_status = bad_status + t:get("non200")
    bad_body = bad_body + t:get("no_token")
    starved = starved + t:get("no_token_left")
  end
  local bad = bad_status + bad_body
  common.wrkjson(summary, latency, summary.requests - bad, bad, string.format(
    '"non200":%d,"no_refresh_token":%d,"requests_without_token":%d,"chains":%d',
    bad_status, bad_body, starved, chains))
end
