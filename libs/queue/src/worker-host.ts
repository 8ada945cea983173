import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { runWithRequestContext } from '@sb/core';
import { setSafeSpanAttributes } from '@sb/telemetry';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { contextOf, type JobEnvelope } from './job-envelope';
import { JobName, QUEUE_OF, QueueName, RETIRED_JOB_NAMES } from './queue.constants';
import { RedisService } from './redis.service';

export type JobHandler = (payload: JobEnvelope, job: Job<JobEnvelope>) => Promise<unknown>;
/** A handler for every job name: a missing one fails to compile, and is checked again at boot. */
export type JobHandlers = Record<JobName, JobHandler>;

const tracer = trace.getTracer('switchboard.worker');
/**
 * How long an idle worker's blocking read for its next job lasts before it is made again (BullMQ's default is
 * 5 s). A job added wakes it at once, and a delayed job shortens it; this is only how often an idle worker
 * re-polls, capped by BullMQ at the 10 s it allows when delayed jobs wait.
 */
const DRAIN_DELAY_SECONDS = 10;

/** Runs BullMQ workers that dispatch by job name, inside the job's tenant, request and trace context. */
@Injectable()
export class WorkerHost implements OnModuleDestroy {
  private readonly logger = new Logger(WorkerHost.name);
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {}

  async start(handlers: JobHandlers, queues: readonly QueueName[] = Object.values(QueueName)): Promise<void> {
    const missing = Object.values(JobName).filter((name) => typeof handlers[name] !== 'function');
    if (missing.length > 0) throw new Error(`No handler for jobs: ${missing.join(', ')}`);
    for (const queue of queues) {
      const connection = this.redis.connect();
      this.connections.push(connection);
      const worker = new Worker<JobEnvelope>(queue, (job) => this.dispatch(handlers, queue, job), {
        connection,
        prefix: this.redis.prefix,
        concurrency: this.config.workerConcurrency,
        drainDelay: DRAIN_DELAY_SECONDS,
      });
      worker.on('failed', (job, err) =>
        this.logger.warn({ jobName: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err }, 'job failed'),
      );
      worker.on('error', (err) => this.logger.error({ err }, 'worker error'));
      await worker.waitUntilReady();
      this.workers.push(worker);
    }
  }

  private dispatch(handlers: JobHandlers, queue: QueueName, job: Job<JobEnvelope>): Promise<unknown> {
    if (RETIRED_JOB_NAMES.has(job.name)) return Promise.resolve({ retired: true });
    const name = job.name as JobName;
    const handler = handlers[name] as JobHandler | undefined;
    if (!handler || QUEUE_OF[name] !== queue) return Promise.reject(new Error(`Unknown job ${job.name} on queue ${queue}`));
    const payload = job.data;
    return runWithRequestContext({ requestId: payload.requestId, tenantId: payload.tenantId ?? undefined }, () =>
      context.with(contextOf(payload), () =>
        tracer.startActiveSpan(`job ${name}`, async (span) => {
          setSafeSpanAttributes(span, { jobName: name, jobAttempt: String(job.attemptsMade + 1), tenantId: payload.tenantId ?? undefined });
          try {
            return await handler(payload, job);
          } catch (e) {
            span.setStatus({ code: SpanStatusCode.ERROR });
            throw e;
          } finally {
            span.end();
          }
        }),
      ),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    // BullMQ leaves connections it was given open.
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
