import { Logger } from '@nestjs/common';
import { ackFallback, frame, Hl7ErrorCode, MLLP_START_BLOCK, MllpDecoder, type MllpDecoderEvent } from '@sb/hl7';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { MllpTlsSettings } from './mllp-tls';

export interface MllpServerOptions {
  /** Frames larger than this are refused (AR) without being buffered. */
  maxFrameBytes: number;
  /** Sockets idle this long are closed. */
  idleTimeoutMs: number;
  maxConnections: number;
  /** When set, the listener speaks TLS instead of plain TCP. */
  tls?: MllpTlsSettings;
}

/** One sender's socket, as the frame handler sees it. */
export interface MllpPeer {
  /** The socket is TLS (and, when the listener requires it, the client certificate was verified). */
  readonly secure: boolean;
  /**
   * SHA-256 fingerprint (`AA:BB:…`, as Node's `fingerprint256`) of the client certificate the
   * sender presented and the listener verified against its CA; undefined over plain TCP or
   * without one. What a connection's `mllpPinnedCertSha256` is compared with.
   */
  readonly clientCertFingerprint256?: string;
  /** When that client certificate expires (watched by the health monitor). */
  readonly clientCertNotAfter?: Date;
  readonly closed: boolean;
  /**
   * Writes `payload` as one MLLP frame after every reply already queued on this socket
   * (so it never overtakes an earlier ACK); dropped when the socket has closed.
   */
  send(payload: string): void;
  /** Runs once when the socket closes. */
  onClose(listener: () => void): void;
}

/** Turns frames into ACKs. Both methods must answer every failure themselves; a throw is answered AE. */
export interface MllpFrameHandler {
  handle(frame: Buffer, peer: MllpPeer): Promise<string>;
  /** A frame over the size limit: its first bytes (up to {@link OVERSIZE_HEAD_BYTES}, enough for MSH) → a refusal. */
  handleOversize(head: Buffer, peer: MllpPeer): Promise<string>;
}

/** How much of an oversize frame is kept to read its MSH and name it in the refusal. */
export const OVERSIZE_HEAD_BYTES = 8 * 1024;
/** A TLS client that has not finished its handshake by then is dropped. */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * The MLLP listener (HL7 v2.x MLLP, Appendix C): robust framing per socket, frames
 * of one socket handled strictly in order (an ACK never overtakes an earlier
 * one), idle timeouts and a connection limit; TLS with client certificates when
 * configured. A slow, broken or hostile sender affects only its own socket, and no
 * input closes a socket: what cannot be used is answered and the next frame read.
 */
