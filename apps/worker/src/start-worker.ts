import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AthenaChangePoller } from '@sb/athena-changes';
import { AuditChainLoop } from '@sb/audit';
import { BulkExportRunner } from '@sb/bulk-export';
import { ConnectionHealthMonitor } from '@sb/connection-health';
import { InvoiceCloser, UsageAlertEvaluator } from '@sb/billing';
import { UsageRollupLoop } from '@sb/metering';
import { Hl7WorkerLoops } from '@sb/hl7-processing';
import { JobName, PRUNE_JTIS_EVERY_MS, QueueName, QueueService, WorkerHost } from '@sb/queue';
import { PinoNestLogger, type Logger } from '@sb/telemetry';
import { WebhookRelay } from '@sb/webhooks';
import { WorkerJobHandlers } from './job-handlers';
import { WorkerModule } from './worker.module';

const LEGACY_CHAIN_AUDIT_SCHEDULER = 'maintenance.chain-audit';

/** Boots the worker: processors for every queue, the repeatable maintenance job, audit chaining, the HL7 loops, the athena change poller and the connection health monitor. */
export async function startWorker(logger: Logger): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: new PinoNestLogger(logger) });
  await app.get(WorkerHost).start(app.get(WorkerJobHandlers).handlers);
  const maintenance = app.get(QueueService).queue(QueueName.Maintenance);
  const scheduled = (name: JobName, everyMs: number) =>
    maintenance.upsertJobScheduler(name, { every: everyMs }, { name, data: { tenantId: null, requestId: 'scheduler', data: {} }, opts: { removeOnComplete: true, removeOnFail: 100 } });
  await scheduled(JobName.PruneAssertionJtis, PRUNE_JTIS_EVERY_MS);
  // Audit chaining was a repeatable job until it became a loop: a scheduler left in Redis by an older worker would
  // keep making jobs no handler takes.
  await maintenance.removeJobScheduler(LEGACY_CHAIN_AUDIT_SCHEDULER);
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
