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

// --- HL7 message log, dialect preview (libs/hl7-processing) ---------------

export type Hl7MessageStatus = 'received' | 'processed' | 'failed' | 'quarantined' | 'rejected';

/** A row of `GET /v1/connections/{id}/hl7/messages`: metadata only, never content. */
export interface Hl7MessageSummary {
  id: string;
  connectionId: string | null;
  controlId: string;
  messageType: string;
  version: string;
  status: Hl7MessageStatus;
  ackCode: string;
  errorCode: string | null;
  errorMeaning: string | null;
  attempts: number;
  receivedAt: IsoDateTime;
  processedAt: IsoDateTime | null;
}

export interface Hl7MessagePage {
  items: Hl7MessageSummary[];
  /** `before` of the next (older) page; null at the end. */
  next: string | null;
}

/** `GET …/hl7/messages/{mid}` (PHI): raw text, ACKs and the FHIR resources it produced. */
export interface Hl7MessageDetail extends Hl7MessageSummary {
  raw: string;
  ack: string;
  applicationAck: string | null;
  resources: unknown[] | null;
}

export interface ResourceChange {
  op: 'add' | 'remove' | 'change';
  path: string;
  before?: unknown;
  after?: unknown;
}

export type ConversionView = { ok: true; messageType: string; resources: unknown[] } | { ok: false; error: { code: string; reason: string; location?: unknown } };

export interface ReplayRow {
  messageId: string;
  controlId: string;
  messageType: string;
  change: 'unchanged' | 'changed' | 'now_fails' | 'now_succeeds' | 'still_fails';
  changedPaths: string[];
}

/** `POST …/hl7/preview`. */
export interface DialectPreview {
  dialectChanged: boolean;
  message?: { current: ConversionView; candidate: ConversionView; diff: ResourceChange[] };
  replay?: { replayed: number; changed: number; nowFailing: number; nowSucceeding: number; messages: ReplayRow[] };
}

// --- Events and webhooks (libs/events, libs/webhooks) ------------------------

/** `GET /v1/event-types` entries. */
export interface EventTypeDefinition {
  type: string;
  version: number;
  description: string;
  emitted: boolean;
  schema: Record<string, unknown>;
  /** An example `data` (being added to the catalog). */
  example?: unknown;
}

/** An event of `GET /v1/events`; its id is the `webhook-id` of its deliveries. */
export interface FeedEvent {
  id: string;
  type: string;
  version: number;
  timestamp: IsoDateTime;
  tenantId: string;
  connectionId: string | null;
  data: unknown;
}

export interface EventFeedPage {
  data: FeedEvent[];
  next: string;
}

export type WebhookPayloadMode = 'thin' | 'full';
export type WebhookOrderingMode = 'none' | 'patient';

/** `webhookEndpointView`: never the secret. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  payload: WebhookPayloadMode;
  orderingKey: WebhookOrderingMode;
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  previousSecretExpiresAt: IsoDateTime | null;
  createdAt: IsoDateTime;
  updatedAt: IsoDateTime;
}

/** The create and rotate answers: the only time the signing secret is sent. */
export interface WebhookEndpointWithSecret extends WebhookEndpoint {
  secret: string;
}

/** `webhookAttemptView`. */
export interface WebhookAttempt {
  id: string;
  eventId: string;
  deliveryId: string;
  status: 'succeeded' | 'failed';
  statusCode: number | null;
  durationMs: number;
  /** A code (`timeout`, `connection_refused`, …), never a response body. */
  error: string | null;
  /** The start of the receiver's answer: 512 characters at most, control characters stripped; null when it sent no body. */
  responseExcerpt: string | null;
  attemptedAt: IsoDateTime;
}

export interface WebhookAttemptPage {
  data: WebhookAttempt[];
  next: string | null;
}

/** One endpoint's handling of one event in a message's trail (`eventDeliveryTrailView`). */
export interface EventDeliveryTrail {
  endpoint: Pick<WebhookEndpoint, 'id' | 'url' | 'description' | 'status'>;
  /** Null when no delivery was made: not relayed yet, or the endpoint was disabled or not subscribed then. */
  delivery: WebhookDelivery | null;
  /** Up to 5, newest first. */
  latestAttempts: WebhookAttempt[];
}

