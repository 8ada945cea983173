import type { Reply } from '../fhir/reply';
import type { AthenaCall, AthenaRoutes } from './athena-call';
import type { PatientChart } from './athena-chart';
import { athenaJson, ATHENA_ERRORS } from './athena-reply';
import { listReply } from './routes-directory';
import { patientOf } from './routes-patients';

/**
 * The chart is read per patient *and* department: athena wants departmentid
 * on every /chart/{patientid}/… call (one chart-sharing group here, so any of
 * the practice's departments shows the same chart).
 */
export function chartOf(call: AthenaCall): PatientChart | Reply {
  const record = patientOf(call);
  if ('status' in record && !('patientid' in record)) return record;
  const missing = call.params.missing(['departmentid']);
  if (missing.length > 0) return ATHENA_ERRORS.missingFields(missing);
  if (!call.practice.hasDepartment(call.params.get('departmentid') as string)) return ATHENA_ERRORS.invalidFields('The department ID is invalid.', ['departmentid']);
  return call.practice.chart(call.path.patientid ?? '') ?? ATHENA_ERRORS.notFound('The patient ID is invalid.');
}

const isChart = (x: PatientChart | Reply): x is PatientChart => 'encounters' in x;

const withChart =
  (read: (chart: PatientChart, call: AthenaCall) => Reply) =>
  (call: AthenaCall): Reply => {
    const chart = chartOf(call);
    return isChart(chart) ? read(chart, call) : chart;
  };

/** Encounters, problems, allergies, medications (array of arrays), vitals, lab results and analytes. */
export function chartRoutes(r: AthenaRoutes): void {
  r.get(
    '/chart/:patientid/encounters',
    withChart((chart, call) => listReply(call, `/chart/${call.path.patientid}/encounters`, 'encounters', chart.encounters)),
  );
  r.get('/chart/encounter/:encounterid', (call) => {
    const id = call.path.encounterid ?? '';
    const patientid = call.practice.patientOfEncounter(id);
    const encounter = patientid ? call.practice.chart(patientid)?.encounters.find((e) => e.encounterid === id) : undefined;
    return encounter ? athenaJson(200, [encounter]) : ATHENA_ERRORS.notFound('The encounter ID is invalid.');
  });
  r.get(
    '/chart/:patientid/problems',
    withChart((chart, call) => listReply(call, `/chart/${call.path.patientid}/problems`, 'problems', chart.problems, { extra: { lastupdated: chart.problemsLastUpdated } })),
  );
  r.get(
    '/chart/:patientid/allergies',
    withChart((chart) => athenaJson(200, chart.allergies)),
  );
  r.get(
    '/chart/:patientid/medications',
    withChart((chart) => athenaJson(200, chart.medications)),
  );
  r.get(
    '/chart/:patientid/vitals',
    withChart((chart) => athenaJson(200, chart.vitals)),
  );
  r.get(
    '/chart/:patientid/labresults',
    withChart((chart, call) => listReply(call, `/chart/${call.path.patientid}/labresults`, 'results', chart.labresults)),
  );
  r.get(
    '/chart/:patientid/analytes',
    withChart((chart, call) => listReply(call, `/chart/${call.path.patientid}/analytes`, 'analytes', chart.analytes)),
  );
}
