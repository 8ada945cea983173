import { ISSUE_TYPE, type Issue, type IssueKind } from '../fhir/issues';
import { jsonReply, type Reply } from '../fhir/reply';
import { EPIC_SYSTEMS } from './epic-dialect';

/**
 * Epic-style detail codes, carried in `issue.details.coding` under Epic's
 * OperationOutcome code system. The numbers follow Epic's 4xxx (request) and
 * 59xxx (content) families; the exact assignments are this sandbox's.
 */
export const EPIC_DETAIL_CODES: Record<IssueKind, readonly [string, string]> = {
  'invalid-parameter': ['4100', 'The resource request contained an invalid parameter.'],
  'missing-parameter': ['4110', 'A required search parameter is missing.'],
  'ignored-parameter': ['4107', 'The search parameter is not supported and was ignored.'],
  'no-results': ['4101', 'Resource request returns no results.'],
  'filtered-results': ['4119', 'Some results were not returned.'],
  'invalid-page': ['4120', 'The paging session is unknown or has expired.'],
  'not-found': ['4102', 'The read resource request contained an invalid ID.'],
  'unknown-type': ['4103', 'The resource type is not supported.'],
  'not-supported': ['4104', 'The interaction is not supported for this resource type.'],
  'invalid-content': ['59100', 'Content invalid against the specification or a profile.'],
  'invalid-json': ['59101', 'The request body is not valid JSON.'],
  'unsupported-media-type': ['59102', 'The request content type is not supported.'],
  'not-acceptable': ['4105', 'The requested format is not supported.'],
  'invalid-token': ['4115', 'The access token provided is not valid.'],
  'expired-token': ['4116', 'The access token provided has expired.'],
  'insufficient-scope': ['4118', 'User not authorized for request.'],
  throttled: ['4130', 'Too many requests.'],
  'server-error': ['4199', 'An unexpected server error occurred.'],
};

/** Epic's shape: a coded detail plus the human text, severity and FHIR issue type. */
export function epicOutcome(issues: readonly Issue[]): { resourceType: 'OperationOutcome'; issue: unknown[] } {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => {
      const [code, display] = EPIC_DETAIL_CODES[i.kind];
      return {
        severity: i.severity,
        code: ISSUE_TYPE[i.kind],
        details: { coding: [{ system: EPIC_SYSTEMS.outcomeCodes, code, display }], text: display },
        diagnostics: i.message,
        ...(i.expression ? { expression: i.expression } : {}),
      };
    }),
  };
}

export const epicError = (status: number, issues: readonly Issue[], headers: Record<string, string> = {}): Reply => jsonReply(status, epicOutcome(issues), headers);
