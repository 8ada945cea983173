/**
 * A tenant's big period: `events` billable calls over 1,000 connections in the current billing
 * period. The invoice preview through the api (p95 of sequential requests) against computing
 * the same quantities by scanning the raw usage events (what the rollups spare); the detail
 * CSV export through the api (rows/s, the api's peak RSS) against Postgres's own COPY of the
 * same rows to /dev/null.
 */
import type { TestingModule } from '@nestjs/testing';
import { PrismaService } from '@sb/db';
import { UsageRollupService } from '@sb/metering';
import type { E2eStack } from '@sb/testing';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { addPatientTokens, createConnections, loadPeriodCalls, rollUpLoaded } from './metering-data';
import { sampleRss } from './proc-stats';

const CONNECTIONS = 1_000;
const PATIENTS = 100_000;
const PREVIEWS = 40;

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const secondsSince = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;
const progress = (line: string) => process.stderr.write(`metering bench: ${line}\n`);

export interface PeriodFigures {
  events: number;
  connections: number;
  loadSeconds: number;
  previewP50Ms: number;
  previewP95Ms: number;
  rawScanMs: number;
  exportRows: number;
  exportSeconds: number;
  csvRowsPerSec: number;
  copyRowsPerSec: number;
  exportStartRssMb: number;
  exportPeakRssMb: number;
}

const PLAN = {
  name: 'Bench network',
  currency: 'USD',
  components: [
    { class: 'fhir.read', model: 'graduated', tiers: [{ upTo: 1000, unitPrice: '0.10' }, { upTo: 10000, unitPrice: '0.05' }, { upTo: null, unitPrice: '0.01' }] },
    { class: 'fhir.search', model: 'volume', tiers: [{ upTo: 100000, unitPrice: '0.02' }, { upTo: null, unitPrice: '0.005' }] },
    { class: 'fhir.write', model: 'package', packageSize: 1000, unitPrice: '3.00', includedUnits: 5000 },
    { class: 'activeConnection', model: 'unit', unitPrice: '25.00' },
    { class: 'distinctPatient', model: 'unit', unitPrice: '0.02' },
  ],
  minimumCommitment: '1000.00',
};

async function billedTenant(stack: E2eStack): Promise<{ id: string; key: string; period: { start: string; end: string } }> {
  const tenant = await stack.newTenant(`bench-meter-period-${randomUUID().slice(0, 6)}`);
  const plan = await stack.call('POST', '/v1/plans', stack.adminToken, PLAN);
  if (plan.status !== 201) throw new Error(`plan not created: ${plan.status} ${plan.text}`);
  const terms = await stack.call('PUT', `/v1/tenants/${tenant.id}/billing`, stack.adminToken, { planId: plan.body.id, timezone: 'UTC', anchorDay: 1, currency: 'USD' });
  if (terms.status !== 200) throw new Error(`terms not set: ${terms.status} ${terms.text}`);
  const billing = await stack.call('GET', `/v1/tenants/${tenant.id}/billing`, stack.adminToken);
  return { ...tenant, period: billing.body.currentPeriod };
}

/** Milliseconds of the raw-scan equivalent of the preview's quantities (median of three), and its billable total. */
async function rawScan(prisma: PrismaService, tenantId: string, from: Date, to: Date): Promise<{ ms: number; units: number }> {
  const runs: number[] = [];
  let units = 0;
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint();
    const rows = await prisma.$queryRawUnsafe<{ class: string; units: number }[]>(
      `SELECT "class", sum("units")::float8 AS "units", count(DISTINCT "connectionId")::int AS "connections"
       FROM "UsageEvent" WHERE "tenantId" = $1::uuid AND "billable" AND "occurredAt" >= $2 AND "occurredAt" < $3 GROUP BY "class"`,
      tenantId,
      from,
      to,
    );
    runs.push(secondsSince(started) * 1000);
    units = rows.reduce((sum, r) => sum + r.units, 0);
  }
  return { ms: runs.sort((a, b) => a - b)[1] ?? 0, units };
}

