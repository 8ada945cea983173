import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { DocumentReference, ServiceRequest } from '@medplum/fhirtypes';
import {
  buildAck,
  buildNoteMessage,
  buildOrderMessage,
  frame,
  Hl7AckTimeoutError,
  Hl7NegativeAckError,
  MllpClient,
  MllpDecoder,
  parseHeader,
  readField,
  segments,
  sendWithRetry,
  type AckCode,
  type ParsedHeader,
} from '@sb/hl7';
import { postJson, startTestSandbox, type TestSandbox } from '../testing/sandbox-harness';
import type { StreamProgress } from './hl7-stream-runs';

const LOOPBACK = { allowPrivate: false, allowLoopback: true };
const NOW = new Date('2026-11-20T10:00:00Z');

const order = (controlId: string): string =>
  buildOrderMessage(
    {
      resourceType: 'ServiceRequest',
      id: `sr-${controlId}`,
      status: 'active',
      intent: 'order',
      code: { coding: [{ system: 'http://loinc.org', code: '24323-8', display: 'Comprehensive metabolic panel' }] },
      subject: { reference: 'Patient/p1', identifier: { value: '200123', type: { coding: [{ code: 'MR' }] } } },
    } satisfies ServiceRequest,
    undefined,
    { messageType: 'ORM^O01', controlId, sendingApplication: 'SWITCHBOARD', sendingFacility: 'GW', now: NOW },
  );
const note = (controlId: string): string =>
  buildNoteMessage(
    {
      resourceType: 'DocumentReference',
      id: `doc-${controlId}`,
      status: 'current',
      type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] },
      subject: { identifier: { value: '200123' } },
      content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('Synthetic note.').toString('base64') } }],
    } satisfies DocumentReference,
    undefined,
    { controlId, sendingApplication: 'SWITCHBOARD', sendingFacility: 'GW', now: NOW },
  );

type EchoAnswer = AckCode | 'none';
interface EchoFrame {
  controlId: string;
  type: string;
  raw: string;
  header: ParsedHeader;
}

