import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import type { Actor } from '@sb/core';
import { ConnectionRepository, Hl7InboundRepository, MllpPeerCertificateRepository, type Connection, type InboundRoute, type NewInboundMessage } from '@sb/db';
import {
  ackFallback,
  buildAck,
  hl7DialectSchema,
  Hl7ErrorCode,
  messageText,
  parseHeader,
  PatientIdentifierHasher,
  patientKeyOf,
  problemForParseError,
  readControlId,
  validateMessage,
  type AckCode,
  type Hl7Dialect,
  type Hl7ParseError,
  type Hl7ValidationProblem,
  type ParsedHeader,
} from '@sb/hl7';
import { TransactionPipeline } from '@sb/transactions';
import { ackControlId, refusalAck, refusalCode } from './inbound-acks';
import { ApplicationAckRelay } from './application-ack-relay';
import type { MllpFrameHandler, MllpPeer } from './mllp-server';
import { RouteCache } from './route-cache';

/** Whether the sender asked for an accept ACK in enhanced mode (MSH-15 AL, or ER/SU for the cases they name). */
const wantsEnhanced = (header: ParsedHeader, route: InboundRoute): boolean =>
  route.ackMode === 'enhanced' && ['AL', 'ER', 'SU'].includes(header.acceptAckType ?? '');

/** Whether the worker may send an application ACK (MSH-16 AL, ER or SU; the worker decides which apply). */
const awaitsApplicationAck = (header: ParsedHeader, route: InboundRoute): boolean =>
  route.ackMode === 'enhanced' && ['AL', 'ER', 'SU'].includes(header.applicationAckType ?? '');

const OVERSIZE: Hl7ValidationProblem = { code: Hl7ErrorCode.ApplicationInternalError, reason: 'Message exceeds the maximum size' };
/** Table 0357 has no security code; 207 with AR (not AE) tells the sender not to resend it as is. */
const TLS_REQUIRED: Hl7ValidationProblem = { code: Hl7ErrorCode.ApplicationInternalError, reason: 'TLS required for this sender' };
/** A pinned connection's message over TLS without a (verified) client certificate. */
const CLIENT_CERT_REQUIRED: Hl7ValidationProblem = { code: Hl7ErrorCode.ApplicationInternalError, reason: 'Client certificate required for this sender' };
/** A pinned connection's message over TLS with a client certificate other than the pinned one. */
const CLIENT_CERT_NOT_PINNED: Hl7ValidationProblem = { code: Hl7ErrorCode.ApplicationInternalError, reason: 'Client certificate not accepted for this sender' };
/** Connections whose settings are remembered (per settings version), and senders whose route is. */
const MAX_CACHED_SETTINGS = 1_000;
/**
 * Sender → route lookups are reused this long: a connection that is disabled, re-keyed or
 * created (and any settings change) takes effect within it. See {@link RouteCache}.
 */
export const ROUTE_CACHE_TTL_MS = 2_000;

/** What the handler derives from a connection's settings, kept until they change (`route.version`). */
interface RouteSettings {
  readonly version: string;
  /** `mllpTls` (or a pinned certificate): the connection's messages must arrive over TLS. */
  readonly tlsRequired: boolean;
  /** `mllpPinnedCertSha256`: the only client certificate (fingerprint) its messages may arrive with; null: any. */
  readonly pinnedCertSha256: string | null;
  /** The site dialect, validated; `{}` when the stored one does not validate. One object per version, so derived caches hold. */
  readonly dialect: Hl7Dialect;
  /** The connection as read with these settings (its environment decides what usage bills); null when it vanished. */
  readonly connection: Connection | null;
}

/** The actor a resend's usage is recorded for: the connection's own feed, like the worker's processing of its messages. */
const feedActor = (connection: Connection): Actor => ({ type: 'system', id: `hl7v2:${connection.id}`, tenantId: connection.tenantId, scopes: ['system/*.cruds'] });
/** Sender names kept for an unreadable frame (operator display only). */
const MAX_LOOSE_NAME = 180;

/**
 * One inbound frame → its ACK. The raw message is committed to Postgres before
 * any positive ACK (AA/CA); what cannot be stored gets AE/CE, so the sender
 * resends; a message of an `mllpTls` connection that arrived over plain TCP, one of a
 * connection with a pinned client certificate (`mllpPinnedCertSha256`) that arrived
 * without that certificate, or one that fails {@link validateMessage}, is kept as `rejected`
 * with its error code and answered AE/AR (CE/CR) with an ERR segment; unknown
 * senders and unreadable headers get AR and the message is quarantined; a resend
 * of a stored message gets the ACK it got the first time and is not stored again, and is
 * metered as a duplicate (non-billable usage with its audit record).
 */
