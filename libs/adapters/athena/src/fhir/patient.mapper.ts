import type { Address, CodeableConcept, ContactPoint, Extension, HumanName, Patient } from '@medplum/fhirtypes';
import { athenaFhirId, athenaPatientSystem } from '../athena-ids';
import type { AthenaPatient } from '../wire';
import { SYSTEMS, coding, metaOf, practiceRef, practitionerRef, US_CORE, type AthenaMapContext } from './map-context';

/** OMB race categories (CDC Race & Ethnicity code system) — US Core race `ombCategory`. */
const OMB_RACE: Readonly<Record<string, string>> = {
  '1002-5': 'American Indian or Alaska Native',
  '2028-9': 'Asian',
  '2054-5': 'Black or African American',
  '2076-8': 'Native Hawaiian or Other Pacific Islander',
  '2106-3': 'White',
};
const OMB_ETHNICITY: Readonly<Record<string, string>> = { '2135-2': 'Hispanic or Latino', '2186-5': 'Not Hispanic or Latino' };
const CDC_CODE = /^\d{4}-\d$/;
const DECLINED = /^(declined|patient declined|asku)$/i;

/** ISO 639-2 (athena's `language6392code`) → BCP-47 for languages with a two-letter code. */
const ISO_639_2_TO_1: Readonly<Record<string, string>> = {
  eng: 'en', spa: 'es', fre: 'fr', fra: 'fr', ger: 'de', deu: 'de', ita: 'it', por: 'pt', chi: 'zh', zho: 'zh', jpn: 'ja', kor: 'ko',
  vie: 'vi', rus: 'ru', ara: 'ar', hin: 'hi', urd: 'ur', ben: 'bn', pan: 'pa', guj: 'gu', tgl: 'tl', pol: 'pl', ukr: 'uk', hat: 'ht',
  per: 'fa', fas: 'fa', heb: 'he', gre: 'el', ell: 'el', tur: 'tr', som: 'so', amh: 'am', nep: 'ne', tha: 'th', khm: 'km', lao: 'lo',
  hmn: 'hmn', yid: 'yi', alb: 'sq', sqi: 'sq', arm: 'hy', hye: 'hy', dut: 'nl', nld: 'nl', rum: 'ro', ron: 'ro', swa: 'sw', asl: 'ase', sgn: 'sgn',
};

/** athena marital status → v3 MaritalStatus (US Core binds Patient.maritalStatus extensibly to it). */
const MARITAL: Readonly<Record<string, [string, string]>> = {
  S: ['S', 'Never Married'],
  M: ['M', 'Married'],
  D: ['D', 'Divorced'],
  W: ['W', 'Widowed'],
  X: ['L', 'Legally Separated'],
  P: ['T', 'Domestic partner'],
  U: ['UNK', 'unknown'],
};

const GENDER: Readonly<Record<string, Patient['gender']>> = { M: 'male', MALE: 'male', F: 'female', FEMALE: 'female' };

/**
 * athena patient → US Core 6.1.0 Patient (http://hl7.org/fhir/us/core/STU6.1/StructureDefinition-us-core-patient.html).
 * The patientid is the identifier (athena's event system, typed MR like the other paths' MRNs); the
 * preferred name is a second name with use `usual`; race, ethnicity and birth sex only when athena knows them.
 */
export function toPatient(p: AthenaPatient, ctx: AthenaMapContext): Patient & { id: string } {
  const patient: Patient & { id: string } = {
    resourceType: 'Patient',
    id: athenaFhirId(ctx.practiceId, 'patient', p.patientId),
    meta: metaOf(ctx, 'us-core-patient', p.lastUpdated),
    identifier: [
      {
        use: 'usual',
        type: { coding: [coding(SYSTEMS.v2_0203, 'MR', 'Medical record number')], text: 'MRN' },
        system: athenaPatientSystem(ctx.practiceId),
        value: p.patientId,
      },
    ],
    active: p.status !== 'inactive' && p.status !== 'deleted',
    name: names(p),
    // US Core requires gender; athena's sex is M/F, anything else is unknown.
    gender: GENDER[(p.sex ?? '').toUpperCase()] ?? 'unknown',
  };
  const extension = [raceExtension(p), ethnicityExtension(p), birthSexExtension(p)].filter((e): e is Extension => e !== undefined);
  if (extension.length) patient.extension = extension;
  if (p.dob) patient.birthDate = p.dob;
  if (p.deceasedDate) patient.deceasedDateTime = p.deceasedDate;
  const telecom = telecomOf(p);
  if (telecom.length) patient.telecom = telecom;
  const address = addressOf(p);
  if (address) patient.address = [address];
  const marital = p.maritalStatus ? MARITAL[p.maritalStatus.toUpperCase()] : undefined;
  if (marital) patient.maritalStatus = { coding: [coding('http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', marital[0], marital[1])] };
  const language = languageOf(p.language);
  if (language) patient.communication = [{ language, preferred: true }];
  if (p.primaryProviderId) patient.generalPractitioner = [practitionerRef(ctx, p.primaryProviderId)];
  patient.managingOrganization = practiceRef(ctx);
  return patient;
}

