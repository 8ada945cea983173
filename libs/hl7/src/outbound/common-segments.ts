import type { Identifier, Patient, Reference } from '@medplum/fhirtypes';
import { Hl7BuildError } from './hl7-build-error';
import { comp, cx, hl7DateTime, type Part, hl7Timestamp, isSingleLine, mshSegment, needsUtf8, orderedNames, reps, segment, xad, xpn, xtn } from './v2-datatypes';

/** What every outbound message needs for its MSH (HL7 v2.5.1 chapter 2, "MSH - message header segment"). */
export interface OutboundHeaderOptions {
  /** MSH-10; a resend of the same message must reuse it. */
  controlId: string;
  /** MSH-3 */
  sendingApplication: string;
  /** MSH-4 */
  sendingFacility: string;
  /** MSH-5 */
  receivingApplication?: string;
  /** MSH-6 */
  receivingFacility?: string;
  /** MSH-12; only 2.5.1 is written. */
  version?: '2.5.1';
  /** MSH-11 (table 0103): P production (default), T training, D debugging. */
  processingId?: 'P' | 'T' | 'D';
  /** MSH-7 and EVN-2. */
  now: Date;
  /** PV1-2 (table 0004); `U` (unknown) unless given. */
  patientClass?: string;
}

/** Checks the options before anything is built; the message names the option, never its value. */
export function checkHeaderOptions(opts: OutboundHeaderOptions): void {
  const required: (keyof OutboundHeaderOptions)[] = ['controlId', 'sendingApplication', 'sendingFacility'];
  for (const key of required) if (!isSingleLine(opts[key] as string | undefined)) throw new Hl7BuildError('invalid_option', key);
  for (const key of ['receivingApplication', 'receivingFacility'] as const) {
    if (opts[key] !== undefined && !isSingleLine(opts[key])) throw new Hl7BuildError('invalid_option', key);
  }
  if (!(opts.now instanceof Date) || Number.isNaN(opts.now.getTime())) throw new Hl7BuildError('invalid_option', 'now');
  if (opts.version !== undefined && opts.version !== '2.5.1') throw new Hl7BuildError('invalid_option', 'version');
}

/** Joins segments with CR (the v2 segment terminator) and writes the MSH in front. */
export function assemble(opts: OutboundHeaderOptions, messageType: [code: string, trigger: string, structure: string], body: string[]): string {
  const rest = body.join('\r');
  const msh = (charset: string | undefined): string =>
    mshSegment([
      opts.sendingApplication,
      opts.sendingFacility,
      opts.receivingApplication,
      opts.receivingFacility,
      hl7Timestamp(opts.now),
      undefined,
      comp(...messageType),
      opts.controlId,
      opts.processingId ?? 'P',
      opts.version ?? '2.5.1',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      charset,
    ]);
  const plain = msh(undefined);
  // MSH-18: the v2 default character set is ASCII; say so when the message is not.
  const header = needsUtf8(plain) || needsUtf8(rest) ? msh('UNICODE UTF-8') : plain;
  return `${header}\r${rest}`;
}

/**
 * The identifiers for PID-3: the Patient's (current ones), else the subject reference's
 * own identifier. Throws when the Patient is not the referenced subject, or when there is
 * no identifier at all (PID-3 is required).
 */
export function patientIdentifiers(patient: Patient | undefined, subject: Reference | undefined, subjectPath: string): Identifier[] {
  if (!subject) throw new Hl7BuildError('missing_subject', subjectPath);
  const subjectId = /^(?:.*\/)?Patient\/([^/]+)$/.exec(subject.reference ?? '')?.[1];
  if (patient?.id && subjectId && patient.id !== subjectId) throw new Hl7BuildError('patient_mismatch', subjectPath);
  const fromPatient = (patient?.identifier ?? []).filter((i) => i.value && i.use !== 'old');
  const identifiers = fromPatient.length > 0 ? fromPatient : subject.identifier?.value ? [subject.identifier] : [];
  if (identifiers.length === 0) throw new Hl7BuildError('missing_patient_identifier', `${subjectPath}.identifier`);
  // Receivers match on the first repetition: put the MRN there when there is one.
  return [...identifiers].sort((a, b) => rank(a) - rank(b));
}

const rank = (identifier: Identifier): number => (identifier.type?.coding?.some((c) => c.code === 'MR') ? 0 : identifier.use === 'official' || identifier.use === 'usual' ? 1 : 2);

const SEX: Readonly<Record<NonNullable<Patient['gender']>, string>> = { male: 'M', female: 'F', other: 'O', unknown: 'U' };

/** PID (HL7 v2.5.1 chapter 3, "PID - patient identification segment"). */
export function pidSegment(patient: Patient | undefined, identifiers: Identifier[]): string {
  const names = orderedNames(patient?.name);
  return segment('PID', [
    '1',
    undefined,
    reps(identifiers.map(cx)),
    undefined,
    // PID-5 is required: a patient known only by identifier gets an empty name, as v2 allows ("" would delete it).
    reps(names.map(xpn)),
    undefined,
    hl7DateTime(patient?.birthDate),
    patient?.gender ? SEX[patient.gender] : undefined,
    undefined,
    undefined,
    reps((patient?.address ?? []).filter((a) => a.use !== 'old').map(xad)),
    undefined,
    // PID-13 home (and email), PID-14 business.
    reps((patient?.telecom ?? []).filter((t) => t.use !== 'work' && t.use !== 'old').map(xtn)),
    reps((patient?.telecom ?? []).filter((t) => t.use === 'work').map(xtn)),
  ]);
}

/** PV1, minimal: set id, patient class (PV1-2 is required) and the visit number when known (PV1-19). */
export function pv1Segment(patientClass: string | undefined, encounter: Reference | undefined): string {
  const fields: Part[] = Array.from({ length: 19 }, () => undefined);
  fields[0] = '1';
  fields[1] = patientClass ?? 'U';
  if (encounter?.identifier?.value) fields[18] = cx(encounter.identifier);
  return segment('PV1', fields);
}
