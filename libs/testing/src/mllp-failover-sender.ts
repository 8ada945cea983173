import { frame, MllpDecoder, segments } from '@sb/hl7';
import { connect, type Socket } from 'node:net';

export interface FailoverSendOptions {
  /** Messages in flight on one connection at once. */
  window?: number;
  host?: string;
  /** Gives up (throws) when not every message has an ACK by then. */
  timeoutMs?: number;
  /** A connection silent this long with messages in flight counts as lost. */
  idleMs?: number;
  /** Called on every ACK that completes a message: its control id, the listener's port and how many are done. */
  onAck?: (controlId: string, port: number, done: number) => void;
}

export interface FailoverSendResult {
  /** The ACK each message got (MSA-2 → the whole ACK), the first one when it got several. */
  acks: Map<string, string>;
  /** Frames written, resends included. */
  framesSent: number;
  /** ACKs received per listener port. */
  acksByPort: Map<number, number>;
}

/**
 * An at-least-once MLLP sender with a failover list, as interface engines are set up in front of
 * several listeners: keeps up to `window` messages in flight on one connection to the current
 * listener, counts a message done on its ACK (whatever its code: the caller judges them), and when
 * the connection is lost or refused moves to the next listener and resends every message that has
 * no ACK yet. `messages` maps MSH-10 to the message.
 */
export async function sendWithFailover(ports: readonly number[], messages: ReadonlyMap<string, string>, options: FailoverSendOptions = {}): Promise<FailoverSendResult> {
  const { window = 10, host = '127.0.0.1', timeoutMs = 60_000, idleMs = 15_000, onAck } = options;
  if (ports.length === 0) throw new Error('no listener to send to');
  const acks = new Map<string, string>();
  const acksByPort = new Map<number, number>();
  let framesSent = 0;
  let current = 0;
  const deadline = Date.now() + timeoutMs;
  while (acks.size < messages.size) {
    if (Date.now() > deadline) throw new Error(`MLLP failover sender: ${messages.size - acks.size} of ${messages.size} messages without an ACK after ${timeoutMs} ms`);
    const port = ports[current % ports.length] as number;
    const socket = await new Promise<Socket | null>((resolve) => {
      const s = connect(port, host, () => resolve(s)).once('error', () => resolve(null));
    });
    if (!socket) {
      current++;
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    const pending = [...messages.keys()].filter((id) => !acks.has(id));
    await new Promise<void>((resolve) => {
      const decoder = new MllpDecoder();
      let next = 0;
      let inFlight = 0;
      const pump = () => {
        while (inFlight < window && next < pending.length) {
          const id = pending[next++] as string;
          inFlight++;
          framesSent++;
          socket.write(frame(messages.get(id) as string));
        }
        if (inFlight === 0 && next >= pending.length) socket.end();
      };
      socket.on('data', (chunk: Buffer) => {
        for (const event of decoder.feed(chunk)) {
          if (event.kind !== 'frame') continue;
          inFlight--;
          const ack = event.payload.toString('utf8');
          const controlId = (segments(ack).find((s) => s[0] === 'MSA') ?? [])[2];
          if (controlId && messages.has(controlId) && !acks.has(controlId)) {
            acks.set(controlId, ack);
            acksByPort.set(port, (acksByPort.get(port) ?? 0) + 1);
            onAck?.(controlId, port, acks.size);
          }
        }
        pump();
      });
      socket.setTimeout(idleMs, () => socket.destroy());
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
      pump();
    });
    // Lost before every message was answered: the next listener gets the rest.
    if (acks.size < messages.size) current++;
  }
  return { acks, framesSent, acksByPort };
}
