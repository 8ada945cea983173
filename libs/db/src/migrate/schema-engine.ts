// Prisma's schema engine, compiled to WebAssembly, driven over our own pg connections.
// `prisma migrate deploy|diff` need a native engine that Prisma downloads on first use;
// the wasm build needs no download, and applies and records migrations the same way,
// so `prisma migrate deploy` keeps working unchanged wherever the native engine exists.
// The package is ESM and imports a .wasm file: callers run under
// `node --experimental-wasm-modules`, and it is loaded with a real dynamic import.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { Pool, type PoolClient } from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  type ErrorRegistry,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { DiffTarget, SchemaContainer, SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm';
import { createDatabase, databaseName, dropDatabase, schemaName, withDatabase } from './database-admin';
import { LOCKFILE_CONTENT, readMigrations } from './migrations-dir';

export { ensureDatabase } from './database-admin';

type EngineModule = typeof import('@prisma/schema-engine-wasm');

const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

// Engine construction queries the main connection once; for diffs nothing else uses it,
// so it points at the maintenance database, which exists before anything we create.
const MAINTENANCE_DATABASE = 'postgres';

const SHADOW_PREFIX = 'sb_shadow_';

let engineModule: Promise<EngineModule> | undefined;

function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= import('@prisma/schema-engine-wasm').catch((error: unknown) => {
    engineModule = undefined;
    throw new Error(
      `cannot load @prisma/schema-engine-wasm (is node running with --experimental-wasm-modules?): ${messageOf(error)}`,
      { cause: error },
    );
  });
  return engineModule;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Driver adapters for the engine, each over a pool this factory owns and ends. The engine
 * only asks adapters to dispose themselves, which with an external pool closes nothing; and
 * adapter-pg's own shadow database reconnects to the main one (pg lets the connection
 * string override `database`), hence the shadow databases are created here.
 */
class MigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = '@prisma/adapter-pg';
  private readonly pools: Pool[] = [];
  private readonly shadowDatabases: string[] = [];

  constructor(
    private readonly url: string,
    private readonly shadowServerUrl?: string,
  ) {}

  connect(): Promise<SqlDriverAdapter> {
    return this.adapterFor(this.url);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    if (this.shadowServerUrl === undefined) throw new Error('this operation has no shadow database');
    const name = `${SHADOW_PREFIX}${Date.now()}_${randomBytes(4).toString('hex')}`;
    await createDatabase(this.shadowServerUrl, name);
    this.shadowDatabases.push(name);
    return this.adapterFor(withDatabase(this.shadowServerUrl, name));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.pools.splice(0).map((pool) => pool.end()));
    const server = this.shadowServerUrl;
    if (server !== undefined) {
      for (const name of this.shadowDatabases.splice(0)) await dropDatabase(server, name);
    }
  }

  private async adapterFor(url: string): Promise<SqlDriverAdapter> {
    const pool = new Pool({ connectionString: url });
    // An idle client dropping must not crash a CLI run; the next query reports it.
    pool.on('error', () => undefined);
    pool.on('connect', reportCatalogTypesAsText);
    this.pools.push(pool);
    const adapter = await new PrismaPg(pool, { schema: schemaName(url) }).connect();
    // adapter-pg's executeScript splits on every ";", cutting function bodies and comments
    // apart and running the pieces outside one transaction. A parameterless query goes over
    // the simple query protocol instead: the whole script at once, as one implicit
    // transaction, which is how the native engine runs a migration.
    adapter.executeScript = async (script) => {
      await adapter.executeRaw({ sql: script, args: [], argTypes: [] });
    };
    return adapter;
  }
}

// Postgres catalog types adapter-pg refuses ("UnsupportedNativeDataType"), though the
// engine reads them when it inspects a database (pg_constraint.contype is a "char").
// pg hands their values over as strings already, so calling them text is exact.
const TEXT_OID = 25;
const CATALOG_TEXT_OIDS: ReadonlySet<number> = new Set([
  18, // "char"
  22, // int2vector
  24, // regproc
  30, // oidvector
  194, // pg_node_tree
  2205, // regclass
  2206, // regtype
]);

function retypeFields<R>(result: R): R {
  const fields = (result as { fields?: { dataTypeID: number }[] } | undefined)?.fields;
  for (const field of fields ?? []) if (CATALOG_TEXT_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
  return result;
}

/** Patches a pooled client so results describe catalog types as text (promise and callback calls alike). */
function reportCatalogTypesAsText(client: PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const patched = (...args: unknown[]): unknown => {
    const callback = args[args.length - 1];
    if (typeof callback === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) =>
        (callback as (e: unknown, r: unknown) => void)(error, error ? result : retypeFields(result));
      return query(...args);
    }
    const out = query(...args);
    return out instanceof Promise ? out.then(retypeFields) : out;
  };
  client.query = patched as PoolClient['query'];
}

const EXTERNAL_ERROR = /External error id#(\d+)/;

// Engine errors end in a span trace ("   0: schema_commands::...") useful only to Prisma.
// Only the name of the migration that failed is worth keeping from it.
const SPAN_TRACE = /\n\s*0: [\s\S]*$/;
const MIGRATION_IN_TRACE = /migration_name="([^"]+)"/;

