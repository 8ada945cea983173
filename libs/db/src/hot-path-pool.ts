import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { Pool } from 'pg';
import { PgTransaction, type SqlTransaction } from './sql-transaction';

const MAX_CONNECTIONS = 4;

/**
 * A small `pg` pool for the few statements every transaction runs (the call record) and for a
 * worker's batch transaction: named prepared statements, parsed once per connection, without
 * Prisma's per-query work. Prisma stays the way to everything else (schema, migrations, admin
 * CRUD, the work's own transactional writes).
 */
@Injectable()
export class HotPathPool implements OnModuleDestroy {
  private readonly pool: Pool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    // Nothing on this pool may wait forever (a lock held by a migration or a stuck session): Postgres ends a
    // statement after the timeout, or a connection whose transaction sits idle that long, and the caller gets an error.
    this.pool = new Pool({
      connectionString: config.databaseUrl,
      max: MAX_CONNECTIONS,
      statement_timeout: config.dbStatementTimeoutMs,
      idle_in_transaction_session_timeout: config.dbStatementTimeoutMs,
    });
    // An idle client's connection dropping (a Postgres restart) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /** Runs a prepared statement `name` (its text must never change under one name) and returns the rows it returned. */
  async query<Row>(name: string, text: string, values: unknown[]): Promise<Row[]> {
    return (await this.pool.query({ name, text, values })).rows as Row[];
  }

  /**
   * The same as a tagged template: `` pool.sql<Row>('sb_name_v1')`SELECT … ${value} …` `` sends the template's text with
   * `$1…$n` in place of the values, as prepared statement `name` (one name, one template).
   */
  sql<Row>(name: string): (strings: TemplateStringsArray, ...values: unknown[]) => Promise<Row[]> {
    return (strings, ...values) => this.query<Row>(name, strings.reduce((text, part, i) => `${text}$${i}${part}`), values);
  }

  /**
   * Runs `fn` in one transaction on a connection of this pool: everything written through `tx` commits or
   * none of it. For a worker's batch, whose statements are all raw SQL (see {@link SqlTransaction}).
   */
  async transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // The pool listens for a client's errors only while it is idle: a connection dropped mid-transaction
    // would otherwise be an unhandled 'error' event and end the process. The failed query rejects anyway.
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await fn(new PgTransaction(client) as unknown as SqlTransaction);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A connection that cannot even roll back is discarded, not handed to the next caller.
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }
}
