import type { TestingModule } from '@nestjs/testing';
import { ConnectionService, ConnectionsModule, createConnectionSchema } from '@sb/connections';
import type { Actor } from '@sb/core';
import { Hl7OutboundRepository, MllpPeerCertificateRepository, type Connection, type Hl7OutboundSummary } from '@sb/db';
import { QueueModule } from '@sb/queue';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, createTestPki, Fixtures, type TestPki } from '@sb/testing';
import { VaultService } from '@sb/vault';
import { randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// The library's own scripted receiver (not exported): real sockets, real TLS.
import { MllpTestReceiver } from '../../hl7/src/client/mllp-test-receiver';
import { Hl7ProcessingModule } from './hl7-processing.module';
import { MllpTlsCredentialCache, MllpTlsSecretError, parseCaBundleSecret, parseClientCertificateSecret } from './mllp-tls-credentials';
import { Hl7OutboundDispatcher } from './outbound-dispatcher';

// Outbound MLLP over mutual TLS against a receiver that requires a client certificate from
// the test CA: the certificate comes from the connection's vault secret.

const order = (controlId: string) =>
  [`MSH|^~\\&|SWITCHBOARD|GW|LAB|SITE|20261120101500||ORM^O01^ORM_O01|${controlId}|P|2.5.1`, 'PID|1||MRN1^^^HOSP^MR||Synthetic^Person', `ORC|NW|${controlId}`].join('\r');

describe('outbound MLLP over TLS with a client certificate from the vault (real PKI, real sockets)', () => {
  let pki: TestPki;
  let app: TestingModule;
  let receiver: MllpTestReceiver;
  let vault: VaultService;
  let dispatcher: Hl7OutboundDispatcher;
  let outbound: Hl7OutboundRepository;
  let tenantId: string;
  let actor: Actor;
  let reveal: jest.SpyInstance;

  const clientSecret = () => Buffer.concat([pki.read('clientCert'), pki.read('clientKey')]);
  const newConnection = async (fields: Record<string, unknown>): Promise<Connection> =>
    app.get(ConnectionService).create(
      tenantId,
      createConnectionSchema.parse({ name: 'Lab orders', vendor: 'hl7v2', mllpHost: '127.0.0.1', mllpPort: receiver.port, mllpTls: true, ...fields }),
    );
  const putSecret = (connection: Connection, name: string, value: Buffer) => vault.put(actor, { tenantId, connectionId: connection.id, name }, value);

  /** Queues one message and runs the dispatcher until that message has had its attempt. */
  const sendOne = async (connection: Connection): Promise<{ controlId: string; row: Hl7OutboundSummary }> => {
    const controlId = `O${randomUUID().slice(0, 8)}`;
    const queued = await outbound.enqueue(tenantId, connection.id, { controlId, messageType: 'ORM^O01', sourceRef: `ServiceRequest/${controlId}`, raw: order(controlId) });
    for (let i = 0; i < 20; i++) {
      await dispatcher.dispatchBatch();
      const row = await outbound.find(tenantId, connection.id, queued.id);
      if (row && row.attempts > 0 && (row.status !== 'pending' || row.errorCode !== null)) return { controlId, row };
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the message was never dispatched');
  };

  beforeAll(async () => {
    pki = createTestPki();
    receiver = await MllpTestReceiver.start(undefined, {
      cert: pki.read('serverCert'),
      key: pki.read('serverKey'),
      ca: pki.read('caCert'),
      requestCert: true,
      rejectUnauthorized: true,
    });
    app = await createTestingApp([Hl7ProcessingModule, QueueModule, TenancyModule, ConnectionsModule]);
    const t = await new Fixtures(app).newTenant();
    tenantId = t.tenant.id;
    actor = t.actor();
    vault = app.get(VaultService);
    dispatcher = app.get(Hl7OutboundDispatcher);
    outbound = app.get(Hl7OutboundRepository);
  });
  beforeEach(() => {
    reveal = jest.spyOn(vault, 'reveal');
  });
  afterEach(() => reveal.mockRestore());
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
    pki?.remove();
  });

  it('presents the certificate from the vault: the site accepts the message; the secrets are revealed once, not per message', async () => {
    const connection = await newConnection({ mllpClientCertSecretName: 'mllp-client', mllpCaSecretName: 'mllp-ca' });
    await putSecret(connection, 'mllp-client', clientSecret());
    await putSecret(connection, 'mllp-ca', pki.read('caCert'));

    const first = await sendOne(connection);
    expect(first.row).toMatchObject({ status: 'accepted', ackCode: 'AA', errorCode: null });
    const second = await sendOne(connection);
    expect(second.row).toMatchObject({ status: 'accepted', ackCode: 'AA' });
    expect(receiver.received.filter((r) => [first.controlId, second.controlId].includes(r.controlId)).map((r) => r.peerCn)).toEqual(['client', 'client']);
    // One reveal per secret (each audited by the vault), whatever the number of messages.
    expect(reveal.mock.calls.map(([req]) => [req.name, req.purpose, req.actor.type])).toEqual([
      ['mllp-client', 'outbound MLLP TLS client certificate', 'system'],
      ['mllp-ca', 'outbound MLLP TLS CA bundle', 'system'],
    ]);
  });

  it('watches certificate expiry: each secret carries its certificates’ notAfter, and the site’s server certificate is recorded', async () => {
    const connection = await newConnection({ mllpClientCertSecretName: 'mllp-client', mllpCaSecretName: 'mllp-ca' });
    const notAfter = (name: 'clientCert' | 'caCert' | 'serverCert') => new Date(new X509Certificate(pki.read(name)).validTo);
    expect((await putSecret(connection, 'mllp-client', clientSecret())).expiresAt).toEqual(notAfter('clientCert'));
    expect((await putSecret(connection, 'mllp-ca', pki.read('caCert'))).expiresAt).toEqual(notAfter('caCert'));
    expect((await sendOne(connection)).row.status).toBe('accepted');
    const server = new X509Certificate(pki.read('serverCert'));
    let seen = await app.get(MllpPeerCertificateRepository).list(tenantId, connection.id);
    for (let i = 0; i < 50 && seen.length === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 20));
      seen = await app.get(MllpPeerCertificateRepository).list(tenantId, connection.id);
    }
    expect(seen).toEqual([{ direction: 'outbound', fingerprint: server.fingerprint256, notAfter: notAfter('serverCert'), seenAt: expect.any(Date) }]);
  });

  it('uses a rotated certificate from the next message on (a new secret version is revealed)', async () => {
    const connection = await newConnection({ mllpClientCertSecretName: 'mllp-client', mllpCaSecretName: 'mllp-ca' });
    await putSecret(connection, 'mllp-client', clientSecret());
    await putSecret(connection, 'mllp-ca', pki.read('caCert'));
    const before = await sendOne(connection);
    // The chain may list the key's certificate anywhere: it is put first.
    await putSecret(connection, 'mllp-client', Buffer.concat([pki.read('caCert'), pki.read('otherClientKey'), pki.read('otherClientCert')]));
    const after = await sendOne(connection);
    expect(after.row.status).toBe('accepted');
    expect([before, after].map(({ controlId }) => receiver.received.find((r) => r.controlId === controlId)?.peerCn)).toEqual(['client', 'other-client']);
    expect(reveal.mock.calls.map(([req]) => req.name)).toEqual(['mllp-client', 'mllp-ca', 'mllp-client', 'mllp-ca']);
  });

  it('without a client certificate the site refuses the handshake: tls_failed, retried later as transport failures are, nothing delivered', async () => {
    const connection = await newConnection({ mllpCaSecretName: 'mllp-ca' });
    await putSecret(connection, 'mllp-ca', pki.read('caCert'));
    const { controlId, row } = await sendOne(connection);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, errorCode: 'tls_failed', ackCode: null });
    expect(receiver.received.some((r) => r.controlId === controlId)).toBe(false);
  });

  it('verifies the site against the CA bundle secret: without it (system CAs) the test CA is not trusted → tls_failed', async () => {
    const connection = await newConnection({ mllpClientCertSecretName: 'mllp-client' });
    await putSecret(connection, 'mllp-client', clientSecret());
    const { row } = await sendOne(connection);
    expect(row).toMatchObject({ status: 'pending', errorCode: 'tls_failed' });
  });

  it('fails the message with a clear code when a named secret is missing or unusable, revealing nothing that is not there', async () => {
    const missing = await newConnection({ mllpClientCertSecretName: 'not-set-yet', mllpCaSecretName: 'mllp-ca' });
    await putSecret(missing, 'mllp-ca', pki.read('caCert'));
    expect((await sendOne(missing)).row).toMatchObject({ status: 'failed', errorCode: 'mllp_client_cert_missing', attempts: 1 });
    expect(reveal).not.toHaveBeenCalled();

    const noCa = await newConnection({ mllpClientCertSecretName: 'mllp-client', mllpCaSecretName: 'absent-ca' });
    await putSecret(noCa, 'mllp-client', clientSecret());
    expect((await sendOne(noCa)).row).toMatchObject({ status: 'failed', errorCode: 'mllp_ca_missing' });

    const certOnly = await newConnection({ mllpClientCertSecretName: 'mllp-client', mllpCaSecretName: 'mllp-ca' });
    await putSecret(certOnly, 'mllp-client', pki.read('clientCert'));
    await putSecret(certOnly, 'mllp-ca', pki.read('caCert'));
    expect((await sendOne(certOnly)).row).toMatchObject({ status: 'failed', errorCode: 'mllp_client_cert_invalid' });

    // Fixed by setting the secret: the next message goes out.
    await putSecret(certOnly, 'mllp-client', clientSecret());
    expect((await sendOne(certOnly)).row).toMatchObject({ status: 'accepted' });
  });

  it('caches per (connection, secret version) for the TTL, then reveals again', async () => {
    const connection = await newConnection({ mllpClientCertSecretName: 'mllp-client' });
    await putSecret(connection, 'mllp-client', clientSecret());
    let now = 1_000_000;
    const cache = new MllpTlsCredentialCache(vault, { ttlMs: 60_000, now: () => now });
    const a = await cache.credentialsFor(connection);
    now += 59_000;
    expect(await cache.credentialsFor(connection)).toBe(a);
    expect(reveal).toHaveBeenCalledTimes(1);
    now += 2_000;
    const b = await cache.credentialsFor(connection);
    expect(b).not.toBe(a);
    expect(b.cert?.equals(a.cert!)).toBe(true);
    expect(reveal).toHaveBeenCalledTimes(2);
    // Another connection naming a secret of the same name has its own entry.
    const other = await newConnection({ mllpClientCertSecretName: 'mllp-client' });
    await putSecret(other, 'mllp-client', Buffer.concat([pki.read('otherClientCert'), pki.read('otherClientKey')]));
    expect((await cache.credentialsFor(other)).cert?.equals(a.cert!)).toBe(false);
  });
});