/** A gateway stand-in: MLLP over real sockets, framing by MllpDecoder, scripted ACKs. */
class EchoServer {
  readonly frames: EchoFrame[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly answer: (f: EchoFrame, index: number, copies: number) => EchoAnswer) {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      const decoder = new MllpDecoder();
      socket.on('data', (chunk: Buffer) => {
        for (const event of decoder.feed(chunk)) {
          if (event.kind !== 'frame') continue;
          const raw = event.payload.toString('utf8');
          const parsed = parseHeader(raw);
          if (!parsed.ok) continue;
          const f = { controlId: parsed.header.controlId, type: `${parsed.header.messageType.code}^${parsed.header.messageType.trigger}`, raw, header: parsed.header };
          this.frames.push(f);
          const distinct = [...new Set(this.frames.map((x) => x.controlId))];
          const code = this.answer(f, distinct.indexOf(f.controlId), this.copiesOf(f.controlId));
          if (code !== 'none') socket.write(frame(buildAck(parsed.header, { code, controlId: `E${this.frames.length}`, error: code === 'AA' ? undefined : { text: `Echo says ${code}` } })));
        }
      });
    });
  }

  static async start(answer: (f: EchoFrame, index: number, copies: number) => EchoAnswer = () => 'AA'): Promise<EchoServer> {
    const echo = new EchoServer(answer);
    await new Promise<void>((resolve) => echo.server.listen(0, '127.0.0.1', resolve));
    return echo;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  copiesOf(controlId: string): number {
    return this.frames.filter((f) => f.controlId === controlId).length;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('sandbox HL7 v2 site', () => {
  let sandbox: TestSandbox;
  const clients: MllpClient[] = [];
  const echoes: EchoServer[] = [];
  const client = () => {
    const c = new MllpClient({ host: '127.0.0.1', port: sandbox.mllpPort, policy: LOOPBACK });
    clients.push(c);
    return c;
  };
  const echo = async (answer?: Parameters<typeof EchoServer.start>[0]) => {
    const e = await EchoServer.start(answer);
    echoes.push(e);
    return e;
  };
  const put = (body: unknown) => fetch(`${sandbox.url}/_sandbox/hl7/receiver/behaviour`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const received = async () => ((await (await fetch(`${sandbox.url}/_sandbox/hl7/received`)).json()) as { messages: { controlId: string; type: string; ack: string; raw: string }[] }).messages;
  const stream = async (body: Record<string, unknown>): Promise<StreamProgress> => {
    const res = await postJson(`${sandbox.url}/_sandbox/hl7/stream`, body);
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    expect(res.headers.get('location')).toBe(`/_sandbox/hl7/stream/${runId}`);
    for (;;) {
      const progress = (await (await fetch(`${sandbox.url}/_sandbox/hl7/stream/${runId}`)).json()) as StreamProgress;
      if (progress.done) return progress;
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.dispose());
  beforeEach(async () => {
    expect((await fetch(`${sandbox.url}/_sandbox/hl7/receiver/behaviour`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${sandbox.url}/_sandbox/hl7/received`, { method: 'DELETE' })).status).toBe(204);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(echoes.splice(0).map((e) => e.close()));
  });

  describe('receiver', () => {
    it('listens on its own MLLP port, answers AA by default and lists what it received', async () => {
      expect(await (await fetch(`${sandbox.url}/_sandbox/hl7/receiver`)).json()).toEqual({ port: sandbox.mllpPort, behaviours: { standing: [], next: [] } });
      const ack = await client().send(order('ORD-1'), { timeoutMs: 5_000 });
      expect(ack).toMatchObject({ code: 'AA', controlId: 'ORD-1' });
      expect(await received()).toEqual([{ controlId: 'ORD-1', type: 'ORM^O01', ack: 'AA', receivedAt: expect.any(String), raw: order('ORD-1') }]);
    });

    it('answers AE with the ERR text for the next N messages, then AA again', async () => {
      expect((await put({ ack: 'AE', text: 'Unknown test code', count: 2 })).status).toBe(200);
      const c = client();
      const acks = [];
      for (const id of ['AE-1', 'AE-2', 'AE-3']) acks.push(await c.send(order(id), { timeoutMs: 5_000 }));
      expect(acks.map((a) => a.code)).toEqual(['AE', 'AE', 'AA']);
      expect(acks[0]!.errors).toEqual([{ code: '207', text: 'Unknown test code' }]);
      expect((await received()).map((m) => m.ack)).toEqual(['AE', 'AE', 'AA']);
    });

    it('answers per message type: AR for notes while orders are accepted', async () => {
      await put({ ack: 'AR', messageType: 'MDM', text: 'Notes are not accepted here', errorCode: '200' });
      const c = client();
      const error = await sendWithRetry(c, note('MDM-1'), { initialDelayMs: 5 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Hl7NegativeAckError);
      expect(error).toMatchObject({ ackCode: 'AR', errorCode: '200', text: 'Notes are not accepted here' });
      expect(await c.send(order('ORD-2'), { timeoutMs: 5_000 })).toMatchObject({ code: 'AA' });
      expect(((await (await fetch(`${sandbox.url}/_sandbox/hl7/receiver`)).json()) as { behaviours: unknown }).behaviours).toEqual({
        standing: [{ ack: 'AR', messageType: 'MDM', text: 'Notes are not accepted here', errorCode: '200' }],
        next: [],
      });
    });

    it('delays its answer: a client that gives up skips the late ACK and gets the next one right', async () => {
      await put({ ack: 'AA', delayMs: 400, count: 1 });
      const c = client();
      await expect(c.send(order('SLOW-1'), { timeoutMs: 100 })).rejects.toBeInstanceOf(Hl7AckTimeoutError);
      expect(await c.send(order('FAST-1'), { timeoutMs: 5_000 })).toMatchObject({ code: 'AA', controlId: 'FAST-1' });
      expect(c.stats.staleAcks).toBe(1);
    });

    it('stays silent when told to, and the resend with the same control id is accepted', async () => {
      await put({ ack: 'none', count: 1 });
      expect(await sendWithRetry(client(), order('QUIET-1'), { timeoutMs: 150, maxAttempts: 3, initialDelayMs: 5 })).toMatchObject({ code: 'AA', controlId: 'QUIET-1' });
      expect((await received()).map((m) => [m.controlId, m.ack])).toEqual([
        ['QUIET-1', 'none'],
        ['QUIET-1', 'AA'],
      ]);
    });

    it('lets a one-off rule win over a standing one, and resets to AA', async () => {
      await put({ ack: 'AE', text: 'Down for maintenance' });
      await put({ ack: 'AA', count: 1 });
      const c = client();
      expect((await c.send(order('R-1'), { timeoutMs: 5_000 })).code).toBe('AA');
      expect((await c.send(order('R-2'), { timeoutMs: 5_000 })).code).toBe('AE');
      await fetch(`${sandbox.url}/_sandbox/hl7/receiver/behaviour`, { method: 'DELETE' });
      expect((await c.send(order('R-3'), { timeoutMs: 5_000 })).code).toBe('AA');
    });

    it.each([
      [{ ack: 'XX' }, 'ack'],
      [{ ack: 'AA', text: 'only for errors' }, 'text'],
      [{ ack: 'AE', delayMs: -1 }, 'delayMs'],
      [{ ack: 'AE', count: 0 }, 'count'],
      [{ ack: 'AE', messageType: 'orm' }, 'messageType'],
      [{ ack: 'AE', text: 'two\nlines' }, 'text'],
      [{ ack: 'AE', errorCode: '999' }, 'errorCode'],
      [{ ack: 'AA', colour: 'blue' }, ''],
    ])('refuses the behaviour %o with a 400 naming %s', async (body, path) => {
      const res = await put(body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { code: string; issues: { path: string }[] };
      expect(problem.code).toBe('validation_failed');
      expect(problem.issues.map((i) => i.path)).toContain(path);
    });

    it('refuses malformed JSON', async () => {
      const res = await fetch(`${sandbox.url}/_sandbox/hl7/receiver/behaviour`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{' });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('malformed_json');
    });
  });

  describe('stream sender', () => {
    it('sends a deterministic synthetic stream, one message at a time, and reports progress', async () => {
      const gateway = await echo();
      const progress = await stream({ host: '127.0.0.1', port: gateway.port, sendingFacility: 'SB_TEST', count: 12, seed: 99 });
      expect(progress).toMatchObject({ seed: 99, total: 12, sent: 12, acked: 12, nacked: 0, failed: 0, pending: 0, retries: 0, done: true, target: { host: '127.0.0.1', port: gateway.port } });
      expect(progress.error).toBeUndefined();
      expect(gateway.frames).toHaveLength(12);
      expect(new Set(gateway.frames.map((f) => f.controlId)).size).toBe(12);
      for (const f of gateway.frames) expect(f.header).toMatchObject({ sendingFacility: 'SB_TEST', sendingApplication: 'SB_HIS', version: '2.5.1' });
      expect(new Set(gateway.frames.map((f) => f.type.slice(0, 3))).size).toBeGreaterThan(1);

      const again = await echo();
      await stream({ host: '127.0.0.1', port: again.port, sendingFacility: 'SB_TEST', count: 12, seed: 99 });
      expect(again.frames.map((f) => f.raw)).toEqual(gateway.frames.map((f) => f.raw));
    });

    it('resends after AE and after a missing ACK, with the same control id', async () => {
      const gateway = await echo((_f, index, copies) => (copies > 1 ? 'AA' : index === 1 ? 'AE' : index === 3 ? 'none' : 'AA'));
      const progress = await stream({ host: '127.0.0.1', port: gateway.port, sendingFacility: 'SB_TEST', count: 5, seed: 7, ackTimeoutMs: 200 });
      expect(progress).toMatchObject({ sent: 5, acked: 5, nacked: 0, failed: 0, pending: 0, retries: 2, done: true });
      const ids = [...new Set(gateway.frames.map((f) => f.controlId))];
      expect(ids.map((id) => gateway.copiesOf(id))).toEqual([1, 2, 1, 2, 1]);
    });

    it('counts an AR as nacked and goes on with the next message', async () => {
      const gateway = await echo((_f, index) => (index === 2 ? 'AR' : 'AA'));
      const progress = await stream({ host: '127.0.0.1', port: gateway.port, sendingFacility: 'SB_TEST', count: 4, seed: 3 });
      const refused = [...new Set(gateway.frames.map((f) => f.controlId))][2];
      expect(progress).toMatchObject({ sent: 4, acked: 3, nacked: 1, pending: 0, done: true, retries: 0 });
      expect(progress.nacks).toEqual([{ controlId: refused, type: expect.any(String), ackCode: 'AR', errorCode: '207', text: 'Echo says AR' }]);
      expect(gateway.copiesOf(refused!)).toBe(1);
    });

    it('holds the queue when the gateway never answers, and says why it stopped', async () => {
      const gateway = await echo(() => 'none');
      const progress = await stream({ host: '127.0.0.1', port: gateway.port, sendingFacility: 'SB_TEST', count: 3, seed: 5, ackTimeoutMs: 100, maxAttempts: 2 });
      expect(progress).toMatchObject({ sent: 1, acked: 0, failed: 1, pending: 2, done: true, error: 'no_ack' });
      expect(gateway.frames.map((f) => f.controlId)).toEqual([gateway.frames[0]!.controlId, gateway.frames[0]!.controlId]);
    });

    it('sends only the requested types: lab results carry NM, CWE and ST observations', async () => {
      const gateway = await echo();
      await stream({ host: '127.0.0.1', port: gateway.port, sendingFacility: 'SB_TEST', count: 10, seed: 11, types: ['ORU', 'SIU'] });
      expect(gateway.frames.every((f) => f.type === 'ORU^R01' || f.type.startsWith('SIU^'))).toBe(true);
      const oru = gateway.frames.find((f) => f.type === 'ORU^R01');
      const obx = segments(oru!.raw).filter((s) => s[0] === 'OBX');
      expect(new Set(obx.map((s) => readField(s, { field: 2 })))).toEqual(new Set(['NM', 'CWE', 'ST']));
    });

    it('refuses a metadata address without connecting, and reports a closed port', async () => {
      expect(await stream({ host: '169.254.169.254', port: 2575, sendingFacility: 'SB_TEST', count: 1, seed: 1 })).toMatchObject({ done: true, sent: 0, acked: 0, pending: 1, error: 'target_not_allowed' });
      const closed = await echo();
      const port = closed.port;
      await closed.close();
      echoes.splice(echoes.indexOf(closed), 1);
      expect(await stream({ host: '127.0.0.1', port, sendingFacility: 'SB_TEST', count: 1, seed: 1, maxAttempts: 1, ackTimeoutMs: 100 })).toMatchObject({ done: true, sent: 0, acked: 0, failed: 1, error: 'connect_failed' });
    });

    it.each([
      [{ port: 2575, sendingFacility: 'X' }, 'host'],
      [{ host: '127.0.0.1', port: 0, sendingFacility: 'X' }, 'port'],
      [{ host: '127.0.0.1', port: 2575 }, 'sendingFacility'],
      [{ host: '127.0.0.1', port: 2575, sendingFacility: 'A^B' }, 'sendingFacility'],
      [{ host: '127.0.0.1', port: 2575, sendingFacility: 'X', types: ['XYZ'] }, 'types.0'],
      [{ host: '127.0.0.1', port: 2575, sendingFacility: 'X', types: [] }, 'types'],
      [{ host: '127.0.0.1', port: 2575, sendingFacility: 'X', count: 5000 }, 'count'],
      [{ host: 'http://x/', port: 2575, sendingFacility: 'X' }, 'host'],
      [{ host: '127.0.0.1', port: 2575, sendingFacility: 'X', extra: 1 }, ''],
    ])('refuses the stream request %o with a 400 naming %s', async (body, path) => {
      const res = await postJson(`${sandbox.url}/_sandbox/hl7/stream`, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(path);
    });

    it('answers 404 for an unknown run', async () => {
      expect((await fetch(`${sandbox.url}/_sandbox/hl7/stream/nope`)).status).toBe(404);
    });
  });
});
