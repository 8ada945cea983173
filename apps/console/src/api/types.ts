/**
 * REST response shapes, written by hand from the api's views
 * (apps/api/src/admin/views.ts, libs/connections/src/connection-test.service.ts,
 * libs/connections/src/connection-keys.service.ts) with dates as ISO strings.
 * One place on purpose: swap these for the generated `openapi.d.ts`
 * (openapi-typescript) once the OpenAPI document has response schemas.
 */

export type IsoDateTime = string;

export type Role = 'owner' | 'admin' | 'developer' | 'finance' | 'viewer';

/** `POST /v1/console/session` and `GET /v1/console/me`. */
export interface ConsoleSession {
  user: { id: string; email: string; name: string | null };
  tenant: { id: string; name: string; slug: string };
  role: Role;
  phi: boolean;
  scopes: string[];
  csrfToken: string;
}

/** `GET /v1/console/invites/{token}`. */
export interface InviteView {
  email: string;
  tenantName: string;
  role: Role;
  phi: boolean;
  expiresAt: IsoDateTime;
}

export type Vendor = 'epic' | 'oracle' | 'athena' | 'hl7v2' | 'fhir' | 'echo';
export type Environment = 'sandbox' | 'production';
export type ConnectionStatus = 'draft' | 'testing' | 'live' | 'disabled';
export type AssertionAlg = 'RS384' | 'ES384';
export type AckMode = 'original' | 'enhanced' | 'immediate';

export interface ConnectionHealth {
  lastTestedAt: IsoDateTime | null;
  lastSuccessAt: IsoDateTime | null;
  lastErrorAt: IsoDateTime | null;
  lastErrorCode: string | null;
  tokenExpiresAt: IsoDateTime | null;
}

/** `connectionView`. */
export interface Connection {
  id: string;
  tenantId: string;
  name: string;
  vendor: Vendor;
  environment: Environment;
  status: ConnectionStatus;
  fhirBaseUrl: string | null;
  tokenUrl: string | null;
  athenaPracticeId: string | null;
  mllpHost: string | null;
  mllpPort: number | null;
  mllpTls: boolean;
  hl7SendingFacility: string | null;
  hl7SendingApplication: string | null;
  hl7AckMode: AckMode | null;
  clientId: string | null;
  scopes: string[];
  authAlg: AssertionAlg | null;
  clientSecretName: string | null;
  dialect: unknown;
  health: ConnectionHealth;
  createdAt: IsoDateTime;
  updatedAt: IsoDateTime;
}

export type StepStatus = 'passed' | 'failed' | 'skipped';

export interface TestStep {
  name: string;
  status: StepStatus;
  durationMs: number;
  /** Plain-language outcome; never response bodies, tokens or secrets. */
  detail: string;
  code?: string;
}

/** `POST /v1/connections/{id}/test`. */
export interface TestReport {
  connectionId: string;
  vendor: string;
  ok: boolean;
  testedAt: IsoDateTime;
  steps: TestStep[];
}

/** `POST /v1/connections` answers a sandbox Epic/Oracle connection with the test run while wiring it. */
export interface CreatedConnection extends Connection {
  provisioning?: TestReport;
}

/** `secretView`: metadata only, never a value. */
export interface SecretMetadata {
  name: string;
  version: number;
  fingerprint: string;
  byteLength: number;
  kms: { provider: string; kekId: string; kekVersion: number };
  createdAt: IsoDateTime;
  lastUsedAt: IsoDateTime | null;
}

/** `KeyView` of a connection's signing keys. */
export interface ConnectionKey {
  kid: string;
  alg: AssertionAlg;
  status: 'active' | 'retiring' | 'retired';
  createdAt: IsoDateTime;
  retiredAt: IsoDateTime | null;
  publicJwk: Record<string, unknown>;
  jwksUrl: string;
}

/** `UsageTotal` rows of `GET /v1/usage/totals`. */
export interface UsageTotal {
  connectionId: string;
  vendor: string;
  operation: string;
  outcome: string;
  count: number;
}

export interface Items<T> {
  items: T[];
}
