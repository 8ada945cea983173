import { createHmac, hkdfSync } from 'node:crypto';
import { compileDialect } from './dialect/compiled-dialect';
import type { Hl7Dialect } from './dialect/hl7-dialect.schema';
import { readCx } from './fhir/v2-datatypes';
import { parseV2Message } from './fhir/v2-message';

/** PID fields holding patient identifiers: PID-2 (external id), PID-3 (identifier list), PID-4 (alternate id). */
const PID_IDENTIFIER_FIELDS = [2, 3, 4] as const;
/** MRG fields holding the retired patient's identifiers (prior identifier list, alternate id, patient id). */
const MRG_IDENTIFIER_FIELDS = [1, 2, 4] as const;
/** More than this many values in one message is not a patient's identifiers; the rest are ignored. */
const MAX_VALUES = 32;
const MAX_CACHED_TENANT_KEYS = 1_000;

/** How a value is compared: surrounding blanks dropped, case ignored (people type MRNs in any case). */
export const normalizeIdentifierValue = (value: string): string => value.trim().toUpperCase();

/**
 * Every patient identifier value a message carries (CX.1 of each repetition of PID-2, -3 and -4
 * of every PID, and of MRG-1, -2 and -4), after the dialect's field overrides, normalized and
 * deduplicated. These are what a search "by patient identifier" matches, whatever the authority.
 * See HL7 v2.5.1 ch. 3, PID and MRG segment definitions.
 */
export function patientIdentifierValuesOf(raw: string, dialect: Hl7Dialect): string[] {
  const compiled = compileDialect(dialect);
  const parsed = parseV2Message(raw, compiled?.overrides ?? []);
  if (!parsed.ok) return [];
  const values = new Set<string>();
  const collect = (segment: string, fields: readonly number[]) => {
    for (const s of parsed.message.all(segment)) {
      for (const field of fields) {
        for (const cx of s.reps(field)) {
          const value = normalizeIdentifierValue(readCx(cx).value);
          if (value !== '' && values.size < MAX_VALUES) values.add(value);
        }
      }
    }
  };
  collect('PID', PID_IDENTIFIER_FIELDS);
  collect('MRG', MRG_IDENTIFIER_FIELDS);
  return [...values];
}

/**
 * Keyed hashes of patient identifier values, so messages can be found by MRN without
 * storing identifiers in the clear: HMAC-SHA256 under a key derived (HKDF) from the
 * gateway's master key and the tenant id, so equal MRNs of two tenants hash differently
 * and a database dump alone cannot be brute-forced over the small MRN space.
 */
export class PatientIdentifierHasher {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly masterKey: Buffer) {}

  hash(tenantId: string, value: string): string {
    return createHmac('sha256', this.keyOf(tenantId)).update(normalizeIdentifierValue(value), 'utf8').digest('base64url');
  }

  /** The lookup hashes of a message (see {@link patientIdentifierValuesOf}). */
  hashesOf(tenantId: string, raw: string, dialect: Hl7Dialect): string[] {
    return patientIdentifierValuesOf(raw, dialect).map((v) => this.hash(tenantId, v));
  }

  private keyOf(tenantId: string): Buffer {
    let key = this.keys.get(tenantId);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.masterKey, Buffer.from(tenantId, 'utf8'), 'switchboard hl7 patient identifier lookup v1', 32));
      if (this.keys.size >= MAX_CACHED_TENANT_KEYS) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(tenantId, key);
    }
    return key;
  }
}
