import type { WallClockHours } from '@sb/core';

/** Domain types returned by repositories; Prisma types never leave libs/db. */
export type TenantStatus = 'active' | 'suspended';
export type UserRole = 'owner' | 'admin' | 'developer' | 'finance' | 'viewer';
export const USER_ROLES: readonly UserRole[] = ['owner', 'admin', 'developer', 'finance', 'viewer'];
export type ConnectionVendor = 'echo' | 'epic' | 'oracle' | 'athena' | 'hl7v2' | 'fhir';
export type ConnectionEnvironment = 'sandbox' | 'production';
export type ConnectionStatus = 'draft' | 'testing' | 'live' | 'disabled';
export type TransactionOutcome = 'success' | 'error';
export type OAuthAuthMethod = 'client_secret' | 'private_key_jwt';
export type Hl7AckMode = 'original' | 'enhanced' | 'immediate';

export interface Tenant {
  id: string;
  name: string;
  slug: string;
  status: TenantStatus;
  plan: string;
  /** Bulk Data manifests carry signed file URLs instead of requiring the credential. */
  bulkSignedUrls: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface ConsoleUser {
  id: string;
  tenantId: string;
  email: string;
  name: string;
  role: UserRole;
  phiAccess: boolean;
  lastLoginAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

/** A user with the password hash, for sign-in only. */
export interface ConsoleUserCredential extends ConsoleUser {
  passwordHash: string | null;
  tenantStatus: TenantStatus;
}

/** A person who runs the installation (no tenant): creates tenants and invites their owners. */
export interface OperatorUser {
  id: string;
  email: string;
  name: string;
  lastLoginAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

/** An operator user with the password hash, for sign-in only. */
export interface OperatorUserCredential extends OperatorUser {
  passwordHash: string;
}

/** A console session: a tenant user's (tenantId, userId) or an operator user's (operatorUserId), never both. */
export interface ConsoleSession {
  id: string;
  tenantId: string | null;
  userId: string | null;
  operatorUserId: string | null;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  endedAt: Date | null;
}

/** A session with what authorizing its requests needs: its tenant user or its operator user. */
export type ConsoleSessionPrincipal = ConsoleSession &
  ({ kind: 'user'; user: ConsoleUser; tenantStatus: TenantStatus } | { kind: 'operator'; operatorUser: OperatorUser });

export interface ConsoleInvite {
  id: string;
  tenantId: string;
  email: string;
  role: UserRole;
  phiAccess: boolean;
  invitedBy: string;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export interface ApiKey {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  scopes: string[];
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

/** An API key found by its hash, with what authentication needs to decide. */
export interface ApiKeyCredential extends ApiKey {
  tenantStatus: TenantStatus;
}

export interface OAuthClient {
  id: string;
  tenantId: string;
  name: string;
  clientId: string;
  authMethod: OAuthAuthMethod;
  jwks: unknown;
  jwksUrl: string | null;
  scopes: string[];
  revokedAt: Date | null;
  createdAt: Date;
}

export interface OAuthClientCredential extends OAuthClient {
  secretHash: string | null;
  tenantStatus: TenantStatus;
}

export interface SigningKey {
  kid: string;
  alg: string;
  publicJwk: Record<string, unknown>;
  sealedPrivateJwk: string;
  status: 'active' | 'retiring' | 'retired';
  createdAt: Date;
  retireAfter: Date | null;
}

export interface Hl7Silence {
  minutes: number;
  hours: WallClockHours | null;
}

export interface ConnectionSettings {
  fhirBaseUrl: string | null;
  tokenUrl: string | null;
  athenaPracticeId: string | null;
  athenaBaseUrl: string | null;
  athenaDepartmentIds: string[];
  athenaPollSeconds: number | null;
  athenaReplayMinutes: number | null;
  mllpHost: string | null;
  mllpPort: number | null;
  mllpTls: boolean;
  /** Outbound MLLP over TLS: vault secret names (never values) of the client certificate + key (PEM) and of the CA bundle; null: none / the system CAs. */
  mllpClientCertSecretName: string | null;
  mllpCaSecretName: string | null;
  /** Inbound: SHA-256 fingerprint (`AA:BB:…`, uppercase) of the only client certificate this connection's messages are accepted over. */
  mllpPinnedCertSha256: string | null;
  hl7SendingFacility: string | null;
  hl7SendingApplication: string | null;
  hl7AckMode: Hl7AckMode;
  /** hl7v2 feed watch: degraded after `minutes` without an inbound message during `hours` (all day when null); null: not watched. */
  hl7Silence: Hl7Silence | null;
  clientId: string | null;
  scopes: string[];
  authAlg: string | null;
  clientSecretName: string | null;
  bulkGroupIds: string[];
  bulkGroupWindowHours: number | null;
  /** SMART App Launch: the gateway's client id at the EHR, and the vault secret name when it is a confidential client there. */
  smartClientId: string | null;
  smartClientSecretName: string | null;
  dialect: Record<string, unknown>;
}

export interface ConnectionHealth {
  lastTestedAt: Date | null;
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastErrorCode: string | null;
  tokenExpiresAt: Date | null;
}

export interface Connection extends ConnectionSettings, ConnectionHealth {
  id: string;
  tenantId: string;
  name: string;
  vendor: ConnectionVendor;
  environment: ConnectionEnvironment;
  status: ConnectionStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** Metadata of a stored secret version: never its value. */
export interface SecretMetadata {
  id: string;
  tenantId: string;
  connectionId: string;
  name: string;
  version: number;
  fingerprint: string;
  byteLength: number;
  /** When the value stops working (given, or a PEM certificate's notAfter); null: unknown. */
  expiresAt: Date | null;
  kmsProvider: string;
  kekId: string;
  kekVersion: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  supersededAt: Date | null;
}

/** A stored secret version with its sealed material (libs/vault only). */
export interface SealedSecret extends SecretMetadata {
  ciphertext: Buffer;
  nonce: Buffer;
  authTag: Buffer;
  wrappedKey: Buffer;
}

export interface ConnectionKey {
  kid: string;
  tenantId: string;
  connectionId: string;
  alg: string;
  publicJwk: Record<string, unknown>;
  secretName: string;
  status: 'active' | 'retiring' | 'retired';
  createdAt: Date;
  retiredAt: Date | null;
}

export interface UsageEventInput {
  tenantId: string;
  connectionId: string;
  transactionId: string;
  vendor: ConnectionVendor;
  operation: string;
  resourceType: string;
  outcome: TransactionOutcome;
  durationMs: number;
  occurredAt: Date;
  /** The connection's environment: sandbox traffic is never billable. */
  environment: ConnectionEnvironment;
  /** Billable units (default 1): a bulk export counts the resources it exported. */
  units?: number;
  /** A resend or replay of work already done: counted, never billable. */
  duplicate?: boolean;
}

export interface UsageEvent extends Omit<UsageEventInput, 'duplicate' | 'units'> {
  id: string;
  class: string | null;
  units: number;
  billable: boolean;
  nonBillableReason: string | null;
}

export interface AuditEntryInput {
  tenantId: string;
  transactionId: string;
  connectionId: string | null;
  actorType: string;
  actorId: string;
  operation: string;
  resourceType: string;
  patientRef: string | null;
  purpose: string | null;
  /** What an admin action changed (`Connection/<id>`); absent on data-access records. */
  objectRef?: string | null;
  outcome: TransactionOutcome;
  occurredAt: Date;
}

/** A record once chained: its place in the tenant's chain and its hash. */
export interface AuditRecord extends AuditEntryInput {
  id: string;
  sequence: number;
  prevHash: string;
  hash: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
