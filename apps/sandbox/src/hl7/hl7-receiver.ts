import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ackFallback, buildAck, frame, Hl7ErrorCode, MllpDecoder, parseHeader, type Hl7MessageType } from '@sb/hl7';
import type { Logger } from '@sb/telemetry';
import { z } from 'zod';

/** How the simulated site answers: accept, application error, reject, or stay silent. */
export const RECEIVER_ACKS = ['AA', 'AE', 'AR', 'none'] as const;
export type ReceiverAck = (typeof RECEIVER_ACKS)[number];

const singleLine = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\r\n]*$/, 'must be one line');

export const receiverBehaviourSchema = z
  .strictObject({
    ack: z.enum(RECEIVER_ACKS),
    /** Wait this long before answering. */
    delayMs: z.int().min(0).max(120_000).optional(),
    /** Only the next `count` messages (of `messageType`, when given); afterwards the previous behaviour applies again. */
    count: z.int().min(1).max(10_000).optional(),
    /** ERR-8 text for AE/AR. */
    text: singleLine(200).optional(),
    /** ERR-3 (HL7 table 0357) for AE/AR; 207 (application internal error) unless given. */
    errorCode: z.enum(Object.values(Hl7ErrorCode) as [Hl7ErrorCode, ...Hl7ErrorCode[]]).optional(),
    /** `ORM`, `ORM^O01`, `MDM^T02`…; every message type when absent. */
    messageType: z
      .string()
      .regex(/^[A-Z0-9]{3}(\^[A-Z0-9]{3})?$/, 'a message code like ORM or ORM^O01')
      .optional(),
  })
  .refine((b) => (b.text === undefined && b.errorCode === undefined) || b.ack === 'AE' || b.ack === 'AR', { message: 'text and errorCode apply to AE and AR only', path: ['text'] });
export type ReceiverBehaviour = z.infer<typeof receiverBehaviourSchema>;

export interface ReceivedMessage {
  controlId: string;
  /** MSH-9.1^MSH-9.2 */
  type: string;
  receivedAt: string;
  /** What the site answered (or will answer, when delayed). */
  ack: ReceiverAck;
  /** The message as received: synthetic data in a simulator. */
  raw: string;
}

/** Messages kept for `GET /_sandbox/hl7/received`, newest last. */
export const RECEIVED_LIMIT = 500;
const MAX_FRAME_BYTES = 4 * 1024 * 1024;
const IDLE_TIMEOUT_MS = 10 * 60_000;

interface Rule {
  behaviour: ReceiverBehaviour;
  remaining?: number;
}

/**
 * The sandbox hospital's inbound HL7 v2 interface: an MLLP listener (HL7 v2.x MLLP,
 * Appendix C) that takes the gateway's orders and notes and answers in original mode,
 * as scripted. Answers on one socket go out in arrival order, as a real engine's do.
 *
 * Behaviour rules live in slots: one per scope (every type, a message code like `ORM`,
 * or a code and trigger like `ORM^O01`) and kind (standing, or for the next N). The most
 * specific one-off rule wins, then the most specific standing rule, then `AA`.
 */
