import type { Address, CodeableConcept, Coding, ContactPoint, HumanName, Identifier, Quantity } from '@medplum/fhirtypes';
import type { CompiledDialect } from '../dialect/compiled-dialect';
import type { CODE_MAP_FIELDS } from '../dialect/hl7-dialect.schema';
import type { V2Composite } from './v2-message';
import { ADDRESS_TYPE, NAME_USE, UCUM, V2_0203, codingSystemUri } from './v2-tables';

/**
 * HL7 v2 composite data types → FHIR data types, after the HL7 v2-to-FHIR IG data type maps
 * (https://build.fhir.org/ig/HL7/v2-to-fhir/datatype_maps.html).
 */

export type CodedField = (typeof CODE_MAP_FIELDS)[number];

/** CX (extended composite id), the parts the converter uses. */
export interface V2Identifier {
  readonly value: string;
  /** CX.4.1 namespace id. */
  readonly authority: string;
  /** CX.4.2 universal id. */
  readonly universalId: string;
  /** CX.4.3 universal id type (`ISO`, `DNS`, …). */
  readonly universalIdType: string;
  /** CX.5 identifier type code (table 0203). */
  readonly typeCode: string;
}

/** CX → the parts used for Identifier (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-datatype-cx-to-identifier.html). */
export function readCx(cx: V2Composite): V2Identifier {
  const authority = cx.sub(4);
  return {
    value: cx.c(1),
    authority: authority.c(1),
    universalId: authority.c(2),
    universalIdType: authority.c(3).toUpperCase(),
    typeCode: cx.c(5),
  };
}

const OID = /^[0-2](\.(0|[1-9]\d*))+$/;

/**
 * The system URI of an identifier: the dialect's by assigning authority (namespace, then
 * universal id) or type code; else `urn:oid:` for an ISO OID authority; else the SSN system for
 * type SS; else a stable `urn:switchboard:hl7:<authority>` (`…:local` when no authority is sent).
 */
export function identifierSystem(id: V2Identifier, dialect: CompiledDialect): string {
  const other = dialect.otherSystems;
  const mapped =
    (id.authority && other.get(id.authority)) || (id.universalId && other.get(id.universalId)) || (id.typeCode && other.get(id.typeCode));
  if (mapped) return mapped;
  if (OID.test(id.universalId) && (id.universalIdType === 'ISO' || id.universalIdType === '')) return `urn:oid:${id.universalId}`;
  if (!id.universalId && OID.test(id.authority)) return `urn:oid:${id.authority}`;
  if (id.typeCode === 'SS' && !id.authority) return 'http://hl7.org/fhir/sid/us-ssn';
  const name = id.authority || id.universalId;
  return `urn:switchboard:hl7:${name ? encodeURIComponent(name) : 'local'}`;
}

/** XPN → HumanName (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-datatype-xpn-to-humanname.html). */
export function humanName(xpn: V2Composite): HumanName | undefined {
  const family = xpn.c(1);
  const given = [xpn.c(2), ...splitWords(xpn.c(3))].filter(Boolean);
  if (!family && given.length === 0) return undefined;
  const prefix = xpn.c(5);
  const suffix = [xpn.c(4), xpn.c(6)].filter(Boolean);
  const use = NAME_USE[xpn.c(7).toUpperCase()];
  return {
    ...(use ? { use } : {}),
    ...(family ? { family } : {}),
    ...(given.length ? { given } : {}),
    ...(prefix ? { prefix: [prefix] } : {}),
    ...(suffix.length ? { suffix } : {}),
  };
}

const splitWords = (text: string): string[] => (text ? text.split(/\s+/) : []);

/** XAD → Address (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-datatype-xad-to-address.html). */
export function address(xad: V2Composite): Address | undefined {
  const street = xad.sub(1);
  const line1 = [street.c(1), street.c(2), street.c(3)].filter(Boolean).join(' ');
  const line = [line1, xad.c(2)].filter(Boolean);
  const city = xad.c(3);
  const state = xad.c(4);
  const postalCode = xad.c(5);
  const country = xad.c(6);
  const district = xad.c(9);
  if (!line.length && !city && !state && !postalCode && !country) return undefined;
  const kind = ADDRESS_TYPE[xad.c(7).toUpperCase()] ?? {};
  return {
    ...kind,
    ...(line.length ? { line } : {}),
    ...(city ? { city } : {}),
    ...(district ? { district } : {}),
    ...(state ? { state } : {}),
    ...(postalCode ? { postalCode } : {}),
    ...(country ? { country } : {}),
  };
}

