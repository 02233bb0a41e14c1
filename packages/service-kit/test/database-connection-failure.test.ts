import express from 'express';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isDatabaseConnectionFailure, type RunningServer } from '../src';
import { serveRoutes } from './support/serve-routes';

const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ticketing_test';

/** Ends every session of `applicationName` on the real server, as a failover or a DBA would. */
async function terminateSessions(applicationName: string): Promise<void> {
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  } finally {
    await admin.end();
  }
}

/*
 * A request whose database connection is terminated under it (pg_terminate_backend on the shared
 * server; the server itself keeps running) must get a 503 with Retry-After, never a 500.
 */
describe('a route whose database connection is terminated mid-request', () => {
  const applicationName = `kit-conn-${process.pid}-${Date.now()}`;
  let db: Client;
  let server: RunningServer;

  beforeAll(async () => {
    db = new Client({ connectionString: databaseUrl, application_name: applicationName });
    db.on('error', () => undefined); // the terminated session's late error event
    await db.connect();
    const routes = express.Router();
    routes.get('/slow', async (_req, res) => {
      res.json((await db.query('SELECT pg_sleep(5) AS slept')).rows);
    });
    routes.get('/quick', async (_req, res) => {
      res.json((await db.query('SELECT 1 AS one')).rows);
    });
    server = await serveRoutes(routes, { logLevel: 'fatal' });
  });

  afterAll(async () => {
    await server?.close();
    await db?.end().catch(() => undefined);
  });

  it('when the session is terminated during the query, then 503 COMMON.UNAVAILABLE with Retry-After, and the next query on the dead client too', async () => {
    const inFlight = fetch(`${server.url}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await terminateSessions(applicationName);

    const during = await inFlight;
    const after = await fetch(`${server.url}/quick`);

    expect([during.status, during.headers.get('retry-after'), ((await during.json()) as { code: string }).code]).toEqual([503, '1', 'COMMON.UNAVAILABLE']);
    expect([after.status, ((await after.json()) as { code: string }).code]).toEqual([503, 'COMMON.UNAVAILABLE']);
  });

  it('when errors are classified, then Prisma-wrapped driver failures count as connection failures and ordinary ones do not', () => {
    // The shapes Prisma's pg adapter gives a terminated session and a refused connection.
    const terminated = { code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '57P01', kind: 'postgres' } } } };
    const refused = { meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable' } } } };

    expect([terminated, refused, new Error('x', { cause: new Error('Connection terminated unexpectedly') })].map(isDatabaseConnectionFailure)).toEqual([true, true, true]);
    expect([new Error('boom'), { code: '23505' }, { meta: { driverAdapterError: { cause: { originalCode: '40001' } } } }, undefined].map(isDatabaseConnectionFailure)).toEqual([false, false, false, false]);
  });
});
