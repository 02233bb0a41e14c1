import { Client } from 'pg';
import { checkEvents, paidUsers } from './checks/events';
import { checkMoney } from './checks/money';
import { checkSeats } from './checks/seats';
import { DEFAULT_SCHEMAS, type AuditOptions, type CheckResult } from './checks/shared';
import { checkTokens } from './checks/tokens';

export { DEFAULT_SCHEMAS, MAX_EXAMPLES, type AuditOptions, type AuditSchemas, type CheckResult } from './checks/shared';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/i;

/** A schema name checked against a strict pattern and quoted, so it is safe to splice into SQL. */
export function quoteSchema(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`invalid schema name "${name}"`);
  return `"${name}"`;
}

/**
 * Checks every cross-service invariant of the mission (money, seats, events, tokens) against the
 * services' Postgres schemas and the gateway's Redis keys. Read-only: all SQL runs in one REPEATABLE
 * READ READ ONLY transaction, so every check sees the same snapshot of every schema.
 */
export async function runAudit(options: AuditOptions): Promise<CheckResult[]> {
  const names = { ...DEFAULT_SCHEMAS, ...options.schemas };
  const s = {
    booking: quoteSchema(names.booking),
    payment: quoteSchema(names.payment),
    gateway: quoteSchema(names.gateway),
    sink: quoteSchema(names.sink),
  };
  const graces = {
    hold: options.holdGraceSeconds ?? 30,
    pending: options.pendingGraceSeconds ?? 60,
    outbox: options.outboxGraceSeconds ?? 60,
  };
  const db = new Client({ connectionString: options.databaseUrl });
  await db.connect();
  try {
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const money = await checkMoney(db, s, graces.pending);
    const seats = await checkSeats(db, s, graces.hold);
    const events = await checkEvents(db, s, graces.outbox);
    const paid = await paidUsers(db, s);
    await db.query('COMMIT');
    const tokens = await checkTokens(options, paid);
    return [money, seats, events, tokens];
  } finally {
    await db.end();
  }
}
