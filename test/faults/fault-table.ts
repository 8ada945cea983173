/**
 * The fault suite's result table: one row per fault, written to a JSON file after each fault
 * (so a run cut short still shows what it measured) and printed by fault-table-reporter.js.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Attempt } from './fault-load';

export interface FaultRow {
  fault: string;
  /** HTTP attempts (FHIR reads and writes, echo) answered 2xx, of all sent. */
  httpOk: number;
  httpSent: number;
  /** HL7 frames answered AA, of all sent (resends included). */
  hl7Ok: number;
  hl7Sent: number;
  /** Refusals with a clear error code, by code. */
  refused: Record<string, number>;
  /** Attempts without an answer (connection refused or cut, no ACK). */
  unanswered: number;
  /** Error answers that name no code but `internal`, by `status code`. */
  unclear: Record<string, number>;
  /** Acknowledged work not found afterwards, or found twice: must be 0. */
  lost: number;
  /** What was measured for this fault (recovery time, circuit opening, …). */
  note: string;
  /** Known product gaps the fault showed: reported, not failed on. */
  gaps: string[];
  passed: boolean;
  seconds: number;
}

/** The file the table goes to: in the run's state dir (the reporter reads the same variable), else nowhere. */
export const faultTableFile = (stateDir: string | undefined): string | null => (stateDir ? join(stateDir, 'fault-table.json') : null);

export function tally(attempts: readonly Attempt[]): Pick<FaultRow, 'httpOk' | 'httpSent' | 'hl7Ok' | 'hl7Sent' | 'refused' | 'unanswered' | 'unclear'> {
  const http = attempts.filter((a) => a.kind !== 'hl7');
  const hl7 = attempts.filter((a) => a.kind === 'hl7');
  const refused: Record<string, number> = {};
  const unclear: Record<string, number> = {};
  const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);
  for (const a of attempts) {
    if (a.outcome === 'refused') count(refused, a.code ?? '?');
    if (a.outcome === 'unclear') count(unclear, `${a.status ?? ''} ${a.code ?? 'no code'}`.trim());
  }
  return {
    httpOk: http.filter((a) => a.outcome === 'ok').length,
    httpSent: http.length,
    hl7Ok: hl7.filter((a) => a.outcome === 'ok').length,
    hl7Sent: hl7.length,
    refused,
    unanswered: attempts.filter((a) => a.outcome === 'unanswered').length,
    unclear,
  };
}

export function writeFaultTable(file: string | null, rows: readonly FaultRow[]): void {
  if (file) writeFileSync(file, JSON.stringify(rows, null, 2));
}
