import { Injectable } from '@nestjs/common';
import type { Connection, Hl7AckMode } from '../models';
import { isUniqueViolation } from '../prisma-errors';
import { PrismaService } from '../prisma.service';

export interface InboundRoute {
  connectionId: string;
  tenantId: string;
  ackMode: Hl7AckMode;
}

export interface NewInboundMessage {
  controlId: string;
  messageType: string;
  version: string;
  sendingApplication: string;
  sendingFacility: string;
  raw: string;
  ack: string;
  ackCode: string;
}

export type StoreOutcome = { stored: true; id: string } | { stored: false; ack: string };

/** Inbound HL7 v2 messages: routed by sender, stored before any positive ACK, deduplicated by MSH-10. */
@Injectable()
export class Hl7InboundRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * The connection a sender's messages belong to: an enabled hl7v2 connection whose
   * MSH-4 matches and whose MSH-3, when set, matches too (an exact application
   * match wins). Not tenant-scoped: the sender is all an MLLP frame tells us.
   */
  async findRoute(sendingFacility: string, sendingApplication: string): Promise<InboundRoute | null> {
    const candidates: Pick<Connection, 'id' | 'tenantId' | 'hl7AckMode' | 'hl7SendingApplication'>[] = await this.prisma.connection.findMany({
      where: {
        vendor: 'hl7v2',
        status: { not: 'disabled' },
        hl7SendingFacility: sendingFacility,
        OR: [{ hl7SendingApplication: null }, { hl7SendingApplication: sendingApplication }],
      },
      select: { id: true, tenantId: true, hl7AckMode: true, hl7SendingApplication: true },
      orderBy: { createdAt: 'asc' },
      take: 2,
    });
    const chosen = candidates.find((c) => c.hl7SendingApplication === sendingApplication) ?? candidates[0];
    return chosen ? { connectionId: chosen.id, tenantId: chosen.tenantId, ackMode: chosen.hl7AckMode } : null;
  }

  /** Whether another enabled hl7v2 connection (any tenant) already receives this sender's messages. */
  async routeTaken(sendingFacility: string, sendingApplication: string | null, exceptConnectionId?: string): Promise<boolean> {
    const count = await this.prisma.connection.count({
      where: {
        vendor: 'hl7v2',
        status: { not: 'disabled' },
        hl7SendingFacility: sendingFacility,
        hl7SendingApplication: sendingApplication,
        ...(exceptConnectionId ? { id: { not: exceptConnectionId } } : {}),
      },
    });
    return count > 0;
  }

  /** Commits the raw message with its ACK; a resend (same connection and MSH-10) returns the stored ACK. */
  async store(route: InboundRoute, message: NewInboundMessage): Promise<StoreOutcome> {
    try {
      const row = await this.prisma.hl7InboundMessage.create({
        data: { ...message, tenantId: route.tenantId, connectionId: route.connectionId },
        select: { id: true },
      });
      return { stored: true, id: row.id };
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const existing = await this.prisma.hl7InboundMessage.findFirst({
        where: { connectionId: route.connectionId, controlId: message.controlId },
        select: { ack: true },
      });
      if (!existing) throw e;
      return { stored: false, ack: existing.ack };
    }
  }

  /** Keeps a message from an unknown sender where the operator can see it. */
  async quarantine(message: NewInboundMessage): Promise<string> {
    const row = await this.prisma.hl7InboundMessage.create({ data: { ...message, status: 'quarantined' }, select: { id: true } });
    return row.id;
  }

  async countForConnection(tenantId: string, connectionId: string): Promise<number> {
    return this.prisma.hl7InboundMessage.count({ where: { tenantId, connectionId } });
  }

  async countQuarantined(sendingFacility: string): Promise<number> {
    return this.prisma.hl7InboundMessage.count({ where: { status: 'quarantined', sendingFacility } });
  }
}
