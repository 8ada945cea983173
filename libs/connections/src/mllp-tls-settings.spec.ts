import { createConnectionSchema, normalizeCertFingerprint256, updateConnectionSchema, VENDOR_FIELDS } from './connection.schemas';

// The hl7v2 MLLP/TLS settings: vault secret names for outbound mutual TLS, and the inbound
// client-certificate pin (a SHA-256 fingerprint, stored as Node's fingerprint256 writes it).

const HEX = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const NORMALIZED = 'A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90';
const hl7 = (fields: Record<string, unknown>) => ({ name: 'Lab', vendor: 'hl7v2', ...fields });
const issuesOf = (schema: typeof createConnectionSchema | typeof updateConnectionSchema, body: unknown) => {
  const parsed = schema.safeParse(body);
  return parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

describe('hl7v2 MLLP TLS settings', () => {
  it('accepts the secret names and a pin as AA:BB:… (any case) or 64 hex digits, normalized to uppercase colon form', () => {
    const parsed = createConnectionSchema.parse(hl7({ mllpTls: true, mllpClientCertSecretName: 'mllp-client', mllpCaSecretName: 'mllp-ca', mllpPinnedCertSha256: HEX }));
    expect(parsed).toMatchObject({ mllpClientCertSecretName: 'mllp-client', mllpCaSecretName: 'mllp-ca', mllpPinnedCertSha256: NORMALIZED });
    expect(createConnectionSchema.parse(hl7({ mllpPinnedCertSha256: ` ${NORMALIZED.toLowerCase()} ` }))).toMatchObject({ mllpPinnedCertSha256: NORMALIZED });
    expect(updateConnectionSchema.parse({ mllpPinnedCertSha256: HEX.toUpperCase() })).toEqual({ mllpPinnedCertSha256: NORMALIZED });
    expect(normalizeCertFingerprint256(HEX)).toBe(NORMALIZED);
  });

  it('leaves them unset by default, and null clears them on update', () => {
    const parsed = createConnectionSchema.parse(hl7({}));
    expect(parsed).not.toHaveProperty('mllpClientCertSecretName');
    expect(parsed).not.toHaveProperty('mllpPinnedCertSha256');
    expect(updateConnectionSchema.parse({ mllpClientCertSecretName: null, mllpCaSecretName: null, mllpPinnedCertSha256: null })).toEqual({
      mllpClientCertSecretName: null,
      mllpCaSecretName: null,
      mllpPinnedCertSha256: null,
    });
  });

  it('refuses a fingerprint of the wrong length or alphabet, or another hash, with a message that says what is expected', () => {
    const expected = [{ path: 'mllpPinnedCertSha256', message: 'a SHA-256 certificate fingerprint: 32 hex bytes as AA:BB:… or 64 hex digits' }];
    expect(issuesOf(createConnectionSchema, hl7({ mllpPinnedCertSha256: HEX.slice(0, 40) }))).toEqual(expected); // SHA-1 length
    expect(issuesOf(createConnectionSchema, hl7({ mllpPinnedCertSha256: `${HEX.slice(0, 62)}zz` }))).toEqual(expected);
    expect(issuesOf(createConnectionSchema, hl7({ mllpPinnedCertSha256: NORMALIZED.replaceAll(':', '-') }))).toEqual(expected);
    expect(issuesOf(createConnectionSchema, hl7({ mllpPinnedCertSha256: `${NORMALIZED}:AA` }))).toEqual(expected);
    expect(issuesOf(updateConnectionSchema, { mllpPinnedCertSha256: '' })).toEqual(expected);
  });

  it('refuses secret names outside the vault’s alphabet', () => {
    expect(issuesOf(createConnectionSchema, hl7({ mllpClientCertSecretName: 'My Cert' }))).toEqual([{ path: 'mllpClientCertSecretName', message: expect.stringMatching(/lowercase letters/) }]);
    expect(issuesOf(updateConnectionSchema, { mllpCaSecretName: 'CA/bundle' })).toEqual([{ path: 'mllpCaSecretName', message: expect.stringMatching(/lowercase letters/) }]);
  });

  it('belongs to hl7v2 connections only', () => {
    expect(issuesOf(createConnectionSchema, { name: 'x', vendor: 'fhir', mllpPinnedCertSha256: HEX })).not.toEqual([]);
    expect(VENDOR_FIELDS.hl7v2).toEqual(expect.arrayContaining(['mllpClientCertSecretName', 'mllpCaSecretName', 'mllpPinnedCertSha256']));
    expect(VENDOR_FIELDS.epic).not.toContain('mllpPinnedCertSha256');
  });
});
