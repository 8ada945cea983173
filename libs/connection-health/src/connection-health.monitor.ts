import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ConnectionHealthRepository, ConnectionRepository, Database, type Connection, type DueConnection, type HealthObservation, type HealthTransition } from '@sb/db';
import { EventWriter } from '@sb/events';
import { ProcessingLoop, ProcessingLoopService } from '@sb/queue';
import { HealthAlertEvaluator } from './alerts/health-alert-evaluator';
import { decideHealth, type FeedWatchVerdict } from './health-status';
import { feedIsSilent } from './hl7-feed-silence';
import { HealthProbe } from './health-probe';

/** Connections one worker checks per round (each round checks them concurrently). */
const CLAIM_BATCH = 16;
/** Real traffic is read from the current and the previous 15-minute usage bucket. */
const BUCKET_MS = 15 * 60_000;
const ERROR_PAUSE_MS = 5_000;
const DAY_MS = 86_400_000;
/** A feed's messages are looked up this far beyond what its verdict needs (a week of wall clock: see feedIsSilent). */
const FEED_LOOKBACK_MARGIN_MS = 7 * DAY_MS;
/** Connection key pairs should be rotated at this age (the hospital's JWKS then picks up the new key)… */
export const KEY_ROTATION_AGE_DAYS = 180;
/** …and are listed in `expiresSoon` from this long before it. */
export const EXPIRY_WARNING_DAYS = 30;

/** A new connection found healthy sets its baseline quietly; every other transition is announced. */
const announced = (t: HealthTransition): boolean => !(t.from === 'unknown' && t.to === 'healthy');

const bucketOf = (ms: number): Date => new Date(Math.floor(ms / BUCKET_MS) * BUCKET_MS);

const latest = (...dates: (Date | null)[]): Date | null =>
  dates.reduce<Date | null>((a, b) => (b && (!a || b.getTime() > a.getTime()) ? b : a), null);

/**
 * The worker's health monitor: every live connection is checked every `SB_HEALTH_CHECK_SECONDS`
 * (a light vendor check plus its recent traffic). A status change is stored with its
 * `connection.health_changed` event in one transaction (a new connection's first `healthy` is
 * recorded without one: it is the baseline, not news), through a compare-and-set on the
 * status, so each transition is announced exactly once whichever worker saw it.
 */
@Injectable()
export class ConnectionHealthMonitor extends ProcessingLoopService {
  private readonly logger = new Logger(ConnectionHealthMonitor.name);
  protected readonly loop: ProcessingLoop;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly health: ConnectionHealthRepository,
    private readonly connections: ConnectionRepository,
    private readonly probe: HealthProbe,
    private readonly events: EventWriter,
    private readonly alerts: HealthAlertEvaluator,
  ) {
    super();
    const idleMs = Math.min(Math.max(config.healthCheckIntervalMs / 4, 250), 15_000);
    this.loop = new ProcessingLoop('connection-health', () => this.checkDue(), { idleMs, errorMs: ERROR_PAUSE_MS });
  }

  override start(): void {
    if (this.config.healthCheckIntervalMs > 0) super.start();
  }

  /** One round: claims the connections due and checks each; returns how many were checked. */
  async checkDue(now: Date = new Date()): Promise<number> {
    const due = await this.health.claimDue(now, this.config.healthCheckIntervalMs, CLAIM_BATCH);
    await Promise.all(
      due.map((d) => this.checkOne(d, now).catch((error: unknown) => this.logger.error({ err: error, connectionId: d.connectionId }, 'connection health check failed'))),
    );
    return due.length;
  }

  /**
   * A watched HL7 feed's verdict: silent when no inbound message came for its allowance of watched
   * time (measured from the first check when it never had one); heard when one came since the
   * status last changed. null for other connections.
   */
  private async feedVerdict(due: DueConnection, connection: Connection, now: Date): Promise<FeedWatchVerdict | null> {
    const watch = connection.vendor === 'hl7v2' ? connection.hl7Silence : null;
    if (!watch) return null;
    const last = await this.health.lastInboundMessageAt(due.tenantId, due.connectionId, bucketOf(now.getTime() - watch.minutes * 60_000 - FEED_LOOKBACK_MARGIN_MS));
    return {
      silent: feedIsSilent(watch, due.status === 'unknown' ? latest(last, due.statusSince) : last, now),
      heardSinceChange: last !== null && last.getTime() > due.statusSince.getTime(),
    };
  }

  private async checkOne(due: DueConnection, now: Date): Promise<void> {
    const connection = await this.connections.findById(due.tenantId, due.connectionId);
    if (!connection || connection.status !== 'live') return;
    const probe = await this.probe.check(connection);
    const since = new Date(bucketOf(now.getTime()).getTime() - BUCKET_MS);
    const traffic = await this.health.traffic(due.tenantId, due.connectionId, since);
    const expiresSoon = await this.health.expiringCredentials(due.connectionId, new Date(now.getTime() + EXPIRY_WARNING_DAYS * DAY_MS), KEY_ROTATION_AGE_DAYS);
    const observed: HealthObservation = {
      checkedAt: now,
      checkOk: probe.ok,
      checkError: probe.errorCode,
      checkFailures: probe.ok === false ? due.checkFailures + 1 : 0,
      lastSuccessAt: latest(due.lastSuccessAt, probe.ok ? now : null, traffic.lastSuccessAt),
      recentCalls: traffic.calls,
      recentErrors: traffic.errors,
      expiresSoon,
    };
    const transition = decideHealth(due.status, observed, await this.feedVerdict(due, connection, now));
    await this.db.transaction(async (tx) => {
      await this.health.observe(tx, due.connectionId, observed);
      if (transition.to === transition.from) return;
      const changeId = await this.health.transition(tx, due.tenantId, due.connectionId, transition, now);
      if (!changeId || !announced(transition)) return;
      const [eventId] = await this.events.append(tx, [
        {
          tenantId: due.tenantId,
          connectionId: due.connectionId,
          type: 'connection.health_changed',
          data: {
            connectionId: due.connectionId,
            status: transition.to,
            previousStatus: transition.from,
            healthy: transition.to === 'healthy',
            reason: transition.reason,
            errorCode: transition.errorCode,
          },
        },
      ]);
      if (eventId) await this.health.setChangeEvent(tx, changeId, eventId);
      // The tenant's alert rules, in this transaction: an alert exists exactly when its change does.
      await this.alerts.evaluate(tx, { tenantId: due.tenantId, connectionId: due.connectionId, changeId, transition, at: now });
    });
  }
}
