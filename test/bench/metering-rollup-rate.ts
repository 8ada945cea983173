/**
 * The usage rollup's rate and lag. Drain: a backlog of committed calls rolled up by one
 * drainer (the worker's loop runs one), against the same events folded by one set-based SQL
 * aggregate (no claim, no upserts: the ceiling). Lag: calls committed at a steady rate while
 * the worker's rollup loop runs; every 100 ms the age of the oldest queued event is sampled —
 * an upper bound of how long any committed call waited to be in the totals.
 */
import type { TestingModule } from '@nestjs/testing';
import { PrismaService } from '@sb/db';
import { UsageRollupLoop, UsageRollupService } from '@sb/metering';
import { commitCalls } from './metering-data';

const BACKLOG = 200_000;
const STEADY_PER_SEC = 10_000;
const STEADY_SECONDS = 20;
const TICK_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export interface RollupRate {
  backlog: number;
  rollupTxPerSec: number;
  setBasedTxPerSec: number;
  offeredPerSec: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
}

async function oldestQueuedAgeMs(prisma: PrismaService): Promise<number> {
  const [row] = await prisma.$queryRaw<{ ms: number }[]>`SELECT COALESCE(extract(epoch FROM clock_timestamp() - min("enqueuedAt")) * 1000, 0)::float8 AS "ms" FROM "UsageRollupQueue"`;
  return row?.ms ?? 0;
}

export async function measureRollupRate(app: TestingModule, tenantId: string, connectionIds: readonly string[]): Promise<RollupRate> {
  const prisma = app.get(PrismaService);
  const rollup = app.get(UsageRollupService);

  await rollup.drainAll(); // what earlier parts of the bench committed
  for (let offset = 0; offset < BACKLOG; offset += 20_000) await commitCalls(prisma, tenantId, connectionIds, 20_000, offset);
  const drainStarted = process.hrtime.bigint();
  const drained = await rollup.drainAll();
  const drainSec = Number(process.hrtime.bigint() - drainStarted) / 1e9;
  if (drained !== BACKLOG) throw new Error(`the rollup drained ${drained} of ${BACKLOG} events`);

  const setStarted = process.hrtime.bigint();
  await prisma.$executeRawUnsafe(
    `CREATE TEMP TABLE bench_fold AS
     SELECT "tenantId", to_timestamp(floor(extract(epoch FROM "occurredAt") / 900) * 900) AS "bucketStart", "connectionId", "operation", "resourceType",
            COALESCE("class", '') AS "class", "environment", "outcome", "billable", count(*)::int AS "count", sum("units")::int AS "units"
     FROM "UsageEvent" WHERE "tenantId" = $1::uuid GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9`,
    tenantId,
  );
  const setSec = Number(process.hrtime.bigint() - setStarted) / 1e9;
  await prisma.$executeRawUnsafe('DROP TABLE bench_fold');

  const loop = app.get(UsageRollupLoop);
  loop.start();
  const ages: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      ages.push(await oldestQueuedAgeMs(prisma));
      await sleep(TICK_MS);
    }
  })();
  const perTick = (STEADY_PER_SEC * TICK_MS) / 1000;
  const ticks = (STEADY_SECONDS * 1000) / TICK_MS;
  const steadyStarted = Date.now();
  for (let tick = 0; tick < ticks; tick++) {
    const due = steadyStarted + tick * TICK_MS;
    if (due > Date.now()) await sleep(due - Date.now());
    await commitCalls(prisma, tenantId, connectionIds, perTick, BACKLOG + tick * perTick);
  }
  const offeredPerSec = (perTick * ticks) / ((Date.now() - steadyStarted) / 1000);
  while ((await oldestQueuedAgeMs(prisma)) > 0) await sleep(TICK_MS);
  sampling = false;
  await sampler;
  await loop.stop();
  ages.sort((a, b) => a - b);
  return {
    backlog: BACKLOG,
    rollupTxPerSec: Math.round(BACKLOG / drainSec),
    setBasedTxPerSec: Math.round(BACKLOG / setSec),
    offeredPerSec: Math.round(offeredPerSec),
    lagP50Ms: Math.round(percentile(ages, 50)),
    lagP99Ms: Math.round(percentile(ages, 99)),
    lagMaxMs: Math.round(ages[ages.length - 1] ?? 0),
  };
}
