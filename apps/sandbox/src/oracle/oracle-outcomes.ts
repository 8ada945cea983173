import { ISSUE_TYPE, type Issue } from '../fhir/issues';
import { jsonReply, type Reply } from '../fhir/reply';

/**
 * Oracle's shape: severity, FHIR issue type and a `diagnostics` sentence, with
 * the offending element in `expression` — no coded details (unlike Epic).
 */
export function oracleOutcome(issues: readonly Issue[]): { resourceType: 'OperationOutcome'; issue: unknown[] } {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({ severity: i.severity, code: ISSUE_TYPE[i.kind], diagnostics: i.message, ...(i.expression ? { expression: i.expression } : {}) })),
  };
}

export const oracleError = (status: number, issues: readonly Issue[], headers: Record<string, string> = {}): Reply => jsonReply(status, oracleOutcome(issues), headers);
