import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '@sb/audit';
import { resealUnderMasterKey, seal, type ResealReport } from '@sb/auth';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ErrorCode, foundOrFail, notFound, SbError } from '@sb/core';
import { Database, WebhookEndpointRepository, type AttemptCursor, type DeliveryCursor, type WebhookDeliveryRecord, type WebhookEndpoint, type WebhookEndpointPatch } from '@sb/db';
import { EventWriter } from '@sb/events';
import type { Resolver } from '@sb/net';
import { randomBytes, randomUUID } from 'node:crypto';
import { appendWebhookAudit, WebhookAuditOperation, type WebhookChangeActor } from './webhook-endpoint-audit';
import type { AttemptsQuery, CreateEndpointInput, DeliveriesQuery, ReplayInput, UpdateEndpointInput } from './webhook-endpoint.schemas';
import { eventDeliveryTrailView, webhookAttemptView, type EventDeliveryTrailView, type WebhookAttemptView } from './webhook-endpoint.views';
import { validateWebhookUrl, webhookUrlPolicy } from './webhook-url';

/** After a rotation the previous secret keeps signing this long, so receivers can switch over. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;
/**
 * Previous secrets that may be signing at once (each rotation retires one for its own grace
 * period); a rotation beyond it is refused until the oldest expires, so a rotating loop cannot
 * grow every delivery's `webhook-signature` header without bound.
 */
export const MAX_PREVIOUS_SECRETS = 10;
/** Standard Webhooks secrets: `whsec_` + base64 of 24 random bytes (192 bits). */
export const WEBHOOK_SECRET_BYTES = 24;
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** The sealing context binds a sealed secret to its endpoint row; the delivery worker opens it with the same. */
export const webhookSecretContext = (endpointId: string): string => `webhook-secret:${endpointId}`;

export const generateWebhookSecret = (): string => `${WEBHOOK_SECRET_PREFIX}${randomBytes(WEBHOOK_SECRET_BYTES).toString('base64')}`;

/** An endpoint together with its signing secret: only ever the answer to create and rotate. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

/** Attempts shown per delivery in an event's trail. */
export const TRAIL_ATTEMPTS_PER_DELIVERY = 5;

export interface AttemptPage {
  data: WebhookAttemptView[];
  next: string | null;
}

export interface DeliveryPage {
  data: WebhookDeliveryRecord[];
  /** Pass as `before` for the next (older) page; null on the last. */
  next: string | null;
}

const ENDPOINT = 'Webhook endpoint';
/** The fields an update may change, in the order audit records name them. */
const PATCHABLE: readonly (keyof WebhookEndpointPatch)[] = ['url', 'description', 'eventTypes', 'payload', 'orderingKey'];
const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Tenants' webhook endpoints: registration (URL policy and SSRF guard, sealed
 * `whsec_` secrets), rotation, test events, replay, and what was delivered.
 * Every change (create, update, disable, enable, delete, rotate) is an audit record
 * written in the change's transaction. Delivery itself is the worker's
 * (libs/webhooks/src/delivery).
 */
