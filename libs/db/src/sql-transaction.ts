import type { PoolClient } from 'pg';
// Types only: database.ts imports the pool that imports this file.
import type { DbTransaction, PrismaTx } from './database';

declare const sqlTxBrand: unique symbol;
/**
 * An open transaction on the hot-path pool (`HotPathPool.transaction`): raw SQL only, sent by `pg`
 * as named prepared statements, without Prisma's per-query work (Prisma serializes every parameter
 * to JSON and parses it back, which for a batch's one JSON document is most of the cost).
 */
export type SqlTransaction = { readonly [sqlTxBrand]: true };

/** What a repository method that runs only raw SQL accepts: either kind of transaction. */
export type AnyTransaction = DbTransaction | SqlTransaction;

/** The `pg` client a {@link SqlTransaction} runs on. */
export class PgTransaction {
  constructor(readonly client: PoolClient) {}
}

/** Runs `text` (`$1…$n` for `values`) in `tx` and returns its rows; on `pg` as prepared statement `name` (one name, one text). */
export async function queryIn<Row>(tx: AnyTransaction, name: string, text: string, values: readonly unknown[]): Promise<Row[]> {
  if (tx instanceof PgTransaction) return (await tx.client.query({ name, text, values: [...values] })).rows as Row[];
  return (tx as DbTransaction as unknown as PrismaTx).$queryRawUnsafe<Row[]>(text, ...values);
}

/** As {@link queryIn}, returning how many rows the statement wrote. */
export async function executeIn(tx: AnyTransaction, name: string, text: string, values: readonly unknown[]): Promise<number> {
  if (tx instanceof PgTransaction) return (await tx.client.query({ name, text, values: [...values] })).rowCount ?? 0;
  return (tx as DbTransaction as unknown as PrismaTx).$executeRawUnsafe(text, ...values);
}
