import { Injectable } from '@nestjs/common';
import { AuditService } from '@sb/audit';
import { OAuthClientRepository } from '@sb/db';
import { KekRotationService } from '@sb/vault';
import { JobName, type JobEnvelope, type JobHandlers } from '@sb/queue';

/** One handler per job name; `JobHandlers` makes a missing one a compile error. */
@Injectable()
export class WorkerJobHandlers {
  constructor(
    private readonly clients: OAuthClientRepository,
    private readonly kekRotation: KekRotationService,
    private readonly audit: AuditService,
  ) {}

  readonly handlers: JobHandlers = {
    [JobName.Ping]: (payload: JobEnvelope) =>
      Promise.resolve({ pong: true, requestId: payload.requestId, tenantId: payload.tenantId, handledAt: new Date().toISOString() }),
    [JobName.PruneAssertionJtis]: async () => ({ pruned: await this.clients.pruneExpiredJtis(new Date()) }),
    [JobName.ChainAudit]: async () => ({ linked: await this.audit.chainAll() }),
    [JobName.RotateKek]: (_payload, job) => this.kekRotation.rotate((progress) => void job.updateProgress({ ...progress })),
  };
}
