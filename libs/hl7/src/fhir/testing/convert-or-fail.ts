import type { Resource } from '@medplum/fhirtypes';
import { validateFhirResource } from '@sb/fhir';
import type { Hl7Dialect } from '../../dialect/hl7-dialect.schema';
import { convertMessage, type Hl7Conversion } from '../convert-message';

/**
 * Converts a message in a spec, failing the test with the error (code, reason, location) when the
 * conversion fails or when any produced resource has an R4 schema issue.
 */
export function convertOrFail(raw: string, dialect: Hl7Dialect = {}, idNamespace = 'conn-spec'): Hl7Conversion {
  const outcome = convertMessage(raw, dialect, { idNamespace });
  if (!outcome.ok) throw new Error(`conversion failed: ${JSON.stringify(outcome.error)}`);
  const issues = outcome.value.resources.flatMap((r) => validateFhirResource(r).map((i) => `${i.path}: ${i.message}`));
  if (issues.length) throw new Error(`R4 schema issues: ${issues.join('; ')}`);
  return outcome.value;
}

/** The resources of one type, typed. */
export const resourcesOf = <T extends Resource>(c: Hl7Conversion, type: T['resourceType']): T[] =>
  c.resources.filter((r): r is T => r.resourceType === type);

/** The single resource of one type (throws when there are none or several). */
export function onlyResource<T extends Resource>(c: Hl7Conversion, type: T['resourceType']): T {
  const found = resourcesOf<T>(c, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, got ${found.length}`);
  return found[0];
}
