import { Injectable } from '@nestjs/common';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';

export type SmartLaunchKind = 'ehr' | 'standalone';

/** A sealed value as JSON (base64 fields of the vault's envelope); opaque here. */
export type SealedJson = Record<string, string>;

/** What the app asked for at the gateway's authorize endpoint, answered once the code is issued or the upstream leg ends. */
export interface SmartAppRequest {
  redirectUri: string;
  state: string | null;
  codeChallenge: string;
  nonce: string | null;
  scopes: string[];
}

export interface SmartLaunch {
  id: string;
  tenantId: string;
  connectionId: string;
  appId: string;
  kind: SmartLaunchKind;
  upstreamVerifier: SealedJson;
  upstreamStateUsedAt: Date | null;
  appRequest: SmartAppRequest | null;
  patientId: string | null;
  encounterId: string | null;
  fhirUser: string | null;
  needPatientBanner: boolean;
  upstreamTokens: SealedJson | null;
  upstreamExpiresAt: Date | null;
  launchExpiresAt: Date | null;
  codeExpiresAt: Date | null;
  codeRequest: SmartAppRequest | null;
  grantedScopes: string[];
  refreshExpiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

const columns = {
  id: true,
  tenantId: true,
  connectionId: true,
  appId: true,
  kind: true,
  upstreamVerifier: true,
  upstreamStateUsedAt: true,
  appRequest: true,
  patientId: true,
  encounterId: true,
  fhirUser: true,
  needPatientBanner: true,
  upstreamTokens: true,
  upstreamExpiresAt: true,
  launchExpiresAt: true,
  codeExpiresAt: true,
  codeRequest: true,
  grantedScopes: true,
  refreshExpiresAt: true,
  revokedAt: true,
  createdAt: true,
} as const;

type Row = Prisma.SmartLaunchGetPayload<{ select: typeof columns }>;

const toLaunch = (row: Row): SmartLaunch => ({
  ...row,
  upstreamVerifier: row.upstreamVerifier as SealedJson,
  appRequest: (row.appRequest ?? null) as SmartAppRequest | null,
  upstreamTokens: (row.upstreamTokens ?? null) as SealedJson | null,
  codeRequest: (row.codeRequest ?? null) as SmartAppRequest | null,
});

const json = (value: unknown): Prisma.InputJsonValue => value as Prisma.InputJsonValue;

/**
 * SMART launches brokered by the gateway. Every one-time value is looked up by its SHA-256 and
 * spent with a conditional update, so a replayed state, launch, code or refresh token finds
 * nothing to spend, whichever api process it reaches.
 */
@Injectable()
export class SmartLaunchRepository {
  constructor(private readonly prisma: PrismaService) {}

  async begin(input: { id: string; tenantId: string; connectionId: string; appId: string; kind: SmartLaunchKind; upstreamStateHash: string; upstreamVerifier: SealedJson; appRequest: SmartAppRequest | null }): Promise<SmartLaunch> {
    return toLaunch(await this.prisma.smartLaunch.create({ data: { ...input, upstreamVerifier: json(input.upstreamVerifier), appRequest: input.appRequest ? json(input.appRequest) : undefined }, select: columns }));
  }

  /** Spends an upstream state issued after `notBefore`; null when unknown, spent or too old. */
  async spendUpstreamState(stateHash: string, notBefore: Date): Promise<SmartLaunch | null> {
    const now = new Date();
    const spent = await this.prisma.smartLaunch.updateMany({ where: { upstreamStateHash: stateHash, upstreamStateUsedAt: null, createdAt: { gte: notBefore } }, data: { upstreamStateUsedAt: now } });
    if (spent.count !== 1) return null;
    const row = await this.prisma.smartLaunch.findUnique({ where: { upstreamStateHash: stateHash }, select: columns });
    return row && toLaunch(row);
  }

