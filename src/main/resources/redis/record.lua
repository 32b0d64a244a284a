-- Records a request that ended in an error before it reached the limiter step, atomically.
--
-- KEYS[1]  the client's block key: the block's end time in ms, set while the client is blocked
-- KEYS[2]  the client's failed authentications and authorizations (sorted set, scores in ms)
-- KEYS[3]  the client's global window (sorted set, scores in ms)
-- ARGV[1]  a member unique to this request
-- ARGV[2]  the current time in ms, or '' to take it from Redis
-- ARGV[3]  '1' to record a failed authentication or authorization (a 401 or 403), else '0'
-- ARGV[4]  failures allowed in the suspicious-activity window; one more starts a block
-- ARGV[5]  length of the suspicious-activity window, in ms
-- ARGV[6]  '1' to count the request in the global window, else '0'
-- ARGV[7]  global limit
-- ARGV[8]  length of the global window, in ms
--
-- Returns {1, block_ttl_ms} when the client was already blocked (nothing is recorded),
--         {3, block_ttl_ms} when this failure starts a block lasting until the oldest failure in
--                           the window leaves it,
--         {2, retry_ms}     when the global window is full,
--         {0}               otherwise. Every key written gets an expiry.

local now
if ARGV[2] == '' then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
else
  now = tonumber(ARGV[2])
end

local blocked_until = tonumber(redis.call('GET', KEYS[1]))
if blocked_until and blocked_until > now then
  return {1, blocked_until - now}
end

local started = 0
if ARGV[3] == '1' then
  local threshold = tonumber(ARGV[4])
  local window = tonumber(ARGV[5])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
  redis.call('ZADD', KEYS[2], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[2], window)
  if redis.call('ZCARD', KEYS[2]) > threshold then
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    local ttl = math.max(1, tonumber(oldest[2]) + window - now)
    -- No block is in force here (checked above), so this failure starts one.
    redis.call('SET', KEYS[1], string.format('%d', now + ttl), 'PX', ttl)
    started = ttl
  end
end

if ARGV[6] == '1' then
  local limit = tonumber(ARGV[7])
  local window = tonumber(ARGV[8])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
  if redis.call('ZCARD', KEYS[3]) >= limit then
    if started > 0 then
      return {3, started}
    end
    local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
    return {2, tonumber(oldest[2]) + window - now}
  end
  redis.call('ZADD', KEYS[3], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[3], window)
end

if started > 0 then
  return {3, started}
end
return {0}
