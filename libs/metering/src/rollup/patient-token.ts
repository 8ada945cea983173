import { createHmac, hkdfSync } from 'node:crypto';

/**
 * The HKDF label of the usage key. Distinct from the HL7 identifier index's label
 * ('switchboard hl7 patient identifier lookup v1'), so a usage token never equals a lookup
 * hash of the same tenant and one table cannot be joined to the other.
 */
const USAGE_PATIENT_KEY_INFO = 'switchboard usage distinct patient v1';
const MAX_CACHED_TENANT_KEYS = 1_000;

/**
 * Patient tokens for distinct-patient counts: HMAC-SHA256 of the patient reference under a
 * key derived (HKDF-SHA256) from the gateway's master key and the tenant id, derived the way
 * the HL7 identifier index derives its keys (`PatientIdentifierHasher`) with its own label.
 * Equal references of two tenants give different tokens, and a dump of the metering tables
 * alone cannot be brute-forced back to patient ids. The key changes only with the master
 * key: rotating it mid-period would count a patient twice in that period.
 */
export class UsagePatientTokens {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly masterKey: Buffer) {}

  token(tenantId: string, patientRef: string): string {
    return createHmac('sha256', this.keyOf(tenantId)).update(patientRef.trim(), 'utf8').digest('base64url');
  }

  private keyOf(tenantId: string): Buffer {
    let key = this.keys.get(tenantId);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.masterKey, Buffer.from(tenantId, 'utf8'), USAGE_PATIENT_KEY_INFO, 32));
      if (this.keys.size >= MAX_CACHED_TENANT_KEYS) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(tenantId, key);
    }
    return key;
  }
}
