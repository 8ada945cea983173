/**
 * What went wrong (or what to warn about), independent of how a vendor
 * renders it: each server turns issues into its own OperationOutcome shape.
 * Messages name parameters and elements, never values (values can be PHI).
 */
export type IssueKind =
  | 'invalid-parameter'
  | 'missing-parameter'
  | 'ignored-parameter'
  | 'no-results'
  | 'filtered-results'
  | 'invalid-page'
  | 'not-found'
  | 'unknown-type'
  | 'not-supported'
  | 'invalid-content'
  | 'invalid-json'
  | 'unsupported-media-type'
  | 'not-acceptable'
  | 'invalid-token'
  | 'expired-token'
  | 'insufficient-scope'
  | 'throttled'
  | 'server-error';

export interface Issue {
  kind: IssueKind;
  severity: 'fatal' | 'error' | 'warning' | 'information';
  message: string;
  /** FHIRPath of the offending element or parameter. */
  expression?: string[];
}

/** The FHIR IssueType for each kind (https://hl7.org/fhir/R4/valueset-issue-type.html). */
export const ISSUE_TYPE: Record<IssueKind, string> = {
  'invalid-parameter': 'invalid',
  'missing-parameter': 'required',
  'ignored-parameter': 'not-supported',
  'no-results': 'not-found',
  'filtered-results': 'informational',
  'invalid-page': 'invalid',
  'not-found': 'not-found',
  'unknown-type': 'not-supported',
  'not-supported': 'not-supported',
  'invalid-content': 'invalid',
  'invalid-json': 'structure',
  'unsupported-media-type': 'not-supported',
  'not-acceptable': 'not-supported',
  'invalid-token': 'login',
  'expired-token': 'expired',
  'insufficient-scope': 'forbidden',
  'throttled': 'throttled',
  'server-error': 'exception',
};

export const issue = (kind: IssueKind, message: string, expression?: string[], severity: Issue['severity'] = 'error'): Issue => ({
  kind,
  severity,
  message,
  ...(expression ? { expression } : {}),
});
