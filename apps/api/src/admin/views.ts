import { athenaEndpoints } from '@sb/adapters/athena';
import type { ApiKey, Connection, ConnectionHealthChange, ConnectionHealthState, OAuthClient, SecretMetadata, Tenant } from '@sb/db';

/** Response shapes: explicit fields only, so nothing secret or internal is serialized by accident. */
export const tenantView = (t: Tenant) => ({
  id: t.id,
  name: t.name,
  slug: t.slug,
  status: t.status,
  plan: t.plan,
  bulkSignedUrls: t.bulkSignedUrls,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});

export const apiKeyView = (k: ApiKey) => ({
  id: k.id,
  tenantId: k.tenantId,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  lastUsedAt: k.lastUsedAt,
  expiresAt: k.expiresAt,
  revokedAt: k.revokedAt,
  createdAt: k.createdAt,
});

export const oauthClientView = (c: OAuthClient) => ({
  id: c.id,
  tenantId: c.tenantId,
  name: c.name,
  clientId: c.clientId,
  authMethod: c.authMethod,
  jwksUrl: c.jwksUrl,
  hasInlineJwks: c.jwks !== null,
  scopes: c.scopes,
  revokedAt: c.revokedAt,
  createdAt: c.createdAt,
});

export const connectionView = (c: Connection, h?: ConnectionHealthState) => ({
  id: c.id,
  tenantId: c.tenantId,
  name: c.name,
  vendor: c.vendor,
  environment: c.environment,
  status: c.status,
  fhirBaseUrl: c.fhirBaseUrl,
  tokenUrl: c.tokenUrl,
  athenaPracticeId: c.athenaPracticeId,
  athenaBaseUrl: c.athenaBaseUrl,
  departmentIds: c.athenaDepartmentIds,
  changePollSeconds: c.athenaPollSeconds,
  changeReplayMinutes: c.athenaReplayMinutes,
  athenaEndpoints: athenaEndpointsView(c),
  mllpHost: c.mllpHost,
  mllpPort: c.mllpPort,
  mllpTls: c.mllpTls,
  mllpClientCertSecretName: c.mllpClientCertSecretName,
  mllpCaSecretName: c.mllpCaSecretName,
  mllpPinnedCertSha256: c.mllpPinnedCertSha256,
  hl7SendingFacility: c.hl7SendingFacility,
  hl7SendingApplication: c.hl7SendingApplication,
  hl7AckMode: c.hl7AckMode,
  hl7Silence: c.hl7Silence,
  clientId: c.clientId,
  scopes: c.scopes,
  authAlg: c.authAlg,
  clientSecretName: c.clientSecretName,
  bulkGroupIds: c.bulkGroupIds,
  bulkGroupWindowHours: c.bulkGroupWindowHours,
  smartClientId: c.smartClientId,
  smartClientSecretName: c.smartClientSecretName,
  dialect: c.dialect,
  health: {
    status: h?.status ?? 'unknown',
    statusSince: h?.statusSince ?? null,
    lastCheckAt: h?.lastCheckAt ?? null,
    lastCheckError: h?.lastCheckError ?? null,
    lastSuccessAt: latest(c.lastSuccessAt, h?.lastSuccessAt ?? null),
    errorRate: h && h.recentCalls > 0 ? h.recentErrors / h.recentCalls : 0,
    recentCalls: h?.recentCalls ?? 0,
    expiresSoon: h?.expiresSoon ?? [],
    lastTestedAt: c.lastTestedAt,
    lastErrorAt: c.lastErrorAt,
    lastErrorCode: c.lastErrorCode,
    tokenExpiresAt: c.tokenExpiresAt,
  },
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

const latest = (a: Date | null, b: Date | null): Date | null => (a && b ? (a.getTime() >= b.getTime() ? a : b) : (a ?? b));

export const healthChangeView = (c: ConnectionHealthChange) => ({
  from: c.from,
  to: c.to,
  reason: c.reason,
  errorCode: c.errorCode,
  eventId: c.eventId,
  at: c.at,
});

/** Where an athena connection's calls go: the URLs set on it, else the defaults for its environment. */
function athenaEndpointsView(c: Connection): { baseUrl: string; tokenUrl: string } | null {
  if (c.vendor !== 'athena') return null;
  const { baseUrl, tokenUrl } = athenaEndpoints(c);
  return { baseUrl, tokenUrl };
}

export const secretView = (s: SecretMetadata) => ({
  name: s.name,
  version: s.version,
  fingerprint: s.fingerprint,
  byteLength: s.byteLength,
  expiresAt: s.expiresAt,
  kms: { provider: s.kmsProvider, kekId: s.kekId, kekVersion: s.kekVersion },
  createdAt: s.createdAt,
  lastUsedAt: s.lastUsedAt,
});
