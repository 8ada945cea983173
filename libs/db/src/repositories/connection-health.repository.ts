import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { unwrapTx, type DbTransaction } from '../database';
import { PrismaService } from '../prisma.service';
import type { ConnectionVendor } from '../models';

export type HealthStatus = 'unknown' | 'healthy' | 'degraded' | 'down';

/**
 * What kind of credential expires: `signing-key` (a key pair past its rotation age), `client-secret` (a
 * vault secret with an expiry date), `tls-certificate` (a PEM certificate the connection presents or
 * trusts, from the vault), `mllp-peer-certificate` (the certificate an MLLP peer last presented).
 */
export const EXPIRING_CREDENTIAL_KINDS = ['signing-key', 'client-secret', 'tls-certificate', 'mllp-peer-certificate'] as const;

/** A credential of the connection that expires, or passes its rotation age, soon. */
export interface ExpiringCredential {
  kind: (typeof EXPIRING_CREDENTIAL_KINDS)[number];
  /** The key id, the secret's name, or the peer's direction and certificate fingerprint (never key material). */
  name: string;
  /** ISO instant. */
  at: string;
}

export interface ConnectionHealthState {
  connectionId: string;
  tenantId: string;
  status: HealthStatus;
  statusSince: Date;
  lastCheckAt: Date | null;
  lastCheckOk: boolean | null;
  lastCheckError: string | null;
  checkFailures: number;
  lastSuccessAt: Date | null;
  recentCalls: number;
  recentErrors: number;
  expiresSoon: ExpiringCredential[];
}

/** A connection the monitor has claimed for one check. */
export interface DueConnection extends ConnectionHealthState {
  vendor: ConnectionVendor;
}

/** What one check measured; the monitor decides the status from it. */
export interface HealthObservation {
  checkedAt: Date;
  /** null: this vendor has no light check (HL7 v2 feeds): status from traffic alone. */
  checkOk: boolean | null;
  checkError: string | null;
  checkFailures: number;
  lastSuccessAt: Date | null;
  recentCalls: number;
  recentErrors: number;
  expiresSoon: ExpiringCredential[];
}

export interface HealthTransition {
  from: HealthStatus;
  to: HealthStatus;
  reason: string;
  errorCode: string | null;
}

export interface ConnectionHealthChange extends HealthTransition {
  id: string;
  connectionId: string;
  eventId: string | null;
  at: Date;
}

const stateColumns = Prisma.sql`h."connectionId"::text AS "connectionId", h."tenantId"::text AS "tenantId", h."status"::text AS "status", h."statusSince",
  h."lastCheckAt", h."lastCheckOk", h."lastCheckError", h."checkFailures", h."lastSuccessAt", h."recentCalls", h."recentErrors", h."expiresSoon"`;

/**
 * The health monitor's state per connection and its transition history. Workers claim due
 * connections by moving `nextCheckAt` forward (SKIP LOCKED, so two workers never check one
 * connection at once); a transition is a compare-and-set on the status, so it is recorded —
 * and its event written, by the caller, in the same transaction — exactly once.
 */
