import type { TestingModule } from '@nestjs/testing';
import { ConnectionService, ConnectionsModule, createConnectionSchema } from '@sb/connections';
import { Hl7InboundRepository, MllpPeerCertificateRepository, type Connection } from '@sb/db';
import { frame } from '@sb/hl7';
import { createTestingApp, createTestPki, Fixtures, type TestPki } from '@sb/testing';
import { TenancyModule } from '@sb/tenancy';
import { randomUUID, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { InboundHandler } from './inbound-handler';
import { MllpModule } from './mllp.module';
import { MllpServer } from './mllp-server';
import { loadMllpTls, MllpTlsConfigError } from './mllp-tls';
import { err, msa, MllpTestClient as Client } from './testing/mllp-test-client';

const adt = (facility: string, controlId: string) =>
  [`MSH|^~\\&|ADT1|${facility}|SWITCHBOARD|GW|20261120101500||ADT^A01^ADT_A01|${controlId}|P|2.5.1`, 'EVN|A01|20261120101500', 'PID|1||MRN123^^^HOSP^MR||Synthetic^Person||19700101|U'].join('\r');

/**
 * Connects, sends one message once the client considers the handshake done, and reports
 * whether an ACK came back or the server ended the connection (with TLS 1.3 the server's
 * verdict on the client certificate arrives after the client's handshake completes).
 */
function attempt(connectSocket: () => Socket, ready: 'connect' | 'secureConnect', message: string): Promise<{ outcome: 'answered' | 'refused'; code?: string }> {
  return new Promise((resolve) => {
    const socket = connectSocket();
    socket.once('data', () => {
      resolve({ outcome: 'answered' });
      socket.destroy();
    });
    let code: string | undefined;
    socket.on('error', (e: NodeJS.ErrnoException) => (code ??= e.code));
    socket.once('close', () => resolve({ outcome: 'refused', code }));
    socket.once(ready, () => socket.write(frame(message)));
  });
}

/** Polls until `read` gives a non-empty list (a write that is not awaited by the code under test). */
async function eventually<T>(read: () => Promise<T[]>): Promise<T[]> {
  for (let i = 0; i < 50; i += 1) {
    const rows = await read();
    if (rows.length > 0) return rows;
    await new Promise((r) => setTimeout(r, 20));
  }
  return read();
}

describe('MLLP over TLS with client certificates (real certificates, real sockets)', () => {
  let pki: TestPki;
  let app: TestingModule;
  let tlsServer: MllpServer;
  let optionalServer: MllpServer;
  let plainServer: MllpServer;
  let tlsPort: number;
  let optionalPort: number;
  let plainPort: number;
  let tlsOnly: Connection;
  let either: Connection;
  /** Pinned to the `client` certificate (given as lowercase hex without colons). */
  let pinned: Connection;
  /** Pinned to the `client` certificate, enhanced acknowledgment mode. */
  let pinnedEnhanced: Connection;
  let clientFingerprint: string;

  const client = (extra: ConnectionOptions = {}): ConnectionOptions => ({ ca: pki.read('caCert'), ...extra });
  const withCert = (): ConnectionOptions => client({ cert: pki.read('clientCert'), key: pki.read('clientKey') });
  const withForeignCert = (): ConnectionOptions => client({ cert: pki.read('foreignClientCert'), key: pki.read('foreignClientKey') });
  const withOtherCert = (): ConnectionOptions => client({ cert: pki.read('otherClientCert'), key: pki.read('otherClientKey') });
  const stored = async (conn: Connection, controlId: string) => {
    const repo = app.get(Hl7InboundRepository);
    const row = (await repo.list(conn.tenantId, conn.id, { limit: 200 })).find((r) => r.controlId === controlId);
    return row ? repo.find(conn.tenantId, conn.id, row.id) : null;
  };

  beforeAll(async () => {
    pki = createTestPki();
    app = await createTestingApp([MllpModule, TenancyModule, ConnectionsModule]);
    const { tenant } = await new Fixtures(app).newTenant();
    const connections = app.get(ConnectionService);
    tlsOnly = await connections.create(tenant.id, { name: 'TLS only', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: `TLS-${randomUUID().slice(0, 8)}`, mllpTls: true, hl7AckMode: 'original' });
    either = await connections.create(tenant.id, { name: 'Either', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: `ANY-${randomUUID().slice(0, 8)}`, mllpTls: false, hl7AckMode: 'original' });
    clientFingerprint = new X509Certificate(pki.read('clientCert')).fingerprint256;
    // mllpTls off: the pin alone makes TLS (with that certificate) required. Parsed as the API does, which normalizes the pin.
    pinned = await connections.create(
      tenant.id,
      createConnectionSchema.parse({
        name: 'Pinned',
        vendor: 'hl7v2',
        hl7SendingFacility: `PIN-${randomUUID().slice(0, 8)}`,
        mllpPinnedCertSha256: clientFingerprint.replaceAll(':', '').toLowerCase(),
      }),
    );
    pinnedEnhanced = await connections.create(tenant.id, {
      name: 'Pinned, enhanced',
      vendor: 'hl7v2',
      environment: 'sandbox',
      hl7SendingFacility: `PINE-${randomUUID().slice(0, 8)}`,
      mllpTls: true,
      hl7AckMode: 'enhanced',
      mllpPinnedCertSha256: clientFingerprint,
    });
    const handler = app.get(InboundHandler);
    const options = { maxFrameBytes: 64 * 1024, idleTimeoutMs: 10_000, maxConnections: 50 };
    const files = { certFile: pki.files.serverCert, keyFile: pki.files.serverKey, caFile: pki.files.caCert };
    tlsServer = new MllpServer(handler, { ...options, tls: loadMllpTls({ ...files, requireClientCert: true }) });
    optionalServer = new MllpServer(handler, { ...options, tls: loadMllpTls({ ...files, requireClientCert: false }) });
    plainServer = new MllpServer(handler, options);
    tlsPort = await tlsServer.listen(0, '127.0.0.1');
    optionalPort = await optionalServer.listen(0, '127.0.0.1');
    plainPort = await plainServer.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await Promise.all([tlsServer.close(), optionalServer.close(), plainServer.close()]);
    await app.close();
    pki.remove();
  });

  it('answers AA to a client with a certificate from the configured CA', async () => {
    const c = await Client.openTls(tlsPort, withCert());
    const id = `T${randomUUID().slice(0, 8)}`;
    c.write(frame(adt(tlsOnly.hl7SendingFacility!, id)));
    const [ack] = await c.waitFor(1);
    expect(msa(ack!).slice(1, 3)).toEqual(['AA', id]);
    expect(await stored(tlsOnly, id)).toMatchObject({ status: 'received' });
    c.close();
  });

  it.each([
    ['no client certificate', () => client()],
    ['a client certificate from another CA', () => withForeignCert()],
  ])('refuses %s at the handshake: nothing is read or stored', async (_, options) => {
    const id = `X${randomUUID().slice(0, 8)}`;
    const result = await attempt(() => tlsConnect({ port: tlsPort, host: '127.0.0.1', ...options() }), 'secureConnect', adt(tlsOnly.hl7SendingFacility!, id));
    expect(result.outcome).toBe('refused');
    expect(await stored(tlsOnly, id)).toBeNull();
  });

  it('drops plain TCP on the TLS port without affecting open or new TLS connections', async () => {
    const before = await Client.openTls(tlsPort, withCert());
    const id = `P${randomUUID().slice(0, 8)}`;
    const plain = await attempt(() => tcpConnect(tlsPort, '127.0.0.1'), 'connect', adt(tlsOnly.hl7SendingFacility!, id));
    expect(plain.outcome).toBe('refused');
    expect(await stored(tlsOnly, id)).toBeNull();

    const after = await Client.openTls(tlsPort, withCert());
    const [a, b] = [`A${randomUUID().slice(0, 8)}`, `B${randomUUID().slice(0, 8)}`];
    before.write(frame(adt(tlsOnly.hl7SendingFacility!, a)));
    after.write(frame(adt(tlsOnly.hl7SendingFacility!, b)));
    expect(msa((await before.waitFor(1))[0]!).slice(1, 3)).toEqual(['AA', a]);
    expect(msa((await after.waitFor(1))[0]!).slice(1, 3)).toEqual(['AA', b]);
    before.close();
    after.close();
  });

  it('refuses a message of an mllpTls connection that arrives over plain TCP with AR 207, keeping it as rejected', async () => {
    const c = await Client.open(plainPort);
    const refused = `R${randomUUID().slice(0, 8)}`;
    const fine = `F${randomUUID().slice(0, 8)}`;
    c.write(frame(adt(tlsOnly.hl7SendingFacility!, refused)));
    c.write(frame(adt(either.hl7SendingFacility!, fine)));
    const [ar, aa] = await c.waitFor(2);
    expect(msa(ar!).slice(1, 3)).toEqual(['AR', refused]);
    expect(err(ar!)?.[3]).toMatch(/^207\^/);
    expect(err(ar!)?.[8]).toBe('TLS required for this sender');
    expect(await stored(tlsOnly, refused)).toMatchObject({ status: 'rejected', ackCode: 'AR', errorCode: '207', ack: ar });
    expect(msa(aa!).slice(1, 3)).toEqual(['AA', fine]);
    c.close();
  });

  describe('a connection pinned to one client certificate (mllpPinnedCertSha256)', () => {
    it('stores the pin normalized as Node writes fingerprint256', () => {
      expect(pinned.mllpPinnedCertSha256).toBe(clientFingerprint);
      expect(clientFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    });

    it('accepts its messages over TLS with exactly that certificate: AA, stored', async () => {
      const c = await Client.openTls(tlsPort, withCert());
      const id = `K${randomUUID().slice(0, 8)}`;
      c.write(frame(adt(pinned.hl7SendingFacility!, id)));
      expect(msa((await c.waitFor(1))[0]!).slice(1, 3)).toEqual(['AA', id]);
      expect(await stored(pinned, id)).toMatchObject({ status: 'received', ackCode: 'AA' });
      c.close();
      // The certificate it came over is watched for expiry (recorded without holding up the ACK).
      const presented = new X509Certificate(pki.read('clientCert'));
      await expect(eventually(() => app.get(MllpPeerCertificateRepository).list(pinned.tenantId, pinned.id))).resolves.toEqual([
        { direction: 'inbound', fingerprint: clientFingerprint, notAfter: new Date(presented.validTo), seenAt: expect.any(Date) },
      ]);
    });

    it('refuses them with AR 207 over another certificate the listener trusts (same CA), stored as rejected; other senders on that socket are unaffected', async () => {
      const c = await Client.openTls(tlsPort, withOtherCert());
      const refused = `W${randomUUID().slice(0, 8)}`;
      const fine = `F${randomUUID().slice(0, 8)}`;
      c.write(frame(adt(pinned.hl7SendingFacility!, refused)));
      c.write(frame(adt(tlsOnly.hl7SendingFacility!, fine)));
      const [ar, aa] = await c.waitFor(2);
      expect(msa(ar!).slice(1, 3)).toEqual(['AR', refused]);
      expect(err(ar!)?.[3]).toMatch(/^207\^/);
      expect(err(ar!)?.[8]).toBe('Client certificate not accepted for this sender');
      expect(await stored(pinned, refused)).toMatchObject({ status: 'rejected', ackCode: 'AR', errorCode: '207', ack: ar });
      expect(msa(aa!).slice(1, 3)).toEqual(['AA', fine]);
      c.close();
      // A refused certificate is not the connection's: what is watched stays the pinned one (given time to be written, were it).
      await new Promise((r) => setTimeout(r, 300));
      expect((await app.get(MllpPeerCertificateRepository).list(pinned.tenantId, pinned.id)).map((p) => p.fingerprint)).toEqual([clientFingerprint]);
    });

    it('refuses them over TLS without a client certificate, and over plain TCP (AR 207, stored as rejected)', async () => {
      const noCert = await Client.openTls(optionalPort, client());
      const a = `N${randomUUID().slice(0, 8)}`;
      noCert.write(frame(adt(pinned.hl7SendingFacility!, a)));
      const [first] = await noCert.waitFor(1);
      expect(msa(first!).slice(1, 3)).toEqual(['AR', a]);
      expect(err(first!)?.[8]).toBe('Client certificate required for this sender');
      expect(await stored(pinned, a)).toMatchObject({ status: 'rejected', errorCode: '207' });
      noCert.close();

      const plain = await Client.open(plainPort);
      const b = `P${randomUUID().slice(0, 8)}`;
      plain.write(frame(adt(pinned.hl7SendingFacility!, b)));
      const [second] = await plain.waitFor(1);
      expect(msa(second!).slice(1, 3)).toEqual(['AR', b]);
      expect(err(second!)?.[8]).toBe('TLS required for this sender');
      expect(await stored(pinned, b)).toMatchObject({ status: 'rejected', ackCode: 'AR', errorCode: '207' });
      plain.close();
    });

    it('answers CR in enhanced mode, and CA with the pinned certificate', async () => {
      const enhanced = (controlId: string) => adt(pinnedEnhanced.hl7SendingFacility!, controlId).replace('|P|2.5.1', '|P|2.5.1|||AL|NE');
      const other = await Client.openTls(tlsPort, withOtherCert());
      const refused = `E${randomUUID().slice(0, 8)}`;
      other.write(frame(enhanced(refused)));
      const [cr] = await other.waitFor(1);
      expect(msa(cr!).slice(1, 3)).toEqual(['CR', refused]);
      expect(err(cr!)?.[8]).toBe('Client certificate not accepted for this sender');
      expect(await stored(pinnedEnhanced, refused)).toMatchObject({ status: 'rejected', ackCode: 'CR' });
      other.close();

      const right = await Client.openTls(tlsPort, withCert());
      const ok = `G${randomUUID().slice(0, 8)}`;
      right.write(frame(enhanced(ok)));
      expect(msa((await right.waitFor(1))[0]!).slice(1, 3)).toEqual(['CA', ok]);
      right.close();
    });
  });

  it('with optional client certificates: accepts a client without one, still refuses an untrusted one', async () => {
    const c = await Client.openTls(optionalPort, client());
    const id = `O${randomUUID().slice(0, 8)}`;
    c.write(frame(adt(tlsOnly.hl7SendingFacility!, id)));
    expect(msa((await c.waitFor(1))[0]!).slice(1, 3)).toEqual(['AA', id]);
    c.close();
    const foreign = await attempt(() => tlsConnect({ port: optionalPort, host: '127.0.0.1', ...withForeignCert() }), 'secureConnect', adt(tlsOnly.hl7SendingFacility!, `Y${id}`));
    expect(foreign.outcome).toBe('refused');
  });
});

describe('loadMllpTls (startup checks of the TLS files)', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki.remove());

  const expectError = (config: Parameters<typeof loadMllpTls>[0], message: RegExp): void => {
    let error: unknown;
    try {
      loadMllpTls(config);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MllpTlsConfigError);
    expect((error as Error).message).toMatch(message);
    // Never file content: no PEM armour, no key bytes.
    expect((error as Error).message).not.toMatch(/BEGIN|PRIVATE/);
    const keyBody = pki.read('serverKey').toString().split('\n')[1]!;
    expect((error as Error).message).not.toContain(keyBody.slice(0, 16));
  };

  it('is undefined without TLS and reads a good setup', () => {
    expect(loadMllpTls(undefined)).toBeUndefined();
    expect(loadMllpTls({ certFile: pki.files.serverCert, keyFile: pki.files.serverKey, caFile: pki.files.caCert, requireClientCert: true })).toMatchObject({ requireClientCert: true, ca: expect.any(Buffer) });
  });

  it('names the variable of a missing file', () => {
    expectError({ certFile: join(pki.dir, 'nope.crt'), keyFile: pki.files.serverKey, requireClientCert: false }, /^SB_MLLP_TLS_CERT: cannot read .*nope\.crt \(ENOENT\)$/);
    expectError({ certFile: pki.files.serverCert, keyFile: join(pki.dir, 'nope.key'), requireClientCert: false }, /^SB_MLLP_TLS_KEY: cannot read/);
    expectError({ certFile: pki.files.serverCert, keyFile: pki.files.serverKey, caFile: join(pki.dir, 'nope.pem'), requireClientCert: true }, /^SB_MLLP_TLS_CA: cannot read/);
  });

  it('refuses a key that is not the certificate’s, a certificate file without one, and an empty CA bundle', () => {
    expectError({ certFile: pki.files.serverCert, keyFile: pki.files.clientKey, requireClientCert: false }, /^SB_MLLP_TLS_KEY: not the unencrypted PEM private key of SB_MLLP_TLS_CERT/);
    expectError({ certFile: pki.files.serverKey, keyFile: pki.files.serverKey, requireClientCert: false }, /^SB_MLLP_TLS_CERT: the file holds no PEM certificate$/);
    const empty = join(pki.dir, 'empty.pem');
    writeFileSync(empty, 'not a bundle\n');
    expectError({ certFile: pki.files.serverCert, keyFile: pki.files.serverKey, caFile: empty, requireClientCert: true }, /^SB_MLLP_TLS_CA: the file holds no PEM certificate$/);
  });
});