  /** Records the EHR's answer: the launch context and the sealed tokens. */
  async upstreamAuthorized(id: string, input: { patientId: string | null; encounterId: string | null; fhirUser: string | null; needPatientBanner: boolean; upstreamTokens: SealedJson; upstreamExpiresAt: Date | null }): Promise<void> {
    await this.prisma.smartLaunch.update({ where: { id }, data: { ...input, upstreamTokens: json(input.upstreamTokens) } });
  }

  async replaceUpstreamTokens(id: string, upstreamTokens: SealedJson, upstreamExpiresAt: Date | null): Promise<void> {
    await this.prisma.smartLaunch.update({ where: { id }, data: { upstreamTokens: json(upstreamTokens), upstreamExpiresAt } });
  }

  async issueLaunch(id: string, launchHash: string, expiresAt: Date): Promise<void> {
    await this.prisma.smartLaunch.update({ where: { id }, data: { launchHash, launchExpiresAt: expiresAt } });
  }

  /** Spends a gateway launch of this app that has not expired; null otherwise. */
  async spendLaunch(launchHash: string, appId: string, now = new Date()): Promise<SmartLaunch | null> {
    const spent = await this.prisma.smartLaunch.updateMany({ where: { launchHash, appId, launchUsedAt: null, launchExpiresAt: { gt: now }, revokedAt: null }, data: { launchUsedAt: now } });
    if (spent.count !== 1) return null;
    const row = await this.prisma.smartLaunch.findUnique({ where: { launchHash }, select: columns });
    return row && toLaunch(row);
  }

  async issueCode(id: string, codeHash: string, expiresAt: Date, codeRequest: SmartAppRequest, grantedScopes: string[]): Promise<void> {
    await this.prisma.smartLaunch.update({ where: { id }, data: { codeHash, codeExpiresAt: expiresAt, codeRequest: json(codeRequest), grantedScopes } });
  }

  /** Spends an authorization code; returns the launch whatever its age (the caller checks expiry), null when unknown or spent. */
  async spendCode(codeHash: string, now = new Date()): Promise<SmartLaunch | null> {
    const spent = await this.prisma.smartLaunch.updateMany({ where: { codeHash, codeUsedAt: null, revokedAt: null }, data: { codeUsedAt: now } });
    if (spent.count !== 1) return null;
    const row = await this.prisma.smartLaunch.findUnique({ where: { codeHash }, select: columns });
    return row && toLaunch(row);
  }

  async setRefreshToken(id: string, refreshTokenHash: string | null, refreshExpiresAt: Date | null): Promise<void> {
    await this.prisma.smartLaunch.update({ where: { id }, data: { refreshTokenHash, refreshExpiresAt } });
  }

  /** Rotates a refresh token: the old hash is replaced in the same statement, so it works once. */
  async rotateRefreshToken(oldHash: string, newHash: string, appId: string, now = new Date()): Promise<SmartLaunch | null> {
    const rotated = await this.prisma.smartLaunch.updateMany({ where: { refreshTokenHash: oldHash, appId, revokedAt: null, refreshExpiresAt: { gt: now } }, data: { refreshTokenHash: newHash } });
    if (rotated.count !== 1) return null;
    const row = await this.prisma.smartLaunch.findUnique({ where: { refreshTokenHash: newHash }, select: columns });
    return row && toLaunch(row);
  }

  async find(id: string): Promise<SmartLaunch | null> {
    const row = await this.prisma.smartLaunch.findUnique({ where: { id }, select: columns });
    return row && toLaunch(row);
  }

  /** A launch whose tokens still stand: not revoked, its tenant active (its app deleted takes the launch with it). */
  async findLive(id: string): Promise<SmartLaunch | null> {
    const row = await this.prisma.smartLaunch.findFirst({ where: { id, revokedAt: null, tenant: { status: 'active' } }, select: columns });
    return row && toLaunch(row);
  }

  async revoke(id: string): Promise<void> {
    await this.prisma.smartLaunch.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date(), refreshTokenHash: null } });
  }
}
