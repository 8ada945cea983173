import type { Resource } from '@medplum/fhirtypes';

/** The patient a resource is about, for the audit record: `Patient/<id>` or null. */
export function patientRefOf(resource: Resource | null | undefined): string | null {
  if (!resource) return null;
  if (resource.resourceType === 'Patient') return resource.id ? `Patient/${resource.id}` : null;
  const r = resource as { subject?: { reference?: string }; patient?: { reference?: string }; participant?: { actor?: { reference?: string } }[] };
  const ref = r.subject?.reference ?? r.patient?.reference ?? r.participant?.find((p) => p.actor?.reference?.startsWith('Patient/'))?.actor?.reference;
  return ref?.startsWith('Patient/') ? ref.slice(0, 80) : null;
}
