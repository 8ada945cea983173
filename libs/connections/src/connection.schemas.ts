import { HH_MM, isIanaTimeZone } from '@sb/core';
import { hl7DialectSchema } from '@sb/hl7';
import { z } from 'zod';

export const VENDORS = ['epic', 'oracle', 'athena', 'hl7v2', 'fhir'] as const;
export type HospitalVendor = (typeof VENDORS)[number];
export const ASSERTION_ALGS = ['RS384', 'ES384'] as const;

const url = z.string().max(2048);
const name = z.string().trim().min(1).max(200);
const scopes = z.array(z.string().regex(/^[\x21-\x7e]{1,128}$/, 'a space-free scope')).max(64);
const hl7Key = z.string().trim().min(1).max(180).regex(/^[^|^~\\&\r\n]+$/, 'no HL7 delimiter characters');
const secretName = z.string().regex(/^[a-z0-9][a-z0-9_.:-]{0,127}$/, 'lowercase letters, digits, ".", "_", ":" and "-"');

/** A SHA-256 fingerprint as Node's `fingerprint256` writes it (`AA:BB:…`, uppercase): what the MLLP listener compares. */
export const normalizeCertFingerprint256 = (value: string): string =>
  (value.replaceAll(':', '').toUpperCase().match(/[0-9A-F]{2}/g) ?? []).join(':');

/**
 * hl7v2 inbound pinning: a client certificate's SHA-256 fingerprint, given as `AA:BB:…` (any case; what
 * `openssl x509 -noout -fingerprint -sha256` prints after `=`) or as 64 hex digits; stored normalized.
 */
const certFingerprint256 = z
  .string()
  .trim()
  .regex(
    /^(?:[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){31}|[0-9A-Fa-f]{64})$/,
    'a SHA-256 certificate fingerprint: 32 hex bytes as AA:BB:… or 64 hex digits',
  )
  .transform(normalizeCertFingerprint256);

const timeOfDay = z.string().regex(HH_MM, 'a time of day HH:MM, 00:00–23:59');

/** Daily wall-clock hours in an IANA zone (an alert rule's quiet hours, an HL7 feed's watched hours). */
export const wallClockHoursSchema = z
  .strictObject({
    from: timeOfDay.meta({ description: 'Start (inclusive), wall-clock time in `timezone`' }),
    to: timeOfDay.meta({ description: 'End (exclusive); earlier than `from` crosses midnight, e.g. 22:00–07:00' }),
    timezone: z.string().refine(isIanaTimeZone, { message: 'must be an IANA time zone such as America/New_York or UTC' }),
  })
  .refine((q) => !(HH_MM.test(q.from) && q.from === q.to), { path: ['to'], message: 'must differ from `from`' });

/** The longest silence an HL7 feed watch may allow (one week). */
export const MAX_HL7_SILENCE_MINUTES = 10_080;

/** hl7v2: the feed is `degraded` when `minutes` of watched time (within `hours`; all day when null) passed without a message. */
export const hl7SilenceSchema = z
  .strictObject({
    minutes: z.number().int().min(5, 'at least 5 minutes').max(MAX_HL7_SILENCE_MINUTES, 'at most 10080 minutes (a week)'),
    hours: wallClockHoursSchema.nullable().default(null).meta({ description: 'The hours the feed is watched in; null or absent: all day' }),
  })
  .meta({ description: 'Feed watch: degraded after `minutes` without an inbound message during `hours`' });

/** Identifier systems a site uses (e.g. its MRN OID), shared by every vendor's dialect. */
const identifierSystems = z.strictObject({
  mrn: z.string().min(1).max(256).optional(),
  other: z.record(z.string().min(1).max(64), z.string().min(1).max(256)).optional(),
});

const fhirDialect = z.strictObject({ identifierSystems: identifierSystems.optional() });

/**
 * athena: the per-connection rate overrides the adapter reads (athenaLimits in
 * libs/adapters/athena; the environment's defaults when absent).
 */
const athenaDialect = z.strictObject({
  identifierSystems: identifierSystems.optional(),
  requestsPerSecond: z.number().positive().max(10_000).optional(),
  tokensPerMinute: z.number().positive().max(1_000).optional(),
  maxBudgetWaitMs: z.number().positive().max(120_000).optional(),
});

