import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobName, PRUNE_JTIS_EVERY_MS, QueueName, QueueService, WorkerHost } from '@sb/queue';
import { PinoNestLogger, type Logger } from '@sb/telemetry';
import { WorkerJobHandlers } from './job-handlers';
import { WorkerModule } from './worker.module';

/** Boots the worker: processors for every queue plus the repeatable maintenance jobs. */
export async function startWorker(logger: Logger): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: new PinoNestLogger(logger) });
  await app.get(WorkerHost).start(app.get(WorkerJobHandlers).handlers);
  await app
    .get(QueueService)
    .queue(QueueName.Maintenance)
    .upsertJobScheduler(JobName.PruneAssertionJtis, { every: PRUNE_JTIS_EVERY_MS }, { name: JobName.PruneAssertionJtis, data: { tenantId: null, requestId: 'scheduler', data: {} } });
  return app;
}