function names(p: AthenaPatient): HumanName[] {
  const given = [p.firstName, p.middleName].filter((g): g is string => !!g);
  const official: HumanName = {
    use: 'official',
    ...(p.lastName ? { family: p.lastName } : {}),
    ...(given.length ? { given } : {}),
    ...(p.suffix ? { suffix: [p.suffix] } : {}),
  };
  const out: HumanName[] = [];
  // us-core-6: a name has a family or given name, or says why it is absent.
  if (official.family || official.given) out.push(official);
  else out.push({ use: 'official', extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] });
  if (p.preferredName && p.preferredName !== p.firstName) out.push({ use: 'usual', given: [p.preferredName], ...(p.lastName ? { family: p.lastName } : {}) });
  return out;
}

function telecomOf(p: AthenaPatient): ContactPoint[] {
  const phones: [string | undefined, ContactPoint['use']][] = [
    [p.homePhone, 'home'],
    [p.mobilePhone, 'mobile'],
    [p.workPhone, 'work'],
  ];
  const out: ContactPoint[] = phones.filter(([value]) => !!value).map(([value, use]) => ({ system: 'phone', value: value as string, use }));
  if (p.email) out.push({ system: 'email', value: p.email, use: 'home' });
  return out;
}

function addressOf(p: AthenaPatient): Address | undefined {
  const line = [p.address1, p.address2].filter((l): l is string => !!l);
  if (!line.length && !p.city && !p.state && !p.zip) return undefined;
  return {
    use: 'home',
    ...(line.length ? { line } : {}),
    ...(p.city ? { city: p.city } : {}),
    ...(p.state ? { state: p.state } : {}),
    ...(p.zip ? { postalCode: p.zip } : {}),
    ...(p.country ? { country: p.country } : {}),
  };
}

function languageOf(code: string | undefined): CodeableConcept | undefined {
  if (!code || DECLINED.test(code)) return undefined;
  const bcp47 = ISO_639_2_TO_1[code.toLowerCase()] ?? (/^[a-z]{2}$/i.test(code) ? code.toLowerCase() : undefined);
  return bcp47 ? { coding: [coding(SYSTEMS.bcp47, bcp47)] } : { text: code };
}

/** US Core race/ethnicity extension: OMB categories, detailed CDC codes, and the required text. */
function categoryExtension(url: string, codes: string[], omb: Readonly<Record<string, string>>, text: string | undefined, maxOmb: number): Extension | undefined {
  if (codes.some((c) => DECLINED.test(c))) {
    return { url, extension: [{ url: 'ombCategory', valueCoding: coding(SYSTEMS.v3NullFlavor, 'ASKU', 'Asked but no answer') }, { url: 'text', valueString: 'Declined' }] };
  }
  const known = codes.filter((c) => CDC_CODE.test(c));
  if (!known.length) return undefined;
  const categories = known.filter((c) => omb[c]).slice(0, maxOmb);
  const detailed = known.filter((c) => !omb[c]);
  return {
    url,
    extension: [
      ...categories.map((c) => ({ url: 'ombCategory', valueCoding: coding(SYSTEMS.cdcRace, c, omb[c]) })),
      ...detailed.map((c) => ({ url: 'detailed', valueCoding: coding(SYSTEMS.cdcRace, c) })),
      { url: 'text', valueString: text ?? (categories.map((c) => omb[c]).join(', ') || known.join(', ')) },
    ],
  };
}

const raceExtension = (p: AthenaPatient) => categoryExtension(`${US_CORE}us-core-race`, p.raceCodes, OMB_RACE, p.raceName, 5);
const ethnicityExtension = (p: AthenaPatient) => categoryExtension(`${US_CORE}us-core-ethnicity`, p.ethnicityCodes, OMB_ETHNICITY, p.ethnicityName, 1);

function birthSexExtension(p: AthenaPatient): Extension | undefined {
  const sex = (p.assignedSexAtBirth ?? '').toUpperCase();
  const code = sex === 'M' || sex === 'MALE' ? 'M' : sex === 'F' || sex === 'FEMALE' ? 'F' : undefined;
  return code ? { url: `${US_CORE}us-core-birthsex`, valueCode: code } : undefined;
}
