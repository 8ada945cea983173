import type { Connection } from '@sb/db';
import type { ExportLevel } from './export-request';

/** The group every HL7 v2 connection offers: all patients the gateway's store holds for it. */
export const ALL_PATIENTS_GROUP = 'all-patients';
/** Epic refuses a second export of one group by one client within this window unless the hospital set another. */
export const DEFAULT_EPIC_GROUP_WINDOW_HOURS = 24;

/** How a connection's exports are produced and which vendor rules the gateway enforces before asking the vendor. */
export interface BulkSupport {
  levels: readonly ExportLevel[];
  /** Group ids the connection can export. */
  groups: readonly string[];
  /** `store`: materialized from the gateway's clinical store; `vendor`: the vendor's own $export. */
  source: 'store' | 'vendor';
  groupWindowSeconds: number | null;
  oneAtATime: boolean;
}

/** What each kind of connection supports (shared/notes/bulk-and-launch.md §A2): Epic, Oracle and athena export Groups only. */
export function bulkSupportOf(connection: Connection): BulkSupport {
  const configured = connection.bulkGroupIds;
  const windowHours = (hours: number | null): number | null => (hours === null ? null : hours * 3600);
  switch (connection.vendor) {
    case 'hl7v2':
      return { levels: ['system', 'patient', 'group'], groups: [ALL_PATIENTS_GROUP], source: 'store', groupWindowSeconds: null, oneAtATime: false };
    case 'epic':
      return { levels: ['group'], groups: configured, source: 'vendor', groupWindowSeconds: windowHours(connection.bulkGroupWindowHours ?? DEFAULT_EPIC_GROUP_WINDOW_HOURS), oneAtATime: false };
    case 'oracle':
      return { levels: ['group'], groups: configured, source: 'vendor', groupWindowSeconds: windowHours(connection.bulkGroupWindowHours), oneAtATime: true };
    case 'athena':
      return { levels: ['group'], groups: connection.athenaPracticeId ? [`a-1.c-${connection.athenaPracticeId}`] : [], source: 'vendor', groupWindowSeconds: windowHours(connection.bulkGroupWindowHours), oneAtATime: false };
    case 'fhir':
    case 'echo':
      return { levels: [], groups: [], source: 'vendor', groupWindowSeconds: null, oneAtATime: false };
  }
}

/** The FHIR name of a level, as the IG's endpoints spell it. */
export const LEVEL_NAMES: Record<ExportLevel, string> = { system: '[base]/$export', patient: 'Patient/$export', group: 'Group/[id]/$export' };
