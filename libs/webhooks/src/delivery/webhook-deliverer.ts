import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { masterKeys, open } from '@sb/auth';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { outboundPolicyFor } from '@sb/connections';
import { WebhookDeliveryRepository, type WebhookAttemptOutcome, type WebhookDeliveryWork } from '@sb/db';
import { WebhookPoster, type WebhookPostResult } from './webhook-http';
import { nextAttemptAt, parseRetryAfter, WEBHOOK_DISABLE_AFTER_FAILING_MS } from './webhook-retry';
import { webhookHeaders } from './webhook-signature';

/** The sealing context of an endpoint's secrets (the endpoints API seals with the same). */
const secretContext = (endpointId: string): string => `webhook-secret:${endpointId}`;

/** What a receiver gets: the Standard Webhooks envelope of one event. */
export interface WebhookEnvelope {
  id: string;
  type: string;
  version: number;
  timestamp: string;
  tenantId: string;
  connectionId: string | null;
  data: unknown;
}

export type WebhookDeliveryResult =
  | { delivered: false; skipped: 'not_found' | 'not_pending' | 'endpoint_disabled' }
  | { delivered: boolean; statusCode: number | null; error: string | null; outcome: WebhookAttemptOutcome['kind'] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body for an endpoint: thin data, or the full resources merged in for `payload: "full"`. */
export function webhookEnvelope(work: Pick<WebhookDeliveryWork, 'event' | 'endpoint'>): WebhookEnvelope {
  const { event } = work;
  const full = work.endpoint.payload === 'full' && isObject(event.full) ? event.full : null;
  return {
    id: event.id,
    type: event.type,
    version: event.version,
    timestamp: event.occurredAt.toISOString(),
    tenantId: event.tenantId,
    connectionId: event.connectionId,
    data: full ? { ...(isObject(event.data) ? event.data : {}), ...full } : event.data,
  };
}

/**
 * One signed attempt at one delivery (the relay makes them), and what follows from
 * its answer (success, scheduled retry, dead letter, endpoint disabled). Logs carry ids
 * and codes only: never the URL, the body or a secret.
 */
@Injectable()
export class WebhookDeliverer implements OnModuleDestroy {
  private readonly logger = new Logger(WebhookDeliverer.name);
  private readonly poster = new WebhookPoster();
  /** Overridable by tests; production uses `WEBHOOK_TIMEOUT_MS`. */
  timeoutMs: number | undefined;

  /** The master key, then previous ones: what endpoint secrets open with (built once, not per delivery). */
  private readonly sealingKeys: readonly Buffer[];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly deliveries: WebhookDeliveryRepository,
  ) {
    this.sealingKeys = masterKeys(config);
  }

  async deliver(tenantId: string, deliveryId: string, now: () => Date = () => new Date()): Promise<WebhookDeliveryResult> {
    const work = await this.deliveries.findWork(tenantId, deliveryId);
    if (!work) return { delivered: false, skipped: 'not_found' };
    return this.attempt(work, now);
  }

  /** {@link deliver} with the delivery's work already read (the relay's claim returns it). */
  async attempt(work: WebhookDeliveryWork, now: () => Date = () => new Date()): Promise<WebhookDeliveryResult> {
    const { tenantId, id: deliveryId } = work;
    if (work.status !== 'pending') return { delivered: false, skipped: 'not_pending' };
    if (work.endpoint.status !== 'enabled') {
      await this.deliveries.abandon(tenantId, deliveryId, 'endpoint_disabled');
      return { delivered: false, skipped: 'endpoint_disabled' };
    }

    const body = JSON.stringify(webhookEnvelope(work));
    const sentAt = now();
    const headers = webhookHeaders({ id: work.event.id, timestampSeconds: Math.floor(sentAt.getTime() / 1_000), body, secrets: this.secretsOf(work, sentAt) });
    // Receivers are production targets: public https only, unless SB_ALLOW_PRIVATE_TARGETS opens everything (local development).
    const outbound = outboundPolicyFor(this.config, 'public');
    const result = await this.poster.post(work.endpoint.url, headers, body, {
      policy: outbound.policy,
      allowHttp: outbound.allowHttp,
      timeoutMs: this.timeoutMs,
      poolKey: work.endpoint.id,
    });

    const finishedAt = now();
    const outcome = decideOutcome(result, work.attempts + 1, finishedAt);
    const error = result.error ?? (outcome.kind === 'succeeded' ? null : `http_${String(result.statusCode)}`);
    await this.deliveries.recordAttempt(tenantId, deliveryId, work.endpoint.id, work.event.id, {
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      error,
      responseExcerpt: result.responseExcerpt,
      outcome,
      disableIfFailingSince: new Date(finishedAt.getTime() - WEBHOOK_DISABLE_AFTER_FAILING_MS),
    });
    if (outcome.kind !== 'succeeded') {
      this.logger.debug({ deliveryId, endpointId: work.endpoint.id, statusCode: result.statusCode, error, outcome: outcome.kind }, 'webhook attempt failed');
    }
    return { delivered: outcome.kind === 'succeeded', statusCode: result.statusCode, error, outcome: outcome.kind };
  }

  onModuleDestroy(): void {
    this.poster.close();
  }

  /** The current secret, and every previous one whose own grace period has not ended at `at`. */
  private secretsOf(work: WebhookDeliveryWork, at: Date): string[] {
    const { endpoint } = work;
    const key = this.sealingKeys;
    const context = secretContext(endpoint.id);
    const stillSigning = endpoint.previousSecrets.filter((p) => p.until > at);
    return [open(key, endpoint.secretSealed, context), ...stillSigning.map((p) => open(key, p.sealed, context))];
  }
}

/** 2xx succeeds; 410 disables; anything else retries on the schedule (or `Retry-After`, if longer) until exhausted. */
export function decideOutcome(result: Pick<WebhookPostResult, 'statusCode' | 'retryAfter'>, attemptsMade: number, now: Date, random?: () => number): WebhookAttemptOutcome {
  const status = result.statusCode;
  if (status !== null && status >= 200 && status < 300) return { kind: 'succeeded' };
  if (status === 410) return { kind: 'gone' };
  const at = nextAttemptAt(attemptsMade, now, parseRetryAfter(result.retryAfter, now), random);
  return at ? { kind: 'retry', nextAttemptAt: at } : { kind: 'exhausted' };
}
