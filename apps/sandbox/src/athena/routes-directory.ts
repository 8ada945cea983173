import type { AthenaCall, AthenaRoutes } from './athena-call';
import { APPOINTMENT_TYPES, DEPARTMENTS, departmentById, renderAppointmentType, renderDepartment, renderProvider, renderReason } from './athena-directory';
import { isReply, pagedReply, pageWindow, STANDARD_LIMITS } from './athena-paging';
import { athenaJson, ATHENA_ERRORS } from './athena-reply';
import { FOREIGN_ORIGIN } from '../faults/apply-fault';
import type { Reply } from '../fhir/reply';

/** A paged list with athena's standard limits; a foreign-next-link fault rides on its `next`. */
export function listReply(call: AthenaCall, path: string, collection: string, items: readonly unknown[], options: { upperCaseNames?: boolean; limits?: { defaultLimit: number; maxLimit: number }; extra?: Record<string, unknown> } = {}): Reply {
  const window = pageWindow(call.params, options.limits ?? STANDARD_LIMITS);
  if (isReply(window)) return window;
  const foreignOrigin = call.fault?.kind === 'foreign-next-link' ? FOREIGN_ORIGIN : undefined;
  return pagedReply(collection, items, { practiceId: call.practiceId, path, params: call.params, window, upperCaseNames: options.upperCaseNames, foreignOrigin }, options.extra);
}

/** /ping, departments, providers, appointment types and reasons. */
export function directoryRoutes(r: AthenaRoutes): void {
  r.get('/ping', () => athenaJson(200, { pong: 'true' }));

  r.get('/departments', (call) =>
    listReply(
      call,
      '/departments',
      'departments',
      DEPARTMENTS.map((d) => renderDepartment(d, call.practice.dataset, call.nowMs)),
    ),
  );

  r.get('/departments/:departmentid', (call) => {
    const spec = departmentById(call.path.departmentid ?? '');
    if (!spec) return ATHENA_ERRORS.notFound('The department ID is invalid.');
    return athenaJson(200, [renderDepartment(spec, call.practice.dataset, call.nowMs)]);
  });

  r.get('/providers', (call) => listReply(call, '/providers', 'providers', call.practice.dataset.practitioners.map(renderProvider)));

  r.get('/providers/:providerid', (call) => {
    const p = call.practice.dataset.practitioners.find((x) => String(renderProvider(x).providerid) === call.path.providerid);
    if (!p) return ATHENA_ERRORS.notFound('The provider ID is invalid.');
    return athenaJson(200, [renderProvider(p)]);
  });

  r.get('/appointmenttypes', (call) => listReply(call, '/appointmenttypes', 'appointmenttypes', APPOINTMENT_TYPES.map(renderAppointmentType)));

  r.get('/patientappointmentreasons', (call) => listReply(call, '/patientappointmentreasons', 'patientappointmentreasons', APPOINTMENT_TYPES.map(renderReason)));
}