/** An event a message raised (`GET …/hl7/messages/{mid}/events`): metadata only. */
export interface MessageEvent {
  id: string;
  type: string;
  version: number;
  timestamp: IsoDateTime;
  /** Null while the event waits in the outbox. */
  relayedAt: IsoDateTime | null;
  /** Null when the caller may not read webhooks (`deliveriesHidden`). */
  deliveries: EventDeliveryTrail[] | null;
}

export interface MessageEventsPage {
  /** Every processing's events, newest first. */
  items: MessageEvent[];
  deliveriesHidden: boolean;
}

/** `webhookDeliveryView`. */
export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string | null;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  nextAttemptAt: IsoDateTime | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: IsoDateTime;
  completedAt: IsoDateTime | null;
}

/** `UsageTotal` rows of `GET /v1/usage/totals`. */
export interface UsageTotal {
  connectionId: string;
  /** The connection's name, when the api includes it (finance has no connections:read). */
  connectionName?: string | null;
  vendor: string;
  operation: string;
  outcome: string;
  count: number;
}

/* ---- Usage, users, API keys, audit (usage/, users/, api-keys/, audit/) ---- */

export type UsageGroupBy = 'connection' | 'vendor' | 'operation' | 'outcome';

/** One day × key of `GET /v1/usage/daily` (`key` is the connection id, vendor, operation or outcome). */
export interface UsageDay {
  date: string;
  key: string;
  /** Display name of the key when the api provides one (connection names). */
  name?: string | null;
  count: number;
}

/** `GET /v1/usage/daily?from&to&groupBy`. */
export interface UsageDaily {
  from: IsoDateTime;
  to: IsoDateTime;
  groupBy: UsageGroupBy;
  days: UsageDay[];
}

/** `consoleUserView` (`GET /v1/users`). */
export interface ConsoleUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  phi: boolean;
  status: 'active' | 'revoked';
  lastLoginAt: IsoDateTime | null;
  revokedAt: IsoDateTime | null;
  createdAt: IsoDateTime;
}

/** `inviteView` (`GET /v1/invites`). */
export interface Invite {
  id: string;
  email: string;
  role: Role;
  phi: boolean;
  status: 'pending' | 'accepted' | 'expired' | 'revoked';
  expiresAt: IsoDateTime;
  acceptedAt: IsoDateTime | null;
  createdAt: IsoDateTime;
}

/** An invite just issued or resent: the link (a token in its fragment) is in this answer only. */
export interface IssuedInvite extends Invite {
  inviteUrl: string;
}

/** `apiKeyView` (`GET /v1/api-keys`). */
export interface ApiKey {
  id: string;
  tenantId?: string;
  name: string;
  prefix: string;
  scopes: string[];
  lastUsedAt: IsoDateTime | null;
  expiresAt: IsoDateTime | null;
  revokedAt: IsoDateTime | null;
  createdAt: IsoDateTime;
}

/** `POST /v1/tenants/{id}/api-keys`: the key itself is in this answer only. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

/** One record of the tenant's hash-chained audit log (`GET /v1/audit-records`). */
export interface AuditRecord {
  sequence: number;
  occurredAt: IsoDateTime;
  actorType: string;
  actorId: string;
  operation: string;
  resourceType: string;
  objectRef?: string | null;
  /** PHI: shown only to users with the PHI grant. */
  patientRef: string | null;
  purpose: string | null;
  outcome: string;
  connectionId: string | null;
  hash: string;
}

export interface AuditPage {
  items: AuditRecord[];
  /** The last sequence of a full page (pass as `after`), null at the end of the chain. */
  next: number | null;
}

/** `GET /v1/audit-records/verify`. */
export type ChainVerdict = { ok: true; checked: number } | { ok: false; brokenAtSequence: number };

export interface Items<T> {
  items: T[];
}
