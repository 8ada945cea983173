import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Hl7InboundProcessor } from './inbound-processor';
import { Hl7OutboundDispatcher } from './outbound-dispatcher';
import { ProcessingLoop } from '@sb/queue';

/** Idle poll interval: how long a message can wait for processing when the worker has nothing else to do. */
export const HL7_IDLE_POLL_MS = 100;
/** Pause after a failed step (the database is down, say). */
export const HL7_ERROR_PAUSE_MS = 2_000;

/** The worker's HL7 loops: inbound processing and outbound dispatch, each polling Postgres. */
@Injectable()
export class Hl7WorkerLoops implements OnModuleDestroy {
  private readonly loops: ProcessingLoop[];

  constructor(inbound: Hl7InboundProcessor, outbound: Hl7OutboundDispatcher) {
    const options = { idleMs: HL7_IDLE_POLL_MS, errorMs: HL7_ERROR_PAUSE_MS };
    this.loops = [new ProcessingLoop('hl7-inbound', () => inbound.processBatch(), options), new ProcessingLoop('hl7-outbound', () => outbound.dispatchBatch(), options)];
  }

  start(): void {
    for (const loop of this.loops) loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.loops.map((l) => l.stop()));
  }
}
