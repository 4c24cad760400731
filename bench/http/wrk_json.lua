-- wrk_json.lua: the wrk script of bench/http/run.sh. It sets the method and body from the
-- environment (WRK_METHOD, WRK_BODY, or logins of many users: see below; headers come from
-- wrk's own -H) and, when the run ends,
-- prints one line "WRKJSON {...}" with the request rate and latency percentiles (from wrk's
-- histogram, in ms) and the error counts:
--   requests, secs, rps (every response), ok_rps (responses with status < 400),
--   p50_ms, p90_ms, p99_ms, max_ms, non2xx (status >= 400), err_connect/read/write/timeout.
-- It defines no response() callback on purpose: with one, wrk parses every response into Lua,
-- which would slow the client down and lower every figure.
--
--   WRK_METHOD=POST WRK_BODY='{"a":1}' wrk -t2 -c64 -d10s --latency -s wrk_json.lua \
--     -H 'Content-Type: application/json' http://127.0.0.1:PORT/path
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_common.lua")
local method = os.getenv("WRK_METHOD")
local body = os.getenv("WRK_BODY")
if method ~= nil and method ~= "" then wrk.method = method end
if body ~= nil and body ~= "" then wrk.body = body end

-- Logins: WRK_LOGIN_USERS=N, WRK_LOGIN_EMAIL (a format with one %d, 0..N-1) and
-- WRK_LOGIN_PASSWORD make every request a JSON login of the next of N users, each wrk thread
-- starting at its own offset. One account would not do: the per-email rate limit reserves a
-- slot per login in flight, so a few concurrent logins of one account are refused (429).
-- request() is defined only then: it costs a Lua call per request.
local users = tonumber(os.getenv("WRK_LOGIN_USERS") or "")
if users ~= nil and users > 0 then
  local email = os.getenv("WRK_LOGIN_EMAIL")
  local password = os.getenv("WRK_LOGIN_PASSWORD")
  local threads = 0
  setup = function(thread)
    thread:set("thread_index", threads)
    threads = threads + 1
  end
  local next_user = 0
  init = function(args)
    next_user = (thread_index or 0) * 7919
  end
  request = function()
    next_user = next_user + 1
    local login = string.format('{"email":"%s","password":"%s"}',
                                string.format(email, next_user % users), password)
    return wrk.format(nil, nil, nil, login)
  end
end

function done(summary, latency, requests)
  common.wrkjson(summary, latency, summary.requests - summary.errors.status, summary.errors.status)
end
