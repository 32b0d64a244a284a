-- wrk script for bench/overload.sh: sends GET PATH with a bearer token and, after the run, prints
-- wrk's counters as "key value" lines. DELAY_MS above 0 makes each connection wait that long before
-- each request, which sets the offered rate to about connections * 1000 / (DELAY_MS + latency).
-- With "count" as fourth argument it also counts responses by status, which costs wrk a Lua call
-- per response, so measuring runs leave it out.
--
-- usage: wrk ... -s bench/overload.lua URL -- PATH TOKEN DELAY_MS [count]

local threads = {}
local request_text
local delay_ms
-- Read by done() through thread:get, which reads only global variables.
statuses = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local path, token = args[1], args[2]
  if not path or not token then
    error("usage: wrk ... -s overload.lua URL -- PATH TOKEN DELAY_MS [count]")
  end
  request_text = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
  delay_ms = tonumber(args[3] or "0")
  -- wrk looks for the delay and response functions after init, so removing them here spares it
  -- a timer and a Lua call per request.
  if delay_ms == 0 then
    delay = nil
  end
  if args[4] ~= "count" then
    response = nil
  end
end

function request()
  return request_text
end

function delay()
  return delay_ms
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local codes = {}
  for status in pairs(totals) do
    table.insert(codes, status)
  end
  table.sort(codes)
  for _, status in ipairs(codes) do
    io.write(string.format("status_%d %d\n", status, totals[status]))
  end
  io.write(string.format("requests %d\n", summary.requests))
  io.write(string.format("duration_us %d\n", summary.duration))
  io.write(string.format("errors_connect %d\n", summary.errors.connect))
  io.write(string.format("errors_read %d\n", summary.errors.read))
  io.write(string.format("errors_write %d\n", summary.errors.write))
  io.write(string.format("errors_timeout %d\n", summary.errors.timeout))
  io.write(string.format("errors_status %d\n", summary.errors.status))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("latency_p%s_ms %.1f\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("latency_max_ms %.1f\n", latency.max / 1000))
end
