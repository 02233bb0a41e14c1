/**
 * Lua shared by every queue script (prepended to each). Every script receives the key prefix as
 * ARGV[1] and derives its keys from it, because admission touches keys only known while it runs (the
 * hashes of the tokens it pops). KEYS[1] is the line's `seq`, declared only so that a Redis Cluster
 * client routes the script to the master of the line's slot; the prefix carries the line's hash tag
 * (`{q:<line>}`, domain/queue-line.ts), so every key a script touches lives in that one slot.
 *
 * Key layout under the prefix P:
 *   P..'seq'        counter; its INCR is a waiting token's score, so arrival order is total and stable
 *   P..'waiting'    ZSET token → seq
 *   P..'seen'       ZSET waiting token → last poll (ms), read by abandonment
 *   P..'active'     ZSET token → expiresAt (ms)
 *   P..'t:'..token  HASH userId, status, issuedAt, activatedAt, expiresAt
 *   P..'u:'..userId STRING → token (one place per user)
 *                   A waiting token's two keys have no TTL: they live exactly as long as its place, which
 *                   ends by leaving, by admission, or by the admission tick's sweep of silent waiters
 *                   ('seen'), all of which retire them in the same step. An active token's keys lapse a
 *                   grace period after its slot (the sweep still finds the user); a pre-queue token's a
 *                   hold period after the opening, unless the opening (which keeps them) happened.
 *   P..'e:'..token  STRING → userId of an ended token, for 10 minutes: a payment may be asked for again
 *                   with its Idempotency-Key after paying ended the token, before the Postgres copy has it
 *   P..'pre'        ZSET pre-queue token → a random draw (CSPRNG, drawn by the gateway): people who joined
 *                   before the line's on-sale time; at the opening they join `waiting` in draw order
 *   P..'opensAt'    STRING the on-sale time (ms) of the people in `pre`; gone once the line opened
 *   P..'stats'      HASH admittedTotal, rate (EWMA, per second), lastTickAt, limit (the admission limit last used)
 *   P..'changes'    STREAM of every state change, consumed into the Postgres fallback table (which caps it);
 *                   one entry per script run, holding its changes as seven space-separated values each
 *   P..'changes:lost' STRING, set while changes the cap dropped are not yet repaired by a rebuilt copy
 *   P..'feed'       pub/sub channel: every admission and every retired token, as one JSON message per
 *                   script run, so each gateway process can push them to the waiters connected to it
 */
