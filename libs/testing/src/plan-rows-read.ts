import type { PrismaService } from '@sb/db';

/** A plan node of `EXPLAIN (ANALYZE, FORMAT JSON)`, as much of it as is read here. */
interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Rows Removed by Join Filter'?: number;
  Plans?: PlanNode[];
}

/** Rows the plan's scans of `relation` read: what they returned and what they read and dropped (a join's filter counts too). */
function rowsRead(node: PlanNode, relation: string): number {
  const scanned = node['Relation Name'] === relation ? node['Actual Rows'] * node['Actual Loops'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0) : 0;
  const joined = node['Rows Removed by Join Filter'] ?? 0;
  return scanned + joined + (node.Plans ?? []).reduce((sum, child) => sum + rowsRead(child, relation), 0);
}

/**
 * Runs `sql` under `EXPLAIN ANALYZE` in a transaction that is rolled back (nothing it writes is kept) and returns how
 * many rows of `relation` its plan read: what a test asserts to show a statement's cost does not grow with a table.
 */
export async function planRowsRead(prisma: PrismaService, sql: string, values: unknown[], relation: string): Promise<number> {
  const ROLLBACK = 'plan-rows-read: rollback';
  let read: number | undefined;
  await prisma
    .$transaction(async (tx) => {
      const [row] = await tx.$queryRawUnsafe<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, ...values);
      const plan = row?.['QUERY PLAN'][0]?.Plan;
      if (!plan) throw new Error('EXPLAIN returned no plan');
      read = rowsRead(plan, relation);
      throw new Error(ROLLBACK);
    })
    .catch((e: unknown) => {
      if (!(e instanceof Error) || e.message !== ROLLBACK) throw e;
    });
  if (read === undefined) throw new Error('the plan was not read');
  return read;
}