describe('reading the TLS secrets', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki.remove());

  const problemOf = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(MllpTlsSecretError);
      // Never the value: no PEM armour or key material in the message or details.
      expect(JSON.stringify({ message: (e as Error).message, details: (e as MllpTlsSecretError).details })).not.toMatch(/BEGIN|PRIVATE KEY|MII/);
      return [(e as MllpTlsSecretError).reason, (e as MllpTlsSecretError).problem];
    }
    return undefined;
  };

  it('takes the chain and its key in one secret, in any order, leaf first', () => {
    const { cert, key } = parseClientCertificateSecret(Buffer.concat([pki.read('caCert'), pki.read('clientKey'), pki.read('clientCert')]), 'c');
    // X509Certificate reads the first certificate of a PEM chain.
    expect(new X509Certificate(cert).fingerprint256).toBe(new X509Certificate(pki.read('clientCert')).fingerprint256);
    expect(cert.toString().match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(key.toString()).toContain('PRIVATE KEY');
  });

  it('names what is wrong with an unusable secret', () => {
    const c = 'mllp-client';
    expect(problemOf(() => parseClientCertificateSecret(pki.read('clientCert'), c))).toEqual(['mllp_client_cert_invalid', 'no_private_key']);
    expect(problemOf(() => parseClientCertificateSecret(pki.read('clientKey'), c))).toEqual(['mllp_client_cert_invalid', 'no_certificate']);
    expect(problemOf(() => parseClientCertificateSecret(Buffer.concat([pki.read('clientCert'), pki.read('otherClientKey')]), c))).toEqual(['mllp_client_cert_invalid', 'key_mismatch']);
    expect(problemOf(() => parseClientCertificateSecret(Buffer.concat([pki.read('clientCert'), pki.read('clientKey'), pki.read('otherClientKey')]), c))).toEqual([
      'mllp_client_cert_invalid',
      'several_private_keys',
    ]);
    const encrypted = Buffer.from('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n');
    expect(problemOf(() => parseClientCertificateSecret(Buffer.concat([pki.read('clientCert'), encrypted]), c))).toEqual(['mllp_client_cert_invalid', 'encrypted_private_key']);
    expect(problemOf(() => parseCaBundleSecret(Buffer.from('not a bundle'), 'ca'))).toEqual(['mllp_ca_invalid', 'no_certificate']);
    const otherCa = readFileSync(join(pki.dir, 'other-ca.crt'));
    expect(parseCaBundleSecret(Buffer.concat([pki.read('caCert'), otherCa]), 'ca').toString().match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });
});
