import type { StoredResource } from '@sb/db';

type Json = Record<string, unknown>;

const asArray = (v: unknown): Json[] => (Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Json[]) : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

const patientIdFromReference = (ref: unknown): string | null => {
  const reference = str((ref as Json | undefined)?.reference);
  return reference?.startsWith('Patient/') ? reference.slice('Patient/'.length) : null;
};

/** The patient a resource belongs to: its own id for a Patient, else its subject/patient/participant. */
export function patientIdOf(resource: Json): string | null {
  if (resource.resourceType === 'Patient') return str(resource.id);
  const direct = patientIdFromReference(resource.subject) ?? patientIdFromReference(resource.patient);
  if (direct) return direct;
  for (const p of asArray(resource.participant)) {
    const id = patientIdFromReference(p.actor);
    if (id) return id;
  }
  return null;
}

function identifierTokens(resource: Json): string[] {
  const tokens = new Set<string>();
  for (const identifier of asArray(resource.identifier)) {
    const value = str(identifier.value);
    if (!value) continue;
    tokens.add(`${str(identifier.system) ?? ''}|${value}`);
    tokens.add(`|${value}`);
  }
  return [...tokens];
}

const words = (text: string | null): string[] => (text ? text.toLowerCase().split(/[\s,]+/).filter(Boolean) : []);

function nameTokens(resource: Json): string[] {
  const tokens = new Set<string>();
  if (typeof resource.name === 'string') words(resource.name).forEach((w) => tokens.add(w));
  for (const name of asArray(resource.name)) {
    words(str(name.family)).forEach((w) => tokens.add(w));
    for (const given of Array.isArray(name.given) ? name.given : []) words(str(given)).forEach((w) => tokens.add(w));
    words(str(name.text)).forEach((w) => tokens.add(w));
  }
  return [...tokens];
}

/** The date a `date` (or Patient `birthdate`) search compares, per type (FHIR R4 search parameter definitions). */
function searchDateOf(r: Json): string | null {
  const period = (v: unknown) => str((v as Json | undefined)?.start);
  switch (r.resourceType) {
    case 'Patient':
      return str(r.birthDate);
    case 'Encounter':
      return period(r.period);
    case 'Observation':
    case 'DiagnosticReport':
      return str(r.effectiveDateTime) ?? period(r.effectivePeriod) ?? str(r.issued);
    case 'DocumentReference':
      return str(r.date) ?? period((r.context as Json | undefined)?.period);
    case 'Appointment':
      return str(r.start);
    case 'Immunization':
      return str(r.occurrenceDateTime);
    case 'AllergyIntolerance':
    case 'Condition':
      return str(r.recordedDate) ?? str(r.onsetDateTime);
    case 'ServiceRequest':
      return str(r.authoredOn);
    default:
      return null;
  }
}

/** A FHIR resource with the tokens the store's searches use. */
export function toStoredResource(resource: Json): StoredResource {
  const resourceType = str(resource.resourceType);
  const id = str(resource.id);
  if (!resourceType || !id) throw new Error('A stored resource needs a resourceType and an id');
  return {
    resourceType,
    id,
    patientId: patientIdOf(resource),
    identifiers: identifierTokens(resource),
    nameTokens: nameTokens(resource),
    searchDate: searchDateOf(resource),
    resource,
  };
}
