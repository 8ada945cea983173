import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { OutboxNotifications, WebhookDeliveryRepository, type WebhookDeliveryWork } from '@sb/db';
import { ProcessingLoop, ProcessingLoopService } from '@sb/queue';
import { WebhookDeliverer } from './webhook-deliverer';
import { WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT } from './webhook-http';

/** Events relayed from the outbox per statement. */
export const WEBHOOK_RELAY_BATCH = 500;
/** Deliveries claimed per round, at most. */
export const WEBHOOK_CLAIM_BATCH = 256;
/** Attempts one worker process makes at once (each endpoint also has its own cap). */
export const WEBHOOK_MAX_IN_FLIGHT = 128;
/**
 * Poll interval when there was nothing to relay or claim. A fallback, not the trigger: commits
 * wake the relay through LISTEN/NOTIFY and a finished delivery pokes it in-process; the poll
 * catches retries falling due (the first after 5 s), expired leases, another worker's freed slots
 * and a lost notification, each at most this late. Shorter polls cost an idle worker CPU.
 */
export const WEBHOOK_IDLE_POLL_MS = 2_000;
/** Pause after a failed round (database or Redis down). */
export const WEBHOOK_ERROR_PAUSE_MS = 2_000;

/**
 * The worker's relay: moves committed outbox events into deliveries, then leases due
 * deliveries and makes their attempts in this process, as many at once as it has free
 * slots. Postgres holds the truth: a claimed delivery is leased (`SB_WEBHOOK_LEASE_SECONDS`,
 * default 120 s: the 15 s timeout with room), and a worker killed mid-attempt leaves the
 * lease to expire, after which the delivery is claimed again (at least once; same `webhook-id`).
 * Nothing about a delivery lives in Redis.
 */
@Injectable()
export class WebhookRelay extends ProcessingLoopService {
  private readonly logger = new Logger(WebhookRelay.name);
  protected readonly loop = new ProcessingLoop('webhook-relay', () => this.step(), { idleMs: WEBHOOK_IDLE_POLL_MS, errorMs: WEBHOOK_ERROR_PAUSE_MS });
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly deliverer: WebhookDeliverer,
    private readonly notifications: OutboxNotifications,
  ) {
    super();
  }

  /** Runs the next round now: events just committed, or a delivery finished and freed a slot. */
  poke(): void {
    this.loop.poke();
  }

  /** One round; returns how much it moved (events' deliveries created + attempts started). */
  async step(): Promise<number> {
    const created = await this.deliveries.relay(WEBHOOK_RELAY_BATCH);
    const free = WEBHOOK_MAX_IN_FLIGHT - this.inFlight.size;
    if (free <= 0) return created.length;
    const claimed = await this.deliveries.claimDue(Math.min(free, WEBHOOK_CLAIM_BATCH), this.config.webhookLeaseMs, WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT);
    for (const delivery of claimed) this.attempt(delivery);
    return created.length + claimed.length;
  }

  /** Resolves when every attempt started so far has finished (tests; shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private attempt(delivery: WebhookDeliveryWork): void {
    const running = this.deliverer
      .attempt(delivery)
      .then(
        () => undefined,
        // The attempt could not be recorded (the database is down): its lease expires and it is made again.
        (error: unknown) => this.logger.warn({ err: error, deliveryId: delivery.id }, 'webhook attempt not recorded; retried after its lease'),
      )
      .finally(() => {
        this.inFlight.delete(running);
        // A slot is free again (this process's and the endpoint's): claim the next delivery now, not at the next poll.
        this.poke();
      });
    this.inFlight.add(running);
  }

  override start(): void {
    void this.notifications.listen(() => this.poke());
    super.start();
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.settled();
  }
}
