import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { outboundPolicyFor } from '@sb/connections';
import { ConnectionRepository, Hl7OutboundRepository, MllpPeerCertificateRepository, type ClaimedOutboundMessage, type Connection } from '@sb/db';
import { Hl7ErrorCode, Hl7NegativeAckError, MllpClientPool, MllpTransportError, type MllpClientOptions } from '@sb/hl7';
import { VaultService } from '@sb/vault';
import { MllpTlsCredentialCache, MllpTlsSecretError } from './mllp-tls-credentials';

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
 *
 * With `mllpTls`, the socket is TLS; a connection that names `mllpClientCertSecretName`
 * presents that certificate (mutual TLS), and one that names `mllpCaSecretName` verifies
 * the site against that CA bundle instead of the system CAs (see {@link MllpTlsCredentialCache}).
 * A named secret that is missing or unusable fails the message at once with its code
 * (`mllp_client_cert_missing`, …); a handshake the site refuses is recorded as `tls_failed`.
 */
@Injectable()
export class Hl7OutboundDispatcher implements OnModuleDestroy {
  private readonly logger = new Logger(Hl7OutboundDispatcher.name);
  private readonly pool = new MllpClientPool();
  private readonly tlsCredentials: MllpTlsCredentialCache;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly outbound: Hl7OutboundRepository,
    private readonly connections: ConnectionRepository,
    private readonly peerCertificates: MllpPeerCertificateRepository,
    vault: VaultService,
  ) {
    this.tlsCredentials = new MllpTlsCredentialCache(vault);
  }

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
      const options = await this.clientOptions(connection);
      const ack = await this.pool.send(connection.id, options, message.raw, { maxAttempts: 1, timeoutMs: OUTBOUND_ACK_TIMEOUT_MS });
      await this.outbound.finish(message.id, { status: 'accepted', ackCode: ack.code });
    } catch (error) {
      if (error instanceof Hl7NegativeAckError) {
        await this.outbound.finish(message.id, { status: 'rejected', ackCode: error.ackCode, errorCode: error.errorCode ?? Hl7ErrorCode.ApplicationInternalError, errorText: error.text?.slice(0, 500) ?? null });
        return;
      }
      if (error instanceof MllpTlsSecretError) {
        // Configuration, like a missing destination: resending cannot help until someone sets the secret.
        this.logger.warn({ connectionId: connection.id, code: error.reason, secretName: error.secretName, problem: error.problem }, 'outbound HL7 message failed: MLLP TLS secret missing or unusable');
        await this.outbound.finish(message.id, { status: 'failed', errorCode: error.reason });
        return;
      }
      const code = failureCode(error);
      this.logger.warn({ connectionId: connection.id, attempts: message.attempts, code }, 'outbound HL7 message not acknowledged; will retry');
      if (message.attempts >= OUTBOUND_MAX_ATTEMPTS) await this.outbound.finish(message.id, { status: 'failed', errorCode: code });
      else await this.outbound.retryLater(message.id, outboundRetryDelayMs(message.attempts), code);
    }
  }

  private async clientOptions(connection: Connection): Promise<MllpClientOptions> {
    const options: MllpClientOptions = {
      host: connection.mllpHost ?? '',
      port: connection.mllpPort ?? 0,
      policy: outboundPolicyFor(this.config, connection).policy,
    };
    if (!connection.mllpTls) return options;
    // The pool keys sockets by a hash of this material: a new secret version gets a new socket, a re-reveal of the same one keeps it.
    const credentials = await this.tlsCredentials.credentialsFor(connection);
    // The site's server certificate is watched for expiry (the health monitor warns 30 days ahead).
    const onPeerCertificate: MllpClientOptions['onPeerCertificate'] = (peer) =>
      void this.peerCertificates
        .recordSeen(connection.tenantId, connection.id, 'outbound', peer.fingerprint256, peer.notAfter)
        .catch((error: unknown) => this.logger.warn({ err: error, connectionId: connection.id }, 'MLLP peer certificate not recorded'));
    return { ...options, tls: { minVersion: 'TLSv1.2', ...credentials }, onPeerCertificate };
  }

  async onModuleDestroy(): Promise<void> {
    this.tlsCredentials.clear();
    await this.pool.close();
  }
}

/** The error code a failed attempt is recorded with: a refused TLS handshake by name, else the error's code. */
function failureCode(error: unknown): string {
  if (error instanceof MllpTransportError && error.reason === 'tls_failed') return 'tls_failed';
  return error instanceof Error && 'code' in error ? String((error as { code: unknown }).code) : 'internal';
}
