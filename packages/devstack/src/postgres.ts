import { Client } from 'pg';
import { isPortOpen } from './process';

/**
 * Makes sure the project's database exists on the Postgres that DATABASE_URL names (the machine's own
 * server in local mode). Each service then creates its own schema through its migrations.
 */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  await withMaintenanceConnection(databaseUrl, async (client, database) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${database}"`).catch((error: { code?: string }) => {
        // Another process created it between our check and our create.
        if (error.code !== '42P04') throw error;
      });
    }
  });
}

/** Drops the project's database (for `devstack reset`); the next start creates and migrates it afresh. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  await withMaintenanceConnection(databaseUrl, (client, database) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
}

/** Runs `fn` on a connection to the server's `postgres` database, with the validated target database name. */
async function withMaintenanceConnection(databaseUrl: string, fn: (client: Client, database: string) => Promise<unknown>): Promise<void> {
  const url = new URL(databaseUrl);
  const port = Number(url.port || 5432);
  if (!(await isPortOpen(port, url.hostname))) {
    throw new Error(
      `PostgreSQL is not answering at ${url.hostname}:${port}. Start it ` +
        '(e.g. `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`) or set DATABASE_URL.',
    );
  }
  const database = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z_][\w]{0,62}$/.test(database)) throw new Error(`DATABASE_URL names an unusable database "${database}"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  admin.search = '';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await fn(client, database);
  } finally {
    await client.end();
  }
}
