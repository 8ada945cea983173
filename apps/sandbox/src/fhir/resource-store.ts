import type { FhirResource, ResourceType } from './fhir-types';
import { patientIdOf } from './search-parameters';

/**
 * One vendor's resources in memory, indexed by id and by patient so the common
 * searches (`Observation?patient=…`) touch only that patient's records. JSON is
 * serialized once per resource and reused by reads and search pages.
 */
export class ResourceStore {
  private readonly byId = new Map<string, Map<string, FhirResource>>();
  private readonly byPatient = new Map<string, Map<string, FhirResource[]>>();
  private readonly json = new WeakMap<FhirResource, string>();

  constructor(resources: Iterable<FhirResource> = []) {
    for (const resource of resources) this.add(resource);
  }

  add(resource: FhirResource): void {
    let ids = this.byId.get(resource.resourceType);
    if (!ids) this.byId.set(resource.resourceType, (ids = new Map()));
    ids.set(resource.id, resource);
    const patientId = patientIdOf(resource);
    if (patientId === undefined) return;
    let patients = this.byPatient.get(resource.resourceType);
    if (!patients) this.byPatient.set(resource.resourceType, (patients = new Map()));
    const list = patients.get(patientId);
    if (list) list.push(resource);
    else patients.set(patientId, [resource]);
  }

  get(type: string, id: string): FhirResource | undefined {
    return this.byId.get(type)?.get(id);
  }

  all(type: ResourceType): FhirResource[] {
    return [...(this.byId.get(type)?.values() ?? [])];
  }

  forPatient(type: ResourceType, patientId: string): readonly FhirResource[] {
    return this.byPatient.get(type)?.get(patientId) ?? [];
  }

  count(type: ResourceType): number {
    return this.byId.get(type)?.size ?? 0;
  }

  serialized(resource: FhirResource): string {
    let text = this.json.get(resource);
    if (text === undefined) {
      text = JSON.stringify(resource);
      this.json.set(resource, text);
    }
    return text;
  }
}

/**
 * The generated dataset plus what clients created at run time. Oracle keeps one
 * overlay per tenant, so a note written in one tenant is not seen in another.
 */
export class LayeredStore {
  constructor(
    readonly base: ResourceStore,
    readonly created: ResourceStore,
  ) {}

  get(type: string, id: string): FhirResource | undefined {
    return this.created.get(type, id) ?? this.base.get(type, id);
  }

  all(type: ResourceType): FhirResource[] {
    return [...this.base.all(type), ...this.created.all(type)];
  }

  forPatient(type: ResourceType, patientId: string): readonly FhirResource[] {
    const created = this.created.forPatient(type, patientId);
    const base = this.base.forPatient(type, patientId);
    return created.length === 0 ? base : [...base, ...created];
  }

  serialized(resource: FhirResource): string {
    return this.base.serialized(resource);
  }
}
