import { CONSOLE_ROLES } from '@sb/core';
import { EXPIRING_CREDENTIAL_KINDS } from '@sb/db';
import { z } from 'zod';

/**
 * Response shapes of the REST routes, for the OpenAPI document (and so the console's typed
 * client). They describe what the views in views.ts and the services return; dates are
 * ISO 8601 strings on the wire.
 */
const isoDateTime = z.iso.datetime({ offset: true });
const nullableDate = isoDateTime.nullable();
const healthStatusSchema = z.enum(['unknown', 'healthy', 'degraded', 'down']);
const uuid = z.uuid();
const json = z.record(z.string(), z.unknown());

export const itemsOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });
export const dataOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });

// ---- tenants, API keys, OAuth clients -------------------------------------------------

export const tenantSchema = z.object({
  id: uuid,
  name: z.string(),
  slug: z.string(),
  status: z.string(),
  plan: z.string(),
  bulkSignedUrls: z.boolean().meta({ description: 'Bulk Data manifests carry signed file URLs (≤ 300 s) instead of requiring the credential' }),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});

export const apiKeySchema = z.object({
  id: uuid,
  tenantId: uuid,
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  lastUsedAt: nullableDate,
  expiresAt: nullableDate,
  revokedAt: nullableDate,
  createdAt: isoDateTime,
});
export const apiKeyWithSecretSchema = apiKeySchema.extend({ key: z.string().meta({ description: 'The key itself, shown this once' }) });

export const oauthClientSchema = z.object({
  id: uuid,
  tenantId: uuid,
  name: z.string(),
  clientId: z.string(),
  authMethod: z.string(),
  jwksUrl: z.string().nullable(),
  hasInlineJwks: z.boolean(),
  scopes: z.array(z.string()),
  revokedAt: nullableDate,
  createdAt: isoDateTime,
});
export const oauthClientWithSecretSchema = oauthClientSchema.extend({ clientSecret: z.string().optional().meta({ description: 'client_secret_basic clients: shown this once' }) });

// ---- connections ------------------------------------------------------------------------

export const testStepSchema = z.object({
  name: z.string(),
  status: z.enum(['passed', 'warning', 'failed', 'skipped']).meta({ description: 'warning: the check found something to act on that does not stop the connection working' }),
  durationMs: z.number(),
  detail: z.string(),
  code: z.string().optional(),
  hint: z.string().optional().meta({ description: 'Failed and warning steps: what to check, in words' }),
});

export const testReportSchema = z.object({
  connectionId: uuid,
  vendor: z.string(),
  ok: z.boolean(),
  testedAt: isoDateTime,
  steps: z.array(testStepSchema),
});

