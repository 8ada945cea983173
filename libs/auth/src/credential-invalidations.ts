import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { RedisService } from '@sb/queue';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * Redis pub/sub channel, after the deployment's key prefix (`${prefix}:auth:credential-invalidated`),
 * on which a process that revoked a credential tells every api process to drop what it cached of it.
 * Payload: JSON {@link CredentialInvalidation} — ids only, never a secret or a hash of one.
 */
export const CREDENTIAL_INVALIDATION_CHANNEL = 'auth:credential-invalidated';

/** The full channel name for a key prefix. */
export const credentialInvalidationChannel = (redisPrefix: string): string => `${redisPrefix}:${CREDENTIAL_INVALIDATION_CHANNEL}`;

/** What a revocation names: an API key by id, or a whole tenant (suspension). */
export type CredentialInvalidation = { kind: 'api-key'; id: string } | { kind: 'tenant'; id: string };

/** How a cache hears of invalidations and of whether it can count on hearing of them. */
export interface InvalidationListener {
  /** Drop what is named; `null` is a notice this process cannot read: drop everything. */
  invalidate: (invalidation: CredentialInvalidation | null) => void;
  /** The subscription is in place (again): what is cached from now on will hear of revocations. */
  trust: () => void;
  /** The subscription is not known to be in place: revocations may be missed, nothing cached may be served. */
  distrust: () => void;
}

/**
 * The subscriber connection is pinged this often while subscribed, and distrusted (then reconnected) when
 * a ping is still unanswered at the next beat: a silent connection misses notices. A connection that goes
 * silent is thus distrusted within two beats, 4 s, under the 5 s an API key stays cached anyway. The next
 * beat is the ping's deadline so that no timer of its own wakes an idle api process (a cleared Node timer
 * still wakes the event loop when it would have fired); shorter beats buy little and wake it more often.
 */
export const INVALIDATION_HEARTBEAT_MS = 2_000;
/** A revocation waits at most this long for its notice to be handed to Redis (the change is already committed). */
const PUBLISH_TIMEOUT_MS = 1_000;
const QUIT_TIMEOUT_MS = 1_000;

const invalidationSchema = z.object({ kind: z.enum(['api-key', 'tenant']), id: z.string().min(1).max(64) });

/** `promise`, or a rejection after `timeoutMs`; the timer is cleared when the promise settles. */
const within = <T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out`)), timeoutMs).unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

/**
 * Cross-process revocation of cached credentials over Redis pub/sub: `publish` after the
 * change commits, and one subscriber connection per process feeds the listener. The listener
 * is trusted only while the subscription is confirmed on the current connection and the
 * connection answers its heartbeat; a drop, a reconnect or a silent connection distrusts it
 * at once (its cache is bypassed), so a notice missed meanwhile cannot keep a revoked
 * credential alive. No request waits on Redis: the hot path only reads a flag.
 */
@Injectable()
export class CredentialInvalidations implements OnModuleDestroy {
  private readonly logger = new Logger(CredentialInvalidations.name);
  private subscriber?: Redis;
  private listener?: InvalidationListener;
  /** Counts connections: a subscription confirmed on an earlier one proves nothing. */
  private connection = 0;
  private trusted = false;
  private heartbeat?: NodeJS.Timeout;
  /** The connection whose last ping has not been answered yet, if any. */
  private unansweredOn?: number;
  private closing = false;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly redis: RedisService) {}

  private get channel(): string {
    return credentialInvalidationChannel(this.redis.prefix);
  }

  /** Tells every process (this one included) to drop what it cached; best effort, never throws. */
  async publish(invalidation: CredentialInvalidation): Promise<void> {
    try {
      await within(this.redis.client.publish(this.channel, JSON.stringify(invalidation)), PUBLISH_TIMEOUT_MS, 'publish');
    } catch (e) {
      // Other processes drop the entry when its TTL runs out instead.
      this.logger.warn({ err: e, kind: invalidation.kind }, 'credential invalidation not published');
    }
  }

  /** Opens this process's subscriber and feeds `listener` (distrusted until the subscription is confirmed). */
  subscribe(listener: InvalidationListener): void {
    if (this.listener || this.closing) return;
    this.listener = listener;
    listener.distrust();
    const subscriber = this.redis.connect();
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.channel) listener.invalidate(this.parse(payload));
    });
    subscriber.on('ready', () => this.confirm(subscriber));
    subscriber.on('close', () => this.lost('connection closed'));
    // Reconnection is ioredis's; each failed attempt would repeat this, so it is not logged.
    subscriber.on('error', () => undefined);
    this.heartbeat = setInterval(() => this.beat(subscriber), INVALIDATION_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** True while the subscription is confirmed and answering (what lets a cache serve). */
  get isTrusted(): boolean {
    return this.trusted;
  }

  /** Resolves once the subscription is confirmed (tests and readiness; requests never wait). */
  ready(): Promise<void> {
    if (this.trusted) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    const subscriber = this.subscriber;
    if (!subscriber) return;
    this.lost('shutting down');
    // QUIT on a connection that stopped answering would wait forever: it gets a moment, then the socket is dropped.
    if (subscriber.status === 'ready') await within(subscriber.quit(), QUIT_TIMEOUT_MS, 'quit').catch(() => subscriber.disconnect());
    else subscriber.disconnect();
  }

  /** Subscribes on a (re)connected connection and trusts the listener once Redis confirms it on that connection. */
  private confirm(subscriber: Redis): void {
    const connection = this.connection;
    subscriber.subscribe(this.channel).then(
      () => {
        if (this.closing || connection !== this.connection || this.trusted) return;
        this.trusted = true;
        this.listener?.trust();
        this.logger.log('subscribed to credential invalidations; cached credentials are served');
        for (const wake of this.waiters.splice(0)) wake();
      },
      (e: unknown) => {
        if (!this.closing) this.logger.warn({ err: e }, 'credential invalidations not subscribed');
      },
    );
  }

  private lost(reason: string): void {
    this.connection += 1;
    if (!this.trusted) return;
    this.trusted = false;
    this.listener?.distrust();
    if (!this.closing) this.logger.warn({ reason }, 'credential invalidations unsubscribed; cached credentials bypassed until resubscribed');
  }

  /** A connection that stopped answering (no close seen: a network partition) is distrusted and reconnected. */
  private beat(subscriber: Redis): void {
    if (!this.trusted || this.closing) return;
    const connection = this.connection;
    if (this.unansweredOn === connection) {
      this.lost('heartbeat not answered');
      subscriber.disconnect(true);
      return;
    }
    this.unansweredOn = connection;
    subscriber.ping().then(
      () => {
        if (this.unansweredOn === connection) this.unansweredOn = undefined;
      },
      // A failed ping stays unanswered: the next beat distrusts the connection, unless its close came first.
      () => undefined,
    );
  }

  private parse(payload: string): CredentialInvalidation | null {
    try {
      const parsed = invalidationSchema.safeParse(JSON.parse(payload));
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON
    }
    this.logger.warn('unreadable credential invalidation; dropping every cached credential');
    return null;
  }
}
