import type { Reply } from '../fhir/reply';
import type { AthenaCall, AthenaRoutes } from './athena-call';
import { VITAL_ELEMENTS } from './athena-chart-observations';
import { athenaJson, ATHENA_ERRORS } from './athena-reply';
import { EASTERN, parseUsDate, parseUsDateTime, usDateTime } from './athena-time';
import { chartOf } from './routes-chart';

type Json = Record<string, unknown>;
interface VitalInput {
  clinicalelementid: string;
  value: string;
  readingtaken: string;
}

/**
 * The `vitals` form field: JSON inside a form, an array of readings each an
 * array of {clinicalelementid, value, readingtaken} — athena's nested-JSON writes.
 */
function parseVitals(text: string): VitalInput[][] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'The vitals field is not valid JSON.';
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((group) => Array.isArray(group) && group.length > 0)) return 'The vitals field must be an array of arrays of readings.';
  const groups = parsed as unknown[][];
  for (const reading of groups.flat()) {
    const r = reading as Json;
    if (typeof r.clinicalelementid !== 'string' || !VITAL_ELEMENTS.has(r.clinicalelementid)) return 'A reading names an unknown clinicalelementid.';
    if (!['string', 'number'].includes(typeof r.value) || !Number.isFinite(Number(r.value))) return 'A reading value is not a number.';
    if (typeof r.readingtaken !== 'string' || !(parseUsDate(r.readingtaken) || parseUsDateTime(r.readingtaken))) return 'readingtaken must be mm/dd/yyyy or mm/dd/yyyy hh24:mi:ss.';
  }
  return groups.map((g) => g.map((r) => ({ clinicalelementid: (r as Json).clinicalelementid as string, value: String((r as Json).value), readingtaken: (r as Json).readingtaken as string })));
}

/** POST /chart/{pid}/vitals (device vitals outside an encounter): form fields with the readings as JSON. */
function addVitals(call: AthenaCall): Reply {
  const chart = chartOf(call);
  if (!('vitals' in chart)) return chart;
  const missing = call.params.missing(['vitals', 'source']);
  if (missing.length > 0) return ATHENA_ERRORS.missingFields(missing);
  const source = call.params.get('source') as string;
  if (source !== 'DEVICEGENERATED') return ATHENA_ERRORS.invalidFields(`The value '${source.slice(0, 30)}' did not match any of the enum values for SOURCE.`, ['source']);
  const groups = parseVitals(call.params.get('vitals') as string);
  if (typeof groups === 'string') return ATHENA_ERRORS.invalidFields(groups, ['vitals']);
  const vitals = (chart.vitals as { vitals: (Json & { key: string; readings: Json[][] })[]; totalcount: number }).vitals;
  let readingid = Math.max(0, ...vitals.flatMap((v) => v.readings.flat().map((r) => Number(r.readingid))));
  const created: { vitalid: number; clinicalelementid: string }[] = [];
  for (const group of groups) {
    readingid += 1;
    for (const input of group) {
      const element = VITAL_ELEMENTS.get(input.clinicalelementid) as NonNullable<ReturnType<typeof VITAL_ELEMENTS.get>>;
      let entry = vitals.find((v) => v.key === element.key);
      if (!entry) vitals.push((entry = { key: element.key, abbreviation: element.abbreviation, ordering: vitals.length, readings: [] }));
      const vitalid = call.practice.newVitalId();
      const reading = { readingid, clinicalelementid: input.clinicalelementid, value: input.value, unit: element.unit, codeset: 'LOINC', code: element.code, codedescription: element.codedescription, readingtaken: input.readingtaken.slice(0, 10), createddate: usDateTime(call.nowMs, EASTERN), source: 'DEVICEGENERATED', vitalid };
      const sameReading = entry.readings.find((r) => r[0]?.readingid === readingid);
      if (sameReading) sameReading.push(reading);
      else entry.readings.push([reading]);
      created.push({ vitalid, clinicalelementid: input.clinicalelementid });
    }
  }
  (chart.vitals as { totalcount: number }).totalcount = vitals.length;
  return athenaJson(200, call.params.flag('returnvitalids') ? { success: true, vitalids: created } : { success: true });
}

export function chartWriteRoutes(r: AthenaRoutes): void {
  r.post('/chart/:patientid/vitals', addVitals);
}
