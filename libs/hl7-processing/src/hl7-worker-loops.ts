import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { HL7_INBOUND_CHANNEL, HL7_OUTBOUND_CHANNEL, OutboxNotifications } from '@sb/db';
import { ProcessingLoop } from '@sb/queue';
import { Hl7InboundProcessor, INBOUND_BATCH } from './inbound-processor';
import { Hl7OutboundDispatcher } from './outbound-dispatcher';

/**
 * Idle poll interval. A fallback, not the trigger: stored inbound messages and queued outbound
 * ones wake their loop by LISTEN/NOTIFY; the poll catches retries falling due, reprocessing
 * requests and a lost notification, at most this late. Shorter polls cost an idle worker CPU.
 */
export const HL7_IDLE_POLL_MS = 2_000;
/** Pause after a failed step (the database is down, say). */
export const HL7_ERROR_PAUSE_MS = 2_000;

/**
 * After an inbound batch smaller than a full one with nothing left waiting (the worker keeps up
 * with a trickle), the wait before the next claim: it then takes whatever arrived meanwhile in
 * one transaction. Keeping up with one connection, the worker took one message per transaction,
 * each paying a claim, a transaction, a relay and a rollup alone, on the cores the listener
 * needs; with this wait the listener's rate with the worker running went 367 → 551 and 490 → 645 msg/s in
 * two pairs of runs (`npm run bench -- hl7`).
 * A message's processing waits at most this much longer; its ACK (after the raw commit) not at all.
 */
export const HL7_INBOUND_LINGER_MS = 20;

/** The worker's HL7 loops: inbound processing and outbound dispatch, woken by their notifications. */
@Injectable()
export class Hl7WorkerLoops implements OnModuleDestroy {
  private readonly inbound: ProcessingLoop;
  private readonly outbound: ProcessingLoop;
  private readonly loops: ProcessingLoop[];

  constructor(
    inbound: Hl7InboundProcessor,
    outbound: Hl7OutboundDispatcher,
    private readonly notifications: OutboxNotifications,
  ) {
    const options = { idleMs: HL7_IDLE_POLL_MS, errorMs: HL7_ERROR_PAUSE_MS };
    // A trickle: less than a full batch, and nothing left waiting (a backlog behind one patient's
    // head also claims one message at a time, and must go on at once).
    const trickle = (found: number) => found < INBOUND_BATCH && !inbound.leftWorkWaiting();
    this.inbound = new ProcessingLoop('hl7-inbound', () => inbound.processBatch(), { ...options, linger: { ms: HL7_INBOUND_LINGER_MS, after: trickle } });
    this.outbound = new ProcessingLoop('hl7-outbound', () => outbound.dispatchBatch(), options);
    this.loops = [this.inbound, this.outbound];
  }

  start(): void {
    void this.notifications.listen(() => this.inbound.poke(), HL7_INBOUND_CHANNEL);
    void this.notifications.listen(() => this.outbound.poke(), HL7_OUTBOUND_CHANNEL);
    for (const loop of this.loops) loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.loops.map((l) => l.stop()));
  }
}
