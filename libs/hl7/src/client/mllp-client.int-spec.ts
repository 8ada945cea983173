import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboundError, PUBLIC_ONLY_TARGETS, type TargetPolicy } from '@sb/net';
import { MllpClient, type MllpClientOptions } from './mllp-client';
import { MllpClientPool } from './mllp-client-pool';
import { Hl7AckTimeoutError, Hl7NegativeAckError, Hl7OutboundMessageError, MllpClientClosedError, MllpTransportError } from './mllp-client-errors';
import { MllpTestReceiver } from './mllp-test-receiver';
import { sendWithRetry } from './send-with-retry';

const LOOPBACK: TargetPolicy = { allowPrivate: false, allowLoopback: true };
const FAST = { initialDelayMs: 5, maxDelayMs: 20 };
const PATIENT_NAME = 'Wrenmoor^Ada';

const adt = (controlId: string, trigger = 'A01') =>
  [`MSH|^~\\&|SB|GW|SITE|HOSP|20261120101500||ADT^${trigger}^ADT_A01|${controlId}|P|2.5.1`, `EVN|${trigger}|20261120101500`, `PID|1||MRN1^^^HOSP^MR||${PATIENT_NAME}||19700101|F`].join('\r');

describe('MllpClient over real sockets', () => {
  const receivers: MllpTestReceiver[] = [];
  const clients: MllpClient[] = [];
  const start = async (...args: Parameters<typeof MllpTestReceiver.start>) => {
    const r = await MllpTestReceiver.start(...args);
    receivers.push(r);
    return r;
  };
  const clientFor = (r: MllpTestReceiver, extra: Partial<MllpClientOptions> = {}) => {
    const c = new MllpClient({ host: '127.0.0.1', port: r.port, policy: LOOPBACK, ...extra });
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  it('sends a message and returns the ACK naming its control id', async () => {
    const receiver = await start();
    const ack = await clientFor(receiver).send(adt('C1'), { timeoutMs: 5_000 });
    expect(ack).toMatchObject({ code: 'AA', controlId: 'C1', errors: [] });
    expect(ack.raw).toMatch(/^MSH\|/);
    expect(receiver.received.map((r) => r.raw)).toEqual([adt('C1')]);
  });

  it('keeps call order under concurrent sends, one message in flight at a time, on one socket', async () => {
    // Early messages are answered slowest: a client that did not wait would get them back out of order.
    const receiver = await start((r) => ({ kind: 'ack', code: 'AA', delayMs: (10 - Number(r.controlId.slice(1))) * 5 }));
    const client = clientFor(receiver);
    const ids = Array.from({ length: 10 }, (_, i) => `O${i}`);
    const acks = await Promise.all(ids.map((id) => client.send(adt(id), { timeoutMs: 5_000 })));
    expect(acks.map((a) => a.controlId)).toEqual(ids);
    expect(receiver.received.map((r) => r.controlId)).toEqual(ids);
    expect(receiver.maxUnanswered).toBe(1);
    expect(receiver.sockets).toHaveLength(1);
  });

  it('waits for an ACK that comes after a delay', async () => {
    const receiver = await start(() => ({ kind: 'ack', code: 'AA', delayMs: 300 }));
    expect(await clientFor(receiver).send(adt('D1'), { timeoutMs: 10_000 })).toMatchObject({ code: 'AA', controlId: 'D1' });
  });

  it('retries a message that got no ACK with the same control id; the receiver sees it twice', async () => {
    const receiver = await start((_r, copies) => (copies === 1 ? { kind: 'silent' } : { kind: 'ack', code: 'AA' }));
    const client = clientFor(receiver);
    const retries: string[] = [];
    const ack = await sendWithRetry(client, adt('R1'), { ...FAST, timeoutMs: 200, maxAttempts: 3, onRetry: (i) => retries.push(i.reason) });
    expect(ack).toMatchObject({ code: 'AA', controlId: 'R1' });
    expect(receiver.received.map((r) => r.controlId)).toEqual(['R1', 'R1']);
    expect(receiver.received[1]!.raw).toBe(receiver.received[0]!.raw);
    expect(retries).toEqual(['ack_timeout']);
  });

  it('gives up with Hl7AckTimeoutError after maxAttempts without an ACK', async () => {
    const receiver = await start(() => ({ kind: 'silent' }));
    const error = await sendWithRetry(clientFor(receiver), adt('T1'), { ...FAST, timeoutMs: 100, maxAttempts: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Hl7AckTimeoutError);
    expect(error).toMatchObject({ attempts: 3, lastReason: 'ack_timeout', code: 'vendor_timeout' });
    expect(receiver.copiesOf('T1')).toBe(3);
  });

  it('surfaces AE as Hl7NegativeAckError with the ERR text, without resending', async () => {
    const receiver = await start(() => ({ kind: 'ack', code: 'AE', errorCode: '101', text: 'Required field missing: PID-3' }));
    const error = await sendWithRetry(clientFor(receiver), adt('E1'), FAST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Hl7NegativeAckError);
    expect(error).toMatchObject({ ackCode: 'AE', errorCode: '101', text: 'Required field missing: PID-3', controlId: 'E1' });
    expect(JSON.stringify({ message: (error as Error).message, details: (error as Hl7NegativeAckError).details })).not.toContain('Wrenmoor');
    expect(receiver.copiesOf('E1')).toBe(1);
  });

  it('resends after AE when asked to, and never after AR', async () => {
    const receiver = await start((r, copies) =>
      r.controlId === 'E2' && copies === 1 ? { kind: 'ack', code: 'AE', text: 'Busy, resend' } : r.controlId === 'AR1' ? { kind: 'ack', code: 'AR', errorCode: '204', text: 'Unknown sender' } : { kind: 'ack', code: 'AA' },
    );
    const client = clientFor(receiver);
    expect(await sendWithRetry(client, adt('E2'), { ...FAST, retryOnApplicationError: true })).toMatchObject({ code: 'AA' });
    expect(receiver.copiesOf('E2')).toBe(2);
    const error = await sendWithRetry(client, adt('AR1'), { ...FAST, retryOnApplicationError: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'Hl7NegativeAckError', ackCode: 'AR', errorCode: '204', text: 'Unknown sender' });
    expect(receiver.copiesOf('AR1')).toBe(1);
  });

  it('returns a negative ACK from send itself rather than throwing', async () => {
    const receiver = await start(() => ({ kind: 'ack', code: 'AR', text: 'Unsupported' }));
    expect(await clientFor(receiver).send(adt('N1'), { timeoutMs: 5_000 })).toMatchObject({ code: 'AR', errors: [{ code: '207', text: 'Unsupported' }] });
  });

  it('reconnects and resends when the socket drops mid-send', async () => {
    const receiver = await start((_r, copies) => (copies === 1 ? { kind: 'drop' } : { kind: 'ack', code: 'AA' }));
    const client = clientFor(receiver);
    const retries: string[] = [];
    expect(await sendWithRetry(client, adt('S1'), { ...FAST, onRetry: (i) => retries.push(i.reason) })).toMatchObject({ code: 'AA', controlId: 'S1' });
    expect(retries).toEqual(['connection_lost']);
    expect(receiver.received.map((r) => [r.controlId, r.socketIndex])).toEqual([
      ['S1', 0],
      ['S1', 1],
    ]);
    expect(client.stats.connects).toBe(2);
  });

  it('fails a single send with MllpTransportError when the socket drops', async () => {
    const receiver = await start(() => ({ kind: 'drop' }));
    const error = await clientFor(receiver).send(adt('S2'), { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MllpTransportError);
    expect(error).toMatchObject({ reason: 'connection_lost' });
  });

  it('skips a late ACK for an earlier message and returns the one for the message sent', async () => {
    const receiver = await start((r) => ({ kind: 'ack', code: r.controlId === 'L1' ? 'AE' : 'AA', delayMs: r.controlId === 'L1' ? 400 : 0 }));
    const client = clientFor(receiver);
    await expect(client.send(adt('L1'), { timeoutMs: 100 })).rejects.toBeInstanceOf(Hl7AckTimeoutError);
    expect(await client.send(adt('L2'), { timeoutMs: 5_000 })).toMatchObject({ code: 'AA', controlId: 'L2' });
    expect(client.stats).toMatchObject({ staleAcks: 1, connects: 1 });
  });

  it('does not take the late ACK of one message for another that reuses its control id', async () => {
    // Both messages carry control id X: the first (A01) is answered late with AE, the second (A08) at once with AA.
    const receiver = await start((r) => (r.header.messageType.trigger === 'A01' ? { kind: 'ack', code: 'AE', delayMs: 400 } : { kind: 'ack', code: 'AA' }));
    const client = clientFor(receiver);
    await expect(client.send(adt('X', 'A01'), { timeoutMs: 100 })).rejects.toBeInstanceOf(Hl7AckTimeoutError);
    const ack = await client.send(adt('X', 'A08'), { timeoutMs: 5_000 });
    expect(ack).toMatchObject({ code: 'AA', controlId: 'X' });
    expect(client.stats.connects).toBe(2);
    expect(receiver.received.map((r) => [r.header.messageType.trigger, r.socketIndex])).toEqual([
      ['A01', 0],
      ['A08', 1],
    ]);
  });

  it('keeps the socket for a resend of the same message after a timeout and accepts either ACK', async () => {
    const receiver = await start((_r, copies) => ({ kind: 'ack', code: 'AA', delayMs: copies === 1 ? 300 : 0 }));
    const client = clientFor(receiver);
    expect(await sendWithRetry(client, adt('K1'), { ...FAST, timeoutMs: 100, maxAttempts: 3 })).toMatchObject({ code: 'AA', controlId: 'K1' });
    expect(client.stats.connects).toBe(1);
    expect(receiver.copiesOf('K1')).toBeGreaterThanOrEqual(2);
  });

  it('closes an idle socket and reconnects on the next send', async () => {
    const receiver = await start();
    const client = clientFor(receiver, { idleTimeoutMs: 50 });
    await client.send(adt('I1'), { timeoutMs: 5_000 });
    await receiver.allClosed();
    expect(await client.send(adt('I2'), { timeoutMs: 5_000 })).toMatchObject({ code: 'AA', controlId: 'I2' });
    expect(client.stats.connects).toBe(2);
    expect(receiver.received.map((r) => r.socketIndex)).toEqual([0, 1]);
  });

  it('reconnects lazily after the receiver closed the socket', async () => {
    const receiver = await start();
    const client = clientFor(receiver);
    await client.send(adt('P1'), { timeoutMs: 5_000 });
    receiver.sockets[0]!.destroy();
    await receiver.allClosed();
    expect(await sendWithRetry(client, adt('P2'), FAST)).toMatchObject({ code: 'AA', controlId: 'P2' });
    expect(receiver.received.at(-1)).toMatchObject({ controlId: 'P2', socketIndex: 1 });
  });

  it('refuses a target the policy does not allow, without connecting', async () => {
    const receiver = await start();
    const client = new MllpClient({ host: '127.0.0.1', port: receiver.port, policy: PUBLIC_ONLY_TARGETS });
    clients.push(client);
    const error = await sendWithRetry(client, adt('G1'), FAST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundError);
    expect(error).toMatchObject({ reason: 'target_not_allowed' });
    expect(receiver.sockets).toHaveLength(0);
    const evasive = new MllpClient({ host: '0x7f.1', port: receiver.port, policy: LOOPBACK });
    await expect(evasive.send(adt('G2'), { timeoutMs: 1_000 })).rejects.toMatchObject({ reason: 'host_not_allowed' });
    const metadata = new MllpClient({ host: 'ehr.example', port: 2575, policy: { allowPrivate: true, allowLoopback: true }, resolver: async () => [{ address: '169.254.169.254', family: 4 }] });
    await expect(metadata.send(adt('G3'), { timeoutMs: 1_000 })).rejects.toMatchObject({ reason: 'target_not_allowed' });
  });

  it('refuses a message without a usable MSH before connecting', async () => {
    const receiver = await start();
    await expect(clientFor(receiver).send('PID|1||X', { timeoutMs: 1_000 })).rejects.toBeInstanceOf(Hl7OutboundMessageError);
    expect(receiver.sockets).toHaveLength(0);
  });

  it('reports a refused connection as connect_failed and retries it', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const client = new MllpClient({ host: '127.0.0.1', port, policy: LOOPBACK });
    clients.push(client);
    await expect(client.send(adt('F1'), { timeoutMs: 1_000 })).rejects.toMatchObject({ name: 'MllpTransportError', reason: 'connect_failed' });
    await expect(sendWithRetry(client, adt('F2'), { ...FAST, maxAttempts: 2 })).rejects.toMatchObject({ name: 'Hl7AckTimeoutError', attempts: 2, lastReason: 'connect_failed' });
  });

  it('fails queued and waiting sends when closed', async () => {
    const receiver = await start(() => ({ kind: 'silent' }));
    const client = clientFor(receiver);
    const first = client.send(adt('Q1'), { timeoutMs: 10_000 }).catch((e: unknown) => e);
    const second = client.send(adt('Q2'), { timeoutMs: 10_000 }).catch((e: unknown) => e);
    while (receiver.received.length === 0) await new Promise((r) => setTimeout(r, 10));
    await client.close();
    expect(await first).toBeInstanceOf(MllpClientClosedError);
    expect(await second).toBeInstanceOf(MllpClientClosedError);
    await expect(client.send(adt('Q3'), { timeoutMs: 1_000 })).rejects.toBeInstanceOf(MllpClientClosedError);
    expect(receiver.received.map((r) => r.controlId)).toEqual(['Q1']);
  });
});

describe('MllpClient over TLS with a client certificate', () => {
  let dir: string;
  let pem: Record<'ca' | 'serverKey' | 'serverCert' | 'clientKey' | 'clientCert' | 'otherCa', string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-mllp-tls-'));
    const openssl = (...args: string[]) => execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: 'pipe' });
    const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    const selfSignedCa = (name: string) => openssl('req', '-x509', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '1', '-subj', `/CN=${name}`);
    selfSignedCa('test-ca');
    selfSignedCa('other-ca');
    const issue = (name: string, ext: string) => {
      writeFileSync(join(dir, `${name}.ext`), ext);
      openssl('req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'test-ca.crt', '-CAkey', 'test-ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
    };
    issue('mllp-server', 'subjectAltName=DNS:mllp.sandbox.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    issue('sb-test-client', 'extendedKeyUsage=clientAuth\n');
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    pem = {
      ca: read('test-ca.crt'),
      otherCa: read('other-ca.crt'),
      serverKey: read('mllp-server.key'),
      serverCert: read('mllp-server.crt'),
      clientKey: read('sb-test-client.key'),
      clientCert: read('sb-test-client.crt'),
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let receiver: MllpTestReceiver;
  beforeEach(async () => {
    receiver = await MllpTestReceiver.start(undefined, { key: pem.serverKey, cert: pem.serverCert, ca: pem.ca, requestCert: true, rejectUnauthorized: true });
  });
  afterEach(() => receiver.close());

  const tlsClient = (tls: MllpClientOptions['tls'], host = '127.0.0.1') =>
    new MllpClient({ host, port: receiver.port, policy: LOOPBACK, tls, resolver: async () => [{ address: '127.0.0.1', family: 4 }] });

  it('authenticates with the client certificate and verifies the server by name', async () => {
    const client = tlsClient({ ca: pem.ca, cert: pem.clientCert, key: pem.clientKey }, 'mllp.sandbox.test');
    expect(await client.send(adt('TLS1'), { timeoutMs: 5_000 })).toMatchObject({ code: 'AA', controlId: 'TLS1' });
    expect(receiver.received[0]).toMatchObject({ controlId: 'TLS1', peerCn: 'sb-test-client' });
    await client.close();
  });

  it('verifies the server by IP address', async () => {
    const client = tlsClient({ ca: pem.ca, cert: pem.clientCert, key: pem.clientKey });
    expect(await client.send(adt('TLS2'), { timeoutMs: 5_000 })).toMatchObject({ code: 'AA' });
    await client.close();
  });

  it('refuses a server certificate from another CA, and does not retry it', async () => {
    const client = tlsClient({ ca: pem.otherCa, cert: pem.clientCert, key: pem.clientKey });
    await expect(sendWithRetry(client, adt('TLS3'), FAST)).rejects.toMatchObject({ name: 'MllpTransportError', reason: 'tls_failed' });
    expect(receiver.received).toHaveLength(0);
    await client.close();
  });

  it('refuses a server whose certificate does not name the host', async () => {
    const client = tlsClient({ ca: pem.ca, cert: pem.clientCert, key: pem.clientKey }, 'other.sandbox.test');
    await expect(client.send(adt('TLS4'), { timeoutMs: 5_000 })).rejects.toMatchObject({ reason: 'tls_failed' });
    expect(receiver.received).toHaveLength(0);
    await client.close();
  });

  it('is refused by a receiver that requires a client certificate when it has none', async () => {
    const client = tlsClient({ ca: pem.ca });
    const error = await client.send(adt('TLS5'), { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MllpTransportError);
    // TLS 1.3 reports the refusal after the handshake, as an alert on the first read.
    expect(error).toMatchObject({ reason: 'tls_failed' });
    expect(receiver.received).toHaveLength(0);
    await client.close();
  });
});

describe('MllpClientPool', () => {
  let receiver: MllpTestReceiver;
  let pool: MllpClientPool;
  beforeEach(async () => {
    receiver = await MllpTestReceiver.start();
  });
  afterEach(async () => {
    await pool.close();
    await receiver.close();
  });
  const settings = (): MllpClientOptions => ({ host: '127.0.0.1', port: receiver.port, policy: LOOPBACK });

  it('keeps one client per key by default, and separate clients per key', async () => {
    pool = new MllpClientPool();
    const a = pool.client('conn-a', settings());
    expect(pool.client('conn-a', settings())).toBe(a);
    expect(pool.client('conn-b', settings())).not.toBe(a);
    await Promise.all(['M1', 'M2', 'M3'].map((id) => pool.send('conn-a', settings(), adt(id), FAST)));
    await pool.send('conn-b', settings(), adt('M4'), FAST);
    expect(receiver.received.map((r) => [r.controlId, r.socketIndex])).toEqual([
      ['M1', 0],
      ['M2', 0],
      ['M3', 0],
      ['M4', 1],
    ]);
  });

  it('opens up to maxClientsPerKey sockets for concurrent sends', async () => {
    await receiver.close();
    receiver = await MllpTestReceiver.start(() => ({ kind: 'ack', code: 'AA', delayMs: 50 }));
    pool = new MllpClientPool({ maxClientsPerKey: 2 });
    await Promise.all(['W1', 'W2', 'W3', 'W4'].map((id) => pool.send('conn', settings(), adt(id), FAST)));
    expect(new Set(receiver.received.map((r) => r.socketIndex)).size).toBe(2);
    expect(pool.size).toBe(2);
  });

  it('replaces a key’s client when its settings change, after the old one drains', async () => {
    pool = new MllpClientPool();
    const first = pool.client('conn', settings());
    await pool.send('conn', settings(), adt('V1'), FAST);
    const second = pool.client('conn', { ...settings(), idleTimeoutMs: 5_000 });
    expect(second).not.toBe(first);
    await pool.send('conn', { ...settings(), idleTimeoutMs: 5_000 }, adt('V2'), FAST);
    expect(first.isClosed).toBe(true);
  });

  it('closes every socket on close() and refuses further sends', async () => {
    pool = new MllpClientPool();
    await pool.send('a', settings(), adt('Z1'), FAST);
    await pool.send('b', settings(), adt('Z2'), FAST);
    expect(receiver.openSockets).toBe(2);
    await pool.close();
    await receiver.allClosed();
    expect(() => pool.client('a', settings())).toThrow(MllpClientClosedError);
    await expect(pool.send('a', settings(), adt('Z3'), FAST)).rejects.toBeInstanceOf(MllpClientClosedError);
  });
});
