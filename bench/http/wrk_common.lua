-- wrk_common.lua: what the wrk scripts of bench/http share. Each loads it with
--   local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_common.lua")
-- (a path beside the script itself, whatever the working directory).
local M = {}

-- M.wrkjson(summary, latency, ok, bad, extra): writes the one line bench/http/run.sh reads,
--   WRKJSON {"requests","secs","rps","ok_rps","p50_ms","p90_ms","p99_ms","max_ms","non2xx",
--            "err_connect","err_read","err_write","err_timeout"[, extra members]}
-- from wrk's done() arguments: ok is the count of answers that count (ok_rps = ok / secs), bad
-- the count reported as non2xx, extra a string of more JSON members ('"a":1,"b":2') or nil.
-- Latencies are wrk's histogram in ms.
function M.wrkjson(summary, latency, ok, bad, extra)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"secs":%.3f,"rps":%.1f,"ok_rps":%.1f,"p50_ms":%.3f,' ..
    '"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"non2xx":%d,"err_connect":%d,"err_read":%d,' ..
    '"err_write":%d,"err_timeout":%d%s}\n',
    summary.requests, secs, summary.requests / secs, ok / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    bad, e.connect, e.read, e.write, e.timeout, extra and ("," .. extra) or ""))
end

return M
