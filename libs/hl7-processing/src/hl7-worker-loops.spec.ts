import type { OutboxNotifications } from '@sb/db';
import { HL7_INBOUND_LINGER_MS, Hl7WorkerLoops } from './hl7-worker-loops';
import type { Hl7InboundProcessor } from './inbound-processor';
import type { Hl7OutboundDispatcher } from './outbound-dispatcher';

/** An inbound processor whose batches take `sizes` in turn (then none), each leaving work waiting or not. */
function inboundOf(batches: { size: number; leftWaiting: boolean }[]) {
  const claimedAt: number[] = [];
  let last = false;
  const processor = {
    processBatch: () => {
      claimedAt.push(Date.now());
      const next = batches.shift();
      last = next?.leftWaiting ?? false;
      return Promise.resolve(next?.size ?? 0);
    },
    leftWorkWaiting: () => last,
  };
  return { processor: processor as unknown as Hl7InboundProcessor, claimedAt };
}

const outbound = { dispatchBatch: () => Promise.resolve(0) } as unknown as Hl7OutboundDispatcher;
const notifications = { listen: () => Promise.resolve() } as unknown as OutboxNotifications;

describe('Hl7WorkerLoops', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('claims again at once after a partial batch that left work waiting, and lingers after one that left none', async () => {
    const { processor, claimedAt } = inboundOf([
      { size: 1, leftWaiting: true },
      { size: 1, leftWaiting: true },
      { size: 1, leftWaiting: false },
      { size: 32, leftWaiting: false },
    ]);
    const loops = new Hl7WorkerLoops(processor, outbound, notifications);
    loops.start();
    await jest.advanceTimersByTimeAsync(HL7_INBOUND_LINGER_MS * 2);
    const stopping = loops.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(0);
    await stopping;
    // One patient's backlog goes on without a pause; the trickle's last batch waits; a full batch does not.
    expect(claimedAt.slice(0, 5)).toEqual([0, 0, 0, HL7_INBOUND_LINGER_MS, HL7_INBOUND_LINGER_MS]);
  });
});
