import type { Address, CodeableConcept, ContactPoint, Extension, HumanName, Identifier, Patient } from '@medplum/fhirtypes';
import type { CompiledDialect } from '../dialect/compiled-dialect';
import { Hl7ErrorCode } from '../hl7-ack';
import { failConversion, type ConversionContext } from './conversion-context';
import { address, codeableConcept, contactPoint, humanName, identifierSystem, readCx, type V2Identifier } from './v2-datatypes';
import type { V2Composite, V2Segment } from './v2-message';
import {
  ADMINISTRATIVE_GENDER,
  CDC_RACE_ETHNICITY,
  DATA_ABSENT_REASON_EXTENSION,
  ISO_639_2_TO_1,
  LEGACY_ETHNICITY,
  LEGACY_RACE,
  MARITAL_STATUS,
  OMB_ETHNICITY,
  OMB_RACE,
  US_SSN,
  V2_0203,
} from './v2-tables';

/**
 * PID → US Core Patient, after the HL7 v2-to-FHIR segment map PID → Patient
 * (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-segment-pid-to-patient.html).
 */

/** The identifier chosen as the patient's MRN: its system, value and the `system|value` key. */
export interface ChosenIdentifier {
  readonly system: string;
  readonly value: string;
  readonly key: string;
  readonly cx: V2Identifier;
}

/**
 * Chooses the MRN among identifier repetitions: those of the dialect's assigning authority (if
 * any match), then the one typed with the dialect's type code (default `MR`), else the first.
 * `fallback` repetitions are used when `preferred` holds none. The MRN system is the dialect's
 * `identifierSystems.mrn` when set.
 */
export function chooseIdentifier(preferred: V2Composite[], fallback: V2Composite[], dialect: CompiledDialect): ChosenIdentifier | undefined {
  let candidates = preferred.map(readCx).filter((c) => c.value !== '');
  if (candidates.length === 0) candidates = fallback.map(readCx).filter((c) => c.value !== '');
  if (candidates.length === 0) return undefined;
  const authority = dialect.patientAuthority;
  if (authority) {
    const ofAuthority = candidates.filter((c) => c.authority === authority || c.universalId === authority);
    if (ofAuthority.length) candidates = ofAuthority;
  }
  const cx = candidates.find((c) => c.typeCode === dialect.patientTypeCode) ?? candidates[0];
  const system = dialect.mrnSystem ?? identifierSystem(cx, dialect);
  return { system, value: cx.value, key: `${system}|${cx.value}`, cx };
}

/** The patient's MRN from PID (the field named by the dialect, PID-3 when that one is empty). */
export function choosePatientIdentifier(pid: V2Segment, dialect: CompiledDialect): ChosenIdentifier | undefined {
  return chooseIdentifier(pid.reps(dialect.patientField), pid.reps(3), dialect);
}

/** MRG fields holding the prior identifiers that correspond to PID-2, -3 and -4. */
const MRG_FIELD_FOR_PID: Readonly<Record<2 | 3 | 4, number>> = { 2: 4, 3: 1, 4: 2 };

/** The retired patient's MRN from MRG (ADT^A40), chosen by the same rules as the survivor's. */
export function chooseMergedIdentifier(mrg: V2Segment, dialect: CompiledDialect): ChosenIdentifier | undefined {
  return chooseIdentifier(mrg.reps(MRG_FIELD_FOR_PID[dialect.patientField]), mrg.reps(1), dialect);
}

export interface MappedPatient {
  readonly patient: Patient & { id: string };
  readonly key: string;
}

