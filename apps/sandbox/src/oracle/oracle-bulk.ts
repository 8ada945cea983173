import type { BulkRequestContext, BulkVendorProfile } from '../bulk/bulk-vendor';
import { faultBeforeHandling } from '../faults/apply-fault';
import { RESOURCE_TYPES } from '../fhir/fhir-types';
import type { Reply } from '../fhir/reply';
import type { SandboxState } from '../sandbox-state';
import { oracleError, oracleOutcome } from './oracle-outcomes';
import { scopeAllows } from './oracle-scopes';

/** Every tenant's one bulk group, holding all the tenant's patients (Millennium-style group id). */
export const ORACLE_BULK_GROUP_ID = '11ef-5b1c-0a5d8e2f-9c41-5a4e7d2b6c10';
/** Status URLs: `/oracle/r4/{tenantId}/bulk-export/{jobId}`; files: `…/bulk-export/{jobId}/{Type}-{n}.ndjson` (each a 307). */
export const ORACLE_BULK_STATUS_SEGMENT = 'bulk-export';
/** The S3-like store the file URLs redirect to: `/oracle-files/{jobId}/{file}?X-Amz-…`. */
export const ORACLE_FILE_STORE_PATH = '/oracle-files';
/** Types a `_typeFilter` may not name (Oracle's group-export documentation). */
export const ORACLE_TYPE_FILTER_EXCLUDED: ReadonlySet<string> = new Set(['Location', 'Organization', 'Patient', 'Practitioner', 'Provenance']);

/**
 * Oracle Health's $export: Group level only; `_type`, `_since`, `_typeFilter`
 * (paired with `_type`, one per type), `_outputFormat` and
 * `includeAssociatedData` taken, anything else refused unless
 * `Prefer: handling=lenient` (then dropped, with a warning in the error file);
 * each type needs its system read scope; one export in progress per client
 * (429 `throttled`); manifests without `count`; files are 307s to pre-signed
 * store URLs, gzip-encoded there.
 */
export const oracleBulkProfile: BulkVendorProfile = {
  vendor: 'oracle',
  statusPath: ORACLE_BULK_STATUS_SEGMENT,
  filePath: ORACLE_BULK_STATUS_SEGMENT,
  params: {
    since: 'supported',
    typeFilter: 'supported',
    typeFilterRules: { needsType: true, onePerType: true, excluded: ORACLE_TYPE_FILTER_EXCLUDED },
    otherParameters: 'refused',
    accepted: ['includeAssociatedData'],
    lenient: true,
  },
  throttle: 'one-in-progress',
  manifestCounts: false,
  fileDelivery: { kind: 'signed-redirect', storePath: ORACLE_FILE_STORE_PATH },
  progress: () => 'in-progress',
  error: oracleError,
  outcome: oracleOutcome,
};

/** The $export side of one Oracle tenant, given how the tenant answers a bad or expired token. */
export function oracleBulkContext(state: SandboxState, tenantId: string, unauthorized: (description: string, expired: boolean) => Reply): BulkRequestContext {
  const expiredToken = (): Reply => unauthorized('The access token has expired.', true);
  return {
    profile: oracleBulkProfile,
    base: state.oracleBase(tenantId),
    scope: tenantId,
    exportable: RESOURCE_TYPES,
    authenticate: (authorization) => {
      const auth = state.tokens.check(authorization, 'oracle', tenantId);
      if (auth.ok) return { ok: true, clientId: auth.grant.clientId, scopes: auth.grant.scopes };
      if (auth.reason === 'expired') return { ok: false, reply: expiredToken() };
      const description = auth.reason === 'wrong-tenant' ? 'The access token was not issued for this tenant.' : 'The access token is missing or not valid.';
      return { ok: false, reply: unauthorized(description, false) };
    },
    group: (groupId) => {
      if (groupId !== ORACLE_BULK_GROUP_ID) return { found: false, status: 404 };
      const store = state.oracleStore(tenantId);
      return { found: true, patientIds: store.all('Patient').map((p) => p.id), store };
    },
    mayExport: (scopes, type) => scopeAllows(scopes, type, 'read'),
    playFault: (fault, req, res) =>
      faultBeforeHandling(fault, { res, timers: state.timers, tokens: state.tokens, authorization: req.headers.authorization, error: oracleError, expiredToken }),
  };
}