export const COMMON_LUA = `
local function int(n) return string.format('%.0f', n) end

-- Tokens this script run retired; published on the feed once, at the end (see finish).
local gone = {}

-- This run's state changes, seven values each (see change), written as one stream entry by finish, or
-- by change itself every CHANGES_PER_ENTRY changes, so that one entry (one read of the fallback sync)
-- stays bounded however much a tick sweeps or admits.
local changed = {}
local CHANGES_PER_ENTRY = 1000
local function writeChanges(P)
  if #changed == 0 then return end
  redis.call('XADD', P .. 'changes', '*', 'changes', table.concat(changed, ' '))
  changed = {}
end

-- One state change: token, userId, status, issuedAt, activatedAt, expiresAt, at, in this order, '' for
-- an unknown time (domain/token-change.ts reads them). None of them can hold a space: a token is
-- base64url behind an optional '<concertId>.', a user id [A-Za-z0-9_-] (the gateway admits no other),
-- the rest a status word or digits.
local function change(P, token, userId, status, issuedAt, activatedAt, expiresAt, at)
  local n = #changed
  changed[n + 1], changed[n + 2], changed[n + 3], changed[n + 4] = token, userId, status, issuedAt
  changed[n + 5], changed[n + 6], changed[n + 7] = activatedAt, expiresAt, at
  if n + 7 >= 7 * CHANGES_PER_ENTRY then writeChanges(P) end
end

-- Removes a token from every set, deletes its hash and (if it still points at it) its user key, and
-- records it EXPIRED. knownUserId covers a hash that already lapsed.
local function retire(P, token, now, knownUserId)
  local tk = P .. 't:' .. token
  local h = redis.call('HMGET', tk, 'userId', 'issuedAt', 'activatedAt', 'expiresAt')
  local userId = h[1] or knownUserId or ''
  redis.call('ZREM', P .. 'waiting', token)
  redis.call('ZREM', P .. 'pre', token)
  redis.call('ZREM', P .. 'seen', token)
  redis.call('ZREM', P .. 'active', token)
  redis.call('DEL', tk)
  if userId ~= '' then
    local uk = P .. 'u:' .. userId
    if redis.call('GET', uk) == token then redis.call('DEL', uk) end
    redis.call('SET', P .. 'e:' .. token, userId, 'PX', 600000)
  end
  change(P, token, userId, 'EXPIRED', h[2] or '', h[3] or '', h[4] or '', int(now))
  gone[#gone + 1] = token
end

-- Ends every script run that changed something. Its changes go to the stream as one entry with one
-- field, 'changes': their values joined by spaces (one XADD of one value per run, not fourteen
-- arguments per change: a batch of joins or an admission tick is one entry). One message goes to
-- P..'feed': admitted tokens (a), retired ones (g), and the cursor the waiters estimate their place from
-- (n: admittedTotal, r: rate, w: waiting, x: the admitted ones' expiresAt). Pub/sub is fire-and-forget;
-- the gateway re-reads its waiters' state when it resubscribes.
local function finish(P, admitted, extra)
  writeChanges(P)
  if #gone == 0 and #admitted == 0 then return end
  local message = { a = admitted, g = gone }
  if extra then for k, v in pairs(extra) do message[k] = v end end
  redis.call('PUBLISH', P .. 'feed', cjson.encode(message))
end

-- The opening of a line with an on-sale time, done once, atomically, by whichever script runs first at or
-- after it: everyone in the pre-queue joins the line in the order of their random draws (a uniform
-- shuffle, since each draw is an independent CSPRNG number), ahead of anyone who arrives later; their
-- abandonment clocks start now, and their keys live as long as their places (see the key layout).
local function openIfDue(P, now)
  local at = tonumber(redis.call('GET', P .. 'opensAt'))
  if not at or now < at then return end
  for _, token in ipairs(redis.call('ZRANGE', P .. 'pre', 0, -1)) do
    local tk = P .. 't:' .. token
    local userId = redis.call('HGET', tk, 'userId')
    if userId then
      redis.call('ZADD', P .. 'waiting', redis.call('INCR', P .. 'seq'), token)
      redis.call('ZADD', P .. 'seen', now, token)
      redis.call('HSET', tk, 'status', 'WAITING')
      redis.call('PERSIST', tk)
      local uk = P .. 'u:' .. userId
      if redis.call('GET', uk) == token then redis.call('PERSIST', uk) end
    end
  end
  redis.call('DEL', P .. 'pre', P .. 'opensAt')
end

-- 'ACTIVE', 0 / 'WAITING', position / 'PRE_QUEUE', 0 / nil: a hash may outlive its token by a grace period (so the
-- admitter can still name the user when it retires it), hence the checks against the sets and the clock.
local function live(P, token, status, expiresAt, now)
  if status == 'ACTIVE' then
    if tonumber(expiresAt) and tonumber(expiresAt) > now then return 'ACTIVE', 0 end
  elseif status == 'WAITING' then
    local rank = redis.call('ZRANK', P .. 'waiting', token)
    if rank then return 'WAITING', rank + 1 end
  elseif status == 'PRE_QUEUE' then
    if redis.call('ZSCORE', P .. 'pre', token) then return 'PRE_QUEUE', 0 end
  end
  return nil
end

local function stats(P)
  local s = redis.call('HMGET', P .. 'stats', 'rate', 'lastTickAt', 'admittedTotal')
  return s[1] or '', s[2] or '', s[3] or '0'
end
`;