export const connectionSchema = z.object({
  id: uuid,
  tenantId: uuid,
  name: z.string(),
  vendor: z.enum(['echo', 'epic', 'oracle', 'athena', 'fhir', 'hl7v2']),
  environment: z.enum(['sandbox', 'production']),
  status: z.enum(['draft', 'testing', 'live', 'disabled']),
  fhirBaseUrl: z.string().nullable(),
  tokenUrl: z.string().nullable(),
  athenaPracticeId: z.string().nullable(),
  athenaBaseUrl: z.string().nullable().meta({ description: 'athena: the API host set on the connection (null: the default for its environment)' }),
  departmentIds: z.array(z.string()).meta({ description: 'athena: the departments served and polled (empty: all)' }),
  changePollSeconds: z.number().int().nullable().meta({ description: 'athena: how often the change feeds are polled (null: the default)' }),
  changeReplayMinutes: z.number().int().nullable().meta({ description: 'athena: the window of processed changes replayed when polling starts (null: the default)' }),
  athenaEndpoints: z
    .object({ baseUrl: z.string(), tokenUrl: z.string() })
    .nullable()
    .meta({ description: 'athena: where calls go — the URLs set, else the preview (sandbox) or production host; null for other vendors' }),
  mllpHost: z.string().nullable(),
  mllpPort: z.number().int().nullable(),
  mllpTls: z.boolean().meta({ description: 'hl7v2: outbound messages go over TLS, and inbound messages are accepted over TLS only' }),
  mllpClientCertSecretName: z
    .string()
    .nullable()
    .meta({ description: 'hl7v2: the vault secret (its name; the value is never shown) holding the client certificate chain and its private key (PEM) presented on outbound MLLP/TLS; null: none' }),
  mllpCaSecretName: z
    .string()
    .nullable()
    .meta({ description: "hl7v2: the vault secret (its name) holding the CA bundle (PEM) the site's certificate is verified against on outbound MLLP/TLS; null: the system CAs" }),
  mllpPinnedCertSha256: z
    .string()
    .nullable()
    .meta({ description: 'hl7v2: SHA-256 fingerprint (AA:BB:…) of the only client certificate inbound messages of this connection are accepted over; null: any the listener trusts' }),
  hl7SendingFacility: z.string().nullable(),
  hl7SendingApplication: z.string().nullable(),
  hl7AckMode: z.enum(['original', 'enhanced', 'immediate']),
  hl7Silence: z
    .object({ minutes: z.number().int(), hours: z.object({ from: z.string(), to: z.string(), timezone: z.string() }).nullable() })
    .nullable()
    .meta({ description: 'hl7v2 feed watch: degraded after `minutes` without an inbound message during `hours` (all day when null); null: not watched' }),
  clientId: z.string().nullable(),
  scopes: z.array(z.string()),
  authAlg: z.string().nullable(),
  clientSecretName: z.string().nullable(),
  bulkGroupIds: z.array(z.string()).meta({ description: 'Bulk Data: the vendor Group ids this connection may export (set by the hospital; the sandbox fills its own)' }),
  bulkGroupWindowHours: z.number().int().nullable().meta({ description: 'Bulk Data: hours the vendor refuses to export one group again (Epic: 24 when null)' }),
  smartClientId: z.string().nullable().meta({ description: "SMART App Launch: the gateway's client id at this EHR, registered by the hospital with the redirect URI `<gateway>/smart/callback`" }),
  smartClientSecretName: z.string().nullable().meta({ description: 'SMART App Launch: the vault secret holding the client secret when the EHR registered the gateway as a confidential client' }),
  dialect: z.unknown().meta({ description: 'The HL7 v2 site dialect (JSON), or null' }),
  health: z.object({
    status: healthStatusSchema.meta({ description: 'The health monitor’s status: unknown until first checked; degraded after one failed check or with ≥ 25 % of ≥ 20 recent calls failing; down after repeated failed checks' }),
    statusSince: nullableDate,
    lastCheckAt: nullableDate.meta({ description: 'The monitor’s last light check (FHIR: GET metadata; athena: /ping; HL7 v2: none, traffic only)' }),
    lastCheckError: z.string().nullable().meta({ description: 'The last failed check’s code (e.g. http_503, circuit_open)' }),
    lastSuccessAt: nullableDate.meta({ description: 'The last passed check, connection test or successful transaction' }),
    errorRate: z.number().min(0).max(1).meta({ description: 'The share of recent transactions (current and previous 15-minute usage buckets) that failed' }),
    recentCalls: z.number().int(),
    expiresSoon: z
      .array(
        z.object({
          kind: z.enum(EXPIRING_CREDENTIAL_KINDS).meta({
            description:
              'signing-key (a key pair past its rotation age), client-secret (a vault secret with an expiry date), tls-certificate (a vault PEM certificate), mllp-peer-certificate (the certificate an MLLP peer last presented)',
          }),
          name: z.string().meta({ description: 'The key id, the secret name, or `outbound`/`inbound` and the peer certificate’s SHA-256 fingerprint' }),
          at: isoDateTime,
        }),
      )
      .meta({ description: 'Credentials that expire or pass their rotation age within 30 days (or already have)' }),
    lastTestedAt: nullableDate,
    lastErrorAt: nullableDate,
    lastErrorCode: z.string().nullable(),
    tokenExpiresAt: nullableDate,
  }),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export const healthChangeSchema = z.object({
  from: healthStatusSchema,
  to: healthStatusSchema,
  reason: z.string(),
  errorCode: z.string().nullable(),
  eventId: z.string().nullable().meta({ description: 'The connection.health_changed event it raised' }),
  at: isoDateTime,
});
export const createdConnectionSchema = connectionSchema.extend({ provisioning: testReportSchema.optional().meta({ description: 'Sandbox connections: the report of the test run while wiring it' }) });

export const echoResultSchema = z.object({
  transactionId: uuid,
  connectionId: uuid,
  echo: z.object({ resourceType: z.literal('Parameters'), parameter: z.array(z.object({ name: z.string(), valueString: z.string().optional(), valueDateTime: z.string().optional() })) }),
});

export const secretSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  fingerprint: z.string(),
  byteLength: z.number().int(),
  expiresAt: nullableDate.meta({ description: 'When the value stops working: the expiry date given, else the earliest notAfter of the PEM certificates in it; null: unknown' }),
  kms: z.object({ provider: z.string(), kekId: z.string(), kekVersion: z.string() }),
  createdAt: isoDateTime,
  lastUsedAt: nullableDate,
});

