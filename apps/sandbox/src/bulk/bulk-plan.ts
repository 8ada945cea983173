import { PATIENT_SCOPED, type FhirResource, type ResourceType } from '../fhir/fhir-types';
import { matchesCriteria } from '../fhir/search-engine';
import type { ExportParameters } from './bulk-parameters';

/** What an export reads: a vendor's resource store (LayeredStore fits). */
export interface ExportStore {
  get(type: string, id: string): FhirResource | undefined;
  all(type: ResourceType): readonly FhirResource[];
  forPatient(type: ResourceType, patientId: string): readonly FhirResource[];
  serialized(resource: FhirResource): string;
}

/**
 * One type's share of an export, fixed at kick-off (what was there at
 * `transactionTime`): the matching resources, served `copies` times over
 * (the patient multiplier; directory types are never copied).
 */
export interface TypeSnapshot {
  type: ResourceType;
  resources: readonly FhirResource[];
  copies: number;
  serialize(resource: FhirResource): string;
}

/** One NDJSON file of the manifest: resources [start, start + count) of its type's snapshot. */
export interface PlannedFile {
  name: string;
  type: ResourceType;
  start: number;
  count: number;
  snapshot: TypeSnapshot;
}

/** Types that belong to a patient: the Patient and its compartment. Practitioner, Organization and Location do not. */
export const patientOwned = (type: ResourceType): boolean => type === 'Patient' || PATIENT_SCOPED.has(type);

function groupResources(store: ExportStore, patientIds: readonly string[], type: ResourceType): readonly FhirResource[] {
  if (type === 'Patient') return patientIds.flatMap((id) => store.get('Patient', id) ?? []);
  if (PATIENT_SCOPED.has(type)) return patientIds.flatMap((id) => store.forPatient(type, id));
  // Supporting resources: the sandbox is one organization, so its whole directory.
  return store.all(type);
}

/**
 * Everything a group export delivers, per requested type: the group's
 * patients, their records, and the directory types, narrowed by `_since`
 * (meta.lastUpdated strictly after it; a resource without one is kept) and
 * `_typeFilter`. Types with nothing to export are left out (no empty files).
 */
export function snapshotGroup(store: ExportStore, patientIds: readonly string[], params: ExportParameters, multiplier: number): TypeSnapshot[] {
  const snapshots: TypeSnapshot[] = [];
  for (const type of params.types) {
    const filters = params.typeFilters.get(type);
    const resources = groupResources(store, patientIds, type).filter((r) => {
      if (params.sinceMs !== undefined) {
        const updated = r.meta?.lastUpdated ? Date.parse(r.meta.lastUpdated) : Number.NaN;
        if (!Number.isNaN(updated) && updated <= params.sinceMs) return false;
      }
      return !filters || filters.some((criteria) => matchesCriteria(r, criteria));
    });
    if (resources.length === 0) continue;
    snapshots.push({ type, resources, copies: patientOwned(type) ? multiplier : 1, serialize: (r) => store.serialized(r) });
  }
  return snapshots;
}

/** Splits each type into files of at most `maxPerFile` resources: Observation-1.ndjson, Observation-2.ndjson, … */
export function planFiles(snapshots: readonly TypeSnapshot[], maxPerFile: number): PlannedFile[] {
  const files: PlannedFile[] = [];
  for (const snapshot of snapshots) {
    const total = snapshot.resources.length * snapshot.copies;
    for (let start = 0, n = 1; start < total; start += maxPerFile, n++) {
      files.push({ name: `${snapshot.type}-${n}.ndjson`, type: snapshot.type, start, count: Math.min(maxPerFile, total - start), snapshot });
    }
  }
  return files;
}
