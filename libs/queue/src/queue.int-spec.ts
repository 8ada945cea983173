import type { TestingModule } from '@nestjs/testing';
import { runWithRequestContext } from '@sb/core';
import { createTestingApp, deleteRedisKeys, testRedisPrefix } from '@sb/testing';
import type { JobEnvelope } from './job-envelope';
import { JobName, QueueName } from './queue.constants';
import { QueueModule } from './queue.module';
import { QueueService } from './queue.service';
import { WorkerHost, type JobHandlers } from './worker-host';

describe('queues on real Redis', () => {
  let app: TestingModule;
  const seen: JobEnvelope[] = [];
  const handlers: JobHandlers = {
    [JobName.Ping]: (payload) => {
      seen.push(payload);
      return Promise.resolve({ pong: true, tenantId: payload.tenantId, requestId: payload.requestId });
    },
    [JobName.PruneAssertionJtis]: () => Promise.resolve({ pruned: 0 }),
    [JobName.RotateKek]: () => Promise.resolve({}),
  };

  const prefix = testRedisPrefix('queue-int');

  beforeAll(async () => {
    app = await createTestingApp([QueueModule], { SB_REDIS_PREFIX: prefix });
    await app.get(WorkerHost).start(handlers, [QueueName.Diagnostics]);
  });
  afterAll(async () => {
    await app.close();
    expect(await deleteRedisKeys(prefix)).toBeGreaterThan(0);
  });

  it('runs a job in the tenant and request context it was enqueued from', async () => {
    const queues = app.get(QueueService);
    const job = await runWithRequestContext({ requestId: 'req-123' }, () => queues.enqueue(JobName.Ping, 'tenant-1', { n: 1 }));
    const result = await queues.waitForResult(job, 10_000);
    expect(result).toEqual({ pong: true, tenantId: 'tenant-1', requestId: 'req-123' });
  });

  it('enqueues idempotently by job id', async () => {
    const queues = app.get(QueueService);
    const first = await queues.enqueue(JobName.Ping, null, { n: 2 }, { jobId: 'same-id' });
    const second = await queues.enqueue(JobName.Ping, null, { n: 3 }, { jobId: 'same-id' });
    expect(second.id).toBe(first.id);
    await queues.waitForResult(first, 10_000);
    expect(seen.filter((p) => (p.data as { n: number }).n === 3)).toHaveLength(0);
  });

  it('completes a job of a retired name (made before an upgrade) without work, and fails one of an unknown name', async () => {
    const queues = app.get(QueueService);
    const envelope = { tenantId: null, requestId: 'scheduler', data: {} };
    const retired = await queues.queue(QueueName.Diagnostics).add('maintenance.chain-audit', envelope, { attempts: 1 });
    await expect(queues.waitForResult(retired, 10_000)).resolves.toEqual({ retired: true });
    const unknown = await queues.queue(QueueName.Diagnostics).add('diagnostics.never-heard-of', envelope, { attempts: 1 });
    await expect(queues.waitForResult(unknown, 10_000)).rejects.toThrow(/Unknown job diagnostics.never-heard-of/);
  });

  it('refuses to start without a handler for every job', async () => {
    const partial = { [JobName.Ping]: handlers[JobName.Ping] } as unknown as JobHandlers;
    await expect(app.get(WorkerHost).start(partial, [])).rejects.toThrow(/No handler for jobs: maintenance.prune-assertion-jtis, maintenance.rotate-kek/);
  });
});
