import { Redis } from 'ioredis';
import { MAX_EXAMPLES, result, type AuditOptions, type CheckResult } from './shared';

/** Users looked up in Redis per pipeline (one round trip each). */
const REDIS_BATCH = 1_000;

export async function checkTokens(options: AuditOptions, paid: Map<string, number>): Promise<CheckResult> {
  const violations: string[] = [];
  const P = options.queuePrefix;
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true });
  await redis.connect();
  try {
    const now = Date.now();
    const live = await redis.zcount(`${P}active`, `(${now}`, '+inf');
    let stillActive = 0;
    const users = [...paid.keys()];
    for (let i = 0; i < users.length; i += REDIS_BATCH) {
      const batch = users.slice(i, i + REDIS_BATCH);
      // Round trip 1: each user's token; round trip 2: those tokens' hashes.
      const tokens = await exec(redis.pipeline(batch.map((user) => ['get', `${P}u:${user}`])));
      const held = batch.flatMap((user, k) => (typeof tokens[k] === 'string' ? [{ user, token: tokens[k] as string }] : []));
      if (held.length === 0) continue;
      const hashes = await exec(redis.pipeline(held.map(({ token }) => ['hmget', `${P}t:${token}`, 'status', 'activatedAt', 'expiresAt'])));
      held.forEach(({ user, token }, k) => {
        const [status, activatedAt, expiresAt] = (hashes[k] as (string | null)[] | null) ?? [];
        const paidAt = paid.get(user) ?? 0;
        if (status !== 'ACTIVE' || !(Number(expiresAt) > now)) return;
        if (!(Number(activatedAt) < paidAt)) return; // activated after the latest payment: a new, legitimate slot
        stillActive += 1;
        if (violations.length < MAX_EXAMPLES) {
          violations.push(`tokens: user ${user} paid at ${new Date(paidAt).toISOString()} but token ${token} (active since ${new Date(Number(activatedAt)).toISOString()}) is still ACTIVE`);
        }
      });
    }
    if (live > options.maxActive) {
      violations.unshift(`tokens: ${live} live active slots exceed the maximum ${options.maxActive}`);
    }
    return result('tokens', { liveActive: live, maxActive: options.maxActive, paidUsers: users.length, paidStillActive: stillActive }, violations);
  } finally {
    redis.disconnect();
  }
}

async function exec(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
