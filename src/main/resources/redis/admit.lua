-- Admits one request through every sliding window it is subject to, atomically.
--
-- KEYS[1]      the client's block key: the block's end time in ms, set while the client is blocked
-- KEYS[2..n]   one sorted set per window; members are request ids, scores are times in ms
-- ARGV[1]      a member unique to this request
-- ARGV[2]      the current time in ms, or '' to take it from Redis (tests pass a clock they control)
-- ARGV[2i-1]   limit of the window in KEYS[i] (i >= 2)
-- ARGV[2i]     length of the window in KEYS[i], in ms
--
-- Returns {1, block_ttl_ms} when the client is blocked,
--         {2, k, retry_ms} when window k (1-based among the windows) is full; nothing is recorded,
--         {0, remaining_1, reset_ms_1, remaining_2, reset_ms_2, ...} when admitted; the request is
--         then recorded in every window, and every key written gets an expiry.
-- All keys of one call carry the same hash tag, so the script also runs on Redis Cluster.

local now
if ARGV[2] == '' then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
else
  now = tonumber(ARGV[2])
end

-- The block key holds the block's end time, compared with now rather than read through PTTL, so a
-- clock passed in ARGV[2] also decides when a block ends.
local blocked_until = tonumber(redis.call('GET', KEYS[1]))
if blocked_until and blocked_until > now then
  return {1, blocked_until - now}
end

local counts = {}
for i = 2, #KEYS do
  local limit = tonumber(ARGV[2 * i - 1])
  local window = tonumber(ARGV[2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local count = redis.call('ZCARD', KEYS[i])
  if count >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    return {2, i - 1, tonumber(oldest[2]) + window - now}
  end
  counts[i] = count
end

local result = {0}
for i = 2, #KEYS do
  local limit = tonumber(ARGV[2 * i - 1])
  local window = tonumber(ARGV[2 * i])
  redis.call('ZADD', KEYS[i], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[i], window)
  local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  table.insert(result, limit - counts[i] - 1)
  table.insert(result, tonumber(oldest[2]) + window - now)
end
return result
