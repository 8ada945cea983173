/**
 * Bulk Data $export through the gateway end to end: the built api, worker and sandbox EHRs
 * as real processes. One-click sandbox connections to the Epic-, Oracle- and athena-like
 * servers; a Group export kicked off at the gateway is run by the worker against the vendor's
 * own $export (kick-off, status polls on the vendor's Retry-After, files streamed — Oracle's
 * through a 307 to a pre-signed store that refuses credentials), materialized in our storage
 * and served from our manifest. Logs and spans are scanned for vendor tokens and URLs.
 */
import { findLeaks, pollExportStatus, startE2eStack, type CallResult, type E2eStack, type E2eTenant } from '@sb/testing';
import { randomUUID } from 'node:crypto';

let stack: E2eStack;
let a: E2eTenant;
let b: E2eTenant;
const ASYNC = { accept: 'application/fhir+json', prefer: 'respond-async' };

interface SandboxJob {
  vendor: string;
  groupId: string;
  clientId: string;
  state: string;
  statusCalls: { at: string; status: number }[];
  files: { type: string; count: number; downloads: number; redirects: number }[];
}
interface SandboxLedger {
  jobs: SandboxJob[];
  kickoffs: { vendor: string; groupId: string; status: number }[];
}

const sandbox = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${stack.sandboxUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as T;
};

/** The export's final status answer; every 202 before it reports progress. */
const pollUntilDone = (t: E2eTenant, statusUrl: string): Promise<CallResult> =>
  pollExportStatus(stack, new URL(statusUrl).pathname, t.key, { onPending: (res) => expect(res.headers.get('x-progress')).toMatch(/^\d{1,3}% /) });

async function download(t: E2eTenant, url: string): Promise<Record<string, any>[]> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${t.key}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/fhir+ndjson');
  return (await res.text()).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

beforeAll(async () => {
  stack = await startE2eStack('bulk-e2e', ['api', 'worker', 'sandbox']);
  a = await stack.newTenant(`bulk-a-${randomUUID().slice(0, 6)}`);
  b = await stack.newTenant(`bulk-b-${randomUUID().slice(0, 6)}`);
  // Every run asks athena for tokens; its preview quota is not this test's subject.
  await sandbox('PUT', '/_sandbox/athena/settings', { tokensPerMinute: 1000, subscriptionDelayMs: 60_000 });
}, 90_000);
afterAll(() => stack?.close());

describe.each(['epic', 'oracle', 'athena'] as const)('%s Group export through the gateway', (vendor) => {
  let cid: string;
  let groupId: string;
  let statusUrl: string;
  let manifest: { output: { type: string; url: string; count: number }[]; error: unknown[]; transactionTime: string; request: string };

  beforeAll(async () => {
    const created = await stack.call('POST', '/v1/connections', a.key, { name: `${vendor} bulk`, vendor, environment: 'sandbox' });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('live');
    cid = created.body.id;
    const groups = await stack.call('GET', `/fhir/r4/${cid}/Group`, a.key);
    expect(groups.status).toBe(200);
    expect(groups.body.entry).toHaveLength(1);
    groupId = groups.body.entry[0].resource.id;
  }, 60_000);

  it('refuses the levels the vendor does not offer, naming the one it does', async () => {
    const res = await stack.call('GET', `/fhir/r4/${cid}/Patient/$export`, a.key, undefined, ASYNC);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toBe('this connection supports: Group/[id]/$export');
  });

  it('kicks off, runs on the vendor’s schedule, and serves a manifest of our own URLs', async () => {
    const kick = await stack.call('GET', `/fhir/r4/${cid}/Group/${groupId}/$export?_type=Patient,Observation`, a.key, undefined, ASYNC);
    expect(kick.status).toBe(202);
    statusUrl = kick.headers.get('content-location') ?? '';
    expect(statusUrl.startsWith(`${stack.base}/fhir/r4/${cid}/$export-status/`)).toBe(true);
    const done = await pollUntilDone(a, statusUrl);
    expect(done.status).toBe(200);
    manifest = done.body;
    expect(manifest.request).toBe(`${stack.base}/fhir/r4/${cid}/Group/${groupId}/$export?_type=Patient,Observation`);
    expect(new Set(manifest.output.map((o) => o.type))).toEqual(new Set(['Patient', 'Observation']));
    for (const o of manifest.output) expect(o.url.startsWith(`${stack.base}/fhir/r4/${cid}/$export-file/`)).toBe(true);
    expect(done.text).not.toContain(stack.sandboxUrl);
  }, 90_000);

  it('holds exactly what the vendor exported: counts per type match its files, every line of its type with meta.source', async () => {
    const ledger = await sandbox<SandboxLedger>('GET', `/_sandbox/bulk/jobs?vendor=${vendor}`);
    const job = ledger.jobs.find((j) => j.groupId === groupId && j.state === 'complete');
    expect(job).toBeDefined();
    const vendorCounts: Record<string, number> = {};
    for (const f of job!.files) vendorCounts[f.type] = (vendorCounts[f.type] ?? 0) + f.count;
    const ourCounts: Record<string, number> = {};
    for (const o of manifest.output) {
      const lines = await download(a, o.url);
      expect(lines).toHaveLength(o.count);
      for (const line of lines) {
        expect(line.resourceType).toBe(o.type);
        expect(line.meta.source).toBe(`urn:switchboard:connection:${cid}`);
      }
      ourCounts[o.type] = (ourCounts[o.type] ?? 0) + lines.length;
    }
    expect(ourCounts).toEqual(vendorCounts);
    // Every vendor file fetched exactly once; Oracle's through its pre-signed store.
    for (const f of job!.files) {
      expect(f.downloads).toBe(1);
      if (vendor === 'oracle') expect(f.redirects).toBe(1);
    }
  });

  it('asked the vendor to kick off once and polled no faster than its Retry-After', async () => {
    const ledger = await sandbox<SandboxLedger>('GET', `/_sandbox/bulk/jobs?vendor=${vendor}`);
    expect(ledger.kickoffs.filter((k) => k.groupId === groupId && k.status === 202)).toHaveLength(1);
    const job = ledger.jobs.find((j) => j.groupId === groupId)!;
    const times = job.statusCalls.map((c) => Date.parse(c.at));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(900);
  });

  it('hides the export from another tenant', async () => {
    expect((await stack.call('GET', new URL(statusUrl).pathname, b.key)).status).toBe(404);
    const file = await fetch(manifest.output[0]!.url, { headers: { authorization: `Bearer ${b.key}` } });
    expect(file.status).toBe(404);
  });
});