const EQUIPMENT_SYSTEM: Readonly<Record<string, ContactPoint['system']>> = {
  PH: 'phone',
  CP: 'phone',
  FX: 'fax',
  BP: 'pager',
  INTERNET: 'email',
  'X.400': 'email',
  TDD: 'other',
  TTY: 'other',
  MD: 'other',
  SAT: 'phone',
};

const USE_CODE: Readonly<Record<string, ContactPoint['use']>> = {
  PRN: 'home',
  ORN: 'home',
  VHN: 'home',
  WPN: 'work',
  EMR: 'home',
  BPN: 'work',
};

/**
 * XTN → ContactPoint, both v2.3 style (the number in XTN.1) and v2.5 style (country/area/local
 * number in XTN.5-7, e-mail in XTN.4) (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-datatype-xtn-to-contactpoint.html).
 */
export function contactPoint(xtn: V2Composite, defaultUse: ContactPoint['use']): ContactPoint | undefined {
  const useCode = xtn.c(2).toUpperCase();
  const equipment = xtn.c(3).toUpperCase();
  const email = xtn.c(4) || (xtn.c(1).includes('@') ? xtn.c(1) : '');
  if (equipment === 'INTERNET' || equipment === 'X.400' || useCode === 'NET' || (!xtn.c(1) && email && !xtn.c(7))) {
    return email ? { system: 'email', value: email, ...(useCode === 'WPN' ? { use: 'work' } : {}) } : undefined;
  }
  const parts = [xtn.c(5) && `+${xtn.c(5)}`, xtn.c(6) && `(${xtn.c(6)})`, xtn.c(7)].filter(Boolean);
  const extension = xtn.c(8);
  const value = xtn.c(1) || (parts.length ? parts.join(' ') + (extension ? ` ext. ${extension}` : '') : '') || xtn.c(12);
  if (!value) return undefined;
  const use = equipment === 'CP' ? 'mobile' : (USE_CODE[useCode] ?? defaultUse);
  return { system: EQUIPMENT_SYSTEM[equipment] ?? 'phone', value, ...(use ? { use } : {}) };
}

/** Collapses inner whitespace so a value satisfies the FHIR `code` pattern. */
export const asCode = (text: string): string => (/\s\s|[\t\r\n]/.test(text) ? text.split(/\s+/).join(' ') : text);

/** The codings of one CWE triplet (code, text, system name). */
function tripletCoding(code: string, display: string, systemName: string): Coding | undefined {
  if (!code) return undefined;
  const system = codingSystemUri(systemName);
  return { ...(system ? { system } : {}), code: asCode(code), ...(display ? { display } : {}) };
}

/** The dialect's mapped coding for a CWE, if a code map of `field` matches its primary or alternate code. */
function mappedCoding(cwe: V2Composite, field: CodedField | undefined, dialect: CompiledDialect): Coding | undefined {
  if (!field) return undefined;
  const maps = dialect.codeMaps.get(field);
  if (!maps) return undefined;
  for (const m of maps) {
    for (const [code, system] of [
      [cwe.c(1), cwe.c(3)],
      [cwe.c(4), cwe.c(6)],
    ]) {
      if (!code || (m.sourceSystem !== undefined && m.sourceSystem !== system)) continue;
      const hit = m.map.get(code);
      if (hit) return hit;
    }
  }
  return undefined;
}

/**
 * CE/CWE/CNE → CodeableConcept (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-datatype-cwe-to-codeableconcept.html):
 * the dialect's mapped coding first (when `field` has a code map that matches), then the
 * primary and alternate codings; original text (CWE.9) or a lone text as `text`.
 */
export function codeableConcept(cwe: V2Composite, dialect: CompiledDialect, field?: CodedField): CodeableConcept | undefined {
  const codings: Coding[] = [];
  const mapped = mappedCoding(cwe, field, dialect);
  if (mapped) codings.push({ ...mapped });
  const primary = tripletCoding(cwe.c(1), cwe.c(2), cwe.c(3));
  const alternate = tripletCoding(cwe.c(4), cwe.c(5), cwe.c(6));
  for (const c of [primary, alternate]) {
    if (c && !codings.some((x) => x.system === c.system && x.code === c.code)) codings.push(c);
  }
  const text = cwe.c(9) || (!cwe.c(1) ? cwe.c(2) : '');
  if (!codings.length && !text) return undefined;
  return { ...(codings.length ? { coding: codings } : {}), ...(text ? { text } : {}) };
}

