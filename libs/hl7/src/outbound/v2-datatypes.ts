import type { Address, CodeableConcept, Coding, ContactPoint, HumanName, Identifier, Practitioner, Reference, Resource } from '@medplum/fhirtypes';
import { DEFAULT_DELIMITERS, encodeEscapes } from '../hl7-message';

// Writers for the HL7 v2.5.1 data types the outbound builders use (chapter 2A), FHIR →
// v2 in the direction of the HL7 v2-to-FHIR IG's datatype maps, read backwards
// (https://build.fhir.org/ig/HL7/v2-to-fhir/). Every value passes through
// `encodeEscapes` exactly once: raw strings are escaped where they become a leaf, and
// composites are carried as `Encoded` so they are never escaped twice.

/** Text already encoded for the default delimiters `|^~\&`. */
export class Encoded {
  constructor(readonly text: string) {}
}

export type Part = string | undefined | Encoded;

const d = DEFAULT_DELIMITERS;
const encode = (part: Part): string => (part instanceof Encoded ? part.text : encodeEscapes(part ?? '', d));

function joinTrimmed(parts: string[], separator: string): string {
  let end = parts.length;
  while (end > 0 && parts[end - 1] === '') end--;
  return parts.slice(0, end).join(separator);
}

/** Components of one field (`a^b^c`), trailing empties dropped. */
export const comp = (...parts: Part[]): Encoded => new Encoded(joinTrimmed(parts.map(encode), d.component));
/** Subcomponents of one component (`a&b&c`), trailing empties dropped. */
export const sub = (...parts: Part[]): Encoded => new Encoded(joinTrimmed(parts.map(encode), d.subcomponent));
/** Repetitions of one field (`a~b`), empty ones dropped. */
export const reps = (values: readonly Part[]): Encoded =>
  new Encoded(
    values
      .map(encode)
      .filter((v) => v !== '')
      .join(d.repetition),
  );

/** One segment; `fields[0]` is field 1. Trailing empty fields are dropped. */
export function segment(id: string, fields: readonly Part[]): string {
  return joinTrimmed([id, ...fields.map(encode)], d.field);
}

/** MSH with the default delimiters; `fields[0]` is MSH-3. */
export function mshSegment(fields: readonly Part[]): string {
  return joinTrimmed([`MSH${d.field}${d.component}${d.repetition}${d.escape}${d.subcomponent}`, ...fields.map(encode)], d.field);
}

