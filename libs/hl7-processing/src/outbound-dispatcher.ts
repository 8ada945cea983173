import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { outboundPolicyFor } from '@sb/connections';
import { ConnectionRepository, Hl7OutboundRepository, type ClaimedOutboundMessage, type Connection } from '@sb/db';
import { Hl7ErrorCode, Hl7NegativeAckError, MllpClientPool, type MllpClientOptions } from '@sb/hl7';

/** How long the worker waits for the site's ACK on one attempt. */
export const OUTBOUND_ACK_TIMEOUT_MS = 15_000;
/** A message is held this long per attempt; a worker killed mid-send frees it after this. */
export const OUTBOUND_LEASE_MS = OUTBOUND_ACK_TIMEOUT_MS + 15_000;
/** Attempts before a message is marked failed (each resend carries the same MSH-10). */
export const OUTBOUND_MAX_ATTEMPTS = 12;
/** Backoff between attempts: 1 s doubling to at most 5 min (12 attempts ≈ 25 min). */
export const OUTBOUND_RETRY_INITIAL_MS = 1_000;
export const OUTBOUND_RETRY_MAX_MS = 5 * 60_000;
/** Connections served per step; each sends its oldest pending message. */
export const OUTBOUND_BATCH = 16;

export const outboundRetryDelayMs = (attempt: number): number => Math.min(OUTBOUND_RETRY_MAX_MS, OUTBOUND_RETRY_INITIAL_MS * 2 ** Math.max(0, attempt - 1));

/**
 * Sends queued orders and notes to HL7 v2 sites over pooled persistent MLLP
 * connections: one message in flight per connection, in commit order. AA/CA →
 * accepted; AE/AR → rejected with the site's ERR text; no ACK → retried later with
 * the same control id (the site dedupes on MSH-10), until the attempts run out.
 */
@Injectable()
export class Hl7OutboundDispatcher implements OnModuleDestroy {
  private readonly logger = new Logger(Hl7OutboundDispatcher.name);
  private readonly pool = new MllpClientPool();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly outbound: Hl7OutboundRepository,
    private readonly connections: ConnectionRepository,
  ) {}

  async dispatchBatch(limit = OUTBOUND_BATCH): Promise<number> {
    const claimed = await this.outbound.claim(limit, OUTBOUND_LEASE_MS);
    await Promise.all(claimed.map((m) => this.dispatchOne(m)));
    return claimed.length;
  }

  private async dispatchOne(message: ClaimedOutboundMessage): Promise<void> {
    const connection = await this.connections.findById(message.tenantId, message.connectionId);
    if (!connection) return;
    if (!connection.mllpHost || !connection.mllpPort) {
      await this.outbound.finish(message.id, { status: 'failed', errorCode: 'no_destination' });
      return;
    }
    try {
      const ack = await this.pool.send(connection.id, this.clientOptions(connection), message.raw, { maxAttempts: 1, timeoutMs: OUTBOUND_ACK_TIMEOUT_MS });
      await this.outbound.finish(message.id, { status: 'accepted', ackCode: ack.code });
    } catch (error) {
      if (error instanceof Hl7NegativeAckError) {
        await this.outbound.finish(message.id, { status: 'rejected', ackCode: error.ackCode, errorCode: error.errorCode ?? Hl7ErrorCode.ApplicationInternalError, errorText: error.text?.slice(0, 500) ?? null });
        return;
      }
      const code = error instanceof Error && 'code' in error ? String((error as { code: unknown }).code) : 'internal';
      this.logger.warn({ connectionId: connection.id, attempts: message.attempts, code }, 'outbound HL7 message not acknowledged; will retry');
      if (message.attempts >= OUTBOUND_MAX_ATTEMPTS) await this.outbound.finish(message.id, { status: 'failed', errorCode: code });
      else await this.outbound.retryLater(message.id, outboundRetryDelayMs(message.attempts), code);
    }
  }

  private clientOptions(connection: Connection): MllpClientOptions {
    return {
      host: connection.mllpHost ?? '',
      port: connection.mllpPort ?? 0,
      policy: outboundPolicyFor(this.config, connection.environment).policy,
      ...(connection.mllpTls ? { tls: { minVersion: 'TLSv1.2' as const } } : {}),
    };
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.close();
  }
}
