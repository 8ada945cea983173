import { frame, MllpDecoder } from '@sb/hl7';
import { connect } from 'node:net';

/** Resolves once something listens on `port` (a starting mllp process), or fails after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 30_000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, host, () => {
        s.destroy();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`nothing listens on ${host}:${port}`);
}

/** A plain MLLP sender for tests: one socket, each message written after the previous ACK; returns the ACKs in order. */
export async function sendMllpMessages(port: number, messages: readonly string[], host = '127.0.0.1'): Promise<string[]> {
  const socket = await new Promise<ReturnType<typeof connect>>((resolve, reject) => {
    const s = connect(port, host, () => resolve(s)).once('error', reject);
  });
  const decoder = new MllpDecoder();
  const acks: string[] = [];
  try {
    for (const message of messages) {
      const ack = await new Promise<string>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          for (const event of decoder.feed(chunk)) {
            if (event.kind === 'frame') {
              socket.off('data', onData);
              socket.off('close', onClose);
              resolve(event.payload.toString('utf8'));
              return;
            }
          }
        };
        const onClose = () => reject(new Error('MLLP connection closed before the ACK'));
        socket.on('data', onData);
        socket.once('close', onClose);
        socket.write(frame(message));
      });
      acks.push(ack);
    }
  } finally {
    socket.destroy();
  }
  return acks;
}
