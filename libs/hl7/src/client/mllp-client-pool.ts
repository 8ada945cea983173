import { createHash } from 'node:crypto';
import type { AckResult } from './ack-result';
import { MllpClient, type MllpClientOptions } from './mllp-client';
import { MllpClientClosedError } from './mllp-client-errors';
import { sendWithRetry, type MllpRetryPolicy } from './send-with-retry';

export interface MllpClientPoolOptions {
  /**
   * Sockets per key. Defaults to 1, and that is what keeps a connection's messages in
   * order: MLLP has no sequence numbers of its own (sequence-number protocol, MSH-13, is
   * rarely enabled), so a receiver applies messages in the order it reads them. With two
   * sockets an A03 discharge could be read before the A01 admission that precedes it.
   * Raise it only for feeds whose messages are independent of one another.
   */
  maxClientsPerKey?: number;
  /** Builds clients (tests). */
  createClient?: (options: MllpClientOptions) => MllpClient;
}

interface Entry {
  fingerprint: string;
  clients: MllpClient[];
  /** Clients of the key's previous settings, finishing their queue before the new ones send; unset once done. */
  retiring?: Promise<void>;
}

/**
 * Persistent MLLP clients keyed by connection id (one gateway connection = one key). A
 * key's clients are replaced when its settings change; `close()` closes every socket.
 * Keys are the caller's tenant-scoped connection ids: clients are never shared between
 * connections, even ones pointing at the same host.
 */
export class MllpClientPool {
  private readonly entries = new Map<string, Entry>();
  private readonly maxClientsPerKey: number;
  private readonly createClient: (options: MllpClientOptions) => MllpClient;
  private closed = false;

  constructor(options: MllpClientPoolOptions = {}) {
    const max = options.maxClientsPerKey ?? 1;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('maxClientsPerKey must be a positive integer');
    this.maxClientsPerKey = max;
    this.createClient = options.createClient ?? ((o) => new MllpClient(o));
  }

  /** Open clients across all keys. */
  get size(): number {
    let n = 0;
    for (const entry of this.entries.values()) n += entry.clients.length;
    return n;
  }

  /**
   * The client for `key`: the least busy one, a new one while fewer than
   * `maxClientsPerKey` exist and all are busy. Changed `options` retire the key's clients.
   */
  client(key: string, options: MllpClientOptions): MllpClient {
    return this.pick(key, options).client;
  }

  /** Sends through the key's client with {@link sendWithRetry}. */
  async send(key: string, options: MllpClientOptions, message: string, policy?: Partial<MllpRetryPolicy>): Promise<AckResult> {
    let picked = this.pick(key, options);
    if (picked.retiring) {
      await picked.retiring;
      picked = this.pick(key, options);
    }
    // sendWithRetry queues on the client synchronously, so the next pick sees it busy.
    return sendWithRetry(picked.client, message, policy);
  }

  /** Closes the key's clients after their queued sends. */
  async remove(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    await Promise.all(entry.clients.map((c) => c.close({ drain: true })));
  }

  /** Closes every client now; queued and waiting sends fail with `MllpClientClosedError`. */
  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.flatMap((e) => e.clients.map((c) => c.close())));
  }

  private pick(key: string, options: MllpClientOptions): { client: MllpClient; retiring?: Promise<void> } {
    if (this.closed) throw new MllpClientClosedError();
    const fingerprint = fingerprintOf(options);
    let entry = this.entries.get(key);
    if (entry && entry.fingerprint !== fingerprint) {
      const old = entry.clients;
      const next: Entry = { fingerprint, clients: [] };
      next.retiring = Promise.all(old.map((c) => c.close({ drain: true }))).then(() => {
        next.retiring = undefined;
      });
      entry = next;
      this.entries.set(key, entry);
    }
    if (!entry) {
      entry = { fingerprint, clients: [] };
      this.entries.set(key, entry);
    }
    entry.clients = entry.clients.filter((c) => !c.isClosed);
    const idlest = entry.clients.reduce<MllpClient | undefined>((best, c) => (best === undefined || c.pending < best.pending ? c : best), undefined);
    if (idlest && (idlest.pending === 0 || entry.clients.length >= this.maxClientsPerKey)) return { client: idlest, retiring: entry.retiring };
    const client = this.createClient(options);
    entry.clients.push(client);
    return { client, retiring: entry.retiring };
  }
}

/** Settings that make a different socket; key material is hashed, never kept as text. */
function fingerprintOf(o: MllpClientOptions): string {
  const digest = (v: string | Buffer | (string | Buffer)[] | undefined): string | undefined => {
    if (v === undefined) return undefined;
    const hash = createHash('sha256');
    for (const part of [v].flat()) hash.update(part).update('\0');
    return hash.digest('base64');
  };
  return JSON.stringify([
    o.host,
    o.port,
    o.policy.allowPrivate,
    o.policy.allowLoopback,
    o.connectTimeoutMs,
    o.idleTimeoutMs,
    o.maxAckBytes,
    o.tls ? [digest(o.tls.ca), digest(o.tls.cert), digest(o.tls.key), digest(o.tls.passphrase), o.tls.servername, o.tls.minVersion] : null,
  ]);
}
