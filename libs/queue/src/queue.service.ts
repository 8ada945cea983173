import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { envelope, type JobEnvelope } from './job-envelope';
import {
  DEFAULT_BACKOFF_MS,
  DEFAULT_MAX_ATTEMPTS,
  KEEP_COMPLETED_SECONDS,
  KEEP_FAILED_SECONDS,
  QUEUE_OF,
  type JobName,
  type QueueName,
} from './queue.constants';
import { RedisService } from './redis.service';

export interface EnqueueOptions {
  /** Makes enqueueing idempotent: a second job with the same id is not added. */
  jobId?: string;
  delayMs?: number;
  attempts?: number;
}

/** The producer side: enqueues enveloped jobs onto the queue their name belongs to. */
@Injectable()
export class QueueService implements OnModuleDestroy {
  private readonly queues = new Map<QueueName, Queue>();
  private readonly events = new Map<QueueName, QueueEvents>();
  private readonly eventConnections: Redis[] = [];

  constructor(private readonly redis: RedisService) {}

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.redis.client, prefix: this.redis.prefix });
      this.queues.set(name, q);
    }
    return q;
  }

  async enqueue<T>(name: JobName, tenantId: string | null, data: T, options: EnqueueOptions = {}): Promise<Job<JobEnvelope<T>>> {
    return this.queue(QUEUE_OF[name]).add(name, envelope(tenantId, data), {
      jobId: options.jobId,
      delay: options.delayMs,
      attempts: options.attempts ?? DEFAULT_MAX_ATTEMPTS,
      backoff: { type: 'exponential', delay: DEFAULT_BACKOFF_MS },
      removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
      removeOnFail: { age: KEEP_FAILED_SECONDS },
    });
  }

  /** Waits for a job to finish and returns its result (for short diagnostic jobs). */
  async waitForResult<R>(job: Job, timeoutMs: number): Promise<R> {
    const queueName = job.queueName as QueueName;
    let events = this.events.get(queueName);
    if (!events) {
      const connection = this.redis.connect();
      this.eventConnections.push(connection);
      events = new QueueEvents(queueName, { connection, prefix: this.redis.prefix });
      this.events.set(queueName, events);
      await events.waitUntilReady();
    }
    return (await job.waitUntilFinished(events, timeoutMs)) as R;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.events.values()].map((e) => e.close()));
    // BullMQ leaves connections it was given open.
    await Promise.all(this.eventConnections.map((c) => c.quit().catch(() => c.disconnect())));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
