import { Client } from 'pg';

// Every server has it, and CREATE/DROP DATABASE cannot run from inside the target itself.
const MAINTENANCE_DATABASE = 'postgres';

// SQLSTATEs CREATE DATABASE raises when another session created the same name first.
const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';

/** The same server and credentials as `url`, pointed at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (name === '') throw new Error('the database URL names no database');
  return name;
}

/** The `schema` query parameter Prisma URLs use to pick a Postgres schema other than `public`. */
export function schemaName(url: string): string | undefined {
  return new URL(url).searchParams.get('schema') ?? undefined;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function withMaintenanceClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(url, MAINTENANCE_DATABASE) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function hasCode(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes(String((error as { code?: unknown }).code));
}

/**
 * Creates the database `url` names unless it exists. Returns whether this call created it.
 * Concurrent callers are safe: losing the race to another CREATE counts as "exists".
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  return withMaintenanceClient(url, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount !== 0) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return true;
    } catch (error) {
      if (hasCode(error, DUPLICATE_DATABASE, UNIQUE_VIOLATION)) return false;
      throw error;
    }
  });
}

/** Creates a database on the server of `serverUrl`; fails if it exists. */
export async function createDatabase(serverUrl: string, name: string): Promise<void> {
  await withMaintenanceClient(serverUrl, (client) => client.query(`CREATE DATABASE ${quoteIdent(name)}`));
}

/** Drops a database on the server of `serverUrl`, disconnecting whoever still uses it. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withMaintenanceClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

/** The server's databases whose names start with `prefix`. */
export async function listDatabases(serverUrl: string, prefix: string): Promise<string[]> {
  return withMaintenanceClient(serverUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname',
      [prefix],
    );
    return rows.map((row) => row.datname);
  });
}