export class MllpServer {
  private readonly logger = new Logger(MllpServer.name);
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly handler: MllpFrameHandler,
    private readonly options: MllpServerOptions,
  ) {
    const tls = options.tls;
    if (tls) {
      const server = createTlsServer(
        {
          cert: tls.cert,
          key: tls.key,
          ca: tls.ca,
          requestCert: tls.ca !== undefined,
          rejectUnauthorized: tls.requireClientCert,
          handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
          minVersion: 'TLSv1.2',
        },
        (socket) => this.acceptTls(socket),
      );
      // A failed handshake (plain TCP on the TLS port, no or an untrusted client certificate) ends that socket only.
      server.on('tlsClientError', (e: NodeJS.ErrnoException) => this.logger.debug({ code: e.code }, 'MLLP TLS handshake failed'));
      this.server = server;
    } else {
      this.server = createTcpServer((socket) => this.accept(socket, false));
    }
    this.server.maxConnections = options.maxConnections;
  }

  listen(port: number, host = '0.0.0.0'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve((this.server.address() as { port: number }).port));
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private acceptTls(socket: TLSSocket): void {
    // With an optional client certificate, one that was presented must still verify.
    if (!socket.authorized && this.options.tls?.ca !== undefined && Object.keys(socket.getPeerCertificate()).length > 0) {
      this.logger.warn({ reason: 'untrusted_client_certificate' }, 'MLLP TLS client refused');
      socket.destroy();
      return;
    }
    // TLS 1.2 renegotiation could present another certificate after the one read here.
    socket.disableRenegotiation();
    this.accept(socket, true, verifiedClientCertificate(socket));
  }

  private accept(socket: Socket, secure: boolean, clientCert?: { fingerprint256: string; notAfter: Date }): void {
    this.sockets.add(socket);
    const decoder = new MllpDecoder({ maxFrameBytes: this.options.maxFrameBytes });
    const closeListeners: (() => void)[] = [];
    let chain: Promise<void> = Promise.resolve();
    const write = (payload: string): void => {
      if (socket.destroyed || !socket.writable) return;
      try {
        socket.write(frame(payload));
      } catch (e) {
        // Only a payload holding a block character can fail to frame; it is not sent.
        this.logger.error({ err: e }, 'MLLP reply could not be framed');
      }
    };
    const peer: MllpPeer = {
      secure,
      ...(clientCert ? { clientCertFingerprint256: clientCert.fingerprint256, clientCertNotAfter: clientCert.notAfter } : {}),
      get closed() {
        return socket.destroyed;
      },
      send: (payload) => {
        chain = chain.then(() => write(payload));
      },
      onClose: (listener) => {
        if (socket.destroyed) listener();
        else closeListeners.push(listener);
      },
    };
    const reply = (produce: () => Promise<string>): void => {
      chain = chain.then(async () => {
        let ack: string;
        try {
          ack = await produce();
        } catch (e) {
          // The handler answers every failure itself; this is the last line, and it never says AA.
          this.logger.error({ err: e }, 'MLLP frame handler failed');
          ack = ackFallback('AE', 'Message could not be processed; resend it', { errorCode: Hl7ErrorCode.ApplicationInternalError });
        }
        write(ack);
      });
    };

    // The first bytes of the frame in progress, so an oversize frame can still be answered by name.
    let head: Buffer[] = [];
    let headBytes = 0;
    const keepHead = (part: Buffer): void => {
      if (headBytes >= OVERSIZE_HEAD_BYTES || part.length === 0) return;
      const take = part.subarray(0, OVERSIZE_HEAD_BYTES - headBytes);
      head.push(Buffer.from(take));
      headBytes += take.length;
    };
    const onEvent = (event: MllpDecoderEvent): void => {
      if (event.kind === 'frame') {
        const payload = event.payload;
        reply(() => this.handler.handle(payload, peer));
      } else if (event.kind === 'oversize') {
        const first = Buffer.concat(head);
        this.logger.warn({ maxFrameBytes: event.maxFrameBytes }, 'oversize MLLP frame refused');
        reply(() => this.handler.handleOversize(first, peer));
      } else {
        this.logger.warn({ reason: event.reason, discardedBytes: event.discardedBytes }, 'incomplete MLLP frame discarded');
      }
    };

    socket.setNoDelay(true);
    socket.setTimeout(this.options.idleTimeoutMs, () => socket.end());
    socket.on('data', (chunk: Buffer) => {
      // Fed in pieces that each begin at a start block, so `head` always belongs to the frame the decoder is in.
      let from = 0;
      while (from < chunk.length) {
        const next = chunk.indexOf(MLLP_START_BLOCK, from + 1);
        const piece = chunk.subarray(from, next === -1 ? chunk.length : next);
        if (piece[0] === MLLP_START_BLOCK) {
          head = [];
          headBytes = 0;
          keepHead(piece.subarray(1));
        } else {
          keepHead(piece);
        }
        for (const event of decoder.feed(piece)) onEvent(event);
        from += piece.length;
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => this.logger.debug({ code: e.code }, 'MLLP socket error'));
    socket.on('close', () => {
      decoder.end();
      this.sockets.delete(socket);
      for (const listener of closeListeners.splice(0)) listener();
    });
  }
}

/**
 * The verified client certificate's fingerprint and expiry, read once at accept (`acceptTls`
 * disables renegotiation, so it stays the socket's certificate). Only a certificate that
 * verified against the listener's CA counts.
 */
function verifiedClientCertificate(socket: TLSSocket): { fingerprint256: string; notAfter: Date } | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  return typeof cert.fingerprint256 === 'string' && cert.fingerprint256.length > 0 ? { fingerprint256: cert.fingerprint256, notAfter: new Date(cert.valid_to) } : undefined;
}
