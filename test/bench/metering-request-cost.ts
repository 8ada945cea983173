/**
 * What metering costs a request: the api's CPU per call (echo calls through the running api,
 * read from /proc) against the CPU metering adds to the call's one write — the hot path's
 * statement (usage event + rollup queue entry + audit record) against the same write without
 * metering (the audit record alone, group-committed on the hot-path pool like the real one), timed in this
 * process, interleaved rounds, medians.
 */
import type { TestingModule } from '@nestjs/testing';
import { CallRecordRepository, PrismaService, type PendingCall } from '@sb/db';
import type { E2eStack } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { GroupCommit } from '../../libs/db/src/group-commit';
import { HotPathPool } from '../../libs/db/src/hot-path-pool';
import { runLoad } from './load';
import { createConnections } from './metering-data';
import { cpuMsOf } from './proc-stats';

const API_CALLS = 3_000;
const WRITES_PER_ROUND = 3_000;
const ROUNDS = 9;
const CONCURRENCY = 8;

/**
 * The hot path's statement without metering: the calls' audit records alone (no usage event, no rollup queue
 * entry, none of their parameters), group-committed on the hot-path pool as the real statement is.
 */
const AUDIT_ONLY_SQL = `
  WITH c AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::"TransactionOutcome"[], $7::timestamptz[], $8::text[], $9::text[], $10::text[])
      WITH ORDINALITY AS c("tenantId", "connectionId", "transactionId", "operation", "resourceType", "outcome", "occurredAt", "actorType", "actorId", "purpose", "i")
  )
  INSERT INTO "AuditRecord" ("id", "tenantId", "transactionId", "connectionId", "actorType", "actorId", "operation", "resourceType", "patientRef", "purpose", "outcome", "occurredAt")
  SELECT gen_random_uuid(), c."tenantId", c."transactionId", c."connectionId", c."actorType", c."actorId", c."operation", c."resourceType", patient.ref, c."purpose", c."outcome", c."occurredAt"
  FROM unnest($11::int[], $12::text[]) WITH ORDINALITY AS patient(call, ref, n)
  JOIN c ON c.i = patient.call
  ORDER BY patient.n`;

function auditOnlyParameters(calls: readonly PendingCall[]): unknown[] {
  const columns: unknown[][] = Array.from({ length: 10 }, () => []);
  const auditCall: number[] = [];
  const auditRef: (string | null)[] = [];
  calls.forEach(({ call, patientRefs }, index) => {
    [call.tenantId, call.connectionId, call.transactionId, call.operation, call.resourceType, call.outcome, call.occurredAt, call.actorType, call.actorId, call.purpose].forEach((v, column) =>
      columns[column]?.push(v),
    );
    for (const ref of patientRefs.length > 0 ? [...new Set(patientRefs)] : [null]) {
      auditCall.push(index + 1);
      auditRef.push(ref);
    }
  });
  return [...columns, auditCall, auditRef];
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export interface RequestCost {
  apiCpuMsPerCall: number;
  apiCallsPerSec: number;
  writeCpuMsWithMetering: number;
  writeCpuMsWithoutMetering: number;
  meteringCpuMsPerCall: number;
  meteringCpuShare: number;
}

async function apiCpuPerCall(stack: E2eStack): Promise<{ msPerCall: number; perSec: number }> {
  const tenant = await stack.newTenant(`bench-meter-cpu-${randomUUID().slice(0, 6)}`);
  const list = await stack.call('GET', '/v1/connections', tenant.key);
  const echo = (list.body.items as { id: string; vendor: string }[]).find((c) => c.vendor === 'echo');
  if (!echo) throw new Error('the tenant has no echo connection');
  const call = (i: number) => ({
    method: 'POST' as const,
    url: `${stack.base}/v1/connections/${echo.id}/echo`,
    headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ message: `bench ${i}` }),
  });
  await runLoad(call, 300, CONCURRENCY);
  const pid = stack.pidOf('api');
  const before = cpuMsOf(pid);
  const load = await runLoad(call, API_CALLS, CONCURRENCY);
  if (load.errors > 0) throw new Error(`${load.errors} echo calls failed`);
  return { msPerCall: (cpuMsOf(pid) - before) / API_CALLS, perSec: load.throughputPerSec };
}

/** This process's CPU milliseconds per write over `count` writes with `CONCURRENCY` in flight. */
async function cpuPerWrite(write: (i: number) => Promise<unknown>, count: number): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await write(next++);
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / count;
}

export async function measureRequestCost(stack: E2eStack, app: TestingModule): Promise<RequestCost> {
  const api = await apiCpuPerCall(stack);
  const prisma = app.get(PrismaService);
  const tenant = await stack.newTenant(`bench-meter-write-${randomUUID().slice(0, 6)}`);
  const [connectionId] = await createConnections(prisma, tenant.id, 1, 'Write cost');
  if (!connectionId) throw new Error('no connection created');
  const records = app.get(CallRecordRepository);
  const call = (i: number) => {
    const transactionId = randomUUID();
    const occurredAt = new Date();
    return {
      call: { tenantId: tenant.id, connectionId, transactionId, vendor: 'fhir' as const, operation: 'read', resourceType: 'Patient', outcome: 'success' as const, durationMs: 12, occurredAt, environment: 'production' as const, actorType: 'api-key', actorId: 'bench', purpose: null },
      patients: [`Patient/bench-${i % 5_000}`],
    };
  };
  const withMetering = (i: number) => {
    const c = call(i);
    return records.record(c.call, c.patients);
  };
  // The same call's write as it would be without metering, written the same way: its audit record alone.
  const pool = app.get(HotPathPool);
  const auditOnly = new GroupCommit<PendingCall>((calls) => pool.query('sb_bench_audit_only', AUDIT_ONLY_SQL, auditOnlyParameters(calls)).then(() => undefined));
  const withoutMetering = (i: number) => {
    const c = call(i);
    return auditOnly.submit({ call: c.call, patientRefs: c.patients });
  };
  await cpuPerWrite(withMetering, 500);
  await cpuPerWrite(withoutMetering, 500);
  const withCpu: number[] = [];
  const withoutCpu: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    withCpu.push(await cpuPerWrite(withMetering, WRITES_PER_ROUND));
    withoutCpu.push(await cpuPerWrite(withoutMetering, WRITES_PER_ROUND));
  }
  const meteringCpuMsPerCall = Math.max(0, median(withCpu) - median(withoutCpu));
  return {
    apiCpuMsPerCall: api.msPerCall,
    apiCallsPerSec: api.perSec,
    writeCpuMsWithMetering: median(withCpu),
    writeCpuMsWithoutMetering: median(withoutCpu),
    meteringCpuMsPerCall,
    meteringCpuShare: meteringCpuMsPerCall / api.msPerCall,
  };
}