@Injectable()
export class ConnectionHealthRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Claims up to `limit` live connections due for a check (adding a state row for any new one but the built-in echo); the next check is `intervalMs` later. */
  async claimDue(now: Date, intervalMs: number, limit: number): Promise<DueConnection[]> {
    await this.prisma.$executeRaw`
      INSERT INTO "ConnectionHealthState" ("connectionId", "tenantId", "statusSince", "nextCheckAt")
      SELECT c."id", c."tenantId", ${now}, ${now} FROM "Connection" c
      WHERE c."status" = 'live' AND c."vendor" <> 'echo' AND NOT EXISTS (SELECT 1 FROM "ConnectionHealthState" x WHERE x."connectionId" = c."id")
      ON CONFLICT DO NOTHING`;
    const next = new Date(now.getTime() + intervalMs);
    return this.prisma.$queryRaw<DueConnection[]>`
      WITH due AS (
        SELECT s."connectionId" FROM "ConnectionHealthState" s
        JOIN "Connection" c ON c."id" = s."connectionId" AND c."status" = 'live'
        WHERE s."nextCheckAt" <= ${now}
        ORDER BY s."nextCheckAt" LIMIT ${limit}
        FOR UPDATE OF s SKIP LOCKED
      )
      UPDATE "ConnectionHealthState" h SET "nextCheckAt" = ${next}
      FROM due, "Connection" c
      WHERE h."connectionId" = due."connectionId" AND c."id" = h."connectionId"
      RETURNING ${stateColumns}, c."vendor"::text AS "vendor"`;
  }

  /** Real traffic since `since` from the usage rollups (successes and errors). */
  async traffic(tenantId: string, connectionId: string, since: Date): Promise<{ calls: number; errors: number; lastSuccessAt: Date | null }> {
    const [row] = await this.prisma.$queryRaw<{ calls: bigint | null; errors: bigint | null }[]>`
      SELECT SUM("count") AS calls, SUM(CASE WHEN "outcome" = 'error' THEN "count" ELSE 0 END) AS errors
      FROM "UsageRollup" WHERE "tenantId" = ${tenantId}::uuid AND "connectionId" = ${connectionId}::uuid AND "bucketStart" >= ${since}`;
    const [last] = await this.prisma.$queryRaw<{ at: Date | null }[]>`
      SELECT MAX("updatedAt") AS at FROM "UsageRollup"
      WHERE "tenantId" = ${tenantId}::uuid AND "connectionId" = ${connectionId}::uuid AND "bucketStart" >= ${since} AND "outcome" = 'success'`;
    return { calls: Number(row?.calls ?? 0), errors: Number(row?.errors ?? 0), lastSuccessAt: last?.at ?? null };
  }

  /** Stores what a check saw (not the status). */
  async observe(tx: DbTransaction, connectionId: string, o: HealthObservation): Promise<void> {
    await unwrapTx(tx).$executeRaw`
      UPDATE "ConnectionHealthState" SET "lastCheckAt" = ${o.checkedAt}, "lastCheckOk" = ${o.checkOk}, "lastCheckError" = ${o.checkError},
        "checkFailures" = ${o.checkFailures}, "lastSuccessAt" = ${o.lastSuccessAt}, "recentCalls" = ${o.recentCalls}, "recentErrors" = ${o.recentErrors},
        "expiresSoon" = ${JSON.stringify(o.expiresSoon)}::jsonb
      WHERE "connectionId" = ${connectionId}::uuid`;
  }

  /** Moves the status from `t.from` to `t.to` and records the change; false when another worker moved it first. */
  async transition(tx: DbTransaction, tenantId: string, connectionId: string, t: HealthTransition, at: Date): Promise<string | null> {
    const client = unwrapTx(tx);
    const moved = await client.$executeRaw`
      UPDATE "ConnectionHealthState" SET "status" = ${t.to}::"ConnectionHealthStatus", "statusSince" = ${at}
      WHERE "connectionId" = ${connectionId}::uuid AND "status" = ${t.from}::"ConnectionHealthStatus"`;
    if (moved !== 1) return null;
    const [row] = await client.$queryRaw<{ id: string }[]>`
      INSERT INTO "ConnectionHealthChange" ("id", "tenantId", "connectionId", "from", "to", "reason", "errorCode", "at")
      VALUES (gen_random_uuid(), ${tenantId}::uuid, ${connectionId}::uuid, ${t.from}::"ConnectionHealthStatus", ${t.to}::"ConnectionHealthStatus", ${t.reason}, ${t.errorCode}, ${at})
      RETURNING "id"::text AS "id"`;
    return row?.id ?? null;
  }

  async setChangeEvent(tx: DbTransaction, changeId: string, eventId: string): Promise<void> {
    await unwrapTx(tx).$executeRaw`UPDATE "ConnectionHealthChange" SET "eventId" = ${eventId}::uuid WHERE "id" = ${changeId}::uuid`;
  }

  /**
   * A connection's credentials that expire (or pass their rotation age) before `before`, soonest
   * first: active key pairs reaching `keyRotationAgeDays`, current vault secrets with an expiry
   * (`tls-certificate` when the connection uses it as its MLLP client certificate or CA bundle,
   * else `client-secret`), and the certificates MLLP peers last presented.
   */
  async expiringCredentials(connectionId: string, before: Date, keyRotationAgeDays: number): Promise<ExpiringCredential[]> {
    const rows = await this.prisma.$queryRaw<{ kind: ExpiringCredential['kind']; name: string; at: Date }[]>`
      SELECT 'signing-key' AS "kind", k."kid" AS "name", k."createdAt" + make_interval(days => ${keyRotationAgeDays}::int) AS "at"
        FROM "ConnectionKey" k WHERE k."connectionId" = ${connectionId}::uuid AND k."status" = 'active'
      UNION ALL
      SELECT CASE WHEN s."name" IN (c."mllpClientCertSecretName", c."mllpCaSecretName") THEN 'tls-certificate' ELSE 'client-secret' END, s."name", s."expiresAt"
        FROM "SecretVersion" s JOIN "Connection" c ON c."id" = s."connectionId"
        WHERE s."connectionId" = ${connectionId}::uuid AND s."supersededAt" IS NULL AND s."expiresAt" IS NOT NULL
      UNION ALL
      SELECT 'mllp-peer-certificate', p."direction" || ' ' || p."fingerprint", p."notAfter"
        FROM "MllpPeerCertificate" p WHERE p."connectionId" = ${connectionId}::uuid`;
    return rows
      .filter((r) => r.at.getTime() < before.getTime())
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .map((r) => ({ kind: r.kind, name: r.name, at: r.at.toISOString() }));
  }

  /**
   * When the connection's last inbound HL7 message was counted (processed, or a resend
   * recorded), from the usage rollups since `since`; null when none was.
   */
  async lastInboundMessageAt(tenantId: string, connectionId: string, since: Date): Promise<Date | null> {
    const [row] = await this.prisma.$queryRaw<{ at: Date | null }[]>`
      SELECT MAX("updatedAt") AS at FROM "UsageRollup"
      WHERE "tenantId" = ${tenantId}::uuid AND "connectionId" = ${connectionId}::uuid AND "bucketStart" >= ${since} AND "operation" = 'message.in'`;
    return row?.at ?? null;
  }

  /** The states of some of a tenant's connections (those the monitor has watched). */
  async states(tenantId: string, connectionIds: readonly string[]): Promise<Map<string, ConnectionHealthState>> {
    if (connectionIds.length === 0) return new Map();
    const rows = await this.prisma.$queryRaw<ConnectionHealthState[]>`
      SELECT ${stateColumns} FROM "ConnectionHealthState" h
      WHERE h."tenantId" = ${tenantId}::uuid AND h."connectionId" = ANY(${connectionIds as string[]}::uuid[])`;
    return new Map(rows.map((r) => [r.connectionId, r]));
  }

  /** A connection's transitions, newest first. */
  changes(tenantId: string, connectionId: string, limit: number): Promise<ConnectionHealthChange[]> {
    return this.prisma.$queryRaw<ConnectionHealthChange[]>`
      SELECT "id"::text AS "id", "connectionId"::text AS "connectionId", "from"::text AS "from", "to"::text AS "to", "reason", "errorCode",
        "eventId"::text AS "eventId", "at"
      FROM "ConnectionHealthChange" WHERE "tenantId" = ${tenantId}::uuid AND "connectionId" = ${connectionId}::uuid
      ORDER BY "at" DESC, "id" DESC LIMIT ${limit}`;
  }
}