/** PID → Patient. Fails with 101 (PID-3) when the patient has no usable identifier. */
export function mapPatient(ctx: ConversionContext, pid: V2Segment): MappedPatient {
  const dialect = ctx.dialect;
  const chosen =
    choosePatientIdentifier(pid, dialect) ??
    failConversion(Hl7ErrorCode.RequiredFieldMissing, 'patient identifier is missing', {
      segment: 'PID',
      sequence: pid.sequence,
      field: dialect.patientField,
    });
  const id = ctx.id('Patient', chosen.key);
  const patient: Patient & { id: string } = {
    resourceType: 'Patient',
    id,
    identifier: identifiers(pid, chosen, dialect),
    active: true,
  };

  const names = pid
    .reps(5)
    .map(humanName)
    .filter((n): n is HumanName => n !== undefined);
  // US Core requires a name; without one the data-absent-reason extension says why (us-core-6).
  patient.name = names.length ? names : [{ extension: [{ url: DATA_ABSENT_REASON_EXTENSION, valueCode: 'unknown' }] }];

  const telecom = [
    ...pid.reps(13).map((x) => contactPoint(x, 'home')),
    ...pid.reps(14).map((x) => contactPoint(x, 'work')),
    ...pid.reps(40).map((x) => contactPoint(x, undefined)),
  ].filter((t): t is ContactPoint => t !== undefined);
  if (telecom.length) patient.telecom = dedupe(telecom, (t) => `${t.system}|${t.value}`);

  // US Core requires gender; a PID-8 that is absent or outside table 0001 is "unknown".
  patient.gender = ADMINISTRATIVE_GENDER[pid.value(8).toUpperCase()] ?? 'unknown';
  const birth = ctx.dateTime(pid, 7);
  if (birth) patient.birthDate = birth.date;

  const addresses = pid
    .reps(11)
    .map(address)
    .filter((a): a is Address => a !== undefined);
  if (addresses.length) patient.address = addresses;

  const marital = maritalStatus(pid.rep(16));
  if (marital) patient.maritalStatus = marital;

  const language = languageOf(pid.rep(15), dialect);
  if (language) patient.communication = [{ language }];

  const deathTime = ctx.dateTime(pid, 29);
  const deathIndicator = pid.value(30).toUpperCase();
  if (deathTime) patient.deceasedDateTime = deathTime.dateTime;
  else if (deathIndicator === 'Y' || deathIndicator === 'N') patient.deceasedBoolean = deathIndicator === 'Y';

  const birthOrder = Number(pid.value(25));
  const multiple = pid.value(24).toUpperCase();
  if (Number.isInteger(birthOrder) && birthOrder > 0 && pid.value(25) !== '') patient.multipleBirthInteger = birthOrder;
  else if (multiple === 'Y' || multiple === 'N') patient.multipleBirthBoolean = multiple === 'Y';

  const extension = [raceExtension(pid.reps(10)), ethnicityExtension(pid.reps(22))].filter((e): e is Extension => e !== undefined);
  if (extension.length) patient.extension = extension;
  return { patient, key: chosen.key };
}