async function previews(stack: E2eStack, key: string): Promise<{ p50: number; p95: number; usageUnits: number }> {
  const times: number[] = [];
  let usageUnits = 0;
  for (let i = 0; i < PREVIEWS + 3; i++) {
    const started = process.hrtime.bigint();
    const res = await stack.call('GET', '/v1/billing/invoices/preview', key);
    if (res.status !== 200) throw new Error(`preview failed: ${res.status} ${res.text}`);
    if (i >= 3) times.push(secondsSince(started) * 1000);
    usageUnits = (res.body.lines as { class: string; quantity: number }[]).filter((l) => l.class.startsWith('fhir.')).reduce((sum, l) => sum + l.quantity, 0);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), usageUnits };
}

/** Streams the detail export through the api, counting its rows, while sampling the api's RSS. */
async function exportThroughApi(stack: E2eStack, key: string, from: string, to: string): Promise<{ rows: number; seconds: number; startMb: number; peakMb: number }> {
  const rss = sampleRss(stack.pidOf('api'));
  const started = process.hrtime.bigint();
  const res = await fetch(`${stack.base}/v1/usage/export.csv?kind=detail&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { headers: { authorization: `Bearer ${key}` } });
  if (res.status !== 200 || !res.body) throw new Error(`export failed: ${res.status}`);
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
  }
  const seconds = secondsSince(started);
  return { rows: lines - 1, seconds, ...rss.stop() };
}

/** Postgres's COPY of the export's rows (same filter and order) to /dev/null through psql. */
function copyBaseline(databaseUrl: string, tenantId: string, from: string, to: string): number {
  const sql = `COPY (SELECT "transactionId", "occurredAt", "connectionId", "class", "operation", "resourceType", "environment", "units" FROM "UsageEvent"
    WHERE "tenantId" = '${tenantId}' AND "billable" AND "occurredAt" >= '${from}' AND "occurredAt" < '${to}' ORDER BY "occurredAt", "id") TO STDOUT WITH CSV`;
  const started = process.hrtime.bigint();
  const run = spawnSync('sh', ['-c', `psql "$1" -Atq -c "$2" > /dev/null`, 'sh', databaseUrl, sql], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`COPY baseline failed: ${run.stderr}`);
  return secondsSince(started);
}

export async function measurePeriod(stack: E2eStack, app: TestingModule, databaseUrl: string, events: number): Promise<PeriodFigures> {
  const prisma = app.get(PrismaService);
  const tenant = await billedTenant(stack);
  const connectionIds = await createConnections(prisma, tenant.id, CONNECTIONS, 'Hospital');
  const from = new Date(tenant.period.start);
  const to = new Date(Date.now() - 1_000);

  const loadStarted = process.hrtime.bigint();
  await loadPeriodCalls(prisma, tenant.id, connectionIds, events, { from, to }, (n) => progress(`loaded ${n.toLocaleString('en-US')} of ${events.toLocaleString('en-US')} usage events`));
  await rollUpLoaded(prisma, tenant.id);
  await app.get(UsageRollupService).rebuildFrom(tenant.id, from);
  await addPatientTokens(prisma, tenant.id, from, PATIENTS);
  await prisma.$executeRawUnsafe('ANALYZE');
  const loadSeconds = secondsSince(loadStarted);
  progress(`loaded and rolled up in ${Math.round(loadSeconds)} s; previews`);

  const preview = await previews(stack, tenant.key);
  const scan = await rawScan(prisma, tenant.id, from, new Date(tenant.period.end));
  if (preview.usageUnits !== events || scan.units !== events) throw new Error(`preview counts ${preview.usageUnits} units, the raw events ${scan.units}, loaded ${events}`);
  progress('export through the api');

  const exportTo = new Date(to.getTime() + 1_000).toISOString();
  const exported = await exportThroughApi(stack, tenant.key, from.toISOString(), exportTo);
  if (exported.rows !== events) throw new Error(`the export has ${exported.rows} rows, ${events} expected`);
  progress('COPY baseline');
  const copySeconds = copyBaseline(databaseUrl, tenant.id, from.toISOString(), exportTo);
  return {
    events,
    connections: CONNECTIONS,
    loadSeconds: Math.round(loadSeconds),
    previewP50Ms: preview.p50,
    previewP95Ms: preview.p95,
    rawScanMs: scan.ms,
    exportRows: exported.rows,
    exportSeconds: exported.seconds,
    csvRowsPerSec: Math.round(exported.rows / exported.seconds),
    copyRowsPerSec: Math.round(events / copySeconds),
    exportStartRssMb: exported.startMb,
    exportPeakRssMb: exported.peakMb,
  };
}
