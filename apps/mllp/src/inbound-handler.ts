import { Injectable, Logger } from '@nestjs/common';
import { Hl7InboundRepository, type InboundRoute, type NewInboundMessage } from '@sb/db';
import { ackFallback, buildAck, errorCodeForParseError, Hl7ErrorCode, messageText, parseHeader, type AckCode, type ParsedHeader } from '@sb/hl7';
import { randomBytes } from 'node:crypto';

const ackControlId = (): string => randomBytes(10).toString('hex');

/** Whether the sender asked for an accept ACK in enhanced mode (MSH-15 AL, or ER/SU for the cases they name). */
const wantsEnhanced = (header: ParsedHeader, route: InboundRoute): boolean =>
  route.ackMode === 'enhanced' && ['AL', 'ER', 'SU'].includes(header.acceptAckType ?? '');

/**
 * One inbound frame → its ACK. The raw message is committed to Postgres before
 * any positive ACK (AA/CA); what cannot be stored gets AE/CE, so the sender
 * resends; unknown senders get AR and the message is quarantined; a resend of a
 * stored message gets the ACK it got the first time and is not stored again.
 */
@Injectable()
export class InboundHandler {
  private readonly logger = new Logger(InboundHandler.name);

  constructor(private readonly inbound: Hl7InboundRepository) {}

  async handle(frame: Buffer): Promise<string> {
    const parsed = parseHeader(frame);
    if (!parsed.ok) {
      this.logger.warn({ reason: parsed.error.reason }, 'unparseable HL7 frame refused');
      return ackFallback('AR', 'Message header could not be parsed', { errorCode: errorCodeForParseError(parsed.error) });
    }
    const header = parsed.header;
    const message = (ack: string, ackCode: AckCode): NewInboundMessage => ({
      controlId: header.controlId,
      messageType: [header.messageType.code, header.messageType.trigger].filter(Boolean).join('^'),
      version: header.version,
      sendingApplication: header.sendingApplication,
      sendingFacility: header.sendingFacility,
      raw: messageText(frame),
      ack,
      ackCode,
    });

    let route: InboundRoute | null;
    try {
      route = await this.inbound.findRoute(header.sendingFacility, header.sendingApplication);
    } catch (e) {
      return this.notStored(header, false, e);
    }
    if (!route) {
      const ack = buildAck(header, { code: 'AR', controlId: ackControlId(), error: { code: Hl7ErrorCode.UnknownKeyIdentifier, text: 'Unknown sending facility or application' } });
      try {
        await this.inbound.quarantine(message(ack, 'AR'));
      } catch (e) {
        return this.notStored(header, false, e);
      }
      this.logger.warn({ messageType: header.messageType.code }, 'message from an unknown sender quarantined');
      return ack;
    }

    const enhanced = wantsEnhanced(header, route);
    const code: AckCode = enhanced ? 'CA' : 'AA';
    const ack = buildAck(header, { code, controlId: ackControlId() });
    try {
      const outcome = await this.inbound.store(route, message(ack, code));
      return outcome.stored ? ack : outcome.ack;
    } catch (e) {
      return this.notStored(header, enhanced, e);
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
