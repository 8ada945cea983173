import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { Pool } from 'pg';

const MAX_CONNECTIONS = 4;

/**
 * A small `pg` pool for the few statements every transaction runs (the call record): named prepared
 * statements, parsed once per connection, without Prisma's per-query work. Prisma stays the way to
 * everything else (schema, migrations, admin CRUD, the work's own transactional writes).
 */
@Injectable()
export class HotPathPool implements OnModuleDestroy {
  private readonly pool: Pool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = new Pool({ connectionString: config.databaseUrl, max: MAX_CONNECTIONS });
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

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }
}
