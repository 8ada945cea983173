import type { SynthDataset } from '../dataset/dataset.types';
import { buildResources } from '../fhir/build-resources';
import type { ResourceType } from '../fhir/fhir-types';
import { LayeredStore, ResourceStore } from '../fhir/resource-store';
import type { VendorDialect } from '../fhir/vendor-dialect';
import { encounterIdOfKey } from './athena-chart-ids';
import { ATHENA_PRACTICES, departmentOfLocation, providerIdOf } from './athena-directory';
import { patientIdOf } from './athena-patients';

/** athena's patient identifier system per practice (the OID arc is this sandbox's choice). */
export const athenaPatientIdSystem = (practiceId: string): string => `urn:oid:2.16.840.1.113883.3.564.${practiceId}`;

/**
 * athena FHIR R4 ids, `a-{practiceid}.{kind}-{athena id}`, so an id names the
 * proprietary record it renders: Patient `a-195900.E-7001` (patientid 7001),
 * Encounter `a-195900.encounter-28001`, Practitioner `a-195900.Provider-23`,
 * Location `a-195900.Department-150`; records without an athena id use the
 * dataset key (`a-195900.Observation-p001-o3`).
 */
export function athenaFhirId(practiceId: string, type: ResourceType | 'Binary', key: string): string {
  const prefix = `a-${practiceId}`;
  switch (type) {
    case 'Patient':
      return `${prefix}.E-${7000 + Number(key.replace(/^p/, ''))}`;
    case 'Encounter':
      return `${prefix}.encounter-${encounterIdOfKey(key) ?? key}`;
    case 'Practitioner':
      return `${prefix}.Provider-${providerIdOf(key)}`;
    case 'Location':
      return `${prefix}.Department-${departmentOfLocation(key).departmentid}`;
    case 'Organization':
      return `${prefix}.Practice-${practiceId}`;
    default:
      return `${prefix}.${type}-${key}`;
  }
}

export function athenaFhirDialect(practiceId: string): VendorDialect {
  return {
    vendor: 'athena',
    id: (type, key) => athenaFhirId(practiceId, type, key),
    patientIdentifiers: (p) => [{ use: 'usual', type: { text: 'Patient ID' }, system: athenaPatientIdSystem(practiceId), value: patientIdOf(p) }],
    patientExtensions: () => [],
    patientNameText: (p) => `${p.given.join(' ')} ${p.family}`,
    encounterIdentifiers: () => [],
    vitalCodings: () => [],
    noteContent: 'inline',
  };
}

/**
 * The practices' FHIR R4 view of the synthetic dataset, built on first use
 * (one store per practice, as each practice is its own athena context). It
 * renders the seeded records: writes made through /v1 do not show here.
 */
export class AthenaFhirStores {
  private readonly stores = new Map<string, LayeredStore>();

  constructor(private readonly dataset: SynthDataset) {}

  /** The practice's store, or undefined for a practice the simulator does not have. */
  store(practiceId: string): LayeredStore | undefined {
    if (!(ATHENA_PRACTICES as readonly string[]).includes(practiceId)) return undefined;
    let store = this.stores.get(practiceId);
    if (!store) this.stores.set(practiceId, (store = new LayeredStore(new ResourceStore(buildResources(this.dataset, athenaFhirDialect(practiceId)).resources), new ResourceStore())));
    return store;
  }
}
