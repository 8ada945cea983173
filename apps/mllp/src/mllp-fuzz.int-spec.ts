import type { TestingModule } from '@nestjs/testing';
import { ConnectionService, ConnectionsModule } from '@sb/connections';
import { frame, MLLP_END_BLOCK, MLLP_START_BLOCK } from '@sb/hl7';
import { createTestingApp, Fixtures } from '@sb/testing';
import { TenancyModule } from '@sb/tenancy';
import { randomUUID } from 'node:crypto';
import { InboundHandler } from './inbound-handler';
import { MllpModule } from './mllp.module';
import { MllpServer } from './mllp-server';
import { msa, MllpTestClient as Client } from './testing/mllp-test-client';

/** mulberry32: a small seeded PRNG, so a failing run can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 20261120;
const SOCKETS = 4;
const ITERATIONS_PER_SOCKET = 75;

describe('MLLP framing fuzz over a real socket (seeded)', () => {
  let app: TestingModule;
  let server: MllpServer;
  let port: number;
  const facility = `FUZZ-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    app = await createTestingApp([MllpModule, TenancyModule, ConnectionsModule]);
    const { tenant } = await new Fixtures(app).newTenant();
    await app.get(ConnectionService).create(tenant.id, { name: 'Fuzz feed', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: facility, mllpTls: false, hl7AckMode: 'original' });
    server = new MllpServer(app.get(InboundHandler), { maxFrameBytes: 16 * 1024, idleTimeoutMs: 30_000, maxConnections: 50 });
    port = await server.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
    await app.close();
  });

  /**
   * One socket's stream: well-formed messages, frames of random bytes, frames cut off
   * before their trailer, oversize frames and junk outside frames, written in random
   * splits. Junk never holds a start or end block byte (it would make a frame of its own),
   * so the frames that get an ACK are exactly the complete ones, in order.
   */
  async function run(socketNo: number): Promise<void> {
    const random = prng(SEED + socketNo);
    const int = (n: number): number => Math.floor(random() * n);
    const bytes = (n: number, allowBlocks: boolean): Buffer => {
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) {
        let b = int(256);
        while (!allowBlocks && (b === MLLP_START_BLOCK || b === MLLP_END_BLOCK)) b = int(256);
        out[i] = b;
      }
      return out;
    };

    const client = await Client.open(port);
    /** What each answered frame must get: MSA-1 and MSA-2 ('' when the frame had no readable header). */
    const expected: [string, string][] = [];
    for (let iteration = 0; iteration < ITERATIONS_PER_SOCKET; iteration++) {
      const parts: Buffer[] = [];
      const items = 1 + int(4);
      for (let k = 0; k < items; k++) {
        const roll = random();
        if (roll < 0.6 || k === items - 1) {
          const id = `F${socketNo}-${iteration}-${k}-${randomUUID().slice(0, 4)}`;
          parts.push(frame(`MSH|^~\\&|APP|${facility}|SB|GW|20261120101500||ADT^A08^ADT_A01|${id}|P|2.5.1\rEVN|A08\rPID|1||M${int(1000)}^^^H^MR||Synthetic^Person`));
          expected.push(['AA', id]);
        } else if (roll < 0.7) {
          parts.push(frame(bytes(1 + int(300), false)));
          expected.push(['AR', '']);
        } else if (roll < 0.8) {
          // A frame abandoned mid-way: the next start block drops it, and it gets no ACK.
          parts.push(Buffer.concat([Buffer.from([MLLP_START_BLOCK]), bytes(int(200), false)]));
        } else if (roll < 0.85) {
          parts.push(frame(Buffer.alloc(17 * 1024, 'z')));
          expected.push(['AR', '']);
        }
        // Junk between frames (a third of the time).
        if (random() < 0.33) parts.push(bytes(int(64), false));
      }
      const stream = Buffer.concat(parts);
      let at = 0;
      while (at < stream.length) {
        const size = 1 + int(random() < 0.2 ? 4 : 512);
        client.write(stream.subarray(at, at + size));
        at += size;
      }
    }
    const acks = await client.waitFor(expected.length);
    // Wait for a last sentinel so an extra ACK would have arrived before counting.
    const sentinel = `END-${socketNo}-${randomUUID().slice(0, 6)}`;
    client.write(frame(`MSH|^~\\&|APP|${facility}|SB|GW|20261120101500||ADT^A08|${sentinel}|P|2.5.1\rPID|1||M1`));
    await client.waitFor(expected.length + 1);
    expect(acks.slice(0, expected.length).map((a) => msa(a).slice(1, 3))).toEqual(expected);
    expect(msa(acks[expected.length]!).slice(1, 3)).toEqual(['AA', sentinel]);
    expect(acks).toHaveLength(expected.length + 1);
    client.close();
  }

  it(`answers every complete frame exactly once, in order, on ${SOCKETS} sockets × ${ITERATIONS_PER_SOCKET} iterations`, async () => {
    await Promise.all(Array.from({ length: SOCKETS }, (_, n) => run(n)));
    // The listener still takes new connections.
    const client = await Client.open(port);
    client.write(frame(`MSH|^~\\&|APP|${facility}|SB|GW|20261120101500||ADT^A08|AFTER-${randomUUID().slice(0, 6)}|P|2.5.1\rPID|1||M1`));
    const [ack] = await client.waitFor(1);
    expect(msa(ack!)[1]).toBe('AA');
    client.close();
  });
});