function identifiers(pid: V2Segment, chosen: ChosenIdentifier, dialect: CompiledDialect): Identifier[] {
  const out: Identifier[] = [
    {
      use: 'usual',
      type: { coding: [{ system: V2_0203, code: 'MR', display: 'Medical record number' }] },
      system: chosen.system,
      value: chosen.value,
    },
  ];
  for (const field of [3, 2, 4]) {
    for (const rep of pid.reps(field)) {
      const cx = readCx(rep);
      if (!cx.value || sameIdentifier(cx, chosen.cx)) continue;
      out.push({
        ...(cx.typeCode ? { type: { coding: [{ system: V2_0203, code: cx.typeCode }] } } : {}),
        system: identifierSystem(cx, dialect),
        value: cx.value,
      });
    }
  }
  const ssn = pid.value(19);
  if (ssn) out.push({ type: { coding: [{ system: V2_0203, code: 'SS', display: 'Social Security number' }] }, system: US_SSN, value: ssn });
  // The MRN comes first; a repetition that names the same system and value adds nothing.
  const seen = new Set<string>([`${chosen.system}|${chosen.value}`]);
  return out.filter((identifier, i) => {
    if (i === 0) return true;
    const key = `${identifier.system}|${identifier.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const sameIdentifier = (a: V2Identifier, b: V2Identifier): boolean =>
  a.value === b.value && a.authority === b.authority && a.universalId === b.universalId && a.typeCode === b.typeCode;

function dedupe<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function maritalStatus(cwe: V2Composite): CodeableConcept | undefined {
  const code = cwe.c(1).toUpperCase();
  if (!code) return undefined;
  const v3 = MARITAL_STATUS[code];
  return {
    coding: [
      ...(v3 ? [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: v3.code, display: v3.display }] : []),
      { system: 'http://terminology.hl7.org/CodeSystem/v2-0002', code, ...(cwe.c(2) ? { display: cwe.c(2) } : {}) },
    ],
  };
}

/** PID-15 → communication.language as BCP-47 (ISO 639-1 codes kept, common ISO 639-2 codes translated). */
function languageOf(cwe: V2Composite, dialect: CompiledDialect): CodeableConcept | undefined {
  const code = cwe.c(1);
  if (!code) return undefined;
  const bcp47 = /^[a-z]{2}(-[A-Za-z0-9]{2,8})*$/i.test(code) ? code : ISO_639_2_TO_1[code.toLowerCase()];
  if (!bcp47) return codeableConcept(cwe, dialect);
  return { coding: [{ system: 'urn:ietf:bcp:47', code: bcp47, ...(cwe.c(2) ? { display: cwe.c(2) } : {}) }] };
}

interface CategoryCoding {
  code: string;
  display: string;
  omb: boolean;
}

function raceCoding(rep: V2Composite): CategoryCoding | undefined {
  for (const [code, display, system] of [
    [rep.c(1), rep.c(2), rep.c(3).toUpperCase()],
    [rep.c(4), rep.c(5), rep.c(6).toUpperCase()],
  ]) {
    if (!code || !(system === '' || system === 'CDCREC' || system === 'HL70005')) continue;
    if (OMB_RACE[code]) return { code, display: OMB_RACE[code], omb: true };
    if (/^\d{4}-\d$/.test(code)) return { code, display: display || code, omb: false };
    const legacy = LEGACY_RACE[code.toUpperCase()];
    if (legacy && system !== 'CDCREC') return { code: legacy, display: OMB_RACE[legacy], omb: true };
  }
  return undefined;
}

function ethnicityCoding(rep: V2Composite): CategoryCoding | undefined {
  for (const [code, display, system] of [
    [rep.c(1), rep.c(2), rep.c(3).toUpperCase()],
    [rep.c(4), rep.c(5), rep.c(6).toUpperCase()],
  ]) {
    if (!code || !(system === '' || system === 'CDCREC' || system === 'HL70189')) continue;
    if (OMB_ETHNICITY[code]) return { code, display: OMB_ETHNICITY[code], omb: true };
    if (/^\d{4}-\d$/.test(code)) return { code, display: display || code, omb: false };
    const legacy = LEGACY_ETHNICITY[code.toUpperCase()];
    if (legacy && system !== 'CDCREC') return { code: legacy, display: OMB_ETHNICITY[legacy], omb: true };
  }
  return undefined;
}

/** US Core race/ethnicity extension (ombCategory / detailed codings plus the required text). */
function categoryExtension(url: string, codings: CategoryCoding[], maxOmb: number): Extension | undefined {
  if (!codings.length) return undefined;
  const unique = dedupe(codings, (c) => c.code);
  const omb = unique.filter((c) => c.omb).slice(0, maxOmb);
  const detailed = unique.filter((c) => !c.omb);
  const valueCoding = (c: CategoryCoding) => ({ system: CDC_RACE_ETHNICITY, code: c.code, display: c.display });
  return {
    url,
    extension: [
      ...omb.map((c) => ({ url: 'ombCategory', valueCoding: valueCoding(c) })),
      ...detailed.map((c) => ({ url: 'detailed', valueCoding: valueCoding(c) })),
      { url: 'text', valueString: unique.map((c) => c.display).join(', ') },
    ],
  };
}

function raceExtension(reps: V2Composite[]): Extension | undefined {
  const codings = reps.map(raceCoding).filter((c): c is CategoryCoding => c !== undefined);
  return categoryExtension('http://hl7.org/fhir/us/core/StructureDefinition/us-core-race', codings, 5);
}

function ethnicityExtension(reps: V2Composite[]): Extension | undefined {
  const codings = reps.map(ethnicityCoding).filter((c): c is CategoryCoding => c !== undefined);
  return categoryExtension('http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity', codings, 1);
}

/**
 * The message's PID. Messages about several patients (more than one PID naming different
 * patients) are refused with 100 rather than attributing data to the wrong patient.
 */
export function requirePatientSegment(ctx: ConversionContext): V2Segment {
  const pids = ctx.message.all('PID');
  const pid = pids[0] ?? failConversion(Hl7ErrorCode.RequiredFieldMissing, 'required segment PID is missing', { segment: 'PID' });
  if (pids.length > 1) {
    const key = choosePatientIdentifier(pid, ctx.dialect)?.key;
    const other = pids.find((p) => choosePatientIdentifier(p, ctx.dialect)?.key !== key);
    if (other) {
      failConversion(Hl7ErrorCode.SegmentSequenceError, 'messages about more than one patient are not supported', {
        segment: 'PID',
        sequence: other.sequence,
      });
    }
  }
  return pid;
}
