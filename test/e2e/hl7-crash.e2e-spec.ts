/**
 * The durability promise of the HL7 v2 listener, on the built apps as processes:
 * 1,000 messages stream in over MLLP to a production connection; the mllp process is
 * killed with SIGKILL mid-stream and restarted, and the sender resends whatever it got no
 * ACK for; later the worker (processing and usage rollup) and Redis (a private instance,
 * keeping nothing on disk) are killed with SIGKILL and restarted. Every ACKed message must
 * be stored and processed exactly once, and its usage metered exactly once: one billable
 * hl7.in event per message, every resend of a stored message one non-billable duplicate,
 * and the rollups (15-minute buckets and period totals) equal to the raw events.
 */
import type { TestingModule } from '@nestjs/testing';
import { Database, unwrapTx } from '@sb/db';
import { createTestingApp, freePort, startBuiltApp, startE2eStack, waitForPort, type E2eStack, type RunningApp } from '@sb/testing';
import { frame, MllpDecoder, segments } from '@sb/hl7';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const TOTAL = 1_000;
const KILL_MLLP_AFTER_ACKS = 300;
const KILL_WORKER_AND_REDIS_AFTER_ACKS = 600;
const WINDOW = 20;

let stack: E2eStack;
let mllpPort: number;
let mllp: RunningApp;
let worker: RunningApp;
let redisPort: number;
let redis: ChildProcess;
let db: TestingModule;

const startRedis = async (): Promise<ChildProcess> => {
  const child = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitForPort(redisPort, 10_000);
  return child;
};
const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

