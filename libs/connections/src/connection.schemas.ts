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

/** Identifier systems a site uses (e.g. its MRN OID), shared by every vendor's dialect. */
const identifierSystems = z.strictObject({
  mrn: z.string().min(1).max(256).optional(),
  other: z.record(z.string().min(1).max(64), z.string().min(1).max(256)).optional(),
});

const fhirDialect = z.strictObject({ identifierSystems: identifierSystems.optional() });

/** HL7 v2 site dialect: owned by the converter in libs/hl7, which gives every rule its meaning. */
const hl7Dialect = hl7DialectSchema;

const common = { name, environment: z.enum(['sandbox', 'production']).default('sandbox') };

const fhirSettings = {
  fhirBaseUrl: url.optional(),
  tokenUrl: url.optional(),
  clientId: z.string().trim().min(1).max(256).optional(),
  scopes: scopes.optional(),
};

/** One schema per vendor: a field another vendor uses is an error here, not silently ignored. */
export const createConnectionSchema = z.discriminatedUnion('vendor', [
  z.strictObject({ ...common, vendor: z.literal('epic'), ...fhirSettings, authAlg: z.enum(ASSERTION_ALGS).default('RS384'), dialect: fhirDialect.optional() }),
  z.strictObject({ ...common, vendor: z.literal('fhir'), ...fhirSettings, authAlg: z.enum(ASSERTION_ALGS).default('RS384'), dialect: fhirDialect.optional() }),
  z.strictObject({ ...common, vendor: z.literal('oracle'), ...fhirSettings, clientSecretName: secretName.default('client_secret'), dialect: fhirDialect.optional() }),
  z.strictObject({
    ...common,
    vendor: z.literal('athena'),
    ...fhirSettings,
    athenaPracticeId: z.string().regex(/^\d{1,12}$/, 'digits only'),
    clientSecretName: secretName.default('client_secret'),
    dialect: fhirDialect.optional(),
  }),
  z.strictObject({
    ...common,
    vendor: z.literal('hl7v2'),
    mllpHost: z.string().trim().min(1).max(253).optional(),
    mllpPort: z.number().int().min(1).max(65535).optional(),
    mllpTls: z.boolean().default(false),
    hl7SendingFacility: hl7Key.optional(),
    hl7SendingApplication: hl7Key.optional(),
    hl7AckMode: z.enum(['original', 'enhanced', 'immediate']).default('original'),
    dialect: hl7Dialect.optional(),
  }),
]);
export type CreateConnectionInput = z.infer<typeof createConnectionSchema>;

/** Every settable field; which apply is checked against the stored connection's vendor. */
export const updateConnectionSchema = z
  .strictObject({
    name: name.optional(),
    fhirBaseUrl: url.nullable().optional(),
    tokenUrl: url.nullable().optional(),
    clientId: z.string().trim().min(1).max(256).nullable().optional(),
    scopes: scopes.optional(),
    authAlg: z.enum(ASSERTION_ALGS).optional(),
    clientSecretName: secretName.optional(),
    athenaPracticeId: z.string().regex(/^\d{1,12}$/, 'digits only').optional(),
    mllpHost: z.string().trim().min(1).max(253).nullable().optional(),
    mllpPort: z.number().int().min(1).max(65535).nullable().optional(),
    mllpTls: z.boolean().optional(),
    hl7SendingFacility: hl7Key.nullable().optional(),
    hl7SendingApplication: hl7Key.nullable().optional(),
    hl7AckMode: z.enum(['original', 'enhanced', 'immediate']).optional(),
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

export const dialectSchemaFor = (vendor: HospitalVendor) => (vendor === 'hl7v2' ? hl7Dialect : fhirDialect);

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

export const putSecretSchema = z.strictObject({ value: z.string().min(1) });
