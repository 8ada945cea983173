import type { Vendor } from '../api/types';
import { hasScope } from '../auth/scopes';
import { useSession } from '../auth/session';

/** https://hl7.org/fhir/uv/bulkdata/STU2/export.html#endpoint */
export type ExportLevel = 'group' | 'patient' | 'system';

/**
 * The levels each kind of connection exports, as libs/bulk-export's bulkSupportOf says
 * (Epic, Oracle and athena: Group only; an HL7 v2 site's store: all three). The form offers
 * only these; should they drift, the API's 400 names the supported level and the page shows it.
 */
export const EXPORT_LEVELS: Record<Vendor, readonly ExportLevel[]> = {
  hl7v2: ['group', 'patient', 'system'],
  epic: ['group'],
  oracle: ['group'],
  athena: ['group'],
  fhir: [],
  echo: [],
};

export const LEVEL_LABELS: Record<ExportLevel, { label: string; description: string }> = {
  group: { label: 'A group of patients', description: 'Group/[id]/$export: the patients in one group the hospital set up' },
  patient: { label: 'All patients', description: 'Patient/$export: every patient’s records' },
  system: { label: 'Everything', description: '[base]/$export: every record, patients or not' },
};

/** The types an export may hold: libs/bulk-export's EXPORTABLE_TYPES (the record types every connection serves). */
export const EXPORTABLE_TYPES = [
  'Patient',
  'Encounter',
  'Observation',
  'Condition',
  'AllergyIntolerance',
  'MedicationRequest',
  'DiagnosticReport',
  'DocumentReference',
  'Appointment',
  'Practitioner',
  'Organization',
  'Location',
  'Immunization',
  'ServiceRequest',
] as const;

/** What the vendor enforces before it runs an export (libs/bulk-export's bulkSupportOf), in words for the form. */
export function vendorRule(vendor: Vendor, groupWindowHours: number | null): string | null {
  switch (vendor) {
    case 'epic':
      return `Epic exports one group at most once every ${groupWindowHours ?? 24} hours; a second export of it sooner is refused.`;
    case 'oracle':
      return groupWindowHours
        ? `Oracle Health runs one export at a time on a connection, and one group at most once every ${groupWindowHours} hours.`
        : 'Oracle Health runs one export at a time on a connection: another is refused until it finishes.';
    case 'athena':
      return groupWindowHours ? `athenahealth exports one practice at most once every ${groupWindowHours} hours.` : null;
    case 'hl7v2':
      return 'Exported from the records Switchboard kept from this site’s messages.';
    case 'fhir':
    case 'echo':
      return null;
  }
}

/**
 * Exporting reads every resource of each type: the API requires `system/<type>.r` for each, which
 * console users hold only with the PHI grant (system/*.rs or system/*.cruds). The files are PHI,
 * so downloading them is gated the same way.
 */
export const EXPORT_SCOPE = 'system/*.r';

export function useExportAccess(): { canExport: boolean } {
  const { scopes } = useSession();
  return { canExport: hasScope(scopes, EXPORT_SCOPE) };
}

export const EXPORT_PHI_NOTE =
  'Exports copy patient records into files: starting one and downloading its files need the PHI grant. Ask an owner or admin of your organization.';
