import { Injectable } from '@nestjs/common';
import { ProcessingLoop, ProcessingLoopService } from '@sb/queue';
import { AuditService } from './audit.service';

/**
 * Audit records are linked into their tenant's hash chain within about this long of being written. Nobody waits
 * for it: listing or verifying a tenant's records chains what is pending first. An idle round is one query. (It
 * was a BullMQ repeatable job, whose every run cost an idle worker several Redis round trips and a span besides:
 * about 2 of its 9 ms of CPU a second.)
 */
export const AUDIT_CHAIN_IDLE_MS = 5_000;
/** Pause after a failed round (the database is down, say); what was pending stays pending. */
export const AUDIT_CHAIN_ERROR_PAUSE_MS = 10_000;

/**
 * Chains pending audit records, round after round while a round reached its cap of tenants, then every
 * {@link AUDIT_CHAIN_IDLE_MS}. Started by the worker; several workers may run it at once (each tenant's
 * chain is extended under its own lock). `stop()` (and module destroy) waits for the round in flight.
 */
@Injectable()
export class AuditChainLoop extends ProcessingLoopService {
  protected readonly loop: ProcessingLoop;

  constructor(audit: AuditService) {
    super();
    this.loop = new ProcessingLoop('audit-chain', async () => ((await audit.chainAll()).more ? 1 : 0), {
      idleMs: AUDIT_CHAIN_IDLE_MS,
      errorMs: AUDIT_CHAIN_ERROR_PAUSE_MS,
    });
  }
}
