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

/** A statement run before the explained one, in its transaction (rolled back with it). */
export interface PlanSetup {
  sql: string;
  values?: unknown[];
}

/**
 * Runs `sql` under `EXPLAIN ANALYZE` in a transaction that is rolled back, after `setup` in the same transaction
 * (nothing either writes is kept, so the rows a test builds to load the statement never reach other suites sharing
 * the database), and returns how many rows of `relation` its plan read: what a test asserts to show a statement's cost
 * does not grow with a table. Rows a join's filter dropped count too, whatever their table: it errs towards more.
 */
export async function planRowsRead(prisma: PrismaService, sql: string, values: unknown[], relation: string, setup: readonly PlanSetup[] = []): Promise<number> {
  const ROLLBACK = 'plan-rows-read: rollback';
  let read: number | undefined;
  await prisma
    .$transaction(
      async (tx) => {
        for (const step of setup) await tx.$executeRawUnsafe(step.sql, ...(step.values ?? []));
        const [row] = await tx.$queryRawUnsafe<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, ...values);
        const plan = row?.['QUERY PLAN'][0]?.Plan;
        if (!plan) throw new Error('EXPLAIN returned no plan');
        read = rowsRead(plan, relation);
        throw new Error(ROLLBACK);
      },
      { maxWait: 10_000, timeout: 60_000 },
    )
    .catch((e: unknown) => {
      if (!(e instanceof Error) || e.message !== ROLLBACK) throw e;
    });
  if (read === undefined) throw new Error('the plan was not read');
  return read;
}
