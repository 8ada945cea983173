/**
 * Hand-written synthetic HL7 v2 messages for the converter's specs (invented people, places and
 * numbers; see test/fixtures/hl7/README.md). Segments are joined with CR like on the wire.
 */

export const hl7 = (...segments: string[]): string => segments.join('\r');

export interface MshOptions {
  readonly version?: string;
  readonly controlId?: string;
  readonly timestamp?: string;
}

/** An MSH for `type` (e.g. `ADT^A01^ADT_A01`). */
export function msh(type: string, options: MshOptions = {}): string {
  const { version = '2.5.1', controlId = `CTL-${type.replace(/\^/g, '-')}`, timestamp = '20240310120000' } = options;
  return `MSH|^~\\&|SYNTHAPP|SYNTHFAC|SWITCHBOARD|SB|${timestamp}||${type}|${controlId}|P|${version}`;
}

/** A segment from field number → value (HL7 numbering), so positions are explicit. */
export function segment(id: string, fields: Readonly<Record<number, string>>): string {
  const last = Math.max(0, ...Object.keys(fields).map(Number));
  const out = [id];
  for (let n = 1; n <= last; n++) out.push(fields[n] ?? '');
  return out.join('|');
}

/** A synthetic patient: MRN 100001 of SYNHOSP (typed MR), an SSN repetition and PID-2 external id. */
export const SYNTHETIC_PID = segment('PID', {
  1: '1',
  2: 'EXT-77^^^OLDSYS^PI',
  3: '100001^^^SYNHOSP^MR~999-00-1234^^^SSA^SS',
  5: 'Testperson^Alex^Q^^^^L',
  7: '19800229',
  8: 'F',
  10: '2106-3^White^CDCREC',
  11: '1 Example Way^Unit 2^Springfield^IL^62701^USA^H',
  13: '^PRN^PH^^1^217^5550100~^NET^Internet^alex@example.org',
  14: '^WPN^PH^^1^217^5550199',
  15: 'eng^English^ISO6392',
  16: 'S',
  22: '2186-5^Not Hispanic or Latino^CDCREC',
});

/** An inpatient visit V5001 admitted 2024-03-10 11:00 (no offset: read in the dialect's zone). */
export function syntheticPv1(overrides: Readonly<Record<number, string>> = {}): string {
  return segment('PV1', {
    1: '1',
    2: 'I',
    3: 'WARD1^101^A^SYNHOSP',
    4: 'R',
    7: '1234^Attending^Pat^^^Dr',
    8: '5678^Referrer^Sam',
    10: 'MED',
    14: '7',
    17: '9012^Admitter^Kim',
    19: 'V5001^^^SYNHOSP^VN',
    44: '20240310110000',
    ...overrides,
  });
}