@Injectable()
export class InboundHandler implements MllpFrameHandler {
  private readonly logger = new Logger(InboundHandler.name);
  private readonly settings = new Map<string, RouteSettings>();
  private readonly routes: RouteCache;
  private readonly hasher: PatientIdentifierHasher;

  constructor(
    private readonly inbound: Hl7InboundRepository,
    private readonly connections: ConnectionRepository,
    private readonly peerCertificates: MllpPeerCertificateRepository,
    private readonly applicationAcks: ApplicationAckRelay,
    private readonly pipeline: TransactionPipeline,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.hasher = new PatientIdentifierHasher(config.keyedHashKey);
    this.routes = new RouteCache((facility, application) => this.inbound.findRoute(facility, application), {
      ttlMs: ROUTE_CACHE_TTL_MS,
      maxEntries: MAX_CACHED_SETTINGS,
    });
  }

  /** `peer` is the socket the frame came from; without one (tools, tests) the transport counts as plain TCP. */
  async handle(frame: Buffer, peer?: MllpPeer): Promise<string> {
    const parsed = parseHeader(frame);
    if (!parsed.ok) return this.unreadable(frame, parsed.error);
    const header = parsed.header;
    const raw = storableText(frame, header);
    const message = (ack: string, ackCode: AckCode, extra: Pick<NewInboundMessage, 'errorCode' | 'patientKey' | 'patientIdHashes'> = {}): NewInboundMessage => ({
      controlId: pgText(header.controlId),
      messageType: pgText([header.messageType.code, header.messageType.trigger].filter(Boolean).join('^')),
      version: pgText(header.version),
      sendingApplication: pgText(header.sendingApplication),
      sendingFacility: pgText(header.sendingFacility),
      raw,
      ack,
      ackCode,
      ...extra,
    });

    let route: InboundRoute | null;
    try {
      route = await this.routes.find(pgText(header.sendingFacility), pgText(header.sendingApplication));
    } catch (e) {
      return this.notStored(header, false, e);
    }
    if (!route) {
      const ack = buildAck(header, { code: 'AR', controlId: ackControlId(), error: { code: Hl7ErrorCode.UnknownKeyIdentifier, text: 'Unknown sending facility or application' } });
      try {
        await this.inbound.quarantine(message(ack, 'AR', { errorCode: Hl7ErrorCode.UnknownKeyIdentifier }));
      } catch (e) {
        return this.notStored(header, false, e);
      }
      this.logger.warn({ messageType: header.messageType.code }, 'message from an unknown sender quarantined');
      return ack;
    }

    const enhanced = wantsEnhanced(header, route);
    let settings: RouteSettings;
    try {
      settings = await this.settingsOf(route);
    } catch (e) {
      return this.notStored(header, enhanced, e);
    }
    const problem = transportProblem(settings, peer) ?? validateMessage(frame, header);
    if (!problem && settings.pinnedCertSha256 !== null) this.notePeerCertificate(route, peer);
    if (problem) {
      const code = refusalCode(problem, enhanced);
      const ack = refusalAck(header, code, problem);
      try {
        const outcome = await this.inbound.reject(route, message(ack, code, { errorCode: problem.code, patientIdHashes: this.patientIdHashes(raw, settings.dialect, route) }));
        this.logger.warn({ connectionId: route.connectionId, errorCode: problem.code, ackCode: code }, 'HL7 message refused at receipt');
        return outcome.stored ? ack : outcome.ack;
      } catch (e) {
        return this.notStored(header, enhanced, e);
      }
    }

    const code: AckCode = enhanced ? 'CA' : 'AA';
    const ack = buildAck(header, { code, controlId: ackControlId() });
    const patientKey = this.patientKey(raw, settings.dialect, route);
    try {
      const outcome = await this.inbound.store(route, message(ack, code, { patientKey: patientKey === null ? null : pgText(patientKey), patientIdHashes: this.patientIdHashes(raw, settings.dialect, route) }));
      if (!outcome.stored) {
        await this.meterResend(settings, pgText([header.messageType.code, header.messageType.trigger].filter(Boolean).join('^')));
        return outcome.ack;
      }
      if (peer && awaitsApplicationAck(header, route)) this.applicationAcks.expect(outcome.id, route.connectionId, peer);
      return ack;
    } catch (e) {
      return this.notStored(header, enhanced, e);
    }
  }

