import type { TestingModule } from '@nestjs/testing';
import { Hl7InboundRepository } from '@sb/db';
import { frame, MllpDecoder, parseHeader, segments } from '@sb/hl7';
import { ConnectionService } from '@sb/connections';
import { ConnectionsModule } from '@sb/connections';
import { createTestingApp, Fixtures, freePort } from '@sb/testing';
import { TenancyModule } from '@sb/tenancy';
import { connect, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { InboundHandler } from './inbound-handler';
import { MllpModule } from './mllp.module';
import { MllpServer } from './mllp-server';

const adt = (facility: string, controlId: string, extra = '') =>
  [`MSH|^~\\&|ADT1|${facility}|SWITCHBOARD|GW|20261120101500||ADT^A01^ADT_A01|${controlId}|P|2.5.1${extra}`, 'EVN|A01|20261120101500', 'PID|1||MRN123^^^HOSP^MR||Synthetic^Person||19700101|U'].join('\r');

/** A real MLLP client: sends bytes as given, collects ACK frames. */
class Client {
  private readonly decoder = new MllpDecoder();
  readonly acks: string[] = [];
  private waiters: (() => void)[] = [];
  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const e of this.decoder.feed(chunk)) if (e.kind === 'frame') this.acks.push(e.payload.toString('utf8'));
      this.waiters.forEach((w) => w());
    });
  }
  static open(port: number): Promise<Client> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new Client(socket)));
    });
  }
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }
  async waitFor(n: number): Promise<string[]> {
    while (this.acks.length < n) await new Promise<void>((r) => this.waiters.push(r));
    return this.acks;
  }
  close(): void {
    this.socket.destroy();
  }
}

const msa = (ack: string) => segments(ack).find((s) => s[0] === 'MSA') ?? [];

describe('MLLP listener on a real socket and Postgres', () => {
  let app: TestingModule;
  let server: MllpServer;
  let port: number;
  const facility = `LAB-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    app = await createTestingApp([MllpModule, TenancyModule, ConnectionsModule]);
    const { tenant } = await new Fixtures(app).newTenant();
    await app.get(ConnectionService).create(tenant.id, { name: 'Lab feed', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: facility, mllpTls: false, hl7AckMode: 'original' });
    const handler = app.get(InboundHandler);
    server = new MllpServer((f) => handler.handle(f), { maxFrameBytes: 64 * 1024, idleTimeoutMs: 5_000, maxConnections: 50 });
    port = await server.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
    await app.close();
  });

  it('commits the message, then answers AA naming its control id', async () => {
    const client = await Client.open(port);
    const id = `C${randomUUID().slice(0, 8)}`;
    client.write(frame(adt(facility, id)));
    const [ack] = await client.waitFor(1);
    expect(msa(ack!).slice(1, 3)).toEqual(['AA', id]);
    expect(parseHeader(ack!)).toMatchObject({ ok: true, header: { messageType: { code: 'ACK', trigger: 'A01' } } });
    client.close();
  });

  it('answers a resend with the stored ACK and stores it once', async () => {
    const client = await Client.open(port);
    const id = `R${randomUUID().slice(0, 8)}`;
    client.write(frame(adt(facility, id)));
    await client.waitFor(1);
    client.write(frame(adt(facility, id)));
    const [first, second] = await client.waitFor(2);
    expect(second).toBe(first);
    client.close();
  });

  it('handles three messages in one write and one message split byte by byte, in order', async () => {
    const client = await Client.open(port);
    const ids = [1, 2, 3].map((n) => `M${n}${randomUUID().slice(0, 6)}`);
    client.write(Buffer.concat(ids.map((id) => frame(adt(facility, id)))));
    const slow = `S${randomUUID().slice(0, 8)}`;
    for (const byte of frame(adt(facility, slow))) client.write(Buffer.from([byte]));
    const acks = await client.waitFor(4);
    expect(acks.map((a) => msa(a)[2])).toEqual([...ids, slow]);
    client.close();
  });

  it('ignores bytes outside frames', async () => {
    const client = await Client.open(port);
    const id = `J${randomUUID().slice(0, 8)}`;
    client.write(Buffer.concat([Buffer.from('garbage\r\n'), frame(adt(facility, id)), Buffer.from('more')]));
    const [ack] = await client.waitFor(1);
    expect(msa(ack!)[1]).toBe('AA');
    client.close();
  });

  it('refuses an unknown sender with AR and an ERR segment, keeping the message in quarantine', async () => {
    const client = await Client.open(port);
    const unknown = `NOPE-${randomUUID().slice(0, 6)}`;
    client.write(frame(adt(unknown, 'U1')));
    const [ack] = await client.waitFor(1);
    expect(msa(ack!)[1]).toBe('AR');
    expect(segments(ack!).some((s) => s[0] === 'ERR')).toBe(true);
    expect(await app.get(Hl7InboundRepository).countQuarantined(unknown)).toBe(1);
    client.close();
  });

  it('refuses a frame that is not HL7 with AR, and keeps serving the socket', async () => {
    const client = await Client.open(port);
    client.write(frame('hello, not hl7'));
    const id = `A${randomUUID().slice(0, 8)}`;
    client.write(frame(adt(facility, id)));
    const acks = await client.waitFor(2);
    expect(msa(acks[0]!)[1]).toBe('AR');
    expect(msa(acks[1]!).slice(1, 3)).toEqual(['AA', id]);
    client.close();
  });

  it('answers CA in enhanced mode when MSH-15 asks for it', async () => {
    const enhancedFacility = `ENH-${randomUUID().slice(0, 6)}`;
    const { tenant } = await new Fixtures(app).newTenant();
    await app.get(ConnectionService).create(tenant.id, { name: 'Enhanced', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: enhancedFacility, mllpTls: false, hl7AckMode: 'enhanced' });
    const client = await Client.open(port);
    client.write(frame(adt(enhancedFacility, 'E1', '|||AL|NE')));
    const [ack] = await client.waitFor(1);
    expect(msa(ack!)[1]).toBe('CA');
    client.close();
  });
});

describe('routing keys', () => {
  it('refuses a second connection claiming the same sender, from any tenant', async () => {
    const app = await createTestingApp([TenancyModule, ConnectionsModule]);
    const facility = `DUP-${randomUUID().slice(0, 6)}`;
    const first = await new Fixtures(app).newTenant();
    const second = await new Fixtures(app).newTenant();
    const input = { name: 'Feed', vendor: 'hl7v2' as const, environment: 'sandbox' as const, hl7SendingFacility: facility, mllpTls: false, hl7AckMode: 'original' as const };
    await app.get(ConnectionService).create(first.tenant.id, input);
    await expect(app.get(ConnectionService).create(second.tenant.id, input)).rejects.toMatchObject({ code: 'conflict' });
    const other = await app.get(ConnectionService).create(second.tenant.id, { ...input, hl7SendingApplication: 'LABAPP' });
    expect(other.hl7SendingApplication).toBe('LABAPP');
    await app.close();
  });
});

describe('MLLP listener when Postgres is unreachable', () => {
  it('never answers AA for what it could not store: AE with an ERR segment', async () => {
    const app = await createTestingApp([MllpModule], { DATABASE_URL: `postgresql://postgres@127.0.0.1:${await freePort()}/nothing` });
    const handler = app.get(InboundHandler);
    const ack = await handler.handle(Buffer.from(adt('ANY', 'D1')));
    expect(msa(ack)[1]).toBe('AE');
    expect(segments(ack).some((s) => s[0] === 'ERR')).toBe(true);
    await app.close();
  });
});