/** `YYYYMMDDHHMMSS+0000` (DTM in UTC): the message's own timestamps never depend on the host's zone. */
export function hl7Timestamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}+0000`;
}

const FHIR_DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * FHIR `date`/`dateTime`/`instant` → v2 DTM, keeping the precision and offset given
 * (`2026-11-02T09:30:00-05:00` → `20261102093000-0500`, `2026-11` → `202611`).
 */
export function hl7DateTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = FHIR_DATE_TIME.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo = '', da = '', h = '', mi = '', s = '', frac = '', zone = ''] = m;
  const fraction = frac ? frac.slice(0, 5) : '';
  const offset = zone === 'Z' ? '+0000' : zone.replace(':', '');
  return `${y}${mo}${da}${h}${mi}${s}${s ? fraction : ''}${h ? offset : ''}`;
}

/** HL7 table 0396 names for the code systems FHIR resources usually carry. */
const CODING_SYSTEMS: Readonly<Record<string, string>> = {
  'http://loinc.org': 'LN',
  'http://snomed.info/sct': 'SCT',
  'http://hl7.org/fhir/sid/icd-10-cm': 'I10',
  'http://hl7.org/fhir/sid/icd-10': 'I10',
  'http://www.ama-assn.org/go/cpt': 'C4',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RXNORM',
  'http://unitsofmeasure.org': 'UCUM',
  'http://hl7.org/fhir/sid/ndc': 'NDC',
  'http://hl7.org/fhir/sid/cvx': 'CVX',
};

/** Table 0396 name of a FHIR code system: known names, `HL7nnnn` for v2 tables, else `L` (local). */
export function codingSystemName(system: string | undefined): string | undefined {
  if (!system) return undefined;
  const known = CODING_SYSTEMS[system];
  if (known) return known;
  const v2Table = /^http:\/\/terminology\.hl7\.org\/CodeSystem\/v2-(\d{4})$/.exec(system);
  if (v2Table) return `HL7${v2Table[1]}`;
  return 'L';
}

/** CWE: first coding in components 1–3, second in 4–6, text as original text (CWE.9). */
export function cwe(concept: CodeableConcept | undefined): Encoded {
  if (!concept) return new Encoded('');
  const [first, second] = (concept.coding ?? []).filter((c) => c.code);
  const triplet = (c: Coding | undefined): Part[] => (c ? [c.code, c.display, codingSystemName(c.system)] : [undefined, undefined, undefined]);
  if (!first) return comp(undefined, concept.text, undefined, undefined, undefined, undefined, undefined, undefined, concept.text);
  return comp(...triplet(first), ...triplet(second), undefined, undefined, concept.text);
}

/** A CWE from one code and display in a v2 table (`S^Stat^HL70485`). */
export const tableCode = (code: string, display: string | undefined, table: string): Encoded => comp(code, display, `HL7${table}`);

/** HD (namespace & universal id & universal id type) from a FHIR identifier system. */
export function hd(namespace: string | undefined, system: string | undefined): Encoded {
  if (!system) return sub(namespace);
  if (system.startsWith('urn:oid:')) return sub(namespace, system.slice('urn:oid:'.length), 'ISO');
  if (system.startsWith('urn:uuid:')) return sub(namespace, system.slice('urn:uuid:'.length), 'UUID');
  return sub(namespace, system, 'URI');
}

/** Identifier.type's v2 table 0203 code (`MR`, `NPI`, `PLAC`…), when it has one. */
export function identifierTypeCode(identifier: Identifier): string | undefined {
  const v2 = identifier.type?.coding?.find((c) => (c.system === undefined || c.system === 'http://terminology.hl7.org/CodeSystem/v2-0203') && c.code);
  if (v2?.code) return v2.code;
  if (identifier.system === 'http://hl7.org/fhir/sid/us-npi') return 'NPI';
  if (identifier.system === 'http://hl7.org/fhir/sid/us-ssn') return 'SS';
  return undefined;
}

/** CX: value ^^^ assigning authority (HD) ^ identifier type code (PID-3, PV1-19). */
export function cx(identifier: Identifier): Encoded {
  return comp(identifier.value, undefined, undefined, hd(identifier.assigner?.display, identifier.system), identifierTypeCode(identifier));
}

/** EI: entity id ^ namespace id (placer/filler order numbers, TXA-12). */
export function ei(value: string | undefined, namespace: string | undefined): Encoded {
  return comp(value, namespace);
}

const NAME_TYPE: Readonly<Record<NonNullable<HumanName['use']>, string | undefined>> = {
  official: 'L',
  usual: 'D',
  nickname: 'N',
  maiden: 'M',
  anonymous: 'S',
  temp: 'T',
  old: undefined,
};

/** XPN: family ^ given ^ further given names ^ suffix ^ prefix ^^ name type (table 0200). */
export function xpn(name: HumanName): Encoded {
  const given = name.given ?? [];
  return comp(name.family, given[0], given.slice(1).join(' ') || undefined, name.suffix?.join(' '), name.prefix?.join(' '), undefined, name.use ? NAME_TYPE[name.use] : undefined);
}

/** Names in the order a receiver expects: official first, old names left out. */
export function orderedNames(names: readonly HumanName[] | undefined): HumanName[] {
  const current = (names ?? []).filter((n) => n.use !== 'old' && (n.family || n.given?.length));
  return [...current.filter((n) => n.use === 'official'), ...current.filter((n) => n.use !== 'official')];
}

const ADDRESS_TYPE: Readonly<Record<NonNullable<Address['use']>, string | undefined>> = { home: 'H', work: 'B', temp: 'C', billing: 'BI', old: undefined };

/** XAD: street ^ other designation ^ city ^ state ^ zip ^ country ^ address type (table 0190). */
export function xad(address: Address): Encoded {
  const [street, ...other] = address.line ?? [];
  return comp(street, other.join(' ') || undefined, address.city, address.state, address.postalCode, address.country, address.use ? ADDRESS_TYPE[address.use] : undefined);
}

/** XTN: use code (table 0201) ^ equipment type (table 0202), number in XTN.12 or email in XTN.4. */
export function xtn(contact: ContactPoint): Encoded | undefined {
  if (!contact.value) return undefined;
  if (contact.system === 'email') return comp(undefined, 'NET', 'Internet', contact.value);
  if (contact.system !== 'phone' && contact.system !== 'sms') return undefined;
  const use = contact.use === 'work' ? 'WPN' : 'PRN';
  const equipment = contact.use === 'mobile' || contact.system === 'sms' ? 'CP' : 'PH';
  return comp(undefined, use, equipment, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, contact.value);
}

/**
 * The Practitioner a reference points to: a contained resource (`#id`), or one of
 * `known` matched by `Practitioner/<id>`. Undefined when it is not at hand.
 */
