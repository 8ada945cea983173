import { createHash } from 'node:crypto';
import { connect as netConnect, isIPv6, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { checkTarget, OutboundError, parseOutboundUrl, systemResolver, type Resolver, type TargetPolicy, type VettedAddress } from '@sb/net';
import { DEFAULT_MAX_FRAME_BYTES, MllpDecoder } from '../mllp-decoder';
import { frame } from '../mllp-encoder';
import { messageText, parseHeader } from '../hl7-message';
import { parseAckResult, type AckResult } from './ack-result';
import { Hl7AckTimeoutError, Hl7OutboundMessageError, MllpClientClosedError, MllpTransportError } from './mllp-client-errors';

/** TLS settings for MLLP over TLS (HL7 v2 MLLP carries no security of its own). */
export interface MllpTlsOptions {
  /** Trusted CA certificates (PEM); the system store when absent. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Client certificate (PEM) for sites that require mutual TLS. */
  cert?: string | Buffer;
  /** Private key (PEM) of `cert`. */
  key?: string | Buffer;
  passphrase?: string;
  /** Name to verify the server certificate against (and send as SNI); defaults to `host` when it is a name. */
  servername?: string;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface MllpClientOptions {
  host: string;
  port: number;
  /**
   * Which addresses the host may resolve to: pass the connection's policy (see
   * `outboundPolicyFor` in libs/connections), exactly as the HTTP adapters do. Every
   * (re)connect resolves and vets the host again and connects to a vetted address only.
   */
  policy: TargetPolicy;
  /** Connect with TLS when set. */
  tls?: MllpTlsOptions;
  /** Covers DNS, TCP connect and the TLS handshake. */
  connectTimeoutMs?: number;
  /** An open connection with nothing to send for this long is closed; the next send reconnects. */
  idleTimeoutMs?: number;
  /** Largest acknowledgment accepted; bigger frames are dropped (and the send then times out). */
  maxAckBytes?: number;
  /** DNS resolution, injectable for tests. */
  resolver?: Resolver;
  /** Told, after each verified TLS handshake, which certificate the site presented (to watch its expiry). */
  onPeerCertificate?: (peer: MllpPeerCertificateSeen) => void;
}

/** The certificate a TLS peer presented: its identity and expiry, never more. */
export interface MllpPeerCertificateSeen {
  /** SHA-256, `AA:BB:…`. */
  fingerprint256: string;
  notAfter: Date;
}

export interface MllpSendOptions {
  /** How long to wait for the matching acknowledgment once the message is written. */
  timeoutMs: number;
}

/** Counters for logs and metrics; never content. */
export interface MllpClientStats {
  connects: number;
  messagesWritten: number;
  /** Acknowledgments for a control id other than the one awaited (late ACKs after a timeout). */
  staleAcks: number;
  /** Frames that were not an acknowledgment, or too large. */
  ignoredFrames: number;
}

export const DEFAULT_MLLP_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_MLLP_IDLE_TIMEOUT_MS = 60_000;
/** ACKs are small; a large bound still leaves room for verbose ERR segments. */
export const DEFAULT_MAX_ACK_BYTES = Math.min(DEFAULT_MAX_FRAME_BYTES, 1024 * 1024);
/** Control ids with ACKs still owed on one socket; past this the socket is replaced rather than tracked further. */
const MAX_OWED_CONTROL_IDS = 1_000;

/** One socket and what is still owed on it. Handlers close over this, so an old socket never touches a new one. */
interface Connection {
  socket: Socket;
  decoder: MllpDecoder;
  /** control id → digest of the message sent under it and how many ACKs for it are still to come. */
  owed: Map<string, { digest: string; count: number }>;
  lastError?: NodeJS.ErrnoException;
  closed: boolean;
}

interface Waiter {
  conn: Connection;
  controlId: string;
  resolve(ack: AckResult): void;
  reject(error: Error): void;
}

/**
 * A persistent MLLP connection to one receiver (HL7 v2.x MLLP, Appendix C,
 * https://www.hl7.org/implement/standards/product_brief.cfm?product_id=55), plain TCP or TLS.
 *
 * - `send` frames the message, writes it and resolves with the acknowledgment whose MSA-2
 *   equals the message's MSH-10 (HL7 v2.5.1 chapter 2, "Acknowledgment messages"). ACKs for
 *   other control ids — late answers to a message that timed out — are skipped.
 * - One message at a time: concurrent `send` calls queue and go out in call order, each after
 *   the previous one's ACK (or failure), which is what gives a connection its ordering.
 * - Connects lazily and again after the socket drops; closes the socket after `idleTimeoutMs`
 *   without traffic. Each connect re-vets the host against the target policy.
 * - When a message reuses the control id of an earlier, still unacknowledged message with
 *   different content, the socket is replaced first, so the earlier message's late ACK cannot
 *   be taken for the new one's.
 *
 * A failed attempt throws `Hl7AckTimeoutError` (no ACK in time), `MllpTransportError` (connect,
 * TLS, dropped socket) or `OutboundError` (target refused by policy); `sendWithRetry` decides
 * what to resend. Negative ACKs are returned, not thrown: `AckResult.code` says which.
 */
export class MllpClient {
  private conn: Connection | undefined;
  private waiter: Waiter | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pendingSends = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly counters: MllpClientStats = { connects: 0, messagesWritten: 0, staleAcks: 0, ignoredFrames: 0 };
  readonly host: string;
  readonly port: number;

  constructor(private readonly options: MllpClientOptions) {
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65_535) throw new RangeError('port must be an integer from 1 to 65535');
    this.host = options.host;
    this.port = options.port;
  }

  /** Sends still queued or awaiting their ACK on this client. */
  get pending(): number {
    return this.pendingSends;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get stats(): MllpClientStats {
    return { ...this.counters };
  }

  /** True while a socket is open (a send would not need to connect). */
  get connected(): boolean {
    return this.conn !== undefined && !this.conn.closed;
  }

  /** Sends one message and waits for its acknowledgment; see the class comment for ordering and failures. */
  send(message: string, options: MllpSendOptions): Promise<AckResult> {
    if (this.closed) return Promise.reject(new MllpClientClosedError());
    this.pendingSends += 1;
    this.clearIdleTimer();
    const run = this.queue.then(() => this.sendNow(message, options.timeoutMs));
    this.queue = run.then(
      () => this.settled(),
      () => this.settled(),
    );
    return run;
  }

  /**
   * Closes the socket. With `drain`, queued sends finish first; without, they fail with
   * `MllpClientClosedError`.
   */
  async close(options: { drain?: boolean } = {}): Promise<void> {
    if (options.drain) await this.queue;
    this.closed = true;
    this.clearIdleTimer();
    this.waiter?.reject(new MllpClientClosedError());
    this.waiter = undefined;
    const conn = this.conn;
    this.conn = undefined;
    if (conn && !conn.closed) {
      await new Promise<void>((resolve) => {
        conn.socket.once('close', () => resolve());
        conn.socket.destroy();
      });
    }
  }

  private settled(): void {
    this.pendingSends -= 1;
    if (this.pendingSends === 0 && !this.closed && this.conn) {
      const conn = this.conn;
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (this.pendingSends === 0 && this.conn === conn) this.drop(conn, true);
      }, this.options.idleTimeoutMs ?? DEFAULT_MLLP_IDLE_TIMEOUT_MS);
      this.idleTimer.unref();
    }
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private async sendNow(message: string, timeoutMs: number): Promise<AckResult> {
    if (this.closed) throw new MllpClientClosedError();
    const header = parseHeader(message);
    if (!header.ok) throw new Hl7OutboundMessageError(header.error.reason);
    const controlId = header.header.controlId.trim();
    let bytes: Buffer;
    try {
      bytes = frame(message);
    } catch {
      throw new Hl7OutboundMessageError('block_byte_in_payload');
    }
    const digest = createHash('sha256').update(bytes).digest('base64');

    let conn = this.conn;
    if (conn) {
      const owed = conn.owed.get(controlId);
      // Same control id, different message: a late ACK for the old one could be read as this one's.
      if ((owed && owed.digest !== digest) || conn.owed.size >= MAX_OWED_CONTROL_IDS) {
        this.drop(conn, false);
        conn = undefined;
      }
    }
    conn ??= await this.connect();
    if (this.closed) {
      conn.socket.destroy();
      throw new MllpClientClosedError();
    }
    const live = conn;

    return new Promise<AckResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.waiter !== waiter) return;
        this.waiter = undefined;
        reject(new Hl7AckTimeoutError(1, 'ack_timeout', { timeoutMs }));
      }, timeoutMs);
      const waiter: Waiter = {
        conn: live,
        controlId,
        resolve: (ack) => {
          clearTimeout(timer);
          resolve(ack);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiter = waiter;
      const owed = live.owed.get(controlId);
      if (owed) owed.count += 1;
      else live.owed.set(controlId, { digest, count: 1 });
      this.counters.messagesWritten += 1;
      live.socket.write(bytes);
    });
  }

  private onFrame(conn: Connection, payload: Buffer): void {
    const ack = parseAckResult(messageText(payload));
    if (!ack) {
      this.counters.ignoredFrames += 1;
      return;
    }
    const controlId = ack.controlId.trim();
    const owed = conn.owed.get(controlId);
    if (owed) {
      owed.count -= 1;
      if (owed.count <= 0) conn.owed.delete(controlId);
    }
    const waiter = this.waiter;
    const forWaiter =
      waiter !== undefined &&
      waiter.conn === conn &&
      // An empty MSA-2 (a receiver that could not read our header) can only mean the message in
      // flight, and only when nothing else on this socket still owes an ACK.
      (controlId === waiter.controlId || (controlId === '' && [...conn.owed.keys()].every((id) => id === waiter.controlId)));
    if (!forWaiter) {
      this.counters.staleAcks += 1;
      return;
    }
    if (controlId === '') {
      const own = conn.owed.get(waiter.controlId);
      if (own && --own.count <= 0) conn.owed.delete(waiter.controlId);
    }
    this.waiter = undefined;
    waiter.resolve(ack);
  }

  private onClose(conn: Connection): void {
    conn.closed = true;
    conn.decoder.end();
    if (this.conn === conn) this.conn = undefined;
    const waiter = this.waiter;
    if (waiter?.conn === conn) {
      this.waiter = undefined;
      const errno = conn.lastError?.code;
      waiter.reject(new MllpTransportError(isTlsError(conn.lastError) ? 'tls_failed' : 'connection_lost', { errno, cause: conn.lastError }));
    }
  }

  /** Forgets a connection; `graceful` lets the peer read what was sent (idle close). */
  private drop(conn: Connection, graceful: boolean): void {
    if (this.conn === conn) this.conn = undefined;
    // Graceful: our FIN goes out after what was written; the socket is then released
    // whether or not the peer ever closes its side.
    if (graceful) conn.socket.end(() => conn.socket.destroy());
    else conn.socket.destroy();
  }

  private async connect(): Promise<Connection> {
    const addresses = await this.vettedAddresses();
    let lastError: unknown;
    for (const address of addresses) {
      if (this.closed) throw new MllpClientClosedError();
      try {
        const socket = await this.open(address);
        return this.adopt(socket);
      } catch (error) {
        lastError = error;
        // A certificate problem will not be different on another address of the same host.
        if (error instanceof MllpTransportError && error.reason === 'tls_failed') break;
      }
    }
    throw lastError ?? new MllpTransportError('connect_failed');
  }

  private async vettedAddresses(): Promise<readonly VettedAddress[]> {
    const literal = isIPv6(this.host) ? `[${this.host}]` : this.host;
    // Same host syntax rules as HTTP targets: no credentials, no evasive IP encodings.
    const parsed = parseOutboundUrl(`https://${literal}:${this.port}/`, { allowHttp: false });
    if (!parsed.ok) throw new OutboundError(parsed.reason);
    const check = await checkTarget(parsed.url, this.options.policy, this.options.resolver ?? systemResolver);
    if (check.ok) return check.addresses;
    if (check.reason === 'target_not_allowed') throw new OutboundError('target_not_allowed', { details: { addressClass: check.addressClass } });
    throw new MllpTransportError('connect_failed', { errno: 'ENOTFOUND', cause: check.cause });
  }

  private open(address: VettedAddress): Promise<Socket> {
    const tls = this.options.tls;
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_MLLP_CONNECT_TIMEOUT_MS;
    return new Promise<Socket>((resolve, reject) => {
      let tcpConnected = false;
      const socket: Socket = tls
        ? tlsConnect({
            host: address.address,
            port: this.port,
            // Verify against the configured name although the socket goes to the vetted address.
            servername: tls.servername ?? (address.address === this.host ? undefined : this.host),
            ca: tls.ca,
            cert: tls.cert,
            key: tls.key,
            passphrase: tls.passphrase,
            minVersion: tls.minVersion ?? 'TLSv1.2',
            rejectUnauthorized: true,
          })
        : netConnect({ host: address.address, port: this.port, family: address.family });
      const timer = setTimeout(() => fail(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), timeoutMs);
      const fail = (error: NodeJS.ErrnoException): void => {
        clearTimeout(timer);
        socket.destroy();
        const reason = tls && (tcpConnected || isTlsError(error)) && !isResetError(error) ? 'tls_failed' : 'connect_failed';
        reject(new MllpTransportError(reason, { errno: error.code, cause: error }));
      };
      socket.once('connect', () => {
        tcpConnected = true;
      });
      socket.once('error', fail);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        if (tls && !(socket as TLSSocket).authorized) {
          fail(Object.assign(new Error('peer not authorized'), { code: 'ERR_TLS_CERT_NOT_AUTHORIZED' }));
          return;
        }
        if (tls) this.reportPeerCertificate(socket as TLSSocket);
        resolve(socket);
      });
    });
  }

  private reportPeerCertificate(socket: TLSSocket): void {
    const peer = socket.getPeerCertificate();
    if (!this.options.onPeerCertificate || !peer.fingerprint256 || !peer.valid_to) return;
    this.options.onPeerCertificate({ fingerprint256: peer.fingerprint256, notAfter: new Date(peer.valid_to) });
  }

  private adopt(socket: Socket): Connection {
    this.counters.connects += 1;
    const conn: Connection = {
      socket,
      decoder: new MllpDecoder({ maxFrameBytes: this.options.maxAckBytes ?? DEFAULT_MAX_ACK_BYTES }),
      owed: new Map(),
      closed: false,
    };
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (chunk: Buffer) => {
      for (const event of conn.decoder.feed(chunk)) {
        if (event.kind === 'frame') this.onFrame(conn, event.payload);
        else this.counters.ignoredFrames += 1;
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      conn.lastError = error;
    });
    // A receiver that half-closes will not send the ACK we wait for.
    socket.on('end', () => socket.destroy());
    socket.on('close', () => this.onClose(conn));
    this.conn = conn;
    return conn;
  }
}

function isTlsError(error: NodeJS.ErrnoException | undefined): boolean {
  const code = error?.code ?? '';
  return /^ERR_(TLS|SSL)_/.test(code) || /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME/.test(code);
}

function isResetError(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.code === 'ECONNREFUSED' || error.code === 'ETIMEDOUT';
}
