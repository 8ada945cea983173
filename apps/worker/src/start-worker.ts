import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AthenaChangePoller } from '@sb/athena-changes';
import { AuditChainLoop } from '@sb/audit';
import { BulkExportRunner } from '@sb/bulk-export';
import { ConnectionHealthMonitor } from '@sb/connection-health';
import { InvoiceCloser, UsageAlertEvaluator } from '@sb/billing';
import { UsageRollupLoop } from '@sb/metering';
import { Hl7WorkerLoops } from '@sb/hl7-processing';
import { JobName, PRUNE_JTIS_EVERY_MS, QueueName, QueueService, RETIRED_JOB_NAMES, WorkerHost } from '@sb/queue';
import { PinoNestLogger, type Logger } from '@sb/telemetry';
import { WebhookRelay } from '@sb/webhooks';
import { WorkerJobHandlers } from './job-handlers';
import { WorkerModule } from './worker.module';

/** Boots the worker: processors for every queue, the repeatable maintenance job, audit chaining, the HL7 loops, the athena change poller and the connection health monitor. */
export async function startWorker(logger: Logger): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: new PinoNestLogger(logger) });
  const maintenance = app.get(QueueService).queue(QueueName.Maintenance);
  // Schedulers of retired jobs an older worker left in Redis would go on making jobs: removed before this worker
  // takes any (a job one of them already made completes without work, see RETIRED_JOB_NAMES).
  for (const name of RETIRED_JOB_NAMES) await maintenance.removeJobScheduler(name);
  await app.get(WorkerHost).start(app.get(WorkerJobHandlers).handlers);
  const scheduled = (name: JobName, everyMs: number) =>
    maintenance.upsertJobScheduler(name, { every: everyMs }, { name, data: { tenantId: null, requestId: 'scheduler', data: {} }, opts: { removeOnComplete: true, removeOnFail: 100 } });
  await scheduled(JobName.PruneAssertionJtis, PRUNE_JTIS_EVERY_MS);
  // Pending audit records → their tenants' hash chains.
  app.get(AuditChainLoop).start();
  app.get(Hl7WorkerLoops).start();
  // athena change feeds → events; stopped (leases released) by app.close().
  app.get(AthenaChangePoller).start();
  app.get(WebhookRelay).start();
  // usage → 15-minute rollups and period totals; ended periods → invoices; rules → usage.threshold_crossed.
  app.get(UsageRollupLoop).start();
  app.get(InvoiceCloser).start();
  app.get(UsageAlertEvaluator).start();
  // Bulk Data exports: leased state machines, woken by kick-offs and cancellations.
  app.get(BulkExportRunner).start();
  // Every live connection checked on a clock; transitions → connection.health_changed.
  app.get(ConnectionHealthMonitor).start();
  return app;
}
