import { createHmac, hkdfSync } from 'node:crypto';
import type { AppointmentChange, PatientChange } from './change-items';

const MAX_CACHED_TENANT_KEYS = 1_000;

/**
 * Keyed hashes (HMAC-SHA256 under a per-tenant key derived from the master key) of
 * the parts of a record that matter. The last known state keeps only these, so it
 * can tell "changed" from "the same again" without holding a patient's demographics
 * or appointment times — and a hash of a date of birth cannot be reversed by
 * guessing without the key.
 */
export class ChangeFingerprints {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly masterKey: Buffer) {}

  /** The whole appointment state that events depend on, and the when/where/who-with part of it alone. */
  appointment(tenantId: string, a: AppointmentChange): { fingerprint: string; scheduleHash: string } {
    const schedule = [a.date, a.startTime, a.duration, a.providerId, a.departmentId];
    return {
      fingerprint: this.hash(tenantId, ['appointment', a.status, a.patientId, ...schedule]),
      scheduleHash: this.hash(tenantId, ['schedule', ...schedule]),
    };
  }

  patient(tenantId: string, p: PatientChange): string {
    return this.hash(tenantId, ['patient', ...Object.keys(p.relevant).sort().flatMap((k) => [k, p.relevant[k] ?? ''])]);
  }

  private hash(tenantId: string, parts: readonly string[]): string {
    return createHmac('sha256', this.keyOf(tenantId)).update(JSON.stringify(parts), 'utf8').digest('base64url');
  }

  private keyOf(tenantId: string): Buffer {
    let key = this.keys.get(tenantId);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.masterKey, Buffer.from(tenantId, 'utf8'), 'switchboard athena change fingerprint v1', 32));
      if (this.keys.size >= MAX_CACHED_TENANT_KEYS) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(tenantId, key);
    }
    return key;
  }
}
