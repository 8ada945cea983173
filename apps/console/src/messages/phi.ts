import { useSession } from '../auth/session';
import { hasScope } from '../auth/scopes';

/** Reading a message's content is a read of MessageHeader (the API's pipeline checks exactly this). */
export const MESSAGE_CONTENT_SCOPE = 'system/MessageHeader.r';
/** A patient-identifier lookup is a Patient search (message-log.service's PATIENT_LOOKUP_SCOPE). */
export const PATIENT_SEARCH_SCOPE = 'system/Patient.s';

/** What the PHI grant lets this user see here (it adds a clinical scope such as system/*.rs to /me's scopes). */
export function usePhiAccess(): { readContent: boolean; searchPatients: boolean } {
  const { scopes } = useSession();
  return { readContent: hasScope(scopes, MESSAGE_CONTENT_SCOPE), searchPatients: hasScope(scopes, PATIENT_SEARCH_SCOPE) };
}

export const PHI_NOTE = 'Viewing a message’s content (raw HL7, ACKs, FHIR output) needs the PHI grant. Ask an owner or admin of your organization.';
