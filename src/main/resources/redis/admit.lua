-- Admits one request through every sliding window it is subject to, atomically.
--
-- KEYS[1]          the client's block key: the block's end time in ms, set while the client is blocked
-- KEYS[2..1+r]     revocation keys of the presented token (its jti, its login family); r may be 0
-- KEYS[2+r..n]     one sorted set per window; members are request ids, scores are times in ms
-- ARGV[1]          a member unique to this request
-- ARGV[2]          the current time in ms, or '' to take it from Redis (tests pass a clock they control)
-- ARGV[3]          r, the number of revocation keys
-- ARGV[2+2j]       limit of window j (1-based), whose key is KEYS[1+r+j]
-- ARGV[3+2j]       length of window j, in ms
--
-- Returns {4} when a revocation key exists (the token was revoked),
--         {1, block_ttl_ms} when the client is blocked,
--         {2, j, retry_ms} when window j is full; nothing is recorded,
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

local revocations = tonumber(ARGV[3])
for i = 2, 1 + revocations do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    return {4}
  end
end

-- The block key holds the block's end time, compared with now rather than read through PTTL, so a
-- clock passed in ARGV[2] also decides when a block ends.
local blocked_until = tonumber(redis.call('GET', KEYS[1]))
if blocked_until and blocked_until > now then
  return {1, blocked_until - now}
end

local first = 2 + revocations
local windows = #KEYS - first + 1
local counts = {}
for j = 1, windows do
  local key = KEYS[first + j - 1]
  local limit = tonumber(ARGV[2 + 2 * j])
  local window = tonumber(ARGV[3 + 2 * j])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return {2, j, tonumber(oldest[2]) + window - now}
  end
  counts[j] = count
end

local result = {0}
for j = 1, windows do
  local key = KEYS[first + j - 1]
  local limit = tonumber(ARGV[2 + 2 * j])
  local window = tonumber(ARGV[3 + 2 * j])
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, window)
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  table.insert(result, limit - counts[j] - 1)
  table.insert(result, tonumber(oldest[2]) + window - now)
end
return result
