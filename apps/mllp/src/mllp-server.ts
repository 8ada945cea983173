import { Logger } from '@nestjs/common';
import { ackFallback, frame, MllpDecoder } from '@sb/hl7';
import { createServer, type Server, type Socket } from 'node:net';

export interface MllpServerOptions {
  maxFrameBytes: number;
  /** Sockets idle this long are closed. */
  idleTimeoutMs: number;
  maxConnections: number;
}

export type FrameHandler = (frame: Buffer) => Promise<string>;

/**
 * The MLLP listener (HL7 v2.x MLLP, Appendix C): robust framing per socket, frames
 * of one socket handled strictly in order (an ACK never overtakes an earlier
 * one), idle timeouts and a connection limit. A slow or broken sender affects only
 * its own socket.
 */
export class MllpServer {
  private readonly logger = new Logger(MllpServer.name);
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly handle: FrameHandler,
    private readonly options: MllpServerOptions,
  ) {
    this.server = createServer((socket) => this.accept(socket));
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

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const decoder = new MllpDecoder({ maxFrameBytes: this.options.maxFrameBytes });
    let chain: Promise<void> = Promise.resolve();
    socket.setNoDelay(true);
    socket.setTimeout(this.options.idleTimeoutMs, () => socket.end());
    socket.on('data', (chunk: Buffer) => {
      for (const event of decoder.feed(chunk)) {
        if (event.kind === 'frame') {
          const payload = event.payload;
          chain = chain.then(() => this.reply(socket, payload));
        } else if (event.kind === 'oversize') {
          this.logger.warn({ maxFrameBytes: event.maxFrameBytes }, 'oversize MLLP frame discarded');
        } else {
          this.logger.warn({ reason: event.reason, discardedBytes: event.discardedBytes }, 'incomplete MLLP frame discarded');
        }
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => this.logger.debug({ code: e.code }, 'MLLP socket error'));
    socket.on('close', () => {
      decoder.end();
      this.sockets.delete(socket);
    });
  }

  private async reply(socket: Socket, payload: Buffer): Promise<void> {
    let ack: string;
    try {
      ack = await this.handle(payload);
    } catch (e) {
      // The handler answers every failure itself; this is the last line, and it never says AA.
      this.logger.error({ err: e }, 'MLLP frame handler failed');
      ack = ackFallback('AE', 'Message could not be processed; resend it');
    }
    if (!socket.destroyed) socket.write(frame(ack));
  }
}
