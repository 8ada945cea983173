import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { handleBulkRequest, matchBulkRoute } from '../bulk/bulk-http';
import type { BulkRequestContext, BulkVendorProfile } from '../bulk/bulk-vendor';
import { faultBeforeHandling } from '../faults/apply-fault';
import { capabilityStatement } from '../fhir/capability';
import { interactionOf } from '../fhir/fhir-request';
import { isResourceType, RESOURCE_TYPES } from '../fhir/fhir-types';
import { ISSUE_TYPE, issue, type Issue } from '../fhir/issues';
import { FHIR_JSON, jsonReply, sendReply, type Reply } from '../fhir/reply';
import type { SandboxState } from '../sandbox-state';
import { ATHENA_PRACTICES } from './athena-directory';

/** athena's FHIR R4 base on the simulator: bulk $export, and reads by id for SMART App Launch user tokens. */
export const ATHENA_FHIR_PATH = '/athena/fhir/r4';
/** Status URLs: `{ATHENA_FHIR_PATH}/bulk/status/{jobId}`; files: `{ATHENA_FHIR_PATH}/bulk/files/{jobId}/{Type}-{n}.ndjson`. */
export const ATHENA_BULK_STATUS_SEGMENTS = 'bulk/status';
export const ATHENA_BULK_FILE_SEGMENTS = 'bulk/files';
/** The group of every patient in a practice's context: `a-1.c-{practiceId}`. */
export const athenaBulkGroupId = (practiceId: string): string => `a-1.c-${practiceId}`;
export const ATHENA_BULK_GROUP_IDS: readonly string[] = ATHENA_PRACTICES.map(athenaBulkGroupId);
const GROUP_ID = /^a-1\.c-(\d{1,12})$/;

/** athena's FHIR OperationOutcome: severity, issue type and diagnostics. */
export const athenaFhirOutcome = (issues: readonly Issue[]): Record<string, unknown> => ({
  resourceType: 'OperationOutcome',
  issue: issues.map((i) => ({ severity: i.severity, code: ISSUE_TYPE[i.kind], diagnostics: i.message, ...(i.expression ? { expression: i.expression } : {}) })),
});
export const athenaFhirError = (status: number, issues: readonly Issue[], headers: Record<string, string> = {}): Reply => jsonReply(status, athenaFhirOutcome(issues), headers);

/**
 * athena's $export: Group level only (one group per practice context),
 * `_type`, `_since` and `_outputFormat` honoured, anything else refused;
 * no kick-off throttle beyond the platform's.
 */
export const athenaBulkProfile: BulkVendorProfile = {
  vendor: 'athena',
  statusPath: ATHENA_BULK_STATUS_SEGMENTS,
  filePath: ATHENA_BULK_FILE_SEGMENTS,
  params: {
    since: 'supported',
    typeFilter: 'refused',
    typeFilterRules: { needsType: false, onePerType: false, excluded: new Set() },
    otherParameters: 'refused',
    accepted: [],
    lenient: false,
  },
  throttle: 'none',
  manifestCounts: true,
  fileDelivery: { kind: 'direct' },
  progress: (percent) => `${percent}% complete`,
  error: athenaFhirError,
  outcome: athenaFhirOutcome,
};

const unauthorized = (description: string): Reply =>
  athenaFhirError(401, [issue('invalid-token', description)], { 'www-authenticate': `Bearer error="invalid_token", error_description="${description}"` });

/**
 * The athena-like FHIR R4 base: its CapabilityStatement, Group $export for the
 * practices a client is granted, and reads by id for SMART App Launch user
 * tokens (smart/); a system token reads nothing here, as before.
 */
export function athenaFhirRoutes(state: SandboxState): Router {
  const router = express.Router();
  const stores = state.athenaFhir;
  const expiredToken = (): Reply => unauthorized('The access token has expired.');

  const context: BulkRequestContext = {
    profile: athenaBulkProfile,
    base: '',
    exportable: RESOURCE_TYPES,
    authenticate: (authorization) => {
      const auth = state.tokens.check(authorization, 'athena');
      if (auth.ok) return { ok: true, clientId: auth.grant.clientId, scopes: auth.grant.scopes };
      return { ok: false, reply: auth.reason === 'expired' ? expiredToken() : unauthorized('The access token is missing or not valid.') };
    },
    group: (groupId, clientId) => {
      const practiceId = GROUP_ID.exec(groupId)?.[1];
      const store = practiceId === undefined ? undefined : stores.store(practiceId);
      if (practiceId === undefined || !store) return { found: false, status: 404 };
      const client = state.clients.get(clientId);
      if (client?.vendor !== 'athena' || !client.practiceIds.includes(practiceId)) return { found: false, status: 403 };
      return { found: true, patientIds: store.all('Patient').map((p) => p.id), store };
    },
    playFault: async (fault, req, res) => {
      // The platform's throttle answers every API, FHIR included, with a bare 403.
      if (fault.kind === 'throttle-403') return { status: 403, headers: fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {}, body: '' };
      return faultBeforeHandling(fault, { res, timers: state.timers, tokens: state.tokens, authorization: req.headers.authorization, error: athenaFhirError, expiredToken });
    },
  };

  router.get(`${ATHENA_FHIR_PATH}/metadata`, (_req, res) => {
    const statement = capabilityStatement({
      name: 'SwitchboardSandboxAthenaFhir',
      title: 'Switchboard sandbox (athenahealth FHIR R4-like)',
      fhirBase: `${state.publicUrl}${ATHENA_FHIR_PATH}`,
      tokenUrl: state.athenaTokenUrl,
      creatable: [],
      date: `${state.dataset.anchor}T00:00:00Z`,
      bulkExport: 'bulk-only',
    });
    res.status(200).type(FHIR_JSON).send(JSON.stringify(statement));
  });

  router.use(ATHENA_FHIR_PATH, express.raw({ type: () => true, limit: '1mb' }), (req: Request, res: Response, next: NextFunction) => {
    const route = matchBulkRoute(req.method, req.path, athenaBulkProfile);
    const interaction = route ? undefined : interactionOf(req.method, req.path);
    const userRead = interaction?.kind === 'read' ? userTokenRead(req.headers.authorization, interaction.type, interaction.id) : undefined;
    if (userRead) return sendReply(res, userRead, state.timers);
    if (!route) return sendReply(res, athenaFhirError(404, [issue('not-supported', 'This FHIR base serves Group/{id}/$export and its status and file URLs only.')]), state.timers);
    handleBulkRequest(req, res, state, { ...context, base: `${state.publicUrl}${ATHENA_FHIR_PATH}` }, route).catch(next);
  });

  /** A read by id for a SMART user token (any practice: the id names it); undefined for a system token, which falls to the 404. */
  function userTokenRead(authorization: string | undefined, type: string, id: string): Reply | undefined {
    const auth = state.tokens.check(authorization, 'athena');
    if (auth.ok && !auth.grant.user) return undefined;
    if (!auth.ok) return auth.reason === 'expired' ? expiredToken() : unauthorized('The access token is missing or not valid.');
    const practiceId = /^a-(\d{1,12})\./.exec(id)?.[1];
    const store = practiceId === undefined ? undefined : stores.store(practiceId);
    const resource = store && isResourceType(type) ? store.get(type, id) : undefined;
    if (!store || !resource) return athenaFhirError(404, [issue('not-found', 'No resource of this type has this id.')]);
    return jsonReply(200, store.serialized(resource));
  }

  return router;
}
