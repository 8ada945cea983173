import type { TestingModule } from '@nestjs/testing';
import { ConnectionRepository, Database, Hl7InboundRepository, type Connection } from '@sb/db';
import { frame, parseHeader, patientKeyOf, segments } from '@sb/hl7';
import { ConnectionService } from '@sb/connections';
import { ConnectionsModule } from '@sb/connections';
import { createTestingApp, Fixtures, freePort } from '@sb/testing';
import { TenancyModule } from '@sb/tenancy';
import { randomUUID } from 'node:crypto';
import { InboundHandler } from './inbound-handler';
import { MllpModule } from './mllp.module';
import { MllpServer } from './mllp-server';
import { err, msa, MllpTestClient as Client } from './testing/mllp-test-client';

const adt = (facility: string, controlId: string, extra = '') =>
  [`MSH|^~\\&|ADT1|${facility}|SWITCHBOARD|GW|20261120101500||ADT^A01^ADT_A01|${controlId}|P|2.5.1${extra}`, 'EVN|A01|20261120101500', 'PID|1||MRN123^^^HOSP^MR||Synthetic^Person||19700101|U'].join('\r');

/** An ADT^A01 with one part replaced, for the bad-input cases. */
const message = (facility: string, controlId: string, o: { type?: string; version?: string; time?: string; tail?: readonly string[]; msh18?: string } = {}): string =>
  [
    `MSH|^~\\&|ADT1|${facility}|SWITCHBOARD|GW|${o.time ?? '20261120101500'}||${o.type ?? 'ADT^A01^ADT_A01'}|${controlId}|P|${o.version ?? '2.5.1'}${o.msh18 ? `||||||${o.msh18}` : ''}`,
    'EVN|A01|20261120101500',
    ...(o.tail ?? ['PID|1||MRN123^^^HOSP^MR||Synthetic^Person||19700101|U']),
  ].join('\r');

interface RawRow {
  raw: string;
  status: string;
  ackCode: string;
  errorCode: string | null;
  sendingFacility: string;
  controlId: string;
  patientKey: string | null;
}

/**
 * Rows as stored, for what no repository read returns (quarantined rows have no tenant; the
 * patient key is not in the message log): read through the transaction client.
 */
async function storedRows(app: TestingModule, where: object): Promise<RawRow[]> {
  type Reader = { hl7InboundMessage: { findMany(args: object): Promise<RawRow[]> } };
  return app.get(Database).transaction((tx) =>
    (tx as unknown as Reader).hl7InboundMessage.findMany({
      where,
      select: { raw: true, status: true, ackCode: true, errorCode: true, sendingFacility: true, controlId: true, patientKey: true },
    }),
  );
}
const quarantinedContaining = (app: TestingModule, marker: string) => storedRows(app, { status: 'quarantined', raw: { contains: marker } });