/** HL7 v2 site dialect: owned by the converter in libs/hl7, which gives every rule its meaning. */
const hl7Dialect = hl7DialectSchema;

/** athenaOne ids: practices and departments are numeric. */
const athenaPracticeId = z.string().regex(/^\d{1,12}$/, 'digits only');
const departmentIds = z.array(z.string().regex(/^\d{1,12}$/, 'digits only')).max(200, 'at most 200 departments');
const changePollSeconds = z.number().int().min(5, 'at least 5 seconds').max(3600, 'at most 3600 seconds');
const changeReplayMinutes = z.number().int().min(1, 'at least 1 minute').max(1440, 'at most 1440 minutes (athena keeps processed changes only briefly)');
const clientId = z.string().trim().min(1).max(256);
/** Bulk Data: the vendor Group ids the hospital set up for this app (Epic registries, Oracle lists). */
const bulkGroupIds = z.array(z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a FHIR id')).max(100, 'at most 100 groups');
/** Bulk Data: how long the vendor refuses to export one group again (Epic: 24 h unless the hospital changed it). */
const bulkGroupWindowHours = z.number().int().min(0).max(24 * 31, 'at most 31 days');

const common = { name, environment: z.enum(['sandbox', 'production']).default('sandbox') };

const fhirSettings = {
  fhirBaseUrl: url.optional(),
  tokenUrl: url.optional(),
  clientId: clientId.optional(),
  scopes: scopes.optional(),
  bulkGroupIds: bulkGroupIds.optional(),
  bulkGroupWindowHours: bulkGroupWindowHours.optional(),
  smartClientId: clientId.optional(),
  smartClientSecretName: secretName.optional(),
};

/** One schema per vendor: a field another vendor uses is an error here, not silently ignored. */
export const createConnectionSchema = z.discriminatedUnion('vendor', [
  z.strictObject({ ...common, vendor: z.literal('epic'), ...fhirSettings, authAlg: z.enum(ASSERTION_ALGS).default('RS384'), dialect: fhirDialect.optional() }),
  z.strictObject({ ...common, vendor: z.literal('fhir'), ...fhirSettings, authAlg: z.enum(ASSERTION_ALGS).default('RS384'), dialect: fhirDialect.optional() }),
  z.strictObject({ ...common, vendor: z.literal('oracle'), ...fhirSettings, clientSecretName: secretName.default('client_secret'), dialect: fhirDialect.optional() }),
  z
    .strictObject({
      ...common,
      vendor: z.literal('athena'),
      athenaPracticeId: athenaPracticeId.optional(),
      clientId: clientId.optional(),
      athenaBaseUrl: url.optional(),
      tokenUrl: url.optional(),
      departmentIds: departmentIds.optional(),
      changePollSeconds: changePollSeconds.optional(),
      changeReplayMinutes: changeReplayMinutes.optional(),
      clientSecretName: secretName.default('client_secret'),
      smartClientId: clientId.optional(),
      smartClientSecretName: secretName.optional(),
      dialect: athenaDialect.optional(),
    })
    .superRefine((input, ctx) => {
      // A sandbox connection without credentials or endpoints is wired to the simulator (SandboxProvisioner); any other needs both.
      if (athenaWantsProvisioning(input)) return;
      if (!input.athenaPracticeId) ctx.addIssue({ code: 'custom', path: ['athenaPracticeId'], message: 'required (the athenaOne practice id)' });
      if (!input.clientId) ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'required (the client id of the athena app)' });
    }),
  z.strictObject({
    ...common,
    vendor: z.literal('hl7v2'),
    mllpHost: z.string().trim().min(1).max(253).optional(),
    mllpPort: z.number().int().min(1).max(65535).optional(),
    mllpTls: z.boolean().default(false),
    /** Outbound TLS: one vault secret holding the client certificate chain and its unencrypted private key (PEM). */
    mllpClientCertSecretName: secretName.optional(),
    /** Outbound TLS: a vault secret holding the CA bundle (PEM) the site's certificate must chain to; the system CAs when absent. */
    mllpCaSecretName: secretName.optional(),
    mllpPinnedCertSha256: certFingerprint256.optional(),
    hl7SendingFacility: hl7Key.optional(),
    hl7SendingApplication: hl7Key.optional(),
    hl7AckMode: z.enum(['original', 'enhanced', 'immediate']).default('original'),
    hl7Silence: hl7SilenceSchema.optional(),
    dialect: hl7Dialect.optional(),
  }),
]);
export type CreateConnectionInput = z.infer<typeof createConnectionSchema>;
export type CreateAthenaConnectionInput = Extract<CreateConnectionInput, { vendor: 'athena' }>;

