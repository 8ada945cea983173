import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { OutboxNotifications, WebhookDeliveryRepository } from '@sb/db';
import { envelope, JobName, ProcessingLoop, QUEUE_OF, QueueService } from '@sb/queue';
import { WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT } from './webhook-http';

/** Events relayed from the outbox per statement. */
export const WEBHOOK_RELAY_BATCH = 500;
/** Deliveries claimed (and enqueued) per round. */
export const WEBHOOK_CLAIM_BATCH = 256;
/**
 * How long a claimed delivery is reserved for its job (`SB_WEBHOOK_LEASE_SECONDS`,
 * default 120 s: the queue wait plus the 15 s timeout, with room). A worker killed
 * meanwhile, or a Redis that lost its queue, leaves the lease to expire, and the
 * delivery is claimed and enqueued again (at least once; same `webhook-id`).
 */
/**
 * Poll interval when there was nothing to relay or claim. A fallback, not the trigger: commits
 * wake the relay through LISTEN/NOTIFY and a finished delivery pokes it in-process; the poll
 * catches retries falling due (the first after 5 s), expired leases, another worker's freed slots
 * and a lost notification, each at most this late. Shorter polls cost an idle worker CPU.
 */
export const WEBHOOK_IDLE_POLL_MS = 1_000;
/** Pause after a failed round (database or Redis down). */
export const WEBHOOK_ERROR_PAUSE_MS = 2_000;

/**
 * The worker's relay: moves committed outbox events into deliveries, then leases due
 * deliveries and enqueues one `webhooks.deliver` job each. Postgres holds the truth:
 * losing Redis loses queued jobs, not deliveries — their leases expire and they are
 * enqueued again. The job id `${deliveryId}_${attempts}` makes a re-enqueue of the same
 * attempt a no-op while the first job still exists.
 */
@Injectable()
export class WebhookRelay implements OnModuleDestroy {
  private readonly loop = new ProcessingLoop('webhook-relay', () => this.step(), { idleMs: WEBHOOK_IDLE_POLL_MS, errorMs: WEBHOOK_ERROR_PAUSE_MS });

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly queues: QueueService,
    private readonly notifications: OutboxNotifications,
  ) {}

  /** Runs the next round now: events just committed, or a delivery finished and freed a slot. */
  poke(): void {
    this.loop.poke();
  }

  /** One round; returns how much it moved (events' deliveries created + deliveries enqueued). */
  async step(): Promise<number> {
    const created = await this.deliveries.relay(WEBHOOK_RELAY_BATCH);
    const claimed = await this.deliveries.claimDue(WEBHOOK_CLAIM_BATCH, this.config.webhookLeaseMs, WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT);
    if (claimed.length > 0) {
      await this.enqueue(claimed);
    }
    return created.length + claimed.length;
  }

  /** One job per claimed delivery; when Redis refuses them, the leases go back at once instead of expiring. */
  private async enqueue(claimed: readonly { id: string; tenantId: string; attempts: number }[]): Promise<void> {
    try {
      await this.queues.queue(QUEUE_OF[JobName.DeliverWebhook]).addBulk(
        claimed.map((d) => ({
          name: JobName.DeliverWebhook,
          data: envelope(d.tenantId, { deliveryId: d.id }),
          opts: {
            // BullMQ refuses ':' in custom ids.
            jobId: `${d.id}_${String(d.attempts)}`,
            // Retries live in Postgres (the delivery's schedule); a failed job is picked up again after its lease.
            attempts: 1,
            removeOnComplete: true,
            removeOnFail: true,
          },
        })),
      );
    } catch (error) {
      await this.deliveries.releaseLeases(claimed.map((d) => d.id)).catch(() => undefined);
      throw error;
    }
  }

  start(): void {
    void this.notifications.listen(() => this.poke());
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }
}
