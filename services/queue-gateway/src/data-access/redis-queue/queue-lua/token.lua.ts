import { COMMON_LUA } from './common.lua';

/*
 * The per-user scripts: issue, lookup, leave, expire. Each is one atomic round trip; each reply is a
 * flat array (Lua nil cannot sit inside a reply array, so absent values travel as '').
 */

/**
 * Joins several people in one run, in the order given (the gateway batches the joins that arrive
 * together; domain order is arrival order). Each person is handled exactly as if alone, one after the
 * other, so the same user twice in a batch gets one token (the second is "already queued").
 * ARGV: P, holdMs (how long after the opening a pre-queue token's keys live), then five per person: userId,
 * newToken, now, opensAt|'' (the line's on-sale time), draw (a random number for the pre-queue's shuffle).
 * Reply: nine per person: token, created (1|0), status, position, issuedAt, expiresAt|'', rate|'',
 * lastTickAt|'', opensAt|''.
 */
export const ISSUE_LUA = `${COMMON_LUA}
local P, holdMs = ARGV[1], tonumber(ARGV[2])
-- Only admission moves the stats, and no admission runs inside this script.
local rate, lastTick = stats(P)

-- The line's on-sale time while people wait in its pre-queue (read once; kept current below).
local opening = tonumber(redis.call('GET', P .. 'opensAt'))

-- New places in line, written to the line's sets once per run (one INCRBY and two ZADDs for the whole
-- batch, not per person). Until then a new token is last in line at 'length', the line's length
-- counting them; anything that reads or changes the line itself (the opening, a returning user) writes
-- them first.
local joined, length = {}, nil
local function writeJoined()
  if #joined == 0 then return end
  local last = redis.call('INCRBY', P .. 'seq', #joined / 2)
  local first = last - #joined / 2
  local line, seen = {}, {}
  for i = 1, #joined, 2 do
    line[i], line[i + 1] = first + (i + 1) / 2, joined[i]
    seen[i], seen[i + 1] = joined[i + 1], joined[i]
  end
  redis.call('ZADD', P .. 'waiting', unpack(line))
  redis.call('ZADD', P .. 'seen', unpack(seen))
  joined = {}
end

local function issue(userId, token, now, opensAt, draw)
  if opening and now >= opening then
    writeJoined()
    openIfDue(P, now)
    opening, length = nil, nil
  end
  local uk = P .. 'u:' .. userId
  local early = opensAt and now < opensAt
  -- A waiting token's keys live as long as its place; a pre-queue token's lapse a hold period after the
  -- opening unless the opening keeps them (arriving early is not a reason to lose out).
  local keysUntil = early and int(opensAt + holdMs)
  -- Claims the user's one place for the new token, or answers the token that holds it.
  local existing
  if early then existing = redis.call('SET', uk, token, 'NX', 'GET', 'PXAT', keysUntil)
  else existing = redis.call('SET', uk, token, 'NX', 'GET') end
  if existing then
    writeJoined()
    local tk = P .. 't:' .. existing
    local h = redis.call('HMGET', tk, 'status', 'issuedAt', 'expiresAt')
    local status, position = live(P, existing, h[1], h[3], now)
    if status == 'ACTIVE' then
      return { existing, 0, status, 0, h[2], h[3], rate, lastTick, '' }
    elseif status == 'PRE_QUEUE' then
      -- The on-sale time this run read (and keeps current), not a second GET.
      return { existing, 0, status, 0, h[2], '', rate, lastTick, opening and int(opening) or '' }
    elseif status == 'WAITING' then
      -- Asking again shows the user is still there: it refreshes the abandonment clock like a poll.
      redis.call('ZADD', P .. 'seen', now, existing)
      return { existing, 0, status, position, h[2], '', rate, lastTick, '' }
    end
    -- An active slot past its expiry the admitter has not swept yet: retire it, then issue anew.
    retire(P, existing, now, userId)
    length = nil
    if early then redis.call('SET', uk, token, 'PXAT', keysUntil) else redis.call('SET', uk, token) end
  end

  -- activatedAt and expiresAt are absent until admission sets them.
  local tk = P .. 't:' .. token
  if early then
    -- Before the on-sale time: a place in the pre-queue, drawn at random at the opening.
    redis.call('ZADD', P .. 'pre', draw, token)
    redis.call('SET', P .. 'opensAt', int(opensAt))
    opening = opensAt
    redis.call('HSET', tk, 'userId', userId, 'status', 'PRE_QUEUE', 'issuedAt', int(now))
    redis.call('PEXPIREAT', tk, keysUntil)
    -- The Postgres copy knows it as waiting: while Redis is away it answers for it as for any waiter.
    change(P, token, userId, 'WAITING', int(now), '', '', int(now))
    return { token, 1, 'PRE_QUEUE', 0, int(now), '', rate, lastTick, int(opensAt) }
  end
  -- The newest token is last in line: its place is the line's length.
  length = (length or redis.call('ZCARD', P .. 'waiting') + #joined / 2) + 1
  joined[#joined + 1], joined[#joined + 2] = token, now
  local issuedAt = int(now)
  redis.call('HSET', tk, 'userId', userId, 'status', 'WAITING', 'issuedAt', issuedAt)
  change(P, token, userId, 'WAITING', issuedAt, '', '', issuedAt)
  return { token, 1, 'WAITING', length, issuedAt, '', rate, lastTick, '' }
end

local reply, n = {}, 0
for i = 3, #ARGV, 5 do
  local one = issue(ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), ARGV[i + 4])
  -- A flat reply: a missing value would shift every later person's fields, so none may be nil.
  for k = 1, 9 do n = n + 1; reply[n] = one[k] or '' end
end
writeJoined()
finish(P, {})
return reply
`;