  /**
   * A frame over the size limit is refused without being stored (holding it is what the limit
   * prevents). When its first bytes hold a whole MSH line the refusal names its MSH-10 (MSA-2),
   * so the sender can match it — even when the rest of that MSH cannot be read; AR either way,
   * as resending the same message cannot succeed.
   */
  async handleOversize(head: Buffer): Promise<string> {
    const text = messageText(head);
    const wholeMsh = /[\r\n]/.test(text);
    const parsed = wholeMsh ? parseHeader(text) : undefined;
    if (!parsed?.ok) return ackFallback('AR', OVERSIZE.reason, { errorCode: OVERSIZE.code, receivedControlId: wholeMsh ? readControlId(text) : undefined });
    return refusalAck(parsed.header, 'AR', OVERSIZE);
  }

  /**
   * A frame whose MSH cannot be read: nobody to route it to, so it is quarantined and refused (AR).
   * MSA-2 still names its MSH-10 when that can be read (a missing MSH-9, unusable MSH-2), so the
   * sender can tell which message was refused.
   */
  private async unreadable(frame: Buffer, error: Hl7ParseError): Promise<string> {
    const problem = problemForParseError(error);
    const receivedControlId = readControlId(frame);
    const ack = ackFallback('AR', problem.reason, { errorCode: problem.code, receivedControlId });
    const text = messageText(frame);
    const sender = looseSender(text);
    try {
      await this.inbound.quarantine({
        // Quarantined rows have no connection, and NULL connection ids never collide on (connectionId, controlId).
        controlId: '',
        messageType: '',
        version: '',
        sendingApplication: sender.application,
        sendingFacility: sender.facility,
        raw: text.replaceAll('\0', '\\X00\\'),
        ack,
        ackCode: 'AR',
        errorCode: problem.code,
      });
    } catch (e) {
      this.logger.error({ err: e }, 'unreadable HL7 frame could not be quarantined');
      return ackFallback('AE', 'Message could not be stored; resend it', { errorCode: Hl7ErrorCode.ApplicationInternalError, receivedControlId });
    }
    this.logger.warn({ reason: error.reason }, 'unreadable HL7 frame quarantined');
    return ack;
  }

  /**
   * A resend (same connection and MSH-10) is counted, never billed: one usage event marked
   * duplicate and its audit record, before the stored ACK goes back. Metering must not cost
   * the sender its ACK: a failure here is logged and the ACK is still sent.
   */
  private async meterResend(settings: RouteSettings, messageType: string): Promise<void> {
    const connection = settings.connection;
    if (!connection) return;
    try {
      await this.pipeline.recordDuplicate({
        tenantId: connection.tenantId,
        connectionId: connection.id,
        operation: 'message.in',
        resourceType: messageType,
        actor: feedActor(connection),
        connection,
      });
    } catch (e) {
      this.logger.error({ err: e, connectionId: connection.id }, 'HL7 resend could not be metered');
    }
  }

  /**
   * The connection's settings the handler needs beyond the route, read and parsed once per
   * settings version (findRoute does not carry `mllpTls` or the pin). A connection that vanished is
   * treated as requiring TLS: refusing is the safe side, and its messages could not be stored anyway.
   */
  private async settingsOf(route: InboundRoute): Promise<RouteSettings> {
    const cached = this.settings.get(route.connectionId);
    if (cached?.version === route.version) return cached;
    const connection = await this.connections.findById(route.tenantId, route.connectionId);
    const parsed = hl7DialectSchema.safeParse(route.dialect ?? {});
    if (!parsed.success) this.logger.warn({ connectionId: route.connectionId }, 'stored HL7 dialect does not validate; patient keys use the default dialect');
    const pinnedCertSha256 = connection?.mllpPinnedCertSha256 ?? null;
    const settings: RouteSettings = {
      version: route.version,
      tlsRequired: (connection?.mllpTls ?? true) || pinnedCertSha256 !== null,
      pinnedCertSha256,
      dialect: parsed.success ? parsed.data : {},
      connection,
    };
    this.settings.delete(route.connectionId);
    if (this.settings.size >= MAX_CACHED_SETTINGS) this.settings.delete(this.settings.keys().next().value as string);
    this.settings.set(route.connectionId, settings);
    return settings;
  }

