import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import type { BulkSupport } from './bulk-support';

export const BULK_DATA_CAPABILITY = 'http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data';
const DEFINITIONS = {
  system: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export',
  patient: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export',
  group: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export',
} as const;

/**
 * Declares a connection's Bulk Data export levels in its CapabilityStatement
 * (https://hl7.org/fhir/uv/bulkdata/STU2/CapabilityStatement-bulk-data.html): it `instantiates` the
 * IG's statement and lists exactly the levels the connection supports, each with the IG's canonical.
 */
export function withBulkExport(statement: CapabilityStatement, support: Pick<BulkSupport, 'levels'>): CapabilityStatement {
  if (support.levels.length === 0) return statement;
  const [rest, ...others] = statement.rest ?? [{ mode: 'server' as const }];
  const resources: CapabilityStatementRestResource[] = [...(rest?.resource ?? [])];
  const exportOperation = (level: keyof typeof DEFINITIONS) => ({ name: 'export', definition: DEFINITIONS[level] });
  if (support.levels.includes('patient')) {
    const i = resources.findIndex((r) => r.type === 'Patient');
    const patient = resources[i] ?? { type: 'Patient' };
    const withOp = { ...patient, operation: [...(patient.operation ?? []), exportOperation('patient')] };
    if (i === -1) resources.push(withOp);
    else resources[i] = withOp;
  }
  if (support.levels.includes('group')) resources.push({ type: 'Group', interaction: [{ code: 'search-type' }], operation: [exportOperation('group')] });
  return {
    ...statement,
    instantiates: [...(statement.instantiates ?? []), BULK_DATA_CAPABILITY],
    rest: [
      {
        ...rest,
        mode: rest?.mode ?? 'server',
        resource: resources,
        ...(support.levels.includes('system') ? { operation: [...(rest?.operation ?? []), exportOperation('system')] } : {}),
      },
      ...others,
    ],
  };
}
