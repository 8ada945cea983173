import { ATHENA_PRACTICES, DEFAULT_ATHENA_PRACTICE } from '../athena/athena-directory';
import type { Vendor } from '../faults/fault-queue';
import type { LayeredStore } from '../fhir/resource-store';
import { patientIdOf } from '../fhir/search-parameters';
import type { SandboxState } from '../sandbox-state';
import type { SmartTarget } from './smart-endpoints';

/** Who is signed in and which chart is open when the simulated EHR hands over to the app. */
export interface LaunchContext {
  patient?: string;
  encounter?: string;
  /** The synthetic clinician the EHR signs in as (a Practitioner of the dataset). */
  practitionerId: string;
}

export type ContextCheck = { ok: true; context: LaunchContext } | { ok: false; description: string };

/** athena FHIR ids name their practice: `a-195900.E-7001`. */
const athenaPractice = (id: string | undefined): string | undefined => {
  const practice = id === undefined ? undefined : /^a-(\d{1,12})\./.exec(id)?.[1];
  return practice !== undefined && (ATHENA_PRACTICES as readonly string[]).includes(practice) ? practice : undefined;
};

/** The FHIR records a target serves (athena: the practice a patient id names, else the default practice). */
function storeOf(state: SandboxState, target: SmartTarget, patientId?: string): LayeredStore | undefined {
  switch (target.vendor) {
    case 'epic':
      return state.epicStore;
    case 'oracle':
      return state.oracleStore(target.tenantId);
    case 'athena':
      return state.athenaFhir.store(patientId === undefined ? DEFAULT_ATHENA_PRACTICE : (athenaPractice(patientId) ?? ''));
  }
}

/**
 * The synthetic practitioner every simulated login uses: the dataset's first
 * clinician, as the vendor renders it (athena: in the patient's practice).
 */
function practitionerIdOf(store: LayeredStore): string | undefined {
  return store.all('Practitioner')[0]?.id;
}

/** Checks a launch's patient (and encounter, which must be that patient's) against the vendor's records. */
export function resolveLaunchContext(state: SandboxState, target: SmartTarget, patientId: string | undefined, encounterId?: string): ContextCheck {
  const store = storeOf(state, target, patientId);
  if (!store) return { ok: false, description: 'No such patient on this server.' };
  const practitionerId = practitionerIdOf(store);
  if (practitionerId === undefined) return { ok: false, description: 'The server has no practitioner to sign in as.' };
  if (patientId === undefined) return { ok: true, context: { practitionerId } };
  if (!store.get('Patient', patientId)) return { ok: false, description: 'No such patient on this server.' };
  if (encounterId === undefined) return { ok: true, context: { patient: patientId, practitionerId } };
  const encounter = store.get('Encounter', encounterId);
  if (!encounter || patientIdOf(encounter) !== patientId) return { ok: false, description: "No such encounter in this patient's chart." };
  return { ok: true, context: { patient: patientId, encounter: encounterId, practitionerId } };
}

/** The patient the standalone picker selects when none is set: the first of the vendor's test-patient list. */
export function defaultStandalonePatient(state: SandboxState, vendor: Vendor): string | undefined {
  return state.patients(vendor)[0]?.id;
}