export const connectionKeySchema = z.object({
  kid: z.string(),
  alg: z.string(),
  status: z.enum(['active', 'retiring', 'retired']),
  createdAt: isoDateTime,
  retiredAt: nullableDate,
  publicJwk: json,
  jwksUrl: z.string(),
});

export const jwksSchema = z.object({ keys: z.array(json) });

// ---- HL7 v2 --------------------------------------------------------------------------

const hl7Status = z.enum(['received', 'processed', 'failed', 'quarantined', 'rejected']);
export const hl7MessageSummarySchema = z.object({
  id: uuid,
  connectionId: uuid.nullable(),
  controlId: z.string(),
  messageType: z.string(),
  version: z.string(),
  status: hl7Status,
  ackCode: z.string(),
  errorCode: z.string().nullable(),
  errorMeaning: z.string().nullable().meta({ description: 'What the error code means, in words' }),
  attempts: z.number().int(),
  receivedAt: isoDateTime,
  processedAt: nullableDate,
});
export const hl7MessagePageSchema = z.object({
  items: z.array(hl7MessageSummarySchema),
  next: z.string().nullable().meta({ description: 'Pass as `before` for the next (older) page' }),
});
export const hl7MessageDetailSchema = hl7MessageSummarySchema.extend({
  raw: z.string(),
  ack: z.string(),
  applicationAck: z.string().nullable(),
  resources: z.array(json).nullable().meta({ description: 'The FHIR resources processing produced; null before processing' }),
});
export const hl7OutboundSchema = z.object({
  id: uuid,
  connectionId: uuid,
  controlId: z.string(),
  messageType: z.string(),
  sourceRef: z.string(),
  status: z.enum(['pending', 'accepted', 'rejected', 'failed']),
  attempts: z.number().int(),
  ackCode: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorText: z.string().nullable(),
  createdAt: isoDateTime,
  completedAt: nullableDate,
});
export const hl7QuarantinePageSchema = z.object({
  items: z.array(
    hl7MessageSummarySchema.omit({ connectionId: true, errorMeaning: true }).extend({ sendingFacility: z.string(), sendingApplication: z.string() }),
  ),
  next: z.string().nullable(),
});
const conversionViewSchema = z.union([
  z.object({ ok: z.literal(true), messageType: z.string(), resources: z.array(json) }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), reason: z.string(), location: z.unknown().optional() }) }),
]);
export const previewResultSchema = z.object({
  dialectChanged: z.boolean(),
  message: z
    .object({
      current: conversionViewSchema,
      candidate: conversionViewSchema,
      diff: z.array(z.object({ op: z.enum(['add', 'remove', 'change']), path: z.string(), before: z.unknown().optional(), after: z.unknown().optional() })),
    })
    .optional(),
  replay: z
    .object({
      replayed: z.number().int(),
      changed: z.number().int(),
      nowFailing: z.number().int(),
      nowSucceeding: z.number().int(),
      messages: z.array(
        z.object({
          messageId: uuid,
          controlId: z.string(),
          messageType: z.string(),
          change: z.enum(['unchanged', 'changed', 'now_fails', 'now_succeeds', 'still_fails']),
          changedPaths: z.array(z.string()),
        }),
      ),
    })
    .optional(),
});

// ---- usage, audit, vault, diagnostics ----------------------------------------------------

export const usageEventSchema = z.object({
  id: uuid,
  tenantId: uuid,
  connectionId: uuid,
  transactionId: uuid,
  vendor: z.string(),
  operation: z.string(),
  resourceType: z.string(),
  outcome: z.enum(['success', 'error']),
  durationMs: z.number().int(),
  occurredAt: isoDateTime,
});
export const usageEventPageSchema = z.object({ items: z.array(usageEventSchema), next: z.string().nullable() });
export const usageTotalSchema = z.object({
  connectionId: uuid,
  connectionName: z.string().nullable(),
  vendor: z.string(),
  operation: z.string(),
  outcome: z.enum(['success', 'error']),
  count: z.number().int(),
});
export const usageDailySchema = z.object({
  from: isoDateTime,
  to: isoDateTime,
  groupBy: z.enum(['connection', 'vendor', 'operation', 'outcome']),
  days: z.array(
    z.object({
      date: z.string().meta({ description: 'UTC day, YYYY-MM-DD' }),
      key: z.string().meta({ description: 'The connection id, vendor, operation or outcome' }),
      name: z.string().nullable().meta({ description: 'The connection name when grouping by connection' }),
      count: z.number().int(),
    }),
  ),
});