/**
 * ARGV: P, token, now, touch (1|0).
 * Reply: nil, or userId, status, position, issuedAt, activatedAt|'', expiresAt|'', rate|'', lastTickAt|'',
 * admittedTotal (the feed's cursor: admissions so far, all of them from ahead of any waiting token),
 * opensAt|'' (a PRE_QUEUE token's on-sale time).
 */
export const LOOKUP_LUA = `${COMMON_LUA}
local P, token = ARGV[1], ARGV[2]
local now, touch = tonumber(ARGV[3]), ARGV[4] == '1'
openIfDue(P, now)
local tk = P .. 't:' .. token
local h = redis.call('HMGET', tk, 'userId', 'status', 'issuedAt', 'activatedAt', 'expiresAt')
if not h[1] then return nil end
local status, position = live(P, token, h[2], h[5], now)
if not status then return nil end
if touch and status == 'WAITING' then redis.call('ZADD', P .. 'seen', now, token) end
local rate, lastTick, admittedTotal = stats(P)
local opensAt = status == 'PRE_QUEUE' and redis.call('GET', P .. 'opensAt') or ''
return { h[1], status, position, h[3], h[4] or '', h[5] or '', rate, lastTick, admittedTotal, opensAt }
`;

/** ARGV: P, token, now. Reply: the status the token left ('ACTIVE': a slot was freed; 'WAITING' or 'PRE_QUEUE': a place), or '' when it was not live. */
export const LEAVE_LUA = `${COMMON_LUA}
local P, token, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local h = redis.call('HMGET', P .. 't:' .. token, 'userId', 'status', 'expiresAt')
if not h[1] then return '' end
local status = live(P, token, h[2], h[3], now)
retire(P, token, now, h[1])
finish(P, {})
return status or ''
`;

/**
 * ARGV: P, userId, now, issuedAtOrBefore|''. Reply: the retired token, or nil. A token issued after
 * `issuedAtOrBefore` is left alone, so a late or redelivered event cannot cost a user a newer place.
 */
