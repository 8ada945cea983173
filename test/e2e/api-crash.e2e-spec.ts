/**
 * Usage across a kill -9 of the api, on the built apps as processes: echo calls stream in
 * (up to 20 in flight) while the api is killed with SIGKILL and restarted. A call's usage
 * event is written in the same statement as its audit record, before the answer: every call
 * answered 200 is metered exactly once (its transaction id), a call the kill cut off at most
 * once, nothing else is metered, and the worker's rollups hold every usage event once.
 */
import type { TestingModule } from '@nestjs/testing';
import { Database, unwrapTx } from '@sb/db';
import { createTestingApp, startBuiltApp, startE2eStack, waitForOk, type E2eStack, type RunningApp } from '@sb/testing';
import { randomUUID } from 'node:crypto';

const ANSWERED = 600;
const KILL_AFTER = 200;
const IN_FLIGHT = 20;

let stack: E2eStack;
let restartedApi: RunningApp | null = null;
let db: TestingModule;

beforeAll(async () => {
  stack = await startE2eStack('api-crash', ['api', 'worker'], { LOG_LEVEL: 'info' });
  db = await createTestingApp([]);
}, 120_000);

afterAll(async () => {
  await restartedApi?.stop();
  await stack?.close();
  await db?.close();
});

interface Figures {
  raw: number;
  answeredMetered: number;
  answeredDistinct: number;
  audited: number;
  queued: number;
  rollupCount: number;
  periodCount: number;
}

async function figures(connectionId: string, answered: readonly string[]): Promise<Figures> {
  const [row] = await db.get(Database).transaction((tx) =>
    unwrapTx(tx).$queryRaw<Figures[]>`
      SELECT
        (SELECT count(*)::int FROM "UsageEvent" WHERE "connectionId" = ${connectionId}::uuid) AS "raw",
        (SELECT count(*)::int FROM "UsageEvent" WHERE "transactionId" = ANY(${answered}::uuid[])) AS "answeredMetered",
        (SELECT count(DISTINCT "transactionId")::int FROM "UsageEvent" WHERE "transactionId" = ANY(${answered}::uuid[])) AS "answeredDistinct",
        (SELECT count(*)::int FROM "UsageEvent" e WHERE e."connectionId" = ${connectionId}::uuid
           AND EXISTS (SELECT 1 FROM "AuditRecord" a WHERE a."transactionId" = e."transactionId")) AS "audited",
        (SELECT count(*)::int FROM "UsageRollupQueue" q JOIN "UsageEvent" e ON e."id" = q."usageId" WHERE e."connectionId" = ${connectionId}::uuid) AS "queued",
        (SELECT COALESCE(sum("count"), 0)::int FROM "UsageRollup" WHERE "connectionId" = ${connectionId}::uuid) AS "rollupCount",
        (SELECT COALESCE(sum("count"), 0)::int FROM "UsagePeriodTotal" WHERE "connectionId" = ${connectionId}::uuid) AS "periodCount"`,
  );
  if (!row) throw new Error('no usage figures');
  return row;
}

it('meters every answered call exactly once and a cut-off call at most once across a kill -9 of the api', async () => {
  const { key } = await stack.newTenant(`api-crash-${randomUUID().slice(0, 6)}`);
  const connections = await stack.call('GET', '/v1/connections', key);
  const echoId = (connections.body.items as { id: string; vendor: string }[]).find((c) => c.vendor === 'echo')?.id as string;

  const answered: string[] = [];
  let unanswered = 0;
  let restarting: Promise<void> | null = null;
  const one = async (n: number) => {
    try {
      const res = await stack.call('POST', `/v1/connections/${echoId}/echo`, key, { message: `load ${n}` });
      if (res.status === 200) answered.push(res.body.transactionId as string);
      else unanswered++;
    } catch {
      unanswered++; // cut off by the kill, or refused while the api was down
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!restarting && answered.length >= KILL_AFTER) {
      restarting = (async () => {
        process.kill(stack.pidOf('api'), 'SIGKILL');
        await new Promise((r) => setTimeout(r, 300));
        restartedApi = startBuiltApp('api', stack.env);
        await waitForOk(`${stack.base}/health`, restartedApi, 60_000);
      })();
    }
  };
  let n = 0;
  const lane = async () => {
    while (answered.length < ANSWERED) await one(n++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  expect(restarting).not.toBeNull();
  await (restarting as unknown as Promise<void>);
  expect(unanswered).toBeGreaterThan(0); // the kill did cut calls off

  let f = await figures(echoId, answered);
  for (const deadline = Date.now() + 60_000; f.queued > 0 && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 500));
    f = await figures(echoId, answered);
  }
  expect(f.queued).toBe(0);
  expect(f.answeredDistinct).toBe(answered.length);
  expect(f.answeredMetered).toBe(answered.length);
  expect(f.raw).toBeGreaterThanOrEqual(answered.length);
  expect(f.raw).toBeLessThanOrEqual(answered.length + unanswered);
  expect(f.audited).toBe(f.raw);
  expect({ rollup: f.rollupCount, period: f.periodCount }).toEqual({ rollup: f.raw, period: f.raw });
}, 300_000);
