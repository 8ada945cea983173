import type { TestingModule } from '@nestjs/testing';
import { ConnectionService, ConnectionsModule } from '@sb/connections';
import { Hl7InboundRepository, type Connection } from '@sb/db';
import { buildAck, frame, parseHeader } from '@sb/hl7';
import { hl7ApplicationAckChannel, RedisService, type Hl7ApplicationAckNotice } from '@sb/queue';
import { createTestingApp, Fixtures, testRedisPrefix } from '@sb/testing';
import { TenancyModule } from '@sb/tenancy';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationAckRelay } from './application-ack-relay';
import { InboundHandler } from './inbound-handler';
import { MllpModule } from './mllp.module';
import { MllpServer } from './mllp-server';
import { msa, MllpTestClient as Client } from './testing/mllp-test-client';

const adt = (facility: string, controlId: string, msh15And16: string) =>
  [`MSH|^~\\&|ADT1|${facility}|SWITCHBOARD|GW|20261120101500||ADT^A08^ADT_A01|${controlId}|P|2.5.1|||${msh15And16}`, 'EVN|A08', 'PID|1||MRN9^^^HOSP^MR||Synthetic^Person'].join('\r');

/** Polls a condition the listener reaches on its own (a socket's close being seen server-side). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(5);
}

describe('enhanced mode: application ACKs delivered on the sender’s socket (real Redis, Postgres, sockets)', () => {
  let app: TestingModule;
  let server: MllpServer;
  let port: number;
  let relay: ApplicationAckRelay;
  let redis: RedisService;
  let enhanced: Connection;

  beforeAll(async () => {
    app = await createTestingApp([MllpModule, TenancyModule, ConnectionsModule], { SB_REDIS_PREFIX: testRedisPrefix('mllp-application-ack') });
    const { tenant } = await new Fixtures(app).newTenant();
    enhanced = await app.get(ConnectionService).create(tenant.id, { name: 'Enhanced', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: `APPACK-${randomUUID().slice(0, 8)}`, mllpTls: false, hl7AckMode: 'enhanced' });
    relay = app.get(ApplicationAckRelay);
    redis = app.get(RedisService);
    await relay.ready();
    server = new MllpServer(app.get(InboundHandler), { maxFrameBytes: 64 * 1024, idleTimeoutMs: 10_000, maxConnections: 50 });
    port = await server.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
    await app.close();
  });

  /** Sends one message, returns its commit ACK and stored id. */
  async function store(client: Client, controlId: string, msh15And16 = 'AL|AL'): Promise<{ commitAck: string; messageId: string; text: string }> {
    const text = adt(enhanced.hl7SendingFacility!, controlId, msh15And16);
    const before = client.acks.length;
    client.write(frame(text));
    const commitAck = (await client.waitFor(before + 1))[before]!;
    const repo = app.get(Hl7InboundRepository);
    const row = (await repo.list(enhanced.tenantId, enhanced.id, { limit: 100 })).find((r) => r.controlId === controlId);
    return { commitAck, messageId: row!.id, text };
  }

  /** What the worker does after processing: an application ACK built from the message, published on the channel. */
  async function publishAsWorker(messageId: string, text: string, connectionId = enhanced.id): Promise<string> {
    const parsed = parseHeader(text);
    if (!parsed.ok) throw new Error('unparsed');
    const ack = buildAck(parsed.header, { code: 'AA', controlId: randomUUID().replaceAll('-', '').slice(0, 20) });
    const notice: Hl7ApplicationAckNotice = { messageId, connectionId, ack };
    await redis.client.publish(hl7ApplicationAckChannel(redis.prefix), JSON.stringify(notice));
    return ack;
  }

  it('writes the published application ACK to the socket the message came in on, after its commit ACK', async () => {
    const client = await Client.open(port);
    const id = `A${randomUUID().slice(0, 8)}`;
    const { commitAck, messageId, text } = await store(client, id);
    expect(msa(commitAck).slice(1, 3)).toEqual(['CA', id]);
    const ack = await publishAsWorker(messageId, text);
    const [, applicationAck] = await client.waitFor(2);
    expect(applicationAck).toBe(ack);
    expect(msa(applicationAck!).slice(1, 3)).toEqual(['AA', id]);
    client.close();
  });

  it('keeps application ACKs in order with the commit ACKs on a busy socket', async () => {
    const client = await Client.open(port);
    const first = await store(client, `F${randomUUID().slice(0, 8)}`);
    const firstAck = await publishAsWorker(first.messageId, first.text);
    await client.waitFor(2);
    const second = await store(client, `S${randomUUID().slice(0, 8)}`);
    expect(client.acks).toEqual([first.commitAck, firstAck, second.commitAck]);
    client.close();
  });

  it('does not wait for an application ACK the sender did not ask for (MSH-16 NE)', async () => {
    await until(() => relay.waiting === 0); // the earlier tests' sockets are closed
    const client = await Client.open(port);
    await store(client, `N${randomUUID().slice(0, 8)}`, 'AL|NE');
    expect(relay.waiting).toBe(0);
    await store(client, `W${randomUUID().slice(0, 8)}`, 'AL|ER');
    expect(relay.waiting).toBe(1);
    client.close();
  });

  it('drops, without error, an ACK for a socket that has closed; ignores malformed and misrouted notices', async () => {
    await until(() => relay.waiting === 0);
    const gone = await Client.open(port);
    const closed = await store(gone, `G${randomUUID().slice(0, 8)}`);
    expect(relay.waiting).toBe(1);
    gone.close();
    await until(() => relay.waiting === 0); // the listener saw the close and forgot the socket
    await publishAsWorker(closed.messageId, closed.text);

    const live = await Client.open(port);
    const kept = await store(live, `K${randomUUID().slice(0, 8)}`);
    await redis.client.publish(hl7ApplicationAckChannel(redis.prefix), 'not json');
    await redis.client.publish(hl7ApplicationAckChannel(redis.prefix), JSON.stringify({ messageId: kept.messageId }));
    await publishAsWorker(kept.messageId, kept.text, randomUUID()); // another connection's id: ignored
    const ack = await publishAsWorker(kept.messageId, kept.text);
    // Pub/sub keeps publish order: once this arrives, every notice above was handled.
    const [, applicationAck] = await live.waitFor(2);
    expect(applicationAck).toBe(ack);
    expect(live.acks).toHaveLength(2);
    expect(gone.acks).toHaveLength(1);
    live.close();
  });
});
