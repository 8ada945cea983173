import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { SbError } from '@sb/core';

/** Our stable error codes, as a FHIR coding system. */
export const ERROR_CODE_SYSTEM = 'urn:switchboard:error';

/** FHIR issue types (https://hl7.org/fhir/R4/valueset-issue-type.html) for our status codes. */
function issueType(status: number, code: string): OperationOutcomeIssue['code'] {
  if (code === 'not_supported') return 'not-supported';
  if (status === 400) return 'invalid';
  if (status === 401) return 'login';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 413) return 'too-costly';
  if (status === 429) return 'throttled';
  if (status === 504) return 'timeout';
  if (status >= 500) return 'transient';
  return 'processing';
}

/** Renders an error as an OperationOutcome: static text, our code, FHIRPath locations for field issues. */
export function toOperationOutcome(error: SbError, errorId?: string): OperationOutcome {
  const details = { coding: [{ system: ERROR_CODE_SYSTEM, code: error.code }], text: error.message };
  const severity = 'error' as const;
  const issues: OperationOutcomeIssue[] = error.issues?.length
    ? error.issues.map((i) => ({ severity, code: issueType(error.status, error.code), details, diagnostics: i.message, expression: [i.path] }))
    : [{ severity, code: issueType(error.status, error.code), details, ...(errorId ? { diagnostics: `error id ${errorId}` } : {}) }];
  return { resourceType: 'OperationOutcome', issue: issues };
}