export const auditRecordSchema = z.object({
  id: uuid,
  tenantId: uuid,
  sequence: z.number().int(),
  transactionId: uuid,
  connectionId: uuid.nullable(),
  actorType: z.string(),
  actorId: z.string(),
  operation: z.string(),
  resourceType: z.string(),
  patientRef: z.string().nullable().meta({ description: 'PHI: null for callers without a clinical read scope (see patientRefHidden)' }),
  patientRefHidden: z.boolean().meta({ description: 'True when the record names a patient the caller may not see' }),
  purpose: z.string().nullable(),
  objectRef: z.string().nullable().optional(),
  outcome: z.enum(['success', 'error']),
  occurredAt: isoDateTime,
  prevHash: z.string(),
  hash: z.string(),
});
export const auditPageSchema = z.object({
  items: z.array(auditRecordSchema),
  next: z.number().int().nullable().meta({ description: 'The next page’s `after` (order=asc) or `before` (order=desc); null at the end' }),
});
export const auditVerdictSchema = z.union([z.object({ ok: z.literal(true), checked: z.number().int() }), z.object({ ok: z.literal(false), brokenAtSequence: z.number().int() })]);

export const kekStatusSchema = z.object({ primary: z.looseObject({ provider: z.string() }), wrapped: z.unknown() });
export const rotationJobSchema = z.object({ jobId: z.string().optional(), state: z.string() });
export const rotationStatusSchema = z.object({
  jobId: z.string().optional(),
  state: z.string(),
  progress: z.unknown().optional(),
  result: z.unknown().optional(),
  failedReason: z.string().nullable().optional(),
});
export const workerPingSchema = z.object({ jobId: z.string().optional(), result: z.unknown() });

// ---- webhooks and events -------------------------------------------------------------------