export function resolvePractitioner(reference: Reference | undefined, contained: readonly Resource[] | undefined, known: readonly Practitioner[] = []): Practitioner | undefined {
  const ref = reference?.reference;
  if (!ref) return undefined;
  if (ref.startsWith('#')) {
    const found = contained?.find((r) => r.id === ref.slice(1));
    return found?.resourceType === 'Practitioner' ? found : undefined;
  }
  const id = /^(?:.*\/)?Practitioner\/([^/]+)$/.exec(ref)?.[1];
  return id ? known.find((p) => p.id === id) : undefined;
}

/**
 * XCN: id ^ family ^ given ^ further given ^ suffix ^ prefix ^^^ assigning authority ^^^^
 * identifier type. From the Practitioner when at hand, else from the reference's
 * identifier and display (the display goes in the family name component: a name as
 * written beats no name).
 */
export function xcn(reference: Reference | undefined, practitioner: Practitioner | undefined): Encoded {
  const identifier = practitioner?.identifier?.find((i) => i.system === 'http://hl7.org/fhir/sid/us-npi') ?? practitioner?.identifier?.[0] ?? reference?.identifier;
  const name = orderedNames(practitioner?.name)[0];
  const given = name?.given ?? [];
  const authority = identifier?.system === 'http://hl7.org/fhir/sid/us-npi' ? sub('NPI', '2.16.840.1.113883.4.6', 'ISO') : identifier ? hd(identifier.assigner?.display, identifier.system) : undefined;
  const family = name ? name.family : practitioner ? undefined : reference?.display;
  if (!identifier?.value && !family && !given.length) return new Encoded('');
  return comp(
    identifier?.value,
    family,
    given[0],
    given.slice(1).join(' ') || undefined,
    name?.suffix?.join(' '),
    name?.prefix?.join(' '),
    undefined,
    undefined,
    identifier?.value ? authority : undefined,
    undefined,
    undefined,
    undefined,
    identifier?.value && identifier ? identifierTypeCode(identifier) : undefined,
  );
}

/** True when the text needs MSH-18 to say it is UTF-8 (the v2 default is ASCII). */
export function needsUtf8(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(text);
}

/** Refuses empty values and line breaks, which would break the segment structure even escaped (MSH fields). */
export function isSingleLine(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '' && !/[\r\n]/.test(value);
}

/** A text split into lines (CR, LF or CRLF), trailing blank lines dropped. */
export function textLines(text: string | undefined): string[] {
  if (!text) return [];
  const all = text.split(/\r\n|\r|\n/);
  while (all.length > 0 && all[all.length - 1]?.trim() === '') all.pop();
  return all;
}
