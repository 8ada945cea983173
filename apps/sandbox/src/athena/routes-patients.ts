import type { Reply } from '../fhir/reply';
import type { AthenaCall, AthenaRoutes } from './athena-call';
import { bestMatchScore, renderPatient, UPDATABLE_FIELDS, type PatientRecord } from './athena-patients';
import { athenaJson, ATHENA_ERRORS } from './athena-reply';
import { parseUsDate } from './athena-time';
import { listReply } from './routes-directory';

const SEARCH_FIELDS = ['lastname', 'firstname', 'dob', 'departmentid', 'email', 'homephone', 'mobilephone', 'zip'] as const;
const eq = (a: string | undefined, b: string): boolean => (a ?? '').toLowerCase() === b.toLowerCase();
const digits = (s: string): string => s.replace(/\D/g, '');

/** The patient named in the path, or athena's 404. */
export function patientOf(call: AthenaCall, patientid = call.path.patientid ?? ''): PatientRecord | Reply {
  const record = /^\d+$/.test(patientid) ? call.practice.patients.get(patientid) : undefined;
  return record ?? ATHENA_ERRORS.notFound('The patient ID is invalid.');
}

const isRecord = (x: PatientRecord | Reply): x is PatientRecord => 'patientid' in x;

function search(call: AthenaCall): Reply {
  const p = call.params;
  if (!SEARCH_FIELDS.some((f) => p.has(f))) return ATHENA_ERRORS.missingFields([...SEARCH_FIELDS]);
  const dob = p.get('dob');
  if (dob !== undefined && !parseUsDate(dob)) return ATHENA_ERRORS.improperDob();
  const matches = [...call.practice.patients.values()].filter((r) => {
    const f = r.fields;
    if (p.has('lastname') && !eq(f.lastname, p.get('lastname') as string)) return false;
    if (p.has('firstname') && !eq(f.firstname, p.get('firstname') as string)) return false;
    if (dob !== undefined && f.dob !== dob) return false;
    if (p.has('departmentid') && !p.all('departmentid').includes(f.primarydepartmentid ?? '')) return false;
    if (p.has('email') && !eq(f.email, p.get('email') as string)) return false;
    if (p.has('zip') && f.zip !== p.get('zip')) return false;
    for (const phone of ['homephone', 'mobilephone'] as const) if (p.has(phone) && digits(f[phone] ?? '') !== digits(p.get(phone) as string)) return false;
    if (p.has('status') && !eq('active', p.get('status') as string)) return false;
    return true;
  });
  return listReply(call, '/patients', 'patients', matches.map(renderPatient), { upperCaseNames: true });
}

function bestMatch(call: AthenaCall): Reply {
  const p = call.params;
  const missing = p.missing(['firstname', 'lastname', 'dob']);
  if (missing.length > 0) return ATHENA_ERRORS.missingFields(missing);
  const dob = p.get('dob') as string;
  if (!parseUsDate(dob)) return ATHENA_ERRORS.improperDob();
  const input = {
    firstname: p.get('firstname') as string,
    lastname: p.get('lastname') as string,
    dob,
    phones: ['homephone', 'mobilephone', 'workphone', 'anyphone'].map((n) => p.get(n)).filter((x): x is string => x !== undefined),
    email: p.get('email') ?? p.get('guarantoremail'),
    zip: p.get('zip'),
  };
  const minScore = Number(p.get('minscore') ?? '16');
  const scored = [...call.practice.patients.values()]
    .map((record) => ({ record, score: bestMatchScore(record, input) }))
    .filter((s) => s.score >= minScore)
    .sort((a, b) => b.score - a.score || Number(a.record.patientid) - Number(b.record.patientid));
  const best = p.flag('returnbestmatches') ? scored.slice(0, 5) : scored.filter((s) => s.score === scored[0]?.score);
  // Scores are strings here, as recorded from athena ("score":"23").
  return athenaJson(
    200,
    best.map((s) => ({ ...renderPatient(s.record), score: String(s.score) })),
  );
}

function update(call: AthenaCall): Reply {
  const record = patientOf(call);
  if (!isRecord(record)) return record;
  const p = call.params;
  const changes: Record<string, string> = {};
  const departmentid = p.get('departmentid');
  if (departmentid !== undefined) changes.primarydepartmentid = departmentid;
  for (const name of Object.keys(UPDATABLE_FIELDS)) {
    const value = p.get(name);
    if (value !== undefined) changes[name] = value;
  }
  if (Object.keys(changes).length === 0) return ATHENA_ERRORS.invalidFields('Nothing to update.', []);
  const tooLong = Object.entries(changes).filter(([name, value]) => value.length > (UPDATABLE_FIELDS[name] ?? 100)).map(([name]) => name);
  if (tooLong.length > 0) return ATHENA_ERRORS.invalidFields('A field is longer than allowed.', tooLong);
  if (changes.dob !== undefined && !parseUsDate(changes.dob)) return ATHENA_ERRORS.improperDob();
  if (changes.sex !== undefined && !['M', 'F'].includes(changes.sex.toUpperCase())) return ATHENA_ERRORS.invalidFields('The value did not match any of the enum values for SEX.', ['sex']);
  if (changes.primarydepartmentid !== undefined && !call.practice.hasDepartment(changes.primarydepartmentid)) return ATHENA_ERRORS.invalidFields('The department ID is invalid.', ['departmentid']);
  if (changes.sex) changes.sex = changes.sex.toUpperCase();
  Object.assign(record.fields, changes);
  record.lastupdatedMs = call.nowMs;
  call.athena.patientChanged(call.practiceId, record, 'UpdatePatient');
  return athenaJson(200, [{ patientid: record.patientid }]);
}

/** Patient search, best match, read (a bare one-element array) and demographic update. */
export function patientRoutes(r: AthenaRoutes): void {
  r.get('/patients', search);
  r.get('/patients/enhancedbestmatch', bestMatch);
  r.get('/patients/:patientid', (call) => {
    const record = patientOf(call);
    if (!isRecord(record)) return record;
    const departmentid = call.params.get('departmentid');
    if (departmentid !== undefined && !call.practice.hasDepartment(departmentid)) return ATHENA_ERRORS.invalidFields('The department ID is invalid.', ['departmentid']);
    return athenaJson(200, [renderPatient(record)]);
  });
  r.put('/patients/:patientid', update);
}