/** Adapter failures reach us as "External error id#N"; the real error waits in the registry. */
function explain(error: unknown, registry: ErrorRegistry): Error {
  const match = EXTERNAL_ERROR.exec(messageOf(error));
  if (match === null) {
    const text = messageOf(error);
    const migration = MIGRATION_IN_TRACE.exec(text)?.[1];
    const message = text.replace(SPAN_TRACE, '').trim();
    return new Error(migration === undefined ? message : `${message} (migration ${migration})`, { cause: error });
  }
  const original = registry.consumeError(Number(match[1]))?.error;
  const cause = (original as { cause?: { originalMessage?: unknown; message?: unknown } } | undefined)?.cause;
  const detail = cause?.originalMessage ?? cause?.message ?? (original === undefined ? undefined : messageOf(original));
  return new Error(typeof detail === 'string' ? detail : messageOf(error), { cause: original ?? error });
}

async function withEngine<T>(factory: MigrationAdapterFactory, use: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const { SchemaEngine } = await loadEngineModule();
  const bound = bindMigrationAwareSqlAdapterFactory(factory);
  let result: T;
  try {
    // Every call passes the schema it needs; the engine keeps none of its own.
    const engine = await SchemaEngine.new({ datamodels: undefined }, () => undefined, bound);
    try {
      result = await use(engine);
    } finally {
      engine.free();
    }
  } catch (error) {
    // A cleanup failure now would only hide the error that matters.
    await factory.close().catch(() => undefined);
    throw explain(error, bound.errorRegistry);
  }
  await factory.close();
  return result;
}

function readSchema(schemaPath: string): SchemaContainer {
  return { path: basename(schemaPath), content: readFileSync(schemaPath, 'utf8') };
}

export interface ApplyMigrationsOptions {
  /** Where progress lines go; `console.log` unless given. */
  log?: (line: string) => void;
}

/**
 * Applies the not-yet-applied `<migrationsDir>/<name>/migration.sql`, each recorded in
 * `_prisma_migrations`, as `prisma migrate deploy` does (and refusing to go on past a
 * failed one, as it does). Returns the names applied; none when up to date.
 * The engine leaves a 10 s lock-timeout timer behind: a CLI should exit explicitly.
 */
export async function applyMigrations(
  url: string,
  migrationsDir: string,
  { log = (line) => console.log(line) }: ApplyMigrationsOptions = {},
): Promise<string[]> {
  const migrationsList = readMigrations(migrationsDir);
  const shownDir = relative(process.cwd(), migrationsList.baseDir) || '.';
  const count = migrationsList.migrationDirectories.length;
  log(`${count} migration${count === 1 ? '' : 's'} found in ${shownDir}`);
  return withEngine(new MigrationAdapterFactory(url), async (engine) => {
    const history = await engine.diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: NO_FILTER,
    });
    if (history.editedMigrationNames.length > 0) {
      log(`warning: modified since they were applied: ${history.editedMigrationNames.join(', ')}`);
    }
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
    if (appliedMigrationNames.length === 0) log(`no pending migrations for ${databaseName(url)}`);
    for (const name of appliedMigrationNames) log(`applied ${name}`);
    return appliedMigrationNames;
  });
}

async function diff(serverUrl: string, from: DiffTarget, to: DiffTarget, withShadow: boolean): Promise<string | null> {
  const factory = new MigrationAdapterFactory(
    withDatabase(serverUrl, MAINTENANCE_DATABASE),
    withShadow ? serverUrl : undefined,
  );
  const result = await withEngine(factory, (engine) =>
    engine.diff({ from, to, script: true, exitCode: true, filters: NO_FILTER }),
  );
  // With exitCode requested the engine answers 2 for "there are changes", 0 for none.
  return result.exitCode === 2 ? (result.stdout ?? '') : null;
}

export interface DiffOptions {
  schemaPath: string;
  migrationsDir: string;
  /** Any database URL on the server that may host the throwaway shadow database. */
  serverUrl: string;
}

/**
 * The SQL that takes a database built from the migrations to the state of the schema,
 * or null when they agree. The migrations are replayed on a throwaway shadow database.
 * Objects the Prisma datamodel cannot express (functions, triggers) are not compared.
 */
export function diffSql({ schemaPath, migrationsDir, serverUrl }: DiffOptions): Promise<string | null> {
  const migrations = readMigrations(migrationsDir);
  // The engine learns the connector from the lockfile; a first diff runs before one exists.
  migrations.lockfile.content ??= LOCKFILE_CONTENT;
  return diff(
    serverUrl,
    { tag: 'migrations', ...migrations },
    { tag: 'schemaDatamodel', files: [readSchema(schemaPath)] },
    true,
  );
}

/**
 * The SQL that creates the schema (a file path, or its content) in an empty database.
 * The engine wants a live connection even for this (it asks the server its version).
 */
export async function diffFromEmpty(schema: SchemaContainer | string, serverUrl: string): Promise<string> {
  const file = typeof schema === 'string' ? readSchema(schema) : schema;
  return (await diff(serverUrl, { tag: 'empty' }, { tag: 'schemaDatamodel', files: [file] }, false)) ?? '';
}
