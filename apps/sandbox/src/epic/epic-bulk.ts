import { faultBeforeHandling } from '../faults/apply-fault';
import type { BulkVendorProfile, BulkRequestContext } from '../bulk/bulk-vendor';
import { RESOURCE_TYPES } from '../fhir/fhir-types';
import type { Reply } from '../fhir/reply';
import type { SandboxState } from '../sandbox-state';
import { epicError, epicOutcome } from './epic-outcomes';

/**
 * The Epic-like server's one bulk group, holding every patient of the
 * synthetic dataset: an Epic-style FHIR id (= epicId('epic:Group:sandbox-all-patients')).
 * Real Epic groups are registries an organization configures; their ids are
 * handed out, not discoverable.
 */
export const EPIC_BULK_GROUP_ID = 'eJak-1MNeNIjBZQtpNITNlP3';
/** Status URLs: `{EPIC_FHIR_PATH}/BulkRequest/{jobId}`; files: `{EPIC_FHIR_PATH}/BulkRequest/{jobId}/{Type}-{n}.ndjson`. */
export const EPIC_BULK_STATUS_SEGMENT = 'BulkRequest';

/**
 * Epic's $export: Group level only; `_type` and `_outputFormat` honoured,
 * `_since`, `_typeFilter` and anything else ignored (Epic does not implement
 * them); one kick-off per client and group per window (24 h by default,
 * 429 "…too recently" otherwise); files only once the whole job is done.
 */
export const epicBulkProfile: BulkVendorProfile = {
  vendor: 'epic',
  statusPath: EPIC_BULK_STATUS_SEGMENT,
  filePath: EPIC_BULK_STATUS_SEGMENT,
  params: {
    since: 'ignored',
    typeFilter: 'ignored',
    typeFilterRules: { needsType: false, onePerType: false, excluded: new Set() },
    otherParameters: 'ignored',
    accepted: [],
    lenient: false,
  },
  throttle: 'group-window',
  manifestCounts: true,
  fileDelivery: { kind: 'direct' },
  progress: (percent) => `${percent}% complete`,
  error: epicError,
  outcome: epicOutcome,
};

/** The $export side of the Epic-like server, given how it answers a bad or expired token. */
export function epicBulkContext(state: SandboxState, unauthorized: (description: string, expired: boolean) => Reply): BulkRequestContext {
  const expiredToken = (): Reply => unauthorized('The access token provided has expired', true);
  return {
    profile: epicBulkProfile,
    // Read per request: the public URL is known only once the server listens.
    get base() {
      return state.epicBase;
    },
    exportable: RESOURCE_TYPES,
    authenticate: (authorization) => {
      const auth = state.tokens.check(authorization, 'epic');
      if (auth.ok) return { ok: true, clientId: auth.grant.clientId, scopes: auth.grant.scopes };
      return { ok: false, reply: auth.reason === 'expired' ? expiredToken() : unauthorized('The access token provided is not valid', false) };
    },
    group: (groupId) => {
      if (groupId !== EPIC_BULK_GROUP_ID) return { found: false, status: 404 };
      return { found: true, patientIds: state.epicStore.all('Patient').map((p) => p.id), store: state.epicStore };
    },
    playFault: (fault, req, res) =>
      faultBeforeHandling(fault, { res, timers: state.timers, tokens: state.tokens, authorization: req.headers.authorization, error: epicError, expiredToken }),
  };
}
