import type { CapabilityStatement } from '@medplum/fhirtypes';
import { BULK_DATA_CAPABILITY, withBulkExport } from './bulk-capability';

const base: CapabilityStatement = {
  resourceType: 'CapabilityStatement',
  status: 'active',
  date: '2026-01-01',
  kind: 'instance',
  fhirVersion: '4.0.1',
  format: ['json'],
  rest: [{ mode: 'server', resource: [{ type: 'Patient', interaction: [{ code: 'read' }] }, { type: 'Observation' }] }],
};
const opsOf = (s: CapabilityStatement, type?: string) =>
  (type ? s.rest?.[0]?.resource?.find((r) => r.type === type)?.operation : s.rest?.[0]?.operation)?.map((o) => o.definition) ?? [];

describe('withBulkExport', () => {
  it('lists exactly the Group level for a Group-only vendor', () => {
    const s = withBulkExport(base, { levels: ['group'] });
    expect(s.instantiates).toEqual([BULK_DATA_CAPABILITY]);
    expect(opsOf(s, 'Group')).toEqual(['http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export']);
    expect(opsOf(s, 'Patient')).toEqual([]);
    expect(opsOf(s)).toEqual([]);
    expect(s.rest?.[0]?.resource?.find((r) => r.type === 'Patient')?.interaction).toEqual([{ code: 'read' }]);
  });

  it('lists all three levels for a connection served from the gateway store', () => {
    const s = withBulkExport(base, { levels: ['system', 'patient', 'group'] });
    expect(opsOf(s)).toEqual(['http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export']);
    expect(opsOf(s, 'Patient')).toEqual(['http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export']);
    expect(opsOf(s, 'Group')).toEqual(['http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export']);
  });

  it('leaves a connection without export untouched', () => {
    expect(withBulkExport(base, { levels: [] })).toBe(base);
  });
});