/** EI → Identifier typed PLAC or FILL (placer/filler numbers: OBR-2/3, ORC-2/3, SCH-1/2). */
export function orderIdentifier(ei: V2Composite, typeCode: 'PLAC' | 'FILL', dialect: CompiledDialect): Identifier | undefined {
  const value = ei.c(1);
  if (!value) return undefined;
  const system = identifierSystem({ value, authority: ei.c(2), universalId: ei.c(3), universalIdType: ei.c(4).toUpperCase(), typeCode: '' }, dialect);
  const display = typeCode === 'PLAC' ? 'Placer Identifier' : 'Filler Identifier';
  return { type: { coding: [{ system: V2_0203, code: typeCode, display }] }, system, value };
}

/** XCN/CNN/XPN display text: prefix, given, middle, family (or the id when no name is sent). */
export function personDisplay(xcn: V2Composite): string {
  const name = [xcn.c(6), xcn.c(3), xcn.c(4), xcn.c(2), xcn.c(5)].filter(Boolean).join(' ');
  return name || xcn.c(1);
}

/** PL (person location) display text: point of care, room, bed, facility, building, floor. */
export function locationDisplay(pl: V2Composite): string {
  return [pl.c(1), pl.c(2), pl.c(3), pl.c(4), pl.c(7), pl.c(8)].filter(Boolean).join(' ');
}

/** EI (entity identifier) as a key: `namespace|entity` (universal id when no namespace). */
export function entityKey(ei: V2Composite): string | undefined {
  const entity = ei.c(1);
  if (!entity) return undefined;
  return `${ei.c(2) || ei.c(3)}|${entity}`;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/** A v2 NM as a JSON number; undefined when it is not a number. */
export function decimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

// UCUM (https://ucum.org/ucum) recognised conservatively: atoms seen in lab and vital-sign units,
// metric ones with any SI prefix, integer factors, 10*n, exponents and {annotations}.
const METRIC_ATOMS = new Set(['m', 's', 'g', 'L', 'l', 'mol', 'eq', 'U', '[iU]', '[IU]', 'osm', 'kat', 'Pa', 'bar', 'Hz', 'N', 'J', 'W', 'V', 'A', 'Ohm', 'S', 'Bq', 'Gy', 'Sv', 'cal', 'K', 'cd', 'rad']);
const OTHER_ATOMS = new Set(['%', 'Cel', '[degF]', 'min', 'h', 'd', 'wk', 'mo', 'a', '[in_i]', '[ft_i]', '[lb_av]', '[oz_av]', 'mm[Hg]', 'cm[H2O]', '[ppm]', '[ppb]', '[pH]', '[drp]', '[arb\'U]', 'deg']);
const PREFIXES = ['da', 'Y', 'Z', 'E', 'P', 'T', 'G', 'M', 'k', 'h', 'd', 'c', 'm', 'u', 'n', 'p', 'f', 'a'];

function isUcumComponent(part: string): boolean {
  if (part === '') return false;
  if (/^\{[^{}]*\}$/.test(part)) return true;
  const unit = part.replace(/\{[^{}]*\}$/, '');
  if (/^\d+$/.test(unit) || /^10[*^][+-]?\d+$/.test(unit)) return true;
  const atom = unit.replace(/[+-]?\d+$/, '');
  if (METRIC_ATOMS.has(atom) || OTHER_ATOMS.has(atom)) return true;
  return PREFIXES.some((p) => atom.startsWith(p) && METRIC_ATOMS.has(atom.slice(p.length)));
}

/** Whether a unit string is (very likely) a UCUM expression. */
export function looksLikeUcum(unit: string): boolean {
  if (!unit || unit.length > 64 || /\s/.test(unit)) return false;
  return unit.replace(/^\//, '').split(/[./]/).every(isUcumComponent);
}

/** A Quantity from a number and a CWE unit (OBX-6, RXA-7): UCUM-coded when the unit is UCUM. */
export function quantity(value: number, unit: V2Composite | undefined): Quantity {
  const code = unit?.c(1) ?? '';
  const declared = unit?.c(3).toUpperCase() ?? '';
  if (code && (declared === 'UCUM' || looksLikeUcum(code)) && !/\s/.test(code)) {
    return { value, unit: code, system: UCUM, code };
  }
  const label = code || unit?.c(2) || '';
  return { value, ...(label ? { unit: label } : {}) };
}
