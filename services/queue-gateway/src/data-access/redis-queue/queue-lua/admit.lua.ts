import { COMMON_LUA } from './common.lua';

/**
 * One admission tick, atomically, in one round trip. Its cost is O((expired + dropped + admitted) ·
 * log N): every step reads a bounded range from the head of a sorted set, never the whole queue.
 *
 * ARGV: P, now, maxActive, activeTtlMs, abandonBefore, maxSweep, graceMs, rateWindowMs.
 * Reply: { admitted tokens in arrival order }, dropped, waiting, active, the earliest active slot's
 * expiresAt|'' (when the next slot frees itself). Publishes what it did on the feed (common.lua.ts).
 *
 * Because the slot count is read and filled inside the script, two admitters running at once (two
 * gateways, or a tick that overran into the next) run one after the other and the second finds no
 * free slot: active can never exceed maxActive, whatever the scheduler does.
 */
export const ADMIT_LUA = `${COMMON_LUA}
local P = ARGV[1]
local now, maxActive, ttlMs = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local abandonBefore, maxSweep = tonumber(ARGV[5]), tonumber(ARGV[6])
local graceMs, windowMs = tonumber(ARGV[7]), tonumber(ARGV[8])
local activeKey, waitingKey = P .. 'active', P .. 'waiting'

-- 0. At the on-sale time the pre-queue joins the line in its random order.
openIfDue(P, now)

-- 1. Active slots past their TTL free themselves (their keys lapse by PEXPIREAT; here the set and the
--    change stream catch up). Bounded per tick; leftovers still count as taken until the next tick.
local expired = redis.call('ZRANGEBYSCORE', activeKey, '-inf', now, 'LIMIT', 0, maxSweep)
for _, token in ipairs(expired) do retire(P, token, now, nil) end

-- 2. Waiting users who stopped polling lose their place, oldest silence first, so abandonment can
--    never stall the head of the line.
local dropped = 0
local silent = redis.call('ZRANGEBYSCORE', P .. 'seen', '-inf', '(' .. int(abandonBefore), 'LIMIT', 0, maxSweep)
for _, token in ipairs(silent) do
  retire(P, token, now, nil)
  dropped = dropped + 1
end

-- 3. Fill the free slots from the head of the line.
local admitted = {}
local expiresAtOfBatch = now + ttlMs
local free = maxActive - redis.call('ZCARD', activeKey)
if free > 0 then
  local popped = redis.call('ZPOPMIN', waitingKey, free)
  local expiresAt = expiresAtOfBatch
  for i = 1, #popped, 2 do
    local token = popped[i]
    local tk = P .. 't:' .. token
    local h = redis.call('HMGET', tk, 'userId', 'issuedAt')
    redis.call('ZREM', P .. 'seen', token)
    if h[1] then
      redis.call('HSET', tk, 'status', 'ACTIVE', 'activatedAt', int(now), 'expiresAt', int(expiresAt))
      redis.call('PEXPIREAT', tk, int(expiresAt + graceMs))
      redis.call('SET', P .. 'u:' .. h[1], token, 'PXAT', int(expiresAt + graceMs))
      redis.call('ZADD', activeKey, expiresAt, token)
      change(P, token, h[1], 'ACTIVE', h[2] or '', int(now), int(expiresAt), int(now))
      admitted[#admitted + 1] = token
    else
      -- Its keys lapsed before a sweep reached it (the admitter was down for longer than the grace).
      retire(P, token, now, nil)
      dropped = dropped + 1
    end
  end
end

-- 4. Admission rate: EWMA of admissions per second over windowMs (see domain/admission-rate.ts).
local s = redis.call('HMGET', P .. 'stats', 'rate', 'lastTickAt')
local rate, lastTick = tonumber(s[1]) or 0, tonumber(s[2])
if lastTick and now > lastTick then
  local weight = math.exp(-(now - lastTick) / windowMs)
  rate = rate * weight + (#admitted * 1000 / (now - lastTick)) * (1 - weight)
  lastTick = now
elseif lastTick then
  -- Two ticks in the same millisecond: the limit of the formula above as the interval shrinks to zero.
  rate = rate + #admitted * 1000 / windowMs
else
  lastTick = now
end
redis.call('HSET', P .. 'stats', 'rate', string.format('%.6f', rate), 'lastTickAt', int(lastTick), 'limit', maxActive)
local admittedTotal = redis.call('HINCRBY', P .. 'stats', 'admittedTotal', #admitted)

local waiting = redis.call('ZCARD', waitingKey)
finish(P, admitted, { n = admittedTotal, r = rate, w = waiting, x = expiresAtOfBatch })
local first = redis.call('ZRANGE', activeKey, 0, 0, 'WITHSCORES')
return { admitted, dropped, waiting, redis.call('ZCARD', activeKey), first[2] or '' }
`;
