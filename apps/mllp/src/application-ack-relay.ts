import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { hl7ApplicationAckChannel, RedisService, type Hl7ApplicationAckNotice } from '@sb/queue';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { MllpPeer } from './mllp-server';

/** Stored messages waiting for their application ACK, across all sockets of this process. */
export const MAX_AWAITED_ACKS = 10_000;
/**
 * An ACK published before its message was registered (the worker can, in principle, finish
 * before the listener's store call returns) is held this long. Other listener processes see
 * every ACK too and hold theirs just as briefly.
 */
export const EARLY_ACK_TTL_MS = 10_000;
const MAX_EARLY_ACKS = 1_000;

const noticeSchema = z.object({ messageId: z.string().min(1).max(64), connectionId: z.string().min(1).max(64), ack: z.string().min(1) });

interface Awaited {
  readonly peer: MllpPeer;
  readonly connectionId: string;
}

/**
 * Enhanced mode, second half (HL7 v2.5.1 chapter 2, "Enhanced acknowledgment mode"): the
 * worker publishes the application ACK of a processed message on
 * {@link hl7ApplicationAckChannel}; this relay writes it to the socket the message came in
 * on, after whatever that socket already has queued. Best effort by design: a socket that
 * closed meanwhile (or a listener restart) drops it, and the ACK stays on the message row.
 * A resend of a stored message is not registered again (its id is not returned on a resend).
 */
@Injectable()
export class ApplicationAckRelay implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ApplicationAckRelay.name);
  /** messageId → socket; insertion order is age, for eviction. */
  private readonly awaited = new Map<string, Awaited>();
  /** Per socket, its awaited ids, dropped in one go when it closes. */
  private readonly byPeer = new Map<MllpPeer, Set<string>>();
  private readonly early = new Map<string, { notice: Hl7ApplicationAckNotice; expiresAt: number }>();
  private subscriber?: Redis;
  private subscribed?: Promise<void>;
  /** Set on shutdown: a subscription cut short by our own disconnect is not an error. */
  private closing = false;

  constructor(private readonly redis: RedisService) {}

  onModuleInit(): void {
    const subscriber = this.redis.connect();
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, payload: string) => this.onNotice(payload));
    // ioredis reconnects (and resubscribes) by itself; receipt never waits for Redis.
    subscriber.on('error', (e: NodeJS.ErrnoException) => this.logger.warn({ code: e.code }, 'application ACK subscriber error'));
    this.subscribed = subscriber.subscribe(hl7ApplicationAckChannel(this.redis.prefix)).then(
      () => undefined,
      (e: unknown) => {
        if (!this.closing) this.logger.error({ err: e }, 'application ACK channel not subscribed');
      },
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    const subscriber = this.subscriber;
    if (!subscriber) return;
    if (subscriber.status === 'ready') await subscriber.quit().catch(() => subscriber.disconnect());
    else subscriber.disconnect();
  }

  /** Resolves once the channel subscription is in place (tests; the listener does not wait). */
  async ready(): Promise<void> {
    await this.subscribed;
  }

  /** How many stored messages currently wait for an ACK (for tests and metrics). */
  get waiting(): number {
    return this.awaited.size;
  }

  /** Registers a just-stored message whose sender asked (MSH-16) for an application ACK. */
  expect(messageId: string, connectionId: string, peer: MllpPeer): void {
    if (peer.closed) return;
    const early = this.early.get(messageId);
    if (early && early.expiresAt > Date.now()) {
      this.early.delete(messageId);
      this.deliver(early.notice, { peer, connectionId });
      return;
    }
    let ids = this.byPeer.get(peer);
    if (!ids) {
      const set = new Set<string>();
      ids = set;
      this.byPeer.set(peer, set);
      peer.onClose(() => {
        for (const id of set) this.awaited.delete(id);
        this.byPeer.delete(peer);
      });
    }
    if (this.awaited.size >= MAX_AWAITED_ACKS) this.forget(this.awaited.keys().next().value as string);
    this.awaited.set(messageId, { peer, connectionId });
    ids.add(messageId);
  }

  private onNotice(payload: string): void {
    let notice: Hl7ApplicationAckNotice;
    try {
      const parsed = noticeSchema.safeParse(JSON.parse(payload));
      if (!parsed.success) throw new Error('invalid notice');
      notice = parsed.data;
    } catch {
      this.logger.warn('malformed application ACK notice ignored');
      return;
    }
    const awaited = this.awaited.get(notice.messageId);
    if (!awaited) {
      this.holdEarly(notice);
      return;
    }
    if (this.deliver(notice, awaited)) this.forget(notice.messageId);
  }

  /** False when the notice names another connection than the message's (it is ignored, the message keeps waiting). */
  private deliver(notice: Hl7ApplicationAckNotice, to: Awaited): boolean {
    if (notice.connectionId !== to.connectionId) {
      this.logger.warn({ connectionId: to.connectionId }, 'application ACK for another connection ignored');
      return false;
    }
    if (!to.peer.closed) to.peer.send(notice.ack);
    return true;
  }

  private forget(messageId: string): void {
    const awaited = this.awaited.get(messageId);
    if (!awaited) return;
    this.awaited.delete(messageId);
    this.byPeer.get(awaited.peer)?.delete(messageId);
  }

  private holdEarly(notice: Hl7ApplicationAckNotice): void {
    const now = Date.now();
    for (const [id, held] of this.early) {
      if (held.expiresAt > now && this.early.size < MAX_EARLY_ACKS) break;
      this.early.delete(id);
    }
    this.early.set(notice.messageId, { notice, expiresAt: now + EARLY_ACK_TTL_MS });
  }
}