/**
 * An athena sandbox connection given neither credentials nor endpoints is wired to the
 * built-in simulator in one click (SandboxProvisioner); without a practice id it gets
 * the simulator's granted practice.
 */
export function athenaWantsProvisioning(input: Pick<CreateAthenaConnectionInput, 'environment' | 'clientId' | 'athenaBaseUrl' | 'tokenUrl'>): boolean {
  return input.environment === 'sandbox' && !input.clientId && !input.athenaBaseUrl && !input.tokenUrl;
}

/** Every settable field; which apply is checked against the stored connection's vendor. */
export const updateConnectionSchema = z
  .strictObject({
    name: name.optional(),
    fhirBaseUrl: url.nullable().optional(),
    tokenUrl: url.nullable().optional(),
    clientId: clientId.nullable().optional(),
    scopes: scopes.optional(),
    authAlg: z.enum(ASSERTION_ALGS).optional(),
    clientSecretName: secretName.optional(),
    athenaPracticeId: athenaPracticeId.optional(),
    athenaBaseUrl: url.nullable().optional(),
    departmentIds: departmentIds.optional(),
    changePollSeconds: changePollSeconds.nullable().optional(),
    changeReplayMinutes: changeReplayMinutes.nullable().optional(),
    mllpHost: z.string().trim().min(1).max(253).nullable().optional(),
    mllpPort: z.number().int().min(1).max(65535).nullable().optional(),
    mllpTls: z.boolean().optional(),
    mllpClientCertSecretName: secretName.nullable().optional(),
    mllpCaSecretName: secretName.nullable().optional(),
    mllpPinnedCertSha256: certFingerprint256.nullable().optional(),
    hl7SendingFacility: hl7Key.nullable().optional(),
    hl7SendingApplication: hl7Key.nullable().optional(),
    hl7AckMode: z.enum(['original', 'enhanced', 'immediate']).optional(),
    hl7Silence: hl7SilenceSchema.nullable().optional(),
    bulkGroupIds: bulkGroupIds.optional(),
    bulkGroupWindowHours: bulkGroupWindowHours.nullable().optional(),
    smartClientId: clientId.nullable().optional(),
    smartClientSecretName: secretName.nullable().optional(),
    dialect: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');
export type UpdateConnectionInput = z.infer<typeof updateConnectionSchema>;

/** The fields each vendor accepts on update: its create schema's, less what never changes. */
export const VENDOR_FIELDS = {} as Record<HospitalVendor, readonly (keyof UpdateConnectionInput)[]>;
for (const option of createConnectionSchema.options) {
  VENDOR_FIELDS[option.shape.vendor.value] = Object.keys(option.shape).filter(
    (k): k is keyof UpdateConnectionInput => k !== 'vendor' && k !== 'environment',
  );
}

export const dialectSchemaFor = (vendor: HospitalVendor) => (vendor === 'hl7v2' ? hl7Dialect : vendor === 'athena' ? athenaDialect : fhirDialect);

/** Largest dialect accepted, serialized. */
export const MAX_DIALECT_BYTES = 64 * 1024;

export const statusChangeSchema = z.strictObject({ status: z.enum(['draft', 'testing', 'live', 'disabled']) });

export const generateKeySchema = z
  .strictObject({
    alg: z.enum(ASSERTION_ALGS),
    /** Import an existing private key instead of generating one: PKCS#8 PEM or a private JWK. */
    privateKeyPem: z.string().max(16_384).optional(),
    privateJwk: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((v) => !(v.privateKeyPem && v.privateJwk), { message: 'give privateKeyPem or privateJwk, not both', path: ['privateJwk'] });
export type GenerateKeyInput = z.infer<typeof generateKeySchema>;

export const putSecretSchema = z.strictObject({
  value: z.string().min(1),
  expiresAt: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: 'When the value stops working (a client secret’s expiry date); a PEM certificate’s own notAfter is used when absent' }),
});