export class Hl7Receiver {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Aborted on close: pending delayed answers are dropped. */
  private readonly closing = new AbortController();
  private readonly standing = new Map<string, Rule>();
  private readonly oneOff = new Map<string, Rule>();
  private readonly log: ReceivedMessage[] = [];
  private ackCounter = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Listens; with `fallbackToEphemeral`, a port already in use is replaced by a free one. */
  async listen(port: number, host: string, options: { fallbackToEphemeral?: boolean } = {}): Promise<number> {
    try {
      await this.listenOn(port, host);
    } catch (error) {
      if (!options.fallbackToEphemeral || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      this.logger.warn({ port }, 'sandbox MLLP port in use; listening on a free port instead');
      await this.listenOn(0, host);
    }
    return this.port;
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  setBehaviour(behaviour: ReceiverBehaviour): void {
    const scope = behaviour.messageType ?? '*';
    if (behaviour.count !== undefined) this.oneOff.set(scope, { behaviour, remaining: behaviour.count });
    else this.standing.set(scope, { behaviour });
  }

  resetBehaviour(): void {
    this.standing.clear();
    this.oneOff.clear();
  }

  /** The rules in force, one-off ones with what is left of their count. */
  behaviours(): { standing: ReceiverBehaviour[]; next: (ReceiverBehaviour & { remaining: number })[] } {
    return {
      standing: [...this.standing.values()].map((r) => r.behaviour),
      next: [...this.oneOff.values()].map((r) => ({ ...r.behaviour, remaining: r.remaining ?? 0 })),
    };
  }

  received(): ReceivedMessage[] {
    return [...this.log];
  }

  clearReceived(): void {
    this.log.length = 0;
  }

  async close(): Promise<void> {
    this.closing.abort();
    for (const socket of this.sockets) socket.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private listenOn(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  /** Picks (and consumes, for one-off rules) the behaviour for a message type. */
  private behaviourFor(type: Hl7MessageType): ReceiverBehaviour {
    const scopes = [`${type.code}^${type.trigger}`, type.code, '*'];
    for (const scope of scopes) {
      const rule = this.oneOff.get(scope);
      if (!rule) continue;
      rule.remaining = (rule.remaining ?? 1) - 1;
      if (rule.remaining <= 0) this.oneOff.delete(scope);
      return rule.behaviour;
    }
    for (const scope of scopes) {
      const rule = this.standing.get(scope);
      if (rule) return rule.behaviour;
    }
    return { ack: 'AA' };
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const decoder = new MllpDecoder({ maxFrameBytes: MAX_FRAME_BYTES });
    let chain: Promise<void> = Promise.resolve();
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.end());
    socket.on('data', (chunk: Buffer) => {
      for (const event of decoder.feed(chunk)) {
        if (event.kind !== 'frame') {
          this.logger.warn({ kind: event.kind }, 'sandbox MLLP frame discarded');
          continue;
        }
        const reply = this.handle(event.payload);
        chain = chain.then(async () => {
          const { ack, delayMs } = reply;
          if (delayMs > 0 && !(await this.wait(delayMs))) return;
          if (ack !== undefined && !socket.destroyed) socket.write(frame(ack));
        });
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => this.logger.debug({ code: e.code }, 'sandbox MLLP socket error'));
    socket.on('close', () => {
      decoder.end();
      this.sockets.delete(socket);
    });
  }

  /** Records the message and decides the answer now, so one-off counts follow arrival order. */
  private handle(payload: Buffer): { ack?: string; delayMs: number } {
    const parsed = parseHeader(payload);
    if (!parsed.ok) return { ack: ackFallback('AR', 'Message header could not be read'), delayMs: 0 };
    const header = parsed.header;
    const behaviour = this.behaviourFor(header.messageType);
    const type = `${header.messageType.code}^${header.messageType.trigger}`;
    this.log.push({ controlId: header.controlId, type, receivedAt: new Date(this.now()).toISOString(), ack: behaviour.ack, raw: payload.toString('utf8') });
    if (this.log.length > RECEIVED_LIMIT) this.log.splice(0, this.log.length - RECEIVED_LIMIT);
    this.logger.debug({ controlId: header.controlId, type, ack: behaviour.ack }, 'sandbox HL7 message received');
    const delayMs = behaviour.delayMs ?? 0;
    if (behaviour.ack === 'none') return { delayMs: 0 };
    const ack = buildAck(header, {
      code: behaviour.ack,
      controlId: `SBACK${++this.ackCounter}`,
      error: behaviour.ack === 'AA' ? undefined : { code: behaviour.errorCode, text: behaviour.text },
      now: new Date(this.now()),
    });
    return { ack, delayMs };
  }

  /** Resolves true after `ms`, false when the receiver closes first. */
  private async wait(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.closing.signal });
      return true;
    } catch {
      return false;
    }
  }
}
