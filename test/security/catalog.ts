/**
 * What the api exposes, read from the committed schema files (apps/console/src/api/openapi.json,
 * apps/api/schema.gql) and, for who may call each operation, from the access-policy metadata the
 * routes and resolvers declare (`@Public`, `@OperatorOnly`, `@Authenticated`, `@RequireScope`).
 * The probes are generated from this catalog, so a new route is probed without editing them.
 */
import { PATH_METADATA } from '@nestjs/common/constants';
import { ACCESS_POLICY, type AccessPolicy } from '@sb/auth';
import { buildSchema, getNamedType, isEnumType, isInputObjectType, isNonNullType, isObjectType, isScalarType, type GraphQLArgument, type GraphQLField, type GraphQLNamedType } from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from '../../apps/api/src/app.module';

const ROOT = join(__dirname, '..', '..');
const OPENAPI_FILE = join(ROOT, 'apps/console/src/api/openapi.json');
const SDL_FILE = join(ROOT, 'apps/api/schema.gql');
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'search'] as const;

/** A JSON Schema node of the OpenAPI document, as far as the probes read it. */
export interface JsonSchema {
  type?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  minimum?: number;
  minItems?: number;
  minLength?: number;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  default?: unknown;
}

export interface RestOperation {
  /** The OpenAPI operationId: `<Controller>_<handler>` (plus `_<method>` for catch-all handlers). */
  id: string;
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** Query parameters the operation requires, with their schemas. */
  requiredQuery: Record<string, JsonSchema>;
  body?: JsonSchema;
  policy: AccessPolicy;
}

export interface GraphqlField {
  /** `Query.connection`, `Mutation.updateConnection`. */
  id: string;
  root: 'Query' | 'Mutation';
  name: string;
  args: readonly GraphQLArgument[];
  /** The selection the probe asks for: `{ __typename }` for objects, nothing for scalars. */
  selection: string;
  /** A selection reaching the ids of what the field returns (`{ id }`, `{ data { id } }`), for leak scans. */
  idSelection: string;
  policy: AccessPolicy;
}

type Handler = (...args: unknown[]) => unknown;
type Decorated = { name: string; prototype: Record<string, unknown> };

/** Handlers of a class: its prototype's methods. */
function handlersOf(cls: Decorated): [string, Handler][] {
  return Object.getOwnPropertyNames(cls.prototype)
    .filter((name) => name !== 'constructor' && typeof cls.prototype[name] === 'function')
    .map((name) => [name, cls.prototype[name] as Handler]);
}

const policyOf = (cls: Decorated, handler: Handler): AccessPolicy | undefined =>
  (Reflect.getMetadata(ACCESS_POLICY, handler) as AccessPolicy | undefined) ?? (Reflect.getMetadata(ACCESS_POLICY, cls) as AccessPolicy | undefined);

/** operationId → access policy, for every route handler of the api module. */
function restPolicies(): Map<string, AccessPolicy | undefined> {
  const policies = new Map<string, AccessPolicy | undefined>();
  for (const controller of (Reflect.getMetadata('controllers', AppModule) ?? []) as Decorated[]) {
    for (const [name, handler] of handlersOf(controller)) {
      if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      policies.set(`${controller.name}_${name}`, policyOf(controller, handler));
    }
  }
  return policies;
}

/** `Query.viewer` → access policy, for every resolver provider of the api module. */
function graphqlPolicies(): Map<string, AccessPolicy | undefined> {
  const policies = new Map<string, AccessPolicy | undefined>();
  for (const provider of (Reflect.getMetadata('providers', AppModule) ?? []) as unknown[]) {
    if (typeof provider !== 'function' || Reflect.getMetadata('graphql:resolver_type', provider) === undefined) continue;
    const resolver = provider as unknown as Decorated;
    for (const [name, handler] of handlersOf(resolver)) {
      const root = Reflect.getMetadata('graphql:resolver_type', handler) as string | undefined;
      if (root !== 'Query' && root !== 'Mutation') continue;
      const field = (Reflect.getMetadata('graphql:resolver_name', handler) as string | undefined) ?? name;
      policies.set(`${root}.${field}`, policyOf(resolver, handler));
    }
  }
  return policies;
}

