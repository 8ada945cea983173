import type { Resource } from '@medplum/fhirtypes';

/** The `reference` of a Reference-shaped value, when it is a string; a client's resource may hold anything. */
function referenceOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const reference = (value as { reference?: unknown }).reference;
  return typeof reference === 'string' ? reference : undefined;
}

/** The patient a resource is about, for the audit record: `Patient/<id>` or null. */
export function patientRefOf(resource: Resource | null | undefined): string | null {
  if (!resource) return null;
  if (resource.resourceType === 'Patient') return resource.id ? `Patient/${resource.id}` : null;
  const r = resource as { subject?: unknown; patient?: unknown; participant?: unknown };
  const participants: unknown[] = Array.isArray(r.participant) ? r.participant : [];
  const ref =
    referenceOf(r.subject) ??
    referenceOf(r.patient) ??
    participants.map((p) => referenceOf(typeof p === 'object' && p !== null ? (p as { actor?: unknown }).actor : undefined)).find((a) => a?.startsWith('Patient/'));
  return ref?.startsWith('Patient/') ? ref.slice(0, 80) : null;
}
