import type { Resource } from '@medplum/fhirtypes';
import { validateFhirResource } from '@sb/fhir';
import { usCoreAvailable, validateUsCore } from '@sb/testing';
import { parseDepartmentPage } from '../../wire';
import { DEPARTMENT_PAGE } from '../../wire/testing/athena-fixtures';
import type { AthenaChartScope, AthenaMapContext } from '../map-context';

/** Practice 195900 with departments 1 (US/Eastern), 150 (US/Central), 162 (US/Arizona), from the synthetic department page. */
export const CTX: AthenaMapContext = {
  practiceId: '195900',
  departments: new Map(parseDepartmentPage(DEPARTMENT_PAGE).items.map((d) => [d.departmentId, d])),
  connectionId: 'conn-1',
};

export const SCOPE: AthenaChartScope = { patientId: '5309', departmentId: '1' };

export const US_CORE_AVAILABLE = usCoreAvailable();

/**
 * The resource's R4 schema issues and US Core 6.1.0 profile errors (empty when it conforms). Without
 * the US Core package (see usCoreAvailable) only the R4 schema is checked; the specs record that.
 */
export function conformanceErrors(resource: Resource): string[] {
  const schema = validateFhirResource(resource).map((i) => `R4 ${i.path}: ${i.message}`);
  const profile = US_CORE_AVAILABLE ? validateUsCore(resource).errors.map((i) => `US Core ${i.path}: ${i.message}`) : [];
  return [...schema, ...profile];
}

/** Asserts conformance with a readable failure (the resource type and id, then the issues). */
export function expectConformant(resources: readonly Resource[]): void {
  for (const resource of resources) expect({ resource: `${resource.resourceType}/${resource.id}`, errors: conformanceErrors(resource) }).toEqual({ resource: `${resource.resourceType}/${resource.id}`, errors: [] });
}