export const EXPIRE_USER_LUA = `${COMMON_LUA}
local P, userId, now, cutoff = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local token = redis.call('GET', P .. 'u:' .. userId)
if not token then return nil end
local issuedAt = tonumber(redis.call('HGET', P .. 't:' .. token, 'issuedAt'))
if cutoff and issuedAt and issuedAt > cutoff then return nil end
retire(P, token, now, userId)
finish(P, {})
return token
`;

/**
 * The presence of the waiters connected to one gateway process, in one call per batch: each waiting
 * token's abandonment clock is refreshed as a poll would (a person with an open long-poll or event
 * stream is there), and each token's state comes back so the process can correct what it pushed.
 * ARGV: P, now, token…  Reply: per token, its position (> 0 waiting), 0 (active) or -1 (not
 * live), then expiresAt|''; and last the admittedTotal cursor.
 */
export const TOUCH_LUA = `${COMMON_LUA}
local P, now = ARGV[1], tonumber(ARGV[2])
openIfDue(P, now)
local reply = {}
for i = 3, #ARGV do
  local token = ARGV[i]
  local tk = P .. 't:' .. token
  local h = redis.call('HMGET', tk, 'userId', 'status', 'expiresAt')
  local status, position = nil, -1
  if h[1] then status, position = live(P, token, h[2], h[3], now) end
  if status == 'WAITING' then
    redis.call('ZADD', P .. 'seen', now, token)
  elseif not status then
    position = -1
  end
  reply[#reply + 1] = position
  reply[#reply + 1] = (status == 'ACTIVE' and h[3]) or ''
end
local _, _, admittedTotal = stats(P)
reply[#reply + 1] = admittedTotal
return reply
`;

/** ARGV: P, now. Reply: waiting, live active, rate|'', lastTickAt|'', limit|'' (the admission limit last used), pre-queue. */
export const COUNTS_LUA = `${COMMON_LUA}
local P, now = ARGV[1], tonumber(ARGV[2])
local rate, lastTick = stats(P)
local limit = redis.call('HGET', P .. 'stats', 'limit') or ''
return { redis.call('ZCARD', P .. 'waiting'), redis.call('ZCOUNT', P .. 'active', '(' .. int(now), '+inf'), rate, lastTick, limit, redis.call('ZCARD', P .. 'pre') }
`;

/**
 * Ends an ACTIVE token's slot when its latest seat hold lapses, not later than the TTL from its admission:
 * a person who let their hold expire unpaid gives the slot back. Each new hold of the user moves the end
 * to that hold's expiry (never past the TTL), so a later hold is never cut short.
 * ARGV: P, token, now, holdEndsAt, ttlMs, graceMs. Reply: the slot's new expiresAt, or 0 when unchanged.
 */
export const END_WITH_HOLD_LUA = `${COMMON_LUA}
local P, token, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local holdEndsAt, ttlMs, graceMs = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local tk = P .. 't:' .. token
local h = redis.call('HMGET', tk, 'userId', 'status', 'issuedAt', 'activatedAt', 'expiresAt')
local activatedAt, expiresAt = tonumber(h[4]), tonumber(h[5])
if h[2] ~= 'ACTIVE' or not activatedAt or not expiresAt or expiresAt <= now then return 0 end
local ends = math.min(activatedAt + ttlMs, holdEndsAt)
if ends <= now or ends == expiresAt then return 0 end
redis.call('HSET', tk, 'expiresAt', int(ends))
redis.call('ZADD', P .. 'active', ends, token)
redis.call('PEXPIREAT', tk, int(ends + graceMs))
local uk = P .. 'u:' .. h[1]
if redis.call('GET', uk) == token then redis.call('PEXPIREAT', uk, int(ends + graceMs)) end
change(P, token, h[1], 'ACTIVE', h[3] or '', int(activatedAt), int(ends), int(now))
finish(P, {})
return ends
`;
