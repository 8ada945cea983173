import type { BulkExportSummary, BulkManifest, Role } from '../api/types';
import { connection, json, sessionFor, type FakeApi } from '../test/fake-api';

/** Test data for the exports feature's component tests. */
export const EPIC_ID = 'c-epic';
export const HL7_ID = 'c-hl7';
export const BASE = 'http://console.test/fhir/r4';

/** A session with (or without) the PHI grant, which adds system/*.cruds (or .rs) to the role's scopes. */
export function serveSession(api: FakeApi, role: Role, phi: boolean): void {
  const base = sessionFor(role);
  const clinical = role === 'viewer' || role === 'finance' ? 'system/*.rs' : 'system/*.cruds';
  api.on('GET', '/v1/console/me', json(200, { ...base, phi, scopes: phi ? [...base.scopes, clinical] : base.scopes }));
}

export function serveEpic(api: FakeApi, groups: string[] = ['eIscQb2HmqkT.aPxBKDO1mIw3']): void {
  api.on('GET', `/v1/connections/${EPIC_ID}`, json(200, connection({ id: EPIC_ID, name: 'St. Mary’s Epic', vendor: 'epic', status: 'live', bulkGroupIds: groups })));
  api.on('GET', `/fhir/r4/${EPIC_ID}/Group`, json(200, groupBundle(EPIC_ID, groups), { 'content-type': 'application/fhir+json' }));
}

export function serveHl7(api: FakeApi): void {
  api.on('GET', `/v1/connections/${HL7_ID}`, json(200, connection({ id: HL7_ID, name: 'Springfield General', vendor: 'hl7v2', status: 'live', fhirBaseUrl: null, clientId: null, scopes: [] })));
  api.on('GET', `/fhir/r4/${HL7_ID}/Group`, json(200, groupBundle(HL7_ID, ['all-patients']), { 'content-type': 'application/fhir+json' }));
}

export const groupBundle = (connectionId: string, ids: string[]) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total: ids.length,
  entry: ids.map((id) => ({ fullUrl: `${BASE}/${connectionId}/Group/${id}`, resource: { resourceType: 'Group', id, type: 'person', actual: true } })),
});

/** The 202 of a kick-off: Content-Location is the absolute status URL. */
export const accepted = (connectionId: string, exportId: string) =>
  json(202, { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: 'Export accepted' }] }, {
    'content-type': 'application/fhir+json',
    'content-location': `${BASE}/${connectionId}/$export-status/${exportId}`,
  });

/** A 202 status answer while the export runs. */
export const running = (progress: string, retryAfterSeconds = 1) => ({ status: 202, headers: { 'x-progress': progress, 'retry-after': String(retryAfterSeconds) } });

/** An error as libs/fhir's toOperationOutcome renders it on the FHIR routes. */
export function outcome(status: number, code: string, text: string, issues: { path: string; message: string }[] = [], headers: Record<string, string> = {}) {
  const details = { coding: [{ system: 'urn:switchboard:error', code }], text };
  return json(
    status,
    {
      resourceType: 'OperationOutcome',
      issue: issues.length
        ? issues.map((i) => ({ severity: 'error', code: 'invalid', details, diagnostics: i.message, expression: [i.path] }))
        : [{ severity: 'error', code: status === 429 ? 'throttled' : 'processing', details }],
    },
    { 'content-type': 'application/fhir+json; charset=utf-8', ...headers },
  );
}

export function manifest(connectionId: string, exportId: string, files: { type: string; count: number }[], errors: string[] = []): BulkManifest {
  const url = (kind: string, n: number, type: string) => `${BASE}/${connectionId}/$export-file/${exportId}/${kind}-${n}.${type}.ndjson`;
  return {
    transactionTime: '2026-12-03T09:00:00.000Z',
    request: `${BASE}/${connectionId}/Group/g/$export`,
    requiresAccessToken: true,
    output: files.map((f, i) => ({ type: f.type, url: url('output', i + 1, f.type), count: f.count })),
    error: errors.map((type, i) => ({ type, url: url('error', i + 1, type) })),
  };
}

/** A list entry as `GET /v1/connections/{id}/bulk-exports` answers it. */
export function summary(connectionId: string, overrides: Partial<BulkExportSummary> & { id: string }): BulkExportSummary {
  return {
    level: 'group',
    groupId: 'eIscQb2HmqkT.aPxBKDO1mIw3',
    status: 'requested',
    progressPercent: 0,
    resourceCount: 0,
    counts: {},
    errorCode: null,
    requestUrl: `${BASE}/${connectionId}/Group/eIscQb2HmqkT.aPxBKDO1mIw3/$export`,
    statusUrl: `${BASE}/${connectionId}/$export-status/${overrides.id}`,
    createdAt: '2026-12-03T09:00:00.000Z',
    completedAt: null,
    expiresAt: null,
    ...overrides,
  };
}

/**
 * The connection's export list, kept as the API would: a kick-off on any level adds a
 * requested export with the id `nextId` gives (its request URL as sent), and a cancel marks it.
 */
export function serveExportList(api: FakeApi, connectionId: string, initial: BulkExportSummary[] = [], nextId: () => string = () => 'e-new') {
  const list = [...initial];
  api.on('GET', `/v1/connections/${connectionId}/bulk-exports`, () => json(200, { items: list }));
  const kickOff = (req: { path: string }) => {
    const id = nextId();
    const url = new URL(req.path, 'http://console.test');
    const level = url.pathname.includes('/Group/') ? 'group' : url.pathname.includes('/Patient/') ? 'patient' : 'system';
    const groupId = level === 'group' ? decodeURIComponent(url.pathname.split('/')[5] ?? '') : null;
    list.unshift(summary(connectionId, { id, level, groupId, requestUrl: `http://console.test${req.path}`, createdAt: new Date().toISOString() }));
    return accepted(connectionId, id);
  };
  api.on('GET', `/fhir/r4/${connectionId}/Group/:group/$export`, kickOff);
  api.on('GET', `/fhir/r4/${connectionId}/Patient/$export`, kickOff);
  api.on('GET', `/fhir/r4/${connectionId}/$export`, kickOff);
  api.on('DELETE', `/fhir/r4/${connectionId}/$export-status/:exportId`, (req) => {
    const id = req.path.split('/').pop() ?? '';
    const i = list.findIndex((e) => e.id === id);
    const found = list[i];
    if (found) list[i] = { ...found, status: 'cancelled' };
    return json(202, { resourceType: 'OperationOutcome', issue: [] }, { 'content-type': 'application/fhir+json' });
  });
  return {
    list,
    /** Sets an export's state as the worker would. */
    update: (id: string, patch: Partial<BulkExportSummary>) => {
      const i = list.findIndex((e) => e.id === id);
      const found = list[i];
      if (found) list[i] = { ...found, ...patch };
    },
  };
}
