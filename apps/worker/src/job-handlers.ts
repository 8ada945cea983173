import { Injectable } from '@nestjs/common';
import { OAuthClientRepository } from '@sb/db';
import { JobName, type JobEnvelope, type JobHandlers } from '@sb/queue';
import { MasterKeyRotation } from './master-key-rotation';

/** One handler per job name; `JobHandlers` makes a missing one a compile error. */
@Injectable()
export class WorkerJobHandlers {
  constructor(
    private readonly clients: OAuthClientRepository,
    private readonly masterKeyRotation: MasterKeyRotation,
  ) {}

  readonly handlers: JobHandlers = {
    [JobName.Ping]: (payload: JobEnvelope) =>
      Promise.resolve({ pong: true, requestId: payload.requestId, tenantId: payload.tenantId, handledAt: new Date().toISOString() }),
    [JobName.PruneAssertionJtis]: async () => ({ pruned: await this.clients.pruneExpiredJtis(new Date()) }),
    [JobName.RotateKek]: (_payload, job) => this.masterKeyRotation.run((progress) => void job.updateProgress({ ...progress })),
  };
}
