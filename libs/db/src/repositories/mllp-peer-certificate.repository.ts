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
 * How long a process trusts that memory: after this, what it sees is written again, so when two
 * processes see different certificates of one site (a load balancer mid-renewal), the stored one
 * follows what is seen within this time rather than whichever process wrote last.
 */
export const PEER_CERTIFICATE_REWRITE_MS = 10 * 60_000;

/**
 * The TLS certificate each MLLP peer last presented, for the health monitor's expiry warning.
 * Recorded when a verified handshake shows a certificate; a process writes when the certificate
 * differs from what it last recorded for that connection and direction, or that was a while ago.
 */
@Injectable()
export class MllpPeerCertificateRepository {
  private readonly recorded = new Map<string, { value: string; at: number }>();

  constructor(private readonly prisma: PrismaService) {}

  async recordSeen(tenantId: string, connectionId: string, direction: MllpPeerDirection, fingerprint: string, notAfter: Date, now = Date.now()): Promise<void> {
    const key = `${connectionId}|${direction}`;
    const value = `${fingerprint}|${notAfter.getTime()}`;
    const last = this.recorded.get(key);
    if (last?.value === value && now - last.at < PEER_CERTIFICATE_REWRITE_MS) return;
    await this.prisma.$executeRaw`
      INSERT INTO "MllpPeerCertificate" ("connectionId", "tenantId", "direction", "fingerprint", "notAfter", "seenAt")
      VALUES (${connectionId}::uuid, ${tenantId}::uuid, ${direction}, ${fingerprint}, ${notAfter}, now())
      ON CONFLICT ("connectionId", "direction") DO UPDATE SET "fingerprint" = EXCLUDED."fingerprint", "notAfter" = EXCLUDED."notAfter", "seenAt" = EXCLUDED."seenAt"
      WHERE "MllpPeerCertificate"."fingerprint" IS DISTINCT FROM EXCLUDED."fingerprint" OR "MllpPeerCertificate"."seenAt" < EXCLUDED."seenAt" - interval '5 minutes'`;
    if (this.recorded.size >= MAX_REMEMBERED) this.recorded.delete(this.recorded.keys().next().value as string);
    this.recorded.delete(key);
    this.recorded.set(key, { value, at: now });
  }

  list(tenantId: string, connectionId: string): Promise<MllpPeerCertificate[]> {
    return this.prisma.mllpPeerCertificate.findMany({
      where: { tenantId, connectionId },
      select: { direction: true, fingerprint: true, notAfter: true, seenAt: true },
      orderBy: { direction: 'asc' },
    }) as Promise<MllpPeerCertificate[]>;
  }
}