const startMllp = async (): Promise<RunningApp> => {
  const app = startBuiltApp('mllp', stack.env);
  for (let i = 0; i < 150; i++) {
    if (app.process.exitCode !== null) throw new Error(`mllp exited early:\n${app.output()}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(mllpPort, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (up) return app;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`mllp did not listen:\n${app.output()}`);
};

const message = (facility: string, controlId: string, n: number) =>
  [
    `MSH|^~\\&|REG|${facility}|SWITCHBOARD|GW|20260301101500-0500||ADT^A04^ADT_A01|${controlId}|P|2.5.1`,
    'EVN|A04|20260301101500-0500',
    `PID|1||CRASH-${n % 200}^^^HOSP^MR||Synthetic${n}^Crash||19800101|U`,
    'PV1|1|O',
  ].join('\r');

/**
 * An at-least-once sender: keeps up to WINDOW messages in flight on one socket,
 * marks a message done only on its AA, and after a lost connection resends every
 * message without an ACK on a new one.
 */
async function sendAll(messages: Map<string, string>, onAck: (acked: number) => void): Promise<{ acked: Set<string>; framesSent: number }> {
  const acked = new Set<string>();
  let framesSent = 0;
  while (acked.size < messages.size) {
    const pending = [...messages.keys()].filter((id) => !acked.has(id));
    const socket = await new Promise<Socket | null>((resolve) => {
      const s = connect(mllpPort, '127.0.0.1', () => resolve(s)).on('error', () => resolve(null));
    });
    if (!socket) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    await new Promise<void>((resolve) => {
      const decoder = new MllpDecoder();
      let next = 0;
      let inFlight = 0;
      const pump = () => {
        while (inFlight < WINDOW && next < pending.length) {
          const id = pending[next++] as string;
          inFlight++;
          framesSent++;
          socket.write(frame(messages.get(id) as string));
        }
        if (inFlight === 0 && next >= pending.length) socket.end();
      };
      socket.on('data', (chunk: Buffer) => {
        for (const event of decoder.feed(chunk)) {
          if (event.kind !== 'frame') continue;
          const msa = segments(event.payload.toString('utf8')).find((s) => s[0] === 'MSA') ?? [];
          inFlight--;
          if (msa[1] === 'AA' && msa[2]) {
            acked.add(msa[2]);
            onAck(acked.size);
          }
        }
        pump();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
      pump();
    });
  }
  return { acked, framesSent };
}

interface UsageFigures {
  /** Raw usage events of the connection, and of them the billable ones and the duplicates. */
  raw: number;
  billable: number;
  duplicates: number;
  /** Processing attempts that failed (and were retried): counted as failed calls, not billed. */
  failed: number;
  /** Any other event (there should be none). */
  other: number;
  /** Claims of the connection's messages beyond the first of each (retries after a failure, a lost lease or a killed worker). */
  retries: number;
  /** Usage events of the connection still waiting for the rollup. */
  queued: number;
  /** Events with an audit record of their transaction. */
  audited: number;
  rollupCount: number;
  rollupBillable: number;
  periodCount: number;
  periodBillable: number;
}

/** What Postgres holds for the connection's usage, read straight from the tables. */
async function usageFigures(connectionId: string): Promise<UsageFigures> {
  const [row] = await db.get(Database).transaction((tx) =>
    unwrapTx(tx).$queryRaw<UsageFigures[]>`
      SELECT
        (SELECT count(*)::int FROM "UsageEvent" WHERE "connectionId" = ${connectionId}::uuid) AS "raw",
        (SELECT count(*)::int FROM "UsageEvent" WHERE "connectionId" = ${connectionId}::uuid AND "billable") AS "billable",
        (SELECT count(*)::int FROM "UsageEvent" WHERE "connectionId" = ${connectionId}::uuid AND "nonBillableReason" = 'duplicate') AS "duplicates",
        (SELECT count(*)::int FROM "UsageEvent" WHERE "connectionId" = ${connectionId}::uuid AND "outcome" = 'error' AND "nonBillableReason" = 'failed') AS "failed",
        (SELECT count(*)::int FROM "UsageEvent" WHERE "connectionId" = ${connectionId}::uuid AND NOT "billable"
           AND NOT ("outcome" = 'success' AND "nonBillableReason" = 'duplicate') AND NOT ("outcome" = 'error' AND "nonBillableReason" = 'failed')) AS "other",
        (SELECT COALESCE(sum("attempts" - 1), 0)::int FROM "Hl7InboundMessage" WHERE "connectionId" = ${connectionId}::uuid) AS "retries",
        (SELECT count(*)::int FROM "UsageRollupQueue" q JOIN "UsageEvent" e ON e."id" = q."usageId" WHERE e."connectionId" = ${connectionId}::uuid) AS "queued",
        (SELECT count(*)::int FROM "UsageEvent" e WHERE e."connectionId" = ${connectionId}::uuid
           AND EXISTS (SELECT 1 FROM "AuditRecord" a WHERE a."transactionId" = e."transactionId")) AS "audited",
        (SELECT COALESCE(sum("count"), 0)::int FROM "UsageRollup" WHERE "connectionId" = ${connectionId}::uuid) AS "rollupCount",
        (SELECT COALESCE(sum("count") FILTER (WHERE "billable"), 0)::int FROM "UsageRollup" WHERE "connectionId" = ${connectionId}::uuid) AS "rollupBillable",
        (SELECT COALESCE(sum("count"), 0)::int FROM "UsagePeriodTotal" WHERE "connectionId" = ${connectionId}::uuid) AS "periodCount",
        (SELECT COALESCE(sum("count") FILTER (WHERE "billable"), 0)::int FROM "UsagePeriodTotal" WHERE "connectionId" = ${connectionId}::uuid) AS "periodBillable"`,
  );
  if (!row) throw new Error('no usage figures');
  return row;
}

beforeAll(async () => {
  mllpPort = await freePort();
  redisPort = await freePort();
  redis = await startRedis();
  stack = await startE2eStack('hl7-crash', ['api'], { SB_MLLP_PORT: String(mllpPort), REDIS_URL: `redis://127.0.0.1:${redisPort}`, LOG_LEVEL: 'info' });
  worker = startBuiltApp('worker', stack.env);
  mllp = await startMllp();
  db = await createTestingApp([]);
}, 120_000);

afterAll(async () => {
  await mllp?.stop();
  await worker?.stop();
  await stack?.close();
  await db?.close();
  if (redis) await killed(redis);
});

it('loses no ACKed message, processes and meters each exactly once across kill -9 of the listener and the worker and a Redis restart', async () => {
  const { key } = await stack.newTenant(`crash-${randomUUID().slice(0, 6)}`);
  const facility = `CRASH-${randomUUID().slice(0, 8)}`;
  const created = await stack.call('POST', '/v1/connections', key, { name: 'Crash site', vendor: 'hl7v2', environment: 'production', hl7SendingFacility: facility });
  expect(created.status).toBe(201);
  const connectionId = created.body.id as string;

  const messages = new Map<string, string>();
  for (let n = 0; n < TOTAL; n++) {
    const controlId = `crash-${n}-${randomUUID().slice(0, 8)}`;
    messages.set(controlId, message(facility, controlId, n));
  }
  let mllpKilled = false;
  let restarted: Promise<RunningApp> | null = null;
  let workerKilled: Promise<void> | null = null;
  const { acked, framesSent } = await sendAll(messages, (count) => {
    if (!mllpKilled && count >= KILL_MLLP_AFTER_ACKS) {
      mllpKilled = true;
      mllp.process.kill('SIGKILL');
      restarted = new Promise((r) => setTimeout(r, 300)).then(startMllp);
    }
    if (!workerKilled && count >= KILL_WORKER_AND_REDIS_AFTER_ACKS) {
      // The worker dies mid-processing (and maybe mid-rollup batch), Redis with it; both come back empty-handed.
      workerKilled = (async () => {
        await Promise.all([killed(worker.process), killed(redis)]);
        await new Promise((r) => setTimeout(r, 500));
        redis = await startRedis();
        worker = startBuiltApp('worker', stack.env);
      })();
    }
  });
  expect(mllpKilled).toBe(true);
  mllp = await (restarted as unknown as Promise<RunningApp>);
  expect(workerKilled).not.toBeNull();
  await (workerKilled as unknown as Promise<void>);
  expect(acked.size).toBe(TOTAL);

  // Every ACKed message is stored once and processed once.
  const seen: { controlId: string; status: string }[] = [];
  const deadline = Date.now() + 120_000;
  for (;;) {
    seen.length = 0;
    let before: string | null = null;
    do {
      const page = await stack.call('GET', `/v1/connections/${connectionId}/hl7/messages?limit=200${before ? `&before=${before}` : ''}`, key);
      expect(page.status).toBe(200);
      seen.push(...page.body.items);
      before = page.body.next;
    } while (before);
    if (seen.every((m) => m.status !== 'received') || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const controlIds = seen.map((m) => m.controlId);
  expect(new Set(controlIds).size).toBe(controlIds.length);
  expect(new Set(controlIds)).toEqual(new Set(messages.keys()));
  expect(seen.filter((m) => m.status !== 'processed')).toEqual([]);

  // Usage, once the rollup has caught up: read from the tables, not through the code under test.
  let figures = await usageFigures(connectionId);
  for (const deadline = Date.now() + 60_000; figures.queued > 0 && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 500));
    figures = await usageFigures(connectionId);
  }
  expect(figures.queued).toBe(0);
  // One billable hl7.in event per message: none lost, none doubled.
  expect(figures.billable).toBe(TOTAL);
  // Every other event is counted, not billed: a resend of a message already stored (its ACK lost in the kill) —
  // no more of them than frames sent beyond the first of each message — or a processing attempt that failed
  // and was retried — no more of them than the messages' claims beyond the first.
  expect(figures.other).toBe(0);
  expect(figures.raw).toBe(TOTAL + figures.duplicates + figures.failed);
  expect(figures.duplicates).toBeLessThanOrEqual(framesSent - TOTAL);
  expect(figures.failed).toBeLessThanOrEqual(figures.retries);
  expect(figures.audited).toBe(figures.raw);
  // The rollups hold every raw event exactly once.
  expect({ rollup: figures.rollupCount, rollupBillable: figures.rollupBillable, period: figures.periodCount, periodBillable: figures.periodBillable }).toEqual({
    rollup: figures.raw,
    rollupBillable: TOTAL,
    period: figures.raw,
    periodBillable: TOTAL,
  });
}, 300_000);
