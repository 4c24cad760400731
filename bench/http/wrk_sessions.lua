-- wrk_sessions.lua: GET with a different session cookie on every request, cycling through the
-- raw session ids in WRK_SESSION_IDS (one per line; bench/session_fill writes them), each wrk
-- thread from its own offset. bench/run uses it to load `tessera serve` on a store of many
-- live sessions (more distinct ones than the session cache holds) and read its peak RSS.
-- Prints wrk_json.lua's "WRKJSON {...}" line (its done(), loaded from beside this file;
-- non2xx: answers >= 400, which here would mean a filled session did not verify).
--
--   WRK_SESSION_IDS=ids.txt wrk -t2 -c64 -d10s -s wrk_sessions.lua http://127.0.0.1:PORT/auth/verify
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "wrk_json.lua")  -- done()

local path = os.getenv("WRK_SESSION_IDS")
if path == nil or path == "" then error("wrk_sessions.lua needs WRK_SESSION_IDS (a file)") end
local ids = {}
for line in io.lines(path) do
  if line ~= "" then ids[#ids + 1] = line end
end
if #ids == 0 then error("wrk_sessions.lua: no session ids in " .. path) end

local threads = 0
setup = function(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end
local next_id = 0
init = function(args)
  next_id = ((thread_index or 0) * 104729) % #ids
end
request = function()
  next_id = next_id % #ids + 1
  return wrk.format(nil, nil, {["Cookie"] = "__Host-tessera_session=" .. ids[next_id]}, nil)
end
