-- wrk_code.lua: the wrk script of bench/http/run.sh's authorization-code rows. One round trip =
-- GET authorize (with a session cookie, a first-party client: no consent) answered 303 with
-- the code in its Location, then POST token (grant_type=authorization_code, PKCE verifier)
-- answered 200 with an access token. The same script drives Tessera and oidc-provider.
--
--   WRK_CODE_AUTHORIZE='/oauth2/authorize?response_type=code&client_id=...' \
--   WRK_CODE_TOKEN=/oauth2/token WRK_CODE_COOKIE='name=value' WRK_CODE_CLIENT_ID=... \
--   WRK_CODE_REDIRECT_URI='http%3A%2F%2F127.0.0.1%2Fcb' WRK_CODE_VERIFIER=... \
--     wrk -t2 -c64 -d10s --latency -s wrk_code.lua http://127.0.0.1:PORT
--
-- WRK_CODE_AUTHORIZE is the authorize path and query as sent (client_id, redirect_uri, scope,
-- code_challenge, code_challenge_method=S256); WRK_CODE_REDIRECT_URI is form-encoded already;
-- WRK_CODE_COOKIE is the Cookie header value of the session signed in before the run.
--
-- Alternation: as in wrk_refresh.lua, wrk calls request() for a connection only once that
-- connection's previous response() has run (no pipelining), so each thread keeps a pool of the
-- codes its authorize answers brought: request() exchanges one if there is one, else it
-- authorizes. Codes + requests in flight = connections; every code is exchanged exactly once,
-- and in steady state every connection alternates authorize / exchange (a code may be
-- exchanged on another connection of the same thread than the one that fetched it, which
-- changes nothing for the server). wrk calls request() once on thread 0 before starting, to
-- check it, and never sends that request: the pool is empty then, so it is an authorize and
-- nothing is lost.
--
-- Counted, never hidden: a 303 whose Location has a code (authorize), a 200 whose body has an
-- access_token (exchange). Any other answer is an error: non2xx counts them (status other than
-- 303/200, a 303 without a code, a 200 without an access token), with the statuses seen in
-- "bad_statuses". ok_rps = completed exchanges per second = round trips/s; rps counts every
-- HTTP request (about twice as many). Latency percentiles are per HTTP request, both kinds.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_common.lua")
local authorize = os.getenv("WRK_CODE_AUTHORIZE")
local token_path = os.getenv("WRK_CODE_TOKEN")
local cookie = os.getenv("WRK_CODE_COOKIE")
local client_id = os.getenv("WRK_CODE_CLIENT_ID")
local redirect_uri = os.getenv("WRK_CODE_REDIRECT_URI")
local verifier = os.getenv("WRK_CODE_VERIFIER")
for name, v in pairs({WRK_CODE_AUTHORIZE = authorize, WRK_CODE_TOKEN = token_path,
                      WRK_CODE_COOKIE = cookie, WRK_CODE_CLIENT_ID = client_id,
                      WRK_CODE_REDIRECT_URI = redirect_uri, WRK_CODE_VERIFIER = verifier}) do
  if v == nil or v == "" then error("wrk_code.lua needs " .. name) end
end
local body_prefix = "grant_type=authorization_code&client_id=" .. client_id .. "&redirect_uri=" ..
  redirect_uri .. "&code_verifier=" .. verifier .. "&code="

local threads = {}
setup = function(thread)
  threads[#threads + 1] = thread
end

-- Per thread (each thread's own Lua state).
pool = {}
authorized = 0
exchanged = 0
bad = 0
bad_statuses = {}

request = function()
  local code = table.remove(pool)
  if code == nil then
    return wrk.format("GET", authorize, {["Cookie"] = cookie}, nil)
  end
  return wrk.format("POST", token_path,
                    {["Content-Type"] = "application/x-www-form-urlencoded"}, body_prefix .. code)
end

local function fail(status)
  bad = bad + 1
  bad_statuses[status] = (bad_statuses[status] or 0) + 1
end

response = function(status, headers, body)
  if status == 303 then
    local location = headers["Location"] or headers["location"] or ""
    local code = string.match(location, "[?&]code=([^&]+)")
    if code == nil then return fail(status) end
    authorized = authorized + 1
    pool[#pool + 1] = code
  elseif status == 200 and string.find(body, '"access_token"', 1, true) then
    exchanged = exchanged + 1
  else
    fail(status)
  end
end

function done(summary, latency, requests)
  local n_auth, n_exch, n_bad, statuses = 0, 0, 0, {}
  for _, t in ipairs(threads) do
    n_auth = n_auth + t:get("authorized")
    n_exch = n_exch + t:get("exchanged")
    n_bad = n_bad + t:get("bad")
    for s, c in pairs(t:get("bad_statuses")) do statuses[s] = (statuses[s] or 0) + c end
  end
  local seen = {}
  for s, c in pairs(statuses) do seen[#seen + 1] = string.format('"%d":%d', s, c) end
  common.wrkjson(summary, latency, n_exch, n_bad, string.format(
    '"authorized":%d,"exchanged":%d,"bad_statuses":{%s}', n_auth, n_exch, table.concat(seen, ",")))
end
