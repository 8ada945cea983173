import { isResourceType } from '../fhir/fhir-types';

const V1 = /^system\/(\*|[A-Za-z]+)\.(read|write|\*)$/;
const V2 = /^system\/(\*|[A-Za-z]+)\.c?r?u?d?s?$/;

export type ScopeCheck = { ok: true; scopes: string[] } | { ok: false; description: string };

/**
 * Oracle's system accounts speak SMART v1 scopes only (`system/Patient.read`);
 * v2 permissions (`system/Patient.rs`) are refused with invalid_scope.
 * http://hl7.org/fhir/smart-app-launch/1.0.0/scopes-and-launch-context/
 */
export function parseOracleScopes(scope: string | undefined): ScopeCheck {
  const scopes = (scope ?? '').split(/\s+/).filter((s) => s !== '');
  if (scopes.length === 0) return { ok: false, description: 'scope is required: SMART v1 system scopes such as system/Patient.read' };
  for (const s of scopes) {
    const v1 = V1.exec(s);
    if (v1) {
      if (v1[1] !== '*' && !isResourceType(v1[1] as string)) return { ok: false, description: `scope ${s} names a resource type this server does not serve` };
      continue;
    }
    if (V2.test(s)) return { ok: false, description: `scope ${s} uses SMART v2 syntax, which this server does not support; use SMART v1 (system/<Type>.read or .write)` };
    return { ok: false, description: `scope ${s} is not a SMART v1 system scope` };
  }
  return { ok: true, scopes };
}

/** Whether granted v1 scopes allow reading (read, search) or writing a type. */
export function scopeAllows(scopes: readonly string[], type: string, access: 'read' | 'write'): boolean {
  return scopes.some((s) => {
    const m = V1.exec(s);
    return m !== null && (m[1] === '*' || m[1] === type) && (m[2] === access || m[2] === '*');
  });
}
