import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { buildAck, type AckCode, type Hl7ErrorCode } from '../hl7-ack';
import { parseHeader, type ParsedHeader } from '../hl7-message';
import { MllpDecoder } from '../mllp-decoder';
import { frame } from '../mllp-encoder';

// A receiving site for the client's specs: real sockets, scripted answers. Not exported
// from the library.

export interface ReceivedFrame {
  controlId: string;
  header: ParsedHeader;
  raw: string;
  /** Which accepted socket it came on (0-based, in accept order). */
  socketIndex: number;
  /** Subject CN of the client certificate, for TLS receivers that ask for one. */
  peerCn?: string;
}

export type ReceiverAnswer =
  | { kind: 'ack'; code: AckCode; delayMs?: number; text?: string; errorCode?: Hl7ErrorCode }
  | { kind: 'silent' }
  /** Destroys the socket instead of answering. */
  | { kind: 'drop' };

export type ReceiverScript = (received: ReceivedFrame, copies: number) => ReceiverAnswer;

export class MllpTestReceiver {
  readonly received: ReceivedFrame[] = [];
  readonly sockets: Socket[] = [];
  /** Most frames one socket had received but not yet answered, at any time. */
  maxUnanswered = 0;
  private readonly closeWaiters: (() => void)[] = [];
  private readonly server: Server;
  private ackCounter = 0;

  private constructor(
    public script: ReceiverScript,
    tls: TlsOptions | undefined,
  ) {
    const onSocket = (socket: Socket): void => this.accept(socket);
    this.server = tls ? createTlsServer(tls, onSocket) : createNetServer(onSocket);
  }

  static async start(script: ReceiverScript = () => ({ kind: 'ack', code: 'AA' }), tls?: TlsOptions): Promise<MllpTestReceiver> {
    const receiver = new MllpTestReceiver(script, tls);
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  copiesOf(controlId: string): number {
    return this.received.filter((r) => r.controlId === controlId).length;
  }

  get openSockets(): number {
    return this.sockets.filter((s) => !s.destroyed).length;
  }

  /** Resolves once no accepted socket is open. */
  async allClosed(): Promise<void> {
    while (this.openSockets > 0) await new Promise<void>((resolve) => this.closeWaiters.push(resolve));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const socketIndex = this.sockets.length;
    this.sockets.push(socket);
    const decoder = new MllpDecoder();
    let chain: Promise<void> = Promise.resolve();
    let unanswered = 0;
    socket.on('error', () => undefined);
    socket.on('close', () => this.closeWaiters.splice(0).forEach((w) => w()));
    socket.on('data', (chunk: Buffer) => {
      for (const event of decoder.feed(chunk)) {
        if (event.kind !== 'frame') continue;
        const raw = event.payload.toString('utf8');
        const parsed = parseHeader(raw);
        if (!parsed.ok) continue;
        const cert = (socket as TLSSocket).getPeerCertificate?.();
        const entry: ReceivedFrame = { controlId: parsed.header.controlId, header: parsed.header, raw, socketIndex, peerCn: [cert?.subject?.CN ?? []].flat()[0] };
        this.received.push(entry);
        unanswered += 1;
        this.maxUnanswered = Math.max(this.maxUnanswered, unanswered);
        const answer = this.script(entry, this.copiesOf(entry.controlId));
        // Answers go out in arrival order per socket, as a real listener does.
        chain = chain.then(async () => {
          if (answer.kind === 'drop') {
            socket.destroy();
            return;
          }
          if (answer.kind === 'silent') {
            unanswered -= 1;
            return;
          }
          if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
          unanswered -= 1;
          const ack = buildAck(parsed.header, { code: answer.code, controlId: `ACK${++this.ackCounter}`, error: { text: answer.text, code: answer.errorCode } });
          if (!socket.destroyed) socket.write(frame(ack));
        });
      }
    });
  }
}