@Injectable()
export class WebhookEndpointService {
  /** Host resolution for the SSRF check; tests replace it. */
  resolver: Resolver | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly events: EventWriter,
    private readonly audit: AuditService,
  ) {}

  async create(actor: WebhookChangeActor, tenantId: string, input: CreateEndpointInput): Promise<EndpointWithSecret> {
    const url = await this.validateUrl(input.url);
    const id = randomUUID();
    const secret = generateWebhookSecret();
    const secretSealed = seal(this.config.vaultMasterKey, secret, webhookSecretContext(id));
    const fields = ['url', 'eventTypes', ...(['description', 'payload', 'orderingKey'] as const).filter((f) => input[f] !== undefined), 'secret'];
    const endpoint = await this.db.transaction(async (tx) => {
      const created = await this.endpoints.create(
        tenantId,
        { id, url, description: input.description ?? null, eventTypes: input.eventTypes, payload: input.payload, orderingKey: input.orderingKey, secretSealed },
        tx,
      );
      await appendWebhookAudit(this.audit, tx, { tenantId, actor, operation: WebhookAuditOperation.Create, endpointId: id, fields, at: new Date() });
      return created;
    });
    return { endpoint, secret };
  }

  list(tenantId: string): Promise<WebhookEndpoint[]> {
    return this.endpoints.list(tenantId);
  }

  async get(tenantId: string, id: string): Promise<WebhookEndpoint> {
    return foundOrFail(await this.endpoints.find(tenantId, id), ENDPOINT);
  }

  /** Applies the patch; the audit record names the fields whose value changed. */
  async update(actor: WebhookChangeActor, tenantId: string, id: string, input: UpdateEndpointInput): Promise<WebhookEndpoint> {
    await this.get(tenantId, id);
    const patch: WebhookEndpointPatch = { ...input };
    if (input.url !== undefined) patch.url = await this.validateUrl(input.url);
    return this.db.transaction(async (tx) => {
      const before = foundOrFail(await this.endpoints.find(tenantId, id, tx), ENDPOINT);
      const after = foundOrFail(await this.endpoints.update(tenantId, id, patch, tx), ENDPOINT);
      const fields = PATCHABLE.filter((f) => patch[f] !== undefined && !sameValue(before[f], after[f]));
      await appendWebhookAudit(this.audit, tx, { tenantId, actor, operation: WebhookAuditOperation.Update, endpointId: id, fields, at: new Date() });
      return after;
    });
  }

  async delete(actor: WebhookChangeActor, tenantId: string, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await this.endpoints.delete(tenantId, id, tx))) throw notFound(ENDPOINT);
      await appendWebhookAudit(this.audit, tx, { tenantId, actor, operation: WebhookAuditOperation.Delete, endpointId: id, at: new Date() });
    });
  }

  async disable(actor: WebhookChangeActor, tenantId: string, id: string): Promise<WebhookEndpoint> {
    return this.db.transaction(async (tx) => {
      const endpoint = foundOrFail(await this.endpoints.setStatus(tenantId, id, { status: 'disabled', reason: 'manual' }, tx), ENDPOINT);
      await appendWebhookAudit(this.audit, tx, { tenantId, actor, operation: WebhookAuditOperation.Disable, endpointId: id, fields: ['status'], at: new Date() });
      return endpoint;
    });
  }

  async enable(actor: WebhookChangeActor, tenantId: string, id: string): Promise<WebhookEndpoint> {
    return this.db.transaction(async (tx) => {
      const endpoint = foundOrFail(await this.endpoints.setStatus(tenantId, id, { status: 'enabled' }, tx), ENDPOINT);
      await appendWebhookAudit(this.audit, tx, { tenantId, actor, operation: WebhookAuditOperation.Enable, endpointId: id, fields: ['status'], at: new Date() });
      return endpoint;
    });
  }

  /**
   * A new secret, returned this once. The one it replaces keeps signing for
   * `PREVIOUS_SECRET_GRACE_MS` from `now`, beside any earlier ones still within their own
   * grace periods; those whose grace has ended are dropped. Refused (409) while
   * `MAX_PREVIOUS_SECRETS` previous secrets are still signing.
   */
  async rotateSecret(actor: WebhookChangeActor, tenantId: string, id: string, now = new Date()): Promise<EndpointWithSecret> {
    const secret = generateWebhookSecret();
    const secretSealed = seal(this.config.vaultMasterKey, secret, webhookSecretContext(id));
    const endpoint = await this.db.transaction(async (tx) => {
      const stored = foundOrFail(await this.endpoints.lockSecrets(tenantId, id, tx), ENDPOINT);
      const stillSigning = stored.previousSecrets.filter((p) => p.until > now);
      if (stillSigning.length >= MAX_PREVIOUS_SECRETS) {
        const oldestEnds = new Date(Math.min(...stillSigning.map((p) => p.until.getTime())));
        throw new SbError(ErrorCode.Conflict, 'Too many secret rotations within the grace period; rotate again after the oldest previous secret expires', {
          details: { previousSecrets: stillSigning.length, oldestExpiresAt: oldestEnds.toISOString() },
        });
      }
      const previousSecrets = [{ sealed: stored.secretSealed, until: new Date(now.getTime() + PREVIOUS_SECRET_GRACE_MS) }, ...stillSigning];
      const rotated = foundOrFail(await this.endpoints.setSecrets(tenantId, id, { secretSealed, previousSecrets }, tx), ENDPOINT);
      await appendWebhookAudit(this.audit, tx, { tenantId, actor, operation: WebhookAuditOperation.RotateSecret, endpointId: id, fields: ['secret'], at: now });
      return rotated;
    });
    return { endpoint, secret };
  }

  /**
   * Seals every endpoint's secrets (the current one and the previous ones still signing)
   * under the current master key, after a master key change with the old key in
   * SB_VAULT_PREVIOUS_MASTER_KEYS; previous secrets past their grace are dropped. An
   * endpoint with a secret no configured key opens is counted as failed and left as it is.
   */
  async resealSecrets(now = new Date()): Promise<ResealReport> {
    const report: ResealReport = { resealed: 0, unchanged: 0, failed: 0 };
    let afterId: string | undefined;
    for (;;) {
      const page = await this.endpoints.listIdsAfter(afterId, 200);
      if (page.length === 0) return report;
      afterId = page.at(-1)?.id;
      for (const { tenantId, id } of page) report[await this.resealEndpoint(tenantId, id, now)] += 1;
    }
  }

  private resealEndpoint(tenantId: string, id: string, now: Date): Promise<keyof ResealReport> {
    return this.db.transaction(async (tx) => {
      const stored = await this.endpoints.lockSecrets(tenantId, id, tx);
      if (!stored) return 'unchanged'; // deleted meanwhile
      const context = webhookSecretContext(id);
      const stillSigning = stored.previousSecrets.filter((p) => p.until > now);
      let current: string | null;
      let previous: (string | null)[];
      try {
        current = resealUnderMasterKey(this.config, stored.secretSealed, context);
        previous = stillSigning.map((p) => resealUnderMasterKey(this.config, p.sealed, context));
      } catch {
        return 'failed';
      }
      const resealed = current !== null || previous.some((p) => p !== null);
      if (!resealed && stillSigning.length === stored.previousSecrets.length) return 'unchanged';
      const previousSecrets = stillSigning.map((p, i) => ({ sealed: previous[i] ?? p.sealed, until: p.until }));
      await this.endpoints.setSecrets(tenantId, id, { secretSealed: current ?? stored.secretSealed, previousSecrets }, tx);
      // Only expired previous secrets dropped: nothing was sealed again.
      return resealed ? 'resealed' : 'unchanged';
    });
  }

  /** Writes an `endpoint.test` event and schedules its delivery to this endpoint only. */
  async sendTest(tenantId: string, id: string): Promise<{ eventId: string }> {
    this.assertEnabled(await this.get(tenantId, id));
    return this.db.transaction(async (tx) => {
      const [eventId] = await this.events.append(tx, [{ tenantId, connectionId: null, type: 'endpoint.test', data: { endpointId: id } }]);
      if (!eventId || !(await this.endpoints.scheduleDelivery(tx, tenantId, id, eventId))) throw notFound(ENDPOINT);
      return { eventId };
    });
  }

  /** (Re)schedules the tenant's relayed events in the range that the endpoint subscribes to. */
  async replay(tenantId: string, id: string, input: ReplayInput): Promise<{ scheduled: number }> {
    this.assertEnabled(await this.get(tenantId, id));
    return { scheduled: await this.endpoints.replay(tenantId, id, input) };
  }

  async replayOne(tenantId: string, id: string, eventId: string): Promise<{ deliveryId: string }> {
    this.assertEnabled(await this.get(tenantId, id));
    const deliveryId = await this.endpoints.scheduleDelivery(null, tenantId, id, eventId);
    if (!deliveryId) throw notFound('Event');
    return { deliveryId };
  }

  /** Attempts newest first; `next` is the `before` of the following page. */
  async listAttempts(tenantId: string, id: string, query: AttemptsQuery): Promise<AttemptPage> {
    await this.get(tenantId, id);
    const before = query.before === undefined ? undefined : decodeCursor(query.before);
    const rows = await this.endpoints.listAttempts(tenantId, id, { limit: query.limit + 1, before, eventId: query.eventId });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { data: page.map(webhookAttemptView), next: rows.length > query.limit && last ? encodeCursor(last) : null };
  }

  /** Deliveries newest first; `next` is the `before` of the following page. */
  async listDeliveries(tenantId: string, id: string, query: DeliveriesQuery): Promise<DeliveryPage> {
    await this.get(tenantId, id);
    const before = query.before === undefined ? undefined : decodeDeliveryCursor(query.before);
    const rows = await this.endpoints.listDeliveries(tenantId, id, { status: query.status, eventId: query.eventId, before, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { data: page.map(({ cursor: _c, ...d }) => d), next: rows.length > query.limit && last ? encodeDeliveryCursor(last.cursor) : null };
  }

  /**
   * Per event, each endpoint that subscribes to its type or received it: the delivery (or
   * null when none was made) and its latest attempts. Keyed by event id; every event has a list.
   */
  async deliveryTrails(tenantId: string, events: readonly { id: string; type: string }[]): Promise<Map<string, EventDeliveryTrailView[]>> {
    const out = new Map<string, EventDeliveryTrailView[]>(events.map((e) => [e.id, []]));
    for (const trail of await this.endpoints.deliveryTrails(tenantId, events, TRAIL_ATTEMPTS_PER_DELIVERY)) {
      out.get(trail.eventId)?.push(eventDeliveryTrailView(trail));
    }
    return out;
  }

  private validateUrl(raw: string): Promise<string> {
    return validateWebhookUrl(raw, webhookUrlPolicy(this.config), this.resolver);
  }

  private assertEnabled(endpoint: WebhookEndpoint): void {
    if (endpoint.status !== 'enabled') throw new SbError(ErrorCode.Conflict, 'The webhook endpoint is disabled; enable it first');
  }
}

export function encodeCursor(c: AttemptCursor): string {
  return Buffer.from(JSON.stringify([c.attemptedAt.toISOString(), c.id])).toString('base64url');
}

const badCursor = (): SbError => new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'before', message: 'not a cursor this API returned' }] });

export function encodeDeliveryCursor(c: DeliveryCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.seq.toString()])).toString('base64url');
}

export function decodeDeliveryCursor(raw: string): DeliveryCursor {
  try {
    const [at, seq] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    const createdAt = new Date(typeof at === 'string' ? at : NaN);
    if (typeof seq === 'string' && /^\d{1,19}$/.test(seq) && !Number.isNaN(createdAt.getTime())) return { createdAt, seq: BigInt(seq) };
  } catch {
    // falls through to the validation error
  }
  throw badCursor();
}

export function decodeCursor(raw: string): AttemptCursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    const attemptedAt = new Date(typeof at === 'string' ? at : NaN);
    if (typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id) && !Number.isNaN(attemptedAt.getTime())) return { attemptedAt, id };
  } catch {
    // falls through to the validation error
  }
  throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'before', message: 'not a cursor this API returned' }] });
}