describe('MLLP listener on a real socket and Postgres', () => {
  let app: TestingModule;
  let server: MllpServer;
  let port: number;
  let connection: Connection;
  const facility = `LAB-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    app = await createTestingApp([MllpModule, TenancyModule, ConnectionsModule]);
    const { tenant } = await new Fixtures(app).newTenant();
    connection = await app.get(ConnectionService).create(tenant.id, { name: 'Lab feed', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: facility, mllpTls: false, hl7AckMode: 'original' });
    server = new MllpServer(app.get(InboundHandler), { maxFrameBytes: 64 * 1024, idleTimeoutMs: 5_000, maxConnections: 50 });
    port = await server.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
    await app.close();
  });

  /** The stored row of a refused message, read back through the message log. */
  async function storedRow(controlId: string, conn: Connection = connection) {
    const repo = app.get(Hl7InboundRepository);
    const rows = await repo.list(conn.tenantId, conn.id, { limit: 200 });
    const row = rows.find((r) => r.controlId === controlId);
    return row ? repo.find(conn.tenantId, conn.id, row.id) : null;
  }

  it('commits the message, then answers AA naming its control id', async () => {
    const client = await Client.open(port);
    const id = `C${randomUUID().slice(0, 8)}`;
    client.write(frame(adt(facility, id)));
    const [ack] = await client.waitFor(1);
    expect(msa(ack!).slice(1, 3)).toEqual(['AA', id]);
    expect(parseHeader(ack!)).toMatchObject({ ok: true, header: { messageType: { code: 'ACK', trigger: 'A01' } } });
    expect(await storedRow(id)).toMatchObject({ status: 'received', ackCode: 'AA', errorCode: null });
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
    expect(err(ack!)?.[3]).toMatch(/^204\^/);
    expect(await app.get(Hl7InboundRepository).countQuarantined(unknown)).toBe(1);
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

  describe('the patient key stored at receipt', () => {
    const send = async (sender: string, controlId: string, pid: string): Promise<RawRow> => {
      const client = await Client.open(port);
      client.write(frame(message(sender, controlId, { tail: [pid] })));
      const [ack] = await client.waitFor(1);
      client.close();
      expect(msa(ack!).slice(1, 3)).toEqual(['AA', controlId]);
      const [row] = await storedRows(app, { sendingFacility: sender, controlId });
      return row!;
    };
    const newConnection = async (dialect?: Record<string, unknown>): Promise<Connection> => {
      const { tenant } = await new Fixtures(app).newTenant();
      return app.get(ConnectionService).create(tenant.id, { name: 'Keys', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: `KEY-${randomUUID().slice(0, 8)}`, mllpTls: false, hl7AckMode: 'original', ...(dialect ? { dialect } : {}) });
    };

    it('is the MRN under the default dialect, the same key the worker computes', async () => {
      const id = `K${randomUUID().slice(0, 8)}`;
      const row = await send(facility, id, 'PID|1||MRN123^^^HOSP^MR~SSN9^^^SSA^SS||Synthetic^Person');
      expect(row.patientKey).toMatch(/\|MRN123$/);
      expect(row.patientKey).toBe(patientKeyOf(row.raw, {}));
    });

    it("follows the connection's dialect (MRN system, identifier type)", async () => {
      const conn = await newConnection({ identifierSystems: { mrn: 'urn:oid:2.16.840.1.113883.3.9999' }, patientIdentifier: { typeCode: 'PI' } });
      const row = await send(conn.hl7SendingFacility!, `D${randomUUID().slice(0, 8)}`, 'PID|1||MRN123^^^HOSP^MR~PI77^^^HOSP^PI||Synthetic^Person');
      expect(row.patientKey).toBe('urn:oid:2.16.840.1.113883.3.9999|PI77');
    });

    it('falls back to the default dialect when the stored one does not validate', async () => {
      const conn = await newConnection();
      await app.get(ConnectionRepository).update(conn.tenantId, conn.id, { dialect: { notARule: true, timezone: 42 } });
      const row = await send(conn.hl7SendingFacility!, `I${randomUUID().slice(0, 8)}`, 'PID|1||MRN123^^^HOSP^MR||Synthetic^Person');
      expect(row.patientKey).toBe(patientKeyOf(row.raw, {}));
      expect(row.patientKey).not.toBeNull();
    });

    it('is null when the PID carries no identifier', async () => {
      const row = await send(facility, `Z${randomUUID().slice(0, 8)}`, 'PID|1||||Synthetic^Person');
      expect(row.patientKey).toBeNull();
    });
  });

  describe('bad input: AE/AR with an ERR segment, the raw message kept, the socket left open', () => {
    const PID = 'PID|1||MRN123^^^HOSP^MR||Synthetic^Person||19700101|U';
    it.each([
      ['a broken segment', 'AE', '100', { tail: [PID, 'Pv1|1|I'] }, 'ERR||^4|100^Segment sequence error^HL70357|E||||Line is not a well-formed segment'],
      ['a missing required segment', 'AE', '101', { type: 'ORU^R01^ORU_R01', tail: [PID, 'OBX|1|NM|GLU||5'] }, 'ERR||OBR^1|101^Required field missing^HL70357|E||||Required segment is missing'],
      ['an invalid escape sequence', 'AE', '102', { tail: [PID, 'NTE|1||see C:\\temp\\x'] }, 'ERR||NTE^1^3^1^1|102^Data type error^HL70357|E||||Invalid or unterminated escape sequence'],
      ['an invalid MSH-7', 'AE', '102', { time: '20261340' }, 'ERR||MSH^1^7^1|102^Data type error^HL70357|E||||MSH-7 is not a valid date/time'],
      ['an unknown MSH-18 character set', 'AE', '102', { msh18: 'EBCDIC' }, 'ERR||MSH^1^18^1|102^Data type error^HL70357|E||||Character set in MSH-18 is not supported'],
      ['an unsupported message type', 'AR', '200', { type: 'ORM^O01^ORM_O01' }, 'ERR||MSH^1^9^1^1|200^Unsupported message type^HL70357|E||||Message type is not supported'],
      ['an unsupported trigger event', 'AR', '201', { type: 'ADT^A99' }, 'ERR||MSH^1^9^1^2|201^Unsupported event code^HL70357|E||||Trigger event is not supported'],
      ['an unsupported version', 'AR', '203', { version: '2.2' }, 'ERR||MSH^1^12^1|203^Unsupported version id^HL70357|E||||HL7 version is not supported'],
    ] as const)('%s → %s %s, stored as rejected, then AA on the same socket', async (_, ackCode, errorCode, o, errSegment) => {
      const client = await Client.open(port);
      const bad = `B${randomUUID().slice(0, 8)}`;
      const good = `G${randomUUID().slice(0, 8)}`;
      const text = message(facility, bad, o);
      client.write(frame(text));
      client.write(frame(adt(facility, good)));
      const [refusal, ack] = await client.waitFor(2);
      expect(msa(refusal!).slice(1, 3)).toEqual([ackCode, bad]);
      expect(refusal!.split('\r')[2]).toBe(errSegment);
      expect(msa(ack!).slice(1, 3)).toEqual(['AA', good]);
      expect(client.closed).toBe(false);
      expect(await storedRow(bad)).toMatchObject({ status: 'rejected', ackCode, errorCode, raw: text, ack: refusal });
      client.close();
    });

    it('answers a resend of a refused message with the ACK it got, storing it once', async () => {
      const client = await Client.open(port);
      const bad = `RR${randomUUID().slice(0, 8)}`;
      client.write(frame(message(facility, bad, { version: '2.2' })));
      client.write(frame(message(facility, bad, { version: '2.2' })));
      const [first, second] = await client.waitFor(2);
      expect(second).toBe(first);
      const rows = await app.get(Hl7InboundRepository).list(connection.tenantId, connection.id, { limit: 500, status: 'rejected' });
      expect(rows.filter((r) => r.controlId === bad)).toHaveLength(1);
      client.close();
    });

    it('gives v2.3 and v2.4 senders ERR-1 (code and location) as well', async () => {
      const client = await Client.open(port);
      const bad = `L${randomUUID().slice(0, 8)}`;
      client.write(frame(message(facility, bad, { version: '2.3', tail: ['PID|1||MRN\\Q\\'] })));
      const [refusal] = await client.waitFor(1);
      expect(msa(refusal!)[1]).toBe('AE');
      expect(err(refusal!)?.slice(1, 4)).toEqual(['PID^1^3^102&Data type error&HL70357', 'PID^1^3^1^1', '102^Data type error^HL70357']);
      client.close();
    });

    it('answers CE and CR in enhanced mode when MSH-15 asks for accept ACKs', async () => {
      const enhanced = `ENB-${randomUUID().slice(0, 6)}`;
      const { tenant } = await new Fixtures(app).newTenant();
      await app.get(ConnectionService).create(tenant.id, { name: 'Enhanced', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: enhanced, mllpTls: false, hl7AckMode: 'enhanced' });
      const client = await Client.open(port);
      const head = (id: string, rest: string) => `MSH|^~\\&|ADT1|${enhanced}|SB|GW|20261120101500||${rest}|${id}|P|2.5.1|||AL|NE`;
      client.write(frame(`${head('X1', 'ADT^A01')}\rPID|1||\\Q\\`));
      client.write(frame(`${head('X2', 'ORM^O01')}\rPID|1||M1`));
      const [ce, cr] = await client.waitFor(2);
      expect(msa(ce!)[1]).toBe('CE');
      expect(msa(cr!)[1]).toBe('CR');
      client.close();
    });

    it('keeps a message with a NUL byte (as \\X00\\) and refuses it with 102', async () => {
      const client = await Client.open(port);
      const bad = `N${randomUUID().slice(0, 8)}`;
      client.write(frame(message(facility, bad, { tail: ['PID|1||MRN1||Synthetic\0Person'] })));
      const [refusal] = await client.waitFor(1);
      expect(msa(refusal!).slice(1, 3)).toEqual(['AE', bad]);
      expect(err(refusal!)?.[2]).toBe('PID^1^5^1');
      expect((await storedRow(bad))?.raw).toContain('Synthetic\\X00\\Person');
      client.close();
    });

    it('stores a message in the ISO 8859 part MSH-18 declares with its characters intact', async () => {
      const client = await Client.open(port);
      const id = `W${randomUUID().slice(0, 8)}`;
      const text = message(facility, id, { msh18: '8859/1', tail: ['PID|1||MRN1||Zoë^Müller'] });
      client.write(frame(Buffer.from(text, 'latin1')));
      const [ack] = await client.waitFor(1);
      expect(msa(ack!)[1]).toBe('AA');
      expect((await storedRow(id))?.raw).toBe(text);
      client.close();
    });

    it('refuses bytes that are not UTF-8 when MSH-18 says UTF-8', async () => {
      const client = await Client.open(port);
      const bad = `U${randomUUID().slice(0, 8)}`;
      client.write(frame(Buffer.from(message(facility, bad, { msh18: 'UNICODE UTF-8', tail: ['PID|1||MRN1||Zoë'] }), 'latin1')));
      const [refusal] = await client.waitFor(1);
      expect(msa(refusal!)[1]).toBe('AE');
      expect(err(refusal!)?.[2]).toBe('PID^1^5^1');
      expect(await storedRow(bad)).toMatchObject({ status: 'rejected', errorCode: '102' });
      client.close();
    });

    it('quarantines a frame that is not HL7 and one whose MSH lacks MSH-10, answering AR with the best code', async () => {
      const client = await Client.open(port);
      const marker = randomUUID();
      const good = `G${randomUUID().slice(0, 8)}`;
      client.write(frame(`hello, not hl7 ${marker}`));
      client.write(frame(message(facility, '', { tail: [`NTE|1||${marker}`] })));
      client.write(frame(adt(facility, good)));
      const [notHl7, noControlId, ack] = await client.waitFor(3);
      expect(msa(notHl7!).slice(1, 3)).toEqual(['AR', '']);
      expect(err(notHl7!)?.[3]).toMatch(/^100\^/);
      expect(msa(noControlId!)[1]).toBe('AR');
      expect(err(noControlId!)?.[3]).toMatch(/^101\^/);
      expect(msa(ack!).slice(1, 3)).toEqual(['AA', good]);
      const rows = await quarantinedContaining(app, marker);
      expect(rows).toHaveLength(2);
      expect(rows.find((r) => r.raw === `hello, not hl7 ${marker}`)).toMatchObject({ ackCode: 'AR', errorCode: '100', sendingFacility: '' });
      expect(rows.find((r) => r.raw.startsWith('MSH'))).toMatchObject({ ackCode: 'AR', errorCode: '101', sendingFacility: facility });
      client.close();
    });

    it('names the control id in MSA-2 when the MSH lacks MSH-2 or MSH-9, and quarantines both', async () => {
      const client = await Client.open(port);
      const marker = randomUUID();
      const noEncoding = `E${randomUUID().slice(0, 8)}`;
      const noType = `T${randomUUID().slice(0, 8)}`;
      const shifted = `S${randomUUID().slice(0, 8)}`;
      const tail = [`NTE|1||${marker}`];
      client.write(frame(message(facility, noEncoding, { tail }).replace('MSH|^~\\&|', 'MSH||')));
      client.write(frame(message(facility, noType, { type: '', tail })));
      // MSH-2 left out altogether: every later field moves, so no field can be trusted to be MSH-10.
      client.write(frame(message(facility, shifted, { tail }).replace('MSH|^~\\&|', 'MSH|')));
      const [noEncodingAck, noTypeAck, shiftedAck] = await client.waitFor(3);
      expect(msa(noEncodingAck!).slice(1, 3)).toEqual(['AR', noEncoding]);
      expect(err(noEncodingAck!)?.[3]).toMatch(/^102\^/);
      expect(msa(noTypeAck!).slice(1, 3)).toEqual(['AR', noType]);
      expect(err(noTypeAck!)?.[3]).toMatch(/^101\^/);
      expect(msa(shiftedAck!).slice(1, 3)).toEqual(['AR', '']);
      const rows = await quarantinedContaining(app, marker);
      expect(rows.map((r) => [r.ackCode, r.errorCode]).sort()).toEqual([
        ['AR', '101'],
        ['AR', '102'],
        ['AR', '102'],
      ]);
      client.close();
    });

    it('names the control id of an oversize frame whose MSH lacks MSH-2', async () => {
      const client = await Client.open(port);
      const big = `B${randomUUID().slice(0, 8)}`;
      client.write(frame(message(facility, big, { tail: ['PID|1||MRN1', `OBX|1|ED|DOC||${'A'.repeat(100 * 1024)}`] }).replace('MSH|^~\\&|', 'MSH||')));
      const [refusal] = await client.waitFor(1);
      expect(msa(refusal!).slice(1, 3)).toEqual(['AR', big]);
      expect(err(refusal!)?.[3]).toMatch(/^207\^/);
      client.close();
    });

    it('refuses a frame over the size limit with AR naming its control id, and reads the next frame', async () => {
      const client = await Client.open(port);
      const big = `O${randomUUID().slice(0, 8)}`;
      const good = `G${randomUUID().slice(0, 8)}`;
      client.write(frame(message(facility, big, { tail: ['PID|1||MRN1', `OBX|1|ED|DOC||${'A'.repeat(100 * 1024)}`] })));
      client.write(frame(adt(facility, good)));
      const [refusal, ack] = await client.waitFor(2);
      expect(msa(refusal!).slice(1, 3)).toEqual(['AR', big]);
      expect(err(refusal!)?.[3]).toMatch(/^207\^/);
      expect(err(refusal!)?.[8]).toBe('Message exceeds the maximum size');
      expect(msa(ack!).slice(1, 3)).toEqual(['AA', good]);
      expect(await storedRow(big)).toBeNull();
      client.close();
    });

    it('refuses an oversize frame whose header cannot be read with a plain AR', async () => {
      const client = await Client.open(port);
      client.write(frame(Buffer.alloc(70 * 1024, 'x')));
      const [refusal] = await client.waitFor(1);
      expect(msa(refusal!).slice(1, 3)).toEqual(['AR', '']);
      expect(segments(refusal!).some((s) => s[0] === 'ERR')).toBe(true);
      client.close();
    });
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
    expect(err(ack)?.[3]).toMatch(/^207\^/);
    const unreadable = await handler.handle(Buffer.from('not hl7'));
    expect(msa(unreadable)[1]).toBe('AE');
    await app.close();
  });
});
