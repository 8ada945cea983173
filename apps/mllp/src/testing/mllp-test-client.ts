import { MllpDecoder, segments } from '@sb/hl7';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

/** A real MLLP client for tests: sends bytes as given, collects every ACK frame it receives. */
export class MllpTestClient {
  private readonly decoder = new MllpDecoder();
  readonly acks: string[] = [];
  private waiters: (() => void)[] = [];
  private closedFlag = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const e of this.decoder.feed(chunk)) if (e.kind === 'frame') this.acks.push(e.payload.toString('utf8'));
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closedFlag = true;
      this.wake();
    });
  }

  /** Plain TCP. */
  static open(port: number): Promise<MllpTestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new MllpTestClient(socket)));
      socket.once('error', reject);
    });
  }

  /** TLS; rejects when the handshake fails (or the server drops the socket right after it). */
  static openTls(port: number, options: ConnectionOptions): Promise<MllpTestClient> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ port, host: '127.0.0.1', ...options }, () => resolve(new MllpTestClient(socket)));
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('closed during the handshake')));
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves once `n` ACKs arrived in total; rejects if the socket closes first. */
  async waitFor(n: number): Promise<string[]> {
    while (this.acks.length < n) {
      if (this.closedFlag) throw new Error(`socket closed after ${this.acks.length} of ${n} ACKs`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return this.acks;
  }

  /** Resolves when the socket has closed. */
  async waitClosed(): Promise<void> {
    while (!this.closedFlag) await new Promise<void>((r) => this.waiters.push(r));
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }
}

/** The MSA segment of an ACK as fields (`[0]` is `MSA`, `[1]` the code, `[2]` the acknowledged control id). */
export const msa = (ack: string): string[] => segments(ack).find((s) => s[0] === 'MSA') ?? [];
/** The ERR segment of an ACK as fields, or undefined. */
export const err = (ack: string): string[] | undefined => segments(ack).find((s) => s[0] === 'ERR');