  /** The pinned client certificate an accepted message came over, watched for expiry (written once per certificate, never awaited). */
  private notePeerCertificate(route: InboundRoute, peer: MllpPeer | undefined): void {
    if (!peer?.clientCertFingerprint256 || !peer.clientCertNotAfter) return;
    this.peerCertificates
      .recordSeen(route.tenantId, route.connectionId, 'inbound', peer.clientCertFingerprint256, peer.clientCertNotAfter)
      .catch((e: unknown) => this.logger.warn({ err: e, connectionId: route.connectionId }, 'MLLP peer certificate not recorded'));
  }

  /**
   * The patient the message is about (`system|value` under the site's dialect), by which the
   * worker processes one patient's messages in order. A failure here must not cost the
   * message: it is stored without a key (processed in connection order).
   */
  private patientKey(raw: string, dialect: Hl7Dialect, route: InboundRoute): string | null {
    try {
      return patientKeyOf(raw, dialect);
    } catch (e) {
      this.logger.error({ err: e, connectionId: route.connectionId }, 'patient key could not be computed');
      return null;
    }
  }

  /** The keyed hashes the PHI-gated lookup by patient identifier matches; like the key, never worth losing the message over. */
  private patientIdHashes(raw: string, dialect: Hl7Dialect, route: InboundRoute): string[] {
    try {
      return this.hasher.hashesOf(route.tenantId, raw, dialect);
    } catch (e) {
      this.logger.error({ err: e, connectionId: route.connectionId }, 'patient identifier hashes could not be computed');
      return [];
    }
  }

  /** Nothing was stored: the sender must keep the message and resend it. */
  private notStored(header: ParsedHeader, enhanced: boolean, error: unknown): string {
    this.logger.error({ err: error }, 'inbound HL7 message could not be stored');
    return buildAck(header, {
      code: enhanced ? 'CE' : 'AE',
      controlId: ackControlId(),
      error: { code: Hl7ErrorCode.ApplicationInternalError, text: 'Message could not be stored; resend it' },
    });
  }
}

/**
 * Whether the transport the message came over is one its connection accepts: TLS when
 * required, and when a client certificate is pinned, exactly that certificate (its SHA-256
 * fingerprint as verified by the listener). Undefined when it is.
 */
function transportProblem(settings: RouteSettings, peer: MllpPeer | undefined): Hl7ValidationProblem | undefined {
  if (settings.tlsRequired && !peer?.secure) return TLS_REQUIRED;
  if (settings.pinnedCertSha256 === null) return undefined;
  const presented = peer?.clientCertFingerprint256;
  if (presented === undefined) return CLIENT_CERT_REQUIRED;
  return presented.toUpperCase() === settings.pinnedCertSha256 ? undefined : CLIENT_CERT_NOT_PINNED;
}

/** Postgres text cannot hold NUL; header values never legitimately do. */
function pgText(value: string): string {
  return value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value;
}

/**
 * The message as text in the character set MSH-18 declares (UTF-8 when it names none or
 * UNICODE; ISO 8859 parts decoded as such, so Latin-1 names survive). A NUL byte, which
 * Postgres text cannot hold, is kept as the HL7 hex escape `\X00\`.
 */
function storableText(frame: Buffer, header: ParsedHeader): string {
  const part = /^8859\/(\d{1,2})$/.exec((header.charset ?? '').trim())?.[1];
  let text: string;
  try {
    text = part ? new TextDecoder(`iso-8859-${part}`).decode(frame) : messageText(frame);
  } catch {
    text = messageText(frame);
  }
  const esc = header.delimiters.escape;
  return text.includes('\0') ? text.replaceAll('\0', `${esc}X00${esc}`) : text;
}

/** MSH-3.1 and MSH-4.1 of a header that did not parse, when they can be told apart (for the operator). */
function looseSender(text: string): { application: string; facility: string } {
  const none = { application: '', facility: '' };
  if (!text.startsWith('MSH') || text.length < 8) return none;
  const field = text.charAt(3);
  const component = text.charAt(4);
  if (!/^[\x21-\x7e]$/.test(field) || /^[A-Za-z0-9]$/.test(field)) return none;
  const line = text.slice(0, text.search(/[\r\n]|$/));
  const fields = line.split(field);
  const first = (value: string | undefined): string => pgText((value ?? '').split(component)[0] ?? '').slice(0, MAX_LOOSE_NAME);
  return { application: first(fields[2]), facility: first(fields[3]) };
}
