/**
 * `npm run bench -- metering`: what metering costs and how fast its derived figures are, each
 * against a baseline measured in the same run —
 * - request cost: the CPU metering adds to a call's write vs the api's CPU per call (`meteringCpuShare`, ≤ 0.02);
 * - rollup: events rolled up per second from a backlog (≥ 10,000) vs a set-based SQL fold, and the lag at 10,000 calls/s (p99 ≤ 5 s);
 * - a period of `METERING_BENCH_EVENTS` (default 10 M) billable calls over 1,000 connections: the invoice
 *   preview's p95 (≤ 200 ms) vs scanning the raw events, and the detail CSV export (10 M rows ≤ 120 s, ≤ 256 MB RSS) vs Postgres's COPY.
 * The api runs as a process on a fresh database; data is written with set-based SQL from here.
 */
import { processEnv } from '@sb/config';
import { PrismaService } from '@sb/db';
import { UsageRollupModule } from '@sb/metering';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, startE2eStack } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { createBenchDatabase } from './bench-database';
import { createConnections } from './metering-data';
import { measurePeriod } from './metering-period';
import { measureRequestCost } from './metering-request-cost';
import { measureRollupRate } from './metering-rollup-rate';

const DEFAULT_EVENTS = 10_000_000;

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
const progress = (line: string) => process.stderr.write(`metering bench: ${line}\n`);

export async function run(): Promise<Record<string, unknown>> {
  const events = Number(processEnv().METERING_BENCH_EVENTS ?? DEFAULT_EVENTS);
  if (!Number.isInteger(events) || events < 1) throw new Error('METERING_BENCH_EVENTS must be a positive integer');
  const database = createBenchDatabase('metering');
  try {
    return await measure(database.url, events);
  } finally {
    await database.drop();
  }
}

async function measure(databaseUrl: string, events: number): Promise<Record<string, unknown>> {
  const stack = await startE2eStack('bench-metering', ['api'], { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }, { exportSpans: false });
  const app = await createTestingApp([TenancyModule, UsageRollupModule], { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' });
  try {
    progress('request cost');
    const cost = await measureRequestCost(stack, app);
    progress('rollup rate and lag');
    const rollupTenant = await stack.newTenant(`bench-meter-rollup-${randomUUID().slice(0, 6)}`);
    const rollupConnections = await createConnections(app.get(PrismaService), rollupTenant.id, 100, 'Rollup');
    const rollup = await measureRollupRate(app, rollupTenant.id, rollupConnections);
    progress(`a period of ${events.toLocaleString('en-US')} events`);
    const period = await measurePeriod(stack, app, databaseUrl, events);
    const exportSecondsPer10M = (period.exportSeconds * 10_000_000) / period.exportRows;
    return {
      bench: 'metering',
      apiCpuMsPerCall: round(cost.apiCpuMsPerCall, 3),
      apiCallsPerSec: cost.apiCallsPerSec,
      writeCpuMsWithMetering: round(cost.writeCpuMsWithMetering, 4),
      writeCpuMsWithoutMetering: round(cost.writeCpuMsWithoutMetering, 4),
      meteringCpuMsPerCall: round(cost.meteringCpuMsPerCall, 4),
      meteringCpuShare: round(cost.meteringCpuShare, 4),
      rollupBacklog: rollup.backlog,
      rollupTxPerSec: rollup.rollupTxPerSec,
      rollupSetBasedTxPerSec: rollup.setBasedTxPerSec,
      rollupRatioVsSetBased: round(rollup.rollupTxPerSec / rollup.setBasedTxPerSec, 2),
      lagOfferedPerSec: rollup.offeredPerSec,
      lagP50Ms: rollup.lagP50Ms,
      lagP99Ms: rollup.lagP99Ms,
      lagMaxMs: rollup.lagMaxMs,
      periodEvents: period.events,
      periodConnections: period.connections,
      periodLoadSeconds: period.loadSeconds,
      previewP50Ms: round(period.previewP50Ms),
      previewP95Ms: round(period.previewP95Ms),
      rawScanMs: round(period.rawScanMs),
      previewSpeedupVsRawScan: round(period.rawScanMs / period.previewP95Ms),
      exportRows: period.exportRows,
      exportSeconds: round(period.exportSeconds),
      exportSecondsPer10M: round(exportSecondsPer10M),
      csvRowsPerSec: period.csvRowsPerSec,
      copyRowsPerSec: period.copyRowsPerSec,
      csvRatioVsCopy: round(period.csvRowsPerSec / period.copyRowsPerSec, 2),
      exportStartRssMb: round(period.exportStartRssMb),
      exportPeakRssMb: round(period.exportPeakRssMb),
      exportRssIncreaseMb: round(period.exportPeakRssMb - period.exportStartRssMb),
      targets: {
        rollupTxPerSec: rollup.rollupTxPerSec >= 10_000,
        lagP99Ms: rollup.lagP99Ms <= 5_000,
        previewP95Ms: period.previewP95Ms <= 200,
        exportSecondsPer10M: exportSecondsPer10M <= 120,
        exportPeakRssMb: period.exportPeakRssMb <= 256,
        meteringCpuShare: cost.meteringCpuShare <= 0.02,
      },
    };
  } finally {
    await app.close();
    await stack.close();
  }
}
