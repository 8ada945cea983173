/**
 * The durability promise of the HL7 v2 listener, on the built apps as processes:
 * 1,000 messages stream in over MLLP, the mllp process is killed with SIGKILL
 * mid-stream and restarted, and the sender resends whatever it got no ACK for.
 * Every ACKed message must be stored, and every message processed exactly once.
 */
import { freePort, startBuiltApp, startE2eStack, type E2eStack, type RunningApp } from '@sb/testing';
import { frame, MllpDecoder, segments } from '@sb/hl7';
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const TOTAL = 1_000;
const KILL_AFTER_ACKS = 300;
const WINDOW = 20;

let stack: E2eStack;
let mllpPort: number;
let mllp: RunningApp;

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
async function sendAll(messages: Map<string, string>, onAck: (acked: number) => void): Promise<Set<string>> {
  const acked = new Set<string>();
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
  return acked;
}

beforeAll(async () => {
  mllpPort = await freePort();
  stack = await startE2eStack('hl7-crash', ['api', 'worker'], { SB_MLLP_PORT: String(mllpPort), LOG_LEVEL: 'info' });
  mllp = await startMllp();
}, 120_000);

afterAll(async () => {
  await mllp?.stop();
  await stack?.close();
});

it('loses no ACKed message and processes each exactly once across a kill -9 of the listener', async () => {
  const { key } = await stack.newTenant(`crash-${randomUUID().slice(0, 6)}`);
  const facility = `CRASH-${randomUUID().slice(0, 8)}`;
  const created = await stack.call('POST', '/v1/connections', key, { name: 'Crash site', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: facility });
  expect(created.status).toBe(201);
  const connectionId = created.body.id as string;

  const messages = new Map<string, string>();
  for (let n = 0; n < TOTAL; n++) {
    const controlId = `crash-${n}-${randomUUID().slice(0, 8)}`;
    messages.set(controlId, message(facility, controlId, n));
  }
  let killed = false;
  let restarted: Promise<RunningApp> | null = null;
  const acked = await sendAll(messages, (count) => {
    if (!killed && count >= KILL_AFTER_ACKS) {
      killed = true;
      mllp.process.kill('SIGKILL');
      restarted = new Promise((r) => setTimeout(r, 300)).then(startMllp);
    }
  });
  expect(killed).toBe(true);
  mllp = await (restarted as unknown as Promise<RunningApp>);
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

  let processedEvents = 0;
  let cursor: string | null = null;
  do {
    const page = await stack.call('GET', `/v1/usage/events?limit=500${cursor ? `&cursor=${cursor}` : ''}`, key);
    processedEvents += page.body.items.filter((e: { operation: string; connectionId: string; outcome: string }) => e.operation === 'message.in' && e.connectionId === connectionId && e.outcome === 'success').length;
    cursor = page.body.next ?? null;
  } while (cursor);
  expect(processedEvents).toBe(TOTAL);
}, 300_000);