describe('vendor rules the gateway enforces before asking the vendor', () => {
  it('Epic: the same group again inside its window is 429 with the seconds left, and Epic never sees the second kick-off', async () => {
    const created = await stack.call('POST', '/v1/connections', a.key, { name: 'epic window', vendor: 'epic', environment: 'sandbox' });
    const cid = created.body.id;
    const groupId = (await stack.call('GET', `/fhir/r4/${cid}/Group`, a.key)).body.entry[0].resource.id;
    const first = await stack.call('GET', `/fhir/r4/${cid}/Group/${groupId}/$export?_type=Patient`, a.key, undefined, ASYNC);
    expect(first.status).toBe(202);
    expect((await pollUntilDone(a, first.headers.get('content-location') ?? '')).status).toBe(200);
    const kickoffsBefore = (await sandbox<SandboxLedger>('GET', '/_sandbox/bulk/jobs?vendor=epic')).kickoffs.length;
    const second = await stack.call('GET', `/fhir/r4/${cid}/Group/${groupId}/$export?_type=Observation`, a.key, undefined, ASYNC);
    expect(second.status).toBe(429);
    const retryAfter = Number(second.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(86_000);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect((await sandbox<SandboxLedger>('GET', '/_sandbox/bulk/jobs?vendor=epic')).kickoffs.length).toBe(kickoffsBefore);
  }, 90_000);

  it('keeps polling through vendor 503s on the status endpoint, and reports a failed vendor job as failed', async () => {
    const created = await stack.call('POST', '/v1/connections', a.key, { name: 'oracle faults', vendor: 'oracle', environment: 'sandbox' });
    const cid = created.body.id;
    const groupId = (await stack.call('GET', `/fhir/r4/${cid}/Group`, a.key)).body.entry[0].resource.id;
    await sandbox('POST', '/_sandbox/faults', { vendor: 'oracle', kind: 'bulk-status-error', count: 2, status: 503, retryAfterSeconds: 1 });
    const ok = await stack.call('GET', `/fhir/r4/${cid}/Group/${groupId}/$export?_type=Patient`, a.key, undefined, ASYNC);
    expect((await pollUntilDone(a, ok.headers.get('content-location') ?? '')).status).toBe(200);
    await sandbox('POST', '/_sandbox/faults', { vendor: 'oracle', kind: 'bulk-job-failed' });
    const failing = await stack.call('GET', `/fhir/r4/${cid}/Group/${groupId}/$export?_type=Observation`, a.key, undefined, ASYNC);
    const failed = await pollUntilDone(a, failing.headers.get('content-location') ?? '');
    expect(failed.status).toBe(500);
    expect(failed.body.resourceType).toBe('OperationOutcome');
  }, 90_000);
});

describe('what the run emitted', () => {
  it('holds no vendor token and no API key in logs or spans', async () => {
    const emitted = await stack.stopAndCollect();
    expect(findLeaks(emitted, stack.secrets)).toEqual([]);
    expect(emitted.logs).not.toMatch(/X-Amz-Signature=[0-9a-f]{16}/);
  });
});
