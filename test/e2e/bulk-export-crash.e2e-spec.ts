/**
 * A Bulk Data export survives kill -9 of the worker mid-download: the built api, worker and
 * sandbox as real processes; an Epic-like export of many files is interrupted while the worker
 * is fetching them, a new worker takes the lease over, and the export ends with the same files,
 * counts and content as an uninterrupted export of the same group — no line twice, one vendor
 * kick-off each, one usage line per type and one export.completed event.
 */
import type { TestingModule } from '@nestjs/testing';
import { PrismaService } from '@sb/db';
import { createTestingApp, startBuiltApp, startE2eStack, type E2eStack, type E2eTenant, type RunningApp } from '@sb/testing';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';

let stack: E2eStack;
let worker: RunningApp;
let db: TestingModule;
let tenant: E2eTenant;
const ASYNC = { accept: 'application/fhir+json', prefer: 'respond-async' };

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

const sandbox = async (method: string, path: string, body?: unknown): Promise<any> => {
  const res = await fetch(`${stack.sandboxUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
  return res.json();
};

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls our status as a client until the manifest (honouring Retry-After loosely: the test wants speed, 1 s at most). */
const manifestOf = (statusUrl: string) =>
  waitFor('the manifest', async () => {
    const res = await stack.call('GET', new URL(statusUrl).pathname, tenant.key, undefined, { accept: 'application/json' });
    if (res.status === 200) return res.body as { output: { type: string; url: string; count: number }[] };
    expect(res.status).toBe(202);
    await new Promise((r) => setTimeout(r, 1000));
    return null;
  }, 240_000);

/** Per type: the number of lines and a hash of the sorted lines (file boundaries may differ; content must not). */
async function contentOf(manifest: { output: { type: string; url: string; count: number }[] }) {
  const lines = new Map<string, string[]>();
  for (const o of manifest.output) {
    const text = await (await fetch(o.url, { headers: { authorization: `Bearer ${tenant.key}` } })).text();
    const mine = text.split('\n').filter(Boolean);
    expect(mine).toHaveLength(o.count);
    lines.set(o.type, [...(lines.get(o.type) ?? []), ...mine]);
  }
  const result: Record<string, { lines: number; distinctIds: number; sha256: string }> = {};
  for (const [type, all] of lines) {
    const ids = new Set(all.map((l) => (JSON.parse(l) as { id: string }).id));
    result[type] = { lines: all.length, distinctIds: ids.size, sha256: createHash('sha256').update([...all].sort().join('\n')).digest('hex') };
  }
  return result;
}

beforeAll(async () => {
  stack = await startE2eStack('bulk-crash', ['api', 'sandbox'], { LOG_LEVEL: 'info' });
  worker = startBuiltApp('worker', stack.env);
  db = await createTestingApp([]);
  tenant = await stack.newTenant(`bulk-crash-${randomUUID().slice(0, 6)}`);
  // Many small files (a window to kill in), and a second export of the same group allowed for comparison.
  await sandbox('PUT', '/_sandbox/bulk/settings', { vendor: 'epic', patientMultiplier: 3, maxResourcesPerFile: 300, kickoffWindowSeconds: 0, jobDurationMs: 300 });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await stack?.close();
  await db?.close();
});

it('ends a worker-killed export with the same content as an uninterrupted one, exactly once', async () => {
  const created = await stack.call('POST', '/v1/connections', tenant.key, { name: 'epic crash', vendor: 'epic', environment: 'sandbox', bulkGroupWindowHours: 0 });
  expect(created.status).toBe(201);
  const cid = created.body.id;
  const groupId = (await stack.call('GET', `/fhir/r4/${cid}/Group`, tenant.key)).body.entry[0].resource.id;
  const exportPath = `/fhir/r4/${cid}/Group/${groupId}/$export?_type=Patient,Observation,Condition`;
  const prisma = db.get(PrismaService);

  const interrupted = await stack.call('GET', exportPath, tenant.key, undefined, ASYNC);
  expect(interrupted.status).toBe(202);
  const interruptedId = (interrupted.headers.get('content-location') ?? '').split('/').pop() as string;
  // Kill the worker once it has stored some files but not all.
  const stored = await waitFor('a partly downloaded export', async () => {
    const files = await prisma.bulkExportFile.findMany({ where: { exportId: interruptedId } });
    const done = files.filter((f) => f.done).length;
    return done >= 2 && done < files.length ? done : null;
  });
  await killed(worker.process);
  const filesAtKill = await prisma.bulkExportFile.count({ where: { exportId: interruptedId } });
  expect(stored).toBeLessThan(filesAtKill);
  worker = startBuiltApp('worker', stack.env);
  const first = await contentOf(await manifestOf(interrupted.headers.get('content-location') ?? ''));

  const uninterrupted = await stack.call('GET', exportPath, tenant.key, undefined, ASYNC);
  expect(uninterrupted.status).toBe(202);
  const second = await contentOf(await manifestOf(uninterrupted.headers.get('content-location') ?? ''));

  expect(first).toEqual(second);
  for (const [, c] of Object.entries(first)) expect(c.distinctIds).toBe(c.lines);
  expect(first.Observation?.lines).toBeGreaterThan(2_000);

  // One vendor kick-off per export, though the worker died mid-export.
  const ledger = await sandbox('GET', '/_sandbox/bulk/jobs?vendor=epic');
  expect(ledger.kickoffs.filter((k: { groupId: string; status: number }) => k.groupId === groupId && k.status === 202)).toHaveLength(2);

  // Metered and announced exactly once.
  const usage = await prisma.usageEvent.findMany({ where: { connectionId: cid, operation: 'bulk-export' } });
  expect(usage).toHaveLength(6); // three types, two exports
  const unitsByType: Record<string, number> = {};
  for (const u of usage) unitsByType[u.resourceType] = (unitsByType[u.resourceType] ?? 0) + u.units;
  for (const [type, c] of Object.entries(first)) expect(unitsByType[type]).toBe(c.lines * 2);
  const events = await prisma.event.findMany({ where: { connectionId: cid, type: 'export.completed' } });
  expect(events.map((e) => (e.data as { exportId: string }).exportId).sort()).toEqual([interruptedId, (uninterrupted.headers.get('content-location') ?? '').split('/').pop()].sort());
}, 400_000);

it('stops a cancelled export mid-download within 5 s: the vendor job is cancelled and every stored file is deleted', async () => {
  const created = await stack.call('POST', '/v1/connections', tenant.key, { name: 'epic cancel', vendor: 'epic', environment: 'sandbox', bulkGroupWindowHours: 0 });
  const cid = created.body.id;
  const groupId = (await stack.call('GET', `/fhir/r4/${cid}/Group`, tenant.key)).body.entry[0].resource.id;
  const prisma = db.get(PrismaService);
  const kick = await stack.call('GET', `/fhir/r4/${cid}/Group/${groupId}/$export?_type=Observation`, tenant.key, undefined, ASYNC);
  const statusUrl = kick.headers.get('content-location') ?? '';
  const exportId = statusUrl.split('/').pop() as string;
  await waitFor('a partly downloaded export', async () => {
    const files = await prisma.bulkExportFile.findMany({ where: { exportId } });
    const done = files.filter((f) => f.done).length;
    return done >= 1 && done < files.length ? done : null;
  });
  const root = stack.env.SB_EXPORT_DIR ?? `${stack.env.SB_STATE_DIR}/exports`;
  const { existsSync } = await import('node:fs');
  const storedBefore = (await prisma.bulkExportFile.findMany({ where: { exportId, done: true } })).map((f) => `${root}/${f.objectKey}`);
  expect(storedBefore.length).toBeGreaterThan(0);
  for (const path of storedBefore) expect(existsSync(path)).toBe(true);
  const cancelledAt = Date.now();
  expect((await stack.call('DELETE', new URL(statusUrl).pathname, tenant.key)).status).toBe(202);
  expect((await stack.call('GET', new URL(statusUrl).pathname, tenant.key)).status).toBe(404);
  const purged = await waitFor('the purge', async () => (await prisma.bulkExport.findUniqueOrThrow({ where: { id: exportId } })).purgedAt, 30_000);
  expect(purged.getTime() - cancelledAt).toBeLessThan(5_000);
  const files = await prisma.bulkExportFile.findMany({ where: { exportId } });
  for (const f of files) expect(existsSync(`${root}/${f.objectKey}`)).toBe(false);
  const ledger = await sandbox('GET', '/_sandbox/bulk/jobs?vendor=epic');
  expect(ledger.jobs.find((j: { groupId: string; clientId: string; state: string }) => j.state === 'cancelled')).toBeDefined();
}, 120_000);
