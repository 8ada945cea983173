import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';

/** outbound: the site's server certificate; inbound: the client certificate the site connected with. */
export type MllpPeerDirection = 'outbound' | 'inbound';

export interface MllpPeerCertificate {
  direction: MllpPeerDirection;
  /** SHA-256, `AA:BB:…`. */
  fingerprint: string;
  notAfter: Date;
  seenAt: Date;
}

/** Per-process memory of what was last recorded, so a busy feed does not write per message or socket. */
const MAX_REMEMBERED = 10_000;

/**
 * The TLS certificate each MLLP peer last presented, for the health monitor's expiry warning.
 * Recorded when a verified handshake shows a certificate; a process writes only when the
 * certificate differs from what it last recorded for that connection and direction.
 */
@Injectable()
export class MllpPeerCertificateRepository {
  private readonly recorded = new Map<string, string>();

  constructor(private readonly prisma: PrismaService) {}

  async recordSeen(tenantId: string, connectionId: string, direction: MllpPeerDirection, fingerprint: string, notAfter: Date): Promise<void> {
    const key = `${connectionId}|${direction}`;
    const value = `${fingerprint}|${notAfter.getTime()}`;
    if (this.recorded.get(key) === value) return;
    await this.prisma.$executeRaw`
      INSERT INTO "MllpPeerCertificate" ("connectionId", "tenantId", "direction", "fingerprint", "notAfter", "seenAt")
      VALUES (${connectionId}::uuid, ${tenantId}::uuid, ${direction}, ${fingerprint}, ${notAfter}, now())
      ON CONFLICT ("connectionId", "direction") DO UPDATE SET "fingerprint" = EXCLUDED."fingerprint", "notAfter" = EXCLUDED."notAfter", "seenAt" = EXCLUDED."seenAt"`;
    if (this.recorded.size >= MAX_REMEMBERED) this.recorded.delete(this.recorded.keys().next().value as string);
    this.recorded.set(key, value);
  }

  list(tenantId: string, connectionId: string): Promise<MllpPeerCertificate[]> {
    return this.prisma.mllpPeerCertificate.findMany({
      where: { tenantId, connectionId },
      select: { direction: true, fingerprint: true, notAfter: true, seenAt: true },
      orderBy: { direction: 'asc' },
    }) as Promise<MllpPeerCertificate[]>;
  }
}
