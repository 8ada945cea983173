import type { CodeableConcept, Coding, Location, Meta, Organization, Patient, Practitioner, Reference, Resource } from '@medplum/fhirtypes';
import { ErrorCode, SbError } from '@sb/core';
import { athenaFhirId, type AthenaIdKind } from '../athena-ids';
import type { AthenaDepartment } from '../wire';

/** What the pure athena → FHIR mappers need beyond the record itself. */
export interface AthenaMapContext {
  practiceId: string;
  /** The practice's departments by id: their time zones place department-local times. */
  departments: ReadonlyMap<string, AthenaDepartment>;
  /**
   * The connection the data came through. When given, every resource's `meta.source` names it
   * (`urn:switchboard:connection:{id}`), as the Epic/Oracle path stamps it (shared/DESIGN.md).
   */
  connectionId?: string;
}

/** Chart records (problems, vitals…) do not name their patient: the caller read them from this chart. */
export interface AthenaChartScope {
  patientId: string;
  /** The department whose chart was read (`departmentid` of the request): its zone places zone-less clinical times. */
  departmentId?: string;
}

export const US_CORE = 'http://hl7.org/fhir/us/core/StructureDefinition/';
export const SYSTEMS = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  ucum: 'http://unitsofmeasure.org',
  npi: 'http://hl7.org/fhir/sid/us-npi',
  bcp47: 'urn:ietf:bcp:47',
  cdcRace: 'urn:oid:2.16.840.1.113883.6.238',
  v2_0203: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  v3ActCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  v3NullFlavor: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor',
  dataAbsentReason: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
} as const;

/**
 * athena's own identifier and code systems, after the patient system athena's event payloads use
 * (`urn:athenahealth:athenanet:patient:{practiceid}`, /work/shared/notes/athena.md §3): per-practice
 * ids get the practice in the URI, athena-wide reference lists (allergens, medications) do not.
 */
export const athenaSystem = (name: string, practiceId?: string): string => `urn:athenahealth:athenanet:${name}${practiceId ? `:${practiceId}` : ''}`;

/** The practice as an Organization: athena's own FHIR id for it (`a-1.Practice-{pid}`, §3). */
export const athenaPracticeOrganizationId = (practiceId: string): string => `a-1.Practice-${practiceId}`;

/** `Type/id` for an athena record. */
export function athenaRef<T extends Resource>(ctx: AthenaMapContext, type: T['resourceType'], kind: AthenaIdKind, recordId: string, patientId?: string): Reference<T> {
  return { reference: `${type}/${athenaFhirId(ctx.practiceId, kind, recordId, patientId)}` };
}

export const patientRef = (ctx: AthenaMapContext, patientId: string): Reference<Patient> => athenaRef<Patient>(ctx, 'Patient', 'patient', patientId);
export const practitionerRef = (ctx: AthenaMapContext, providerId: string): Reference<Practitioner> => athenaRef<Practitioner>(ctx, 'Practitioner', 'practitioner', providerId);
export const locationRef = (ctx: AthenaMapContext, departmentId: string): Reference<Location> => athenaRef<Location>(ctx, 'Location', 'location', departmentId);
export const practiceRef = (ctx: AthenaMapContext): Reference<Organization> => ({ reference: `Organization/${athenaPracticeOrganizationId(ctx.practiceId)}` });

/** `meta`: the US Core profile, the connection (`source`) and athena's last-modified time when it sent one. */
export function metaOf(ctx: AthenaMapContext, profile: string | undefined, lastUpdated?: string): Meta {
  return {
    ...(lastUpdated && /T.*(Z|[+-]\d{2}:\d{2})$/.test(lastUpdated) ? { lastUpdated } : {}),
    ...(ctx.connectionId ? { source: `urn:switchboard:connection:${ctx.connectionId}` } : {}),
    ...(profile ? { profile: [`${US_CORE}${profile}`] } : {}),
  };
}

export const coding = (system: string, code: string, display?: string): Coding => ({ system, code, ...(display ? { display } : {}) });

/** A CodeableConcept from the codings that exist, with text; undefined when there is neither. */
export function concept(codings: (Coding | undefined)[], text?: string): CodeableConcept | undefined {
  const present = codings.filter((c): c is Coding => c !== undefined && !!c.code);
  if (!present.length && !text) return undefined;
  return { ...(present.length ? { coding: present } : {}), ...(text ? { text } : {}) };
}

/** The zone of a department the context knows; undefined when it does not know it or its zone. */
export function departmentZone(ctx: AthenaMapContext, departmentId: string | undefined): string | undefined {
  return departmentId ? ctx.departments.get(departmentId)?.timeZone : undefined;
}

/**
 * The zone of a department whose local times must be placed (appointments, slots). A department the
 * practice's list does not contain, or one without a usable zone, is athena data the gateway cannot
 * place: a typed vendor error, never a guessed instant.
 */
export function requireDepartmentZone(ctx: AthenaMapContext, departmentId: string): string {
  const zone = departmentZone(ctx, departmentId);
  if (!zone) {
    throw new SbError(ErrorCode.VendorError, 'athena sent a time the gateway cannot place in a time zone', {
      details: { reason: 'unknown_department_time_zone', departmentId },
    });
  }
  return zone;
}