const NO_POLICY: AccessPolicy = { kind: 'operator' };

/** Every REST operation of the committed OpenAPI document with its declared access policy. */
export function restOperations(): RestOperation[] {
  const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as { paths: Record<string, Record<string, any>> };
  const policies = restPolicies();
  const operations: RestOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const id = operation.operationId as string;
      const handlerId = policies.has(id) ? id : id.replace(/_[a-z]+$/, '');
      if (!policies.has(handlerId)) throw new Error(`${id}: no route handler with this name (is openapi.json stale? run npm run api:schemas)`);
      const parameters = (operation.parameters ?? []) as { name: string; in: string; required?: boolean; schema?: JsonSchema }[];
      const content = operation.requestBody?.content as Record<string, { schema: JsonSchema }> | undefined;
      operations.push({
        id,
        method: method.toUpperCase(),
        path,
        pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        requiredQuery: Object.fromEntries(parameters.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, p.schema ?? {}])),
        body: content ? Object.values(content)[0]?.schema : undefined,
        // A route without a policy is refused by the guard; probing it as operator-only checks that.
        policy: policies.get(handlerId) ?? NO_POLICY,
      });
    }
  }
  return operations;
}

/** Every Query and Mutation field of the committed SDL with its declared access policy. */
export function graphqlFields(): GraphqlField[] {
  const schema = buildSchema(readFileSync(SDL_FILE, 'utf8'));
  const policies = graphqlPolicies();
  const fields: GraphqlField[] = [];
  for (const root of ['Query', 'Mutation'] as const) {
    const type = root === 'Query' ? schema.getQueryType() : schema.getMutationType();
    for (const field of Object.values(type?.getFields() ?? {}) as GraphQLField<unknown, unknown>[]) {
      const id = `${root}.${field.name}`;
      if (!policies.has(id)) throw new Error(`${id}: no resolver declares this field (is schema.gql stale?)`);
      const named = getNamedType(field.type);
      const selection = isObjectType(named) ? ' { __typename }' : '';
      fields.push({ id, root, name: field.name, args: field.args, selection, idSelection: idSelectionOf(named) ?? selection, policy: policies.get(id) ?? NO_POLICY });
    }
  }
  return fields;
}

/** `{ id }` when the type has an id, else `{ <field> { id } }` through its first field that has one. */
function idSelectionOf(type: GraphQLNamedType): string | undefined {
  if (!isObjectType(type)) return undefined;
  const fields = type.getFields();
  if (fields.id) return ' { id }';
  for (const field of Object.values(fields)) {
    const inner = getNamedType(field.type);
    if (isObjectType(inner) && inner.getFields().id && field.args.length === 0) return ` { ${field.name} { id } }`;
  }
  return undefined;
}

/** Whether an argument is required (non-null without a default). */
export const isRequiredArg = (arg: GraphQLArgument): boolean => isNonNullType(arg.type) && arg.defaultValue === undefined;

/** A GraphQL value for a required argument the probe has no fixture for: enums their first value, strings `fallback`. */
export function placeholderFor(arg: GraphQLArgument, fallback: string): unknown {
  const named = getNamedType(arg.type);
  if (isEnumType(named)) return named.getValues()[0]?.value;
  if (isScalarType(named) && (named.name === 'Int' || named.name === 'Float')) return 1;
  if (isScalarType(named) && named.name === 'Boolean') return false;
  if (isInputObjectType(named)) return {};
  return fallback;
}

/** `tenant-scoped`: a tenant credential is what calls it (scope- or credential-guarded, not operator-only, not public). */
export const isTenantFacing = (policy: AccessPolicy): boolean => policy.kind === 'authenticated' || policy.kind === 'scope';