export const webhookEndpointSchema = z.object({
  id: uuid,
  url: z.string(),
  description: z.string().nullable(),
  eventTypes: z.array(z.string()),
  payload: z.enum(['thin', 'full']),
  orderingKey: z.enum(['none', 'patient']),
  status: z.enum(['enabled', 'disabled']),
  disabledReason: z.string().nullable(),
  previousSecretExpiresAt: nullableDate,
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export const webhookEndpointWithSecretSchema = webhookEndpointSchema.extend({ secret: z.string().meta({ description: 'The whsec_ signing secret, shown this once' }) });
export const webhookAttemptSchema = z.object({
  id: uuid,
  eventId: z.string(),
  deliveryId: uuid,
  status: z.enum(['succeeded', 'failed']),
  statusCode: z.number().int().nullable(),
  durationMs: z.number().int(),
  error: z.string().nullable().meta({ description: 'A code (timeout, connection_refused, …), never a response body' }),
  responseExcerpt: z.string().nullable().meta({ description: 'The start of the receiver’s answer: its first 512 characters (UTF-8, control characters stripped); null when it sent no body' }),
  attemptedAt: isoDateTime,
});
export const webhookAttemptPageSchema = z.object({
  data: z.array(webhookAttemptSchema),
  next: z.string().nullable(),
});
export const webhookDeliverySchema = z.object({
  id: uuid,
  eventId: z.string(),
  eventType: z.string().nullable().meta({ description: 'Null when the event is no longer in the feed' }),
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: nullableDate,
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: isoDateTime,
  completedAt: nullableDate,
});
export const webhookDeliveryPageSchema = z.object({
  data: z.array(webhookDeliverySchema),
  next: z.string().nullable().meta({ description: 'Pass as `before` for the next (older) page; null on the last' }),
});
export const eventTypeSchema = z.object({
  type: z.string(),
  version: z.number().int(),
  description: z.string(),
  emitted: z.boolean(),
  schema: json.meta({ description: 'JSON Schema (draft 2020-12) of the event’s data' }),
  example: json.meta({ description: 'An example data payload, valid against schema' }),
});
export const feedEventSchema = z.object({
  id: z.string(),
  type: z.string(),
  version: z.number().int(),
  timestamp: isoDateTime,
  tenantId: uuid,
  connectionId: uuid.nullable(),
  data: json,
});
export const feedPageSchema = z.object({ data: z.array(feedEventSchema), next: z.string() });

/** `GET …/hl7/messages/{messageId}/events`: the events a message raised and, per endpoint, their delivery trail. */
export const messageEventsSchema = z.object({
  items: z.array(
    z.object({
      id: z.string().meta({ description: 'The webhook-id of its deliveries' }),
      type: z.string(),
      version: z.number().int(),
      timestamp: isoDateTime,
      relayedAt: nullableDate.meta({ description: 'Null while the event waits in the outbox' }),
      deliveries: z
        .array(
          z.object({
            endpoint: webhookEndpointSchema.pick({ id: true, url: true, description: true, status: true }),
            delivery: webhookDeliverySchema.nullable().meta({ description: 'Null when no delivery was made' }),
            latestAttempts: z.array(webhookAttemptSchema).meta({ description: 'Up to 5, newest first' }),
          }),
        )
        .nullable()
        .meta({ description: 'Null when the caller may not read webhooks (deliveriesHidden)' }),
    }),
  ),
  deliveriesHidden: z.boolean(),
});

// ---- console sign-in, users and invites (apps/api/src/console/console-views.ts) ------------------

const role = z.enum(CONSOLE_ROLES);
export const consoleSessionSchema = z.object({
  user: z.object({ id: uuid, email: z.string(), name: z.string().nullable() }),
  tenant: z.object({ id: uuid, name: z.string(), slug: z.string() }).nullable().meta({ description: 'Null for an operator user (who belongs to no tenant)' }),
  role: z.enum([...CONSOLE_ROLES, 'operator']).meta({ description: "The tenant role, or `operator` for an operator user" }),
  phi: z.boolean().meta({ description: 'The PHI grant (always false for an operator user)' }),
  scopes: z.array(z.string()).meta({ description: 'Tenant scopes (none for an operator user, whose routes are the operator routes)' }),
  csrfToken: z.string().meta({ description: 'Send as x-csrf-token on every write' }),
});
export const inviteDescriptionSchema = z.object({ email: z.string(), tenantName: z.string(), role, phi: z.boolean(), expiresAt: isoDateTime });
export const acceptedInviteSchema = z.object({ email: z.string() });
export const consoleUserSchema = z.object({
  id: uuid,
  email: z.string(),
  name: z.string().nullable(),
  role,
  phi: z.boolean(),
  status: z.enum(['active', 'revoked']),
  lastLoginAt: nullableDate,
  revokedAt: nullableDate,
  createdAt: isoDateTime,
});
export const inviteSchema = z.object({
  id: uuid,
  email: z.string(),
  role,
  phi: z.boolean(),
  status: z.enum(['pending', 'accepted', 'expired', 'revoked']),
  expiresAt: isoDateTime,
  acceptedAt: nullableDate,
  createdAt: isoDateTime,
});
export const issuedInviteSchema = inviteSchema.extend({ inviteUrl: z.string().meta({ description: 'The single-use link (its token in the fragment), shown this once' }) });

// ---- OAuth, health, FHIR ---------------------------------------------------------------------

export const tokenResponseSchema = z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int(), scope: z.string() });
export const healthSchema = z.object({ status: z.enum(['ok', 'unavailable']), db: z.enum(['up', 'down']).optional(), redis: z.enum(['up', 'down']).optional() });
export const fhirResourceSchema = z.looseObject({ resourceType: z.string(), id: z.string().optional() }).meta({ description: 'A FHIR R4 resource' });
export const fhirBundleSchema = z.looseObject({ resourceType: z.literal('Bundle'), type: z.string(), entry: z.array(json).optional() }).meta({ description: 'A FHIR R4 searchset Bundle' });


// ---- Bulk Data export -------------------------------------------------------------------

export const operationOutcomeSchema = z.looseObject({ resourceType: z.literal('OperationOutcome'), issue: z.array(json) }).meta({ description: 'A FHIR R4 OperationOutcome' });
const manifestFileSchema = z.object({ type: z.string(), url: z.string(), count: z.number().int().optional() });
export const bulkManifestSchema = z
  .object({
    transactionTime: isoDateTime,
    request: z.string(),
    requiresAccessToken: z.boolean(),
    output: z.array(manifestFileSchema),
    error: z.array(manifestFileSchema),
  })
  .meta({ description: 'The Bulk Data manifest (https://hl7.org/fhir/uv/bulkdata/STU2/export.html#response---complete-status); 202 with X-Progress while running' });
export const ndjsonSchema = z.string().meta({ description: 'NDJSON: one FHIR resource per line (gzip with Accept-Encoding: gzip)' });
export const bulkExportListSchema = itemsOf(
  z.object({
    id: uuid,
    level: z.enum(['system', 'patient', 'group']),
    groupId: z.string().nullable(),
    status: z.enum(['requested', 'kicked_off', 'downloading', 'completed', 'failed', 'cancelled', 'expired']),
    progressPercent: z.number().int(),
    resourceCount: z.number().int(),
    counts: z.record(z.string(), z.number().int()),
    errorCode: z.string().nullable(),
    requestUrl: z.string(),
    statusUrl: z.string(),
    createdAt: isoDateTime,
    completedAt: nullableDate,
    expiresAt: nullableDate,
  }),
);
