/**
 * Broken object-level authorization, generated from the catalog: tenant B (its API key, and its
 * console session) calls every tenant-facing operation with tenant A's ids and must get 404
 * without any of A's ids in the answer; collections B lists must not hold A's objects.
 */
import { graphqlFields, isTenantFacing, restOperations, type GraphqlField, type RestOperation } from './catalog';
import { CREDENTIAL_LABELS, credentialOf, EHR_KINDS, QUERY_PARAM_KINDS, type FixtureKind, type Fixtures } from './fixtures';
import { probe } from './probe';
import type { World } from './probe-world';
import { bodyFor, headersFor, queryFor } from './request-bodies';
import { fillPath, graphqlRequest, graphqlSlots, namesTenantObject, restSlots, valueOf, variantsOf, type Slot, type Variant } from './resolve';
import { NO_CONTROL, NOT_GENERATED } from './route-tables';

export interface BolaContext {
  world: World;
  a: Partial<Fixtures>;
  b: Partial<Fixtures>;
}

/** A's ids that must never show in B's answers (EHR ids are the vendor's, shared by design). */
const aIds = (ctx: BolaContext): string[] =>
  Object.entries(ctx.a)
    .filter(([kind, id]) => namesTenantObject(kind as Slot) && id !== undefined && id.length >= 8)
    .map(([, id]) => id!);

const expectNoLeak = (ctx: BolaContext, text: string) => expect(aIds(ctx).filter((id) => text.includes(id))).toEqual([]);

/**
 * B's own connection with A's patient id asks B's own chart store for an unknown patient: any
 * refusal but a 500 is right (404, 400 for an unknown reference, 501 for a read-only store).
 */
const refusesUnknownChild = (variant: Variant, slots: Record<string, Slot>): boolean =>
  variant.mixed && Object.values(slots).some((slot) => EHR_KINDS.includes(slot as FixtureKind));
const REFUSED = [400, 404, 501];

// Deleting first would turn every later probe of the same object into an easy 404.
const ORDER: Record<string, number> = { GET: 0, HEAD: 0, POST: 1, PUT: 1, PATCH: 1, DELETE: 2 };
const tenantOps = (): RestOperation[] =>
  restOperations()
    .filter((op) => isTenantFacing(op.policy) && !NOT_GENERATED[op.id])
    .sort((x, y) => (ORDER[x.method] ?? 1) - (ORDER[y.method] ?? 1));

export function describeRestBola(ctx: () => BolaContext): void {
  for (const op of tenantOps()) {
    const { slots, unmapped } = restSlots(op);
    if (unmapped.length > 0) continue; // the catalog probe names it
    const owned = op.pathParams.filter((p) => namesTenantObject(slots[p]));
    const tenantQuery = op.queryParams.filter((q) => QUERY_PARAM_KINDS[q]);
    for (const variant of owned.length > 0 || tenantQuery.length > 0 ? variantsOf(slots, op.pathParams) : []) {
      for (const label of CREDENTIAL_LABELS) {
        probe('bola', `${op.method} ${op.path} (${variant.label}${tenantQuery.length ? `, ?${tenantQuery.join('&')}=A` : ''}; B's ${label})`, async () => {
          const { world, a, b } = ctx();
          const values = Object.fromEntries(op.pathParams.map((p) => [p, valueOf(slots[p]!, variant.owner(p) === 'a' ? a : b)]));
          const query = queryFor(op, Object.fromEntries(tenantQuery.map((q) => [q, valueOf(QUERY_PARAM_KINDS[q]!, a)])));
          const res = await world.send(op.method, `${fillPath(op.path, values)}${query}`, credentialOf(world.b, label), bodyFor(op, a), headersFor(op));
          const expected = refusesUnknownChild(variant, slots) && REFUSED.includes(res.status) ? res.status : 404;
          expect({ status: res.status, body: res.status === expected ? '' : res.text.slice(0, 300) }).toEqual({ status: expected, body: '' });
          if (op.path.startsWith('/fhir/')) expect(res.body.resourceType).toBe('OperationOutcome');
          expectNoLeak(ctx(), res.text);
        });
      }
    }
  }
}

/**
 * Controls: each GET the cross-tenant probes send, sent by A itself, succeeds; so B's 404 comes
 * from the tenant check, not from an id or request the api would refuse anyway.
 */
export function describeControls(ctx: () => BolaContext): void {
  for (const op of tenantOps().filter((o) => o.method === 'GET' && !NO_CONTROL[o.id])) {
    const { slots, unmapped } = restSlots(op);
    if (unmapped.length > 0 || !op.pathParams.some((p) => namesTenantObject(slots[p]))) continue;
    probe('control', `${op.method} ${op.path} (A's own api key)`, async () => {
      const { world, a } = ctx();
      const values = Object.fromEntries(op.pathParams.map((p) => [p, valueOf(slots[p]!, a)]));
      const res = await world.send('GET', `${fillPath(op.path, values)}${queryFor(op)}`, credentialOf(world.a, 'api key'), undefined, headersFor(op));
      expect({ status: res.status, body: res.status < 300 ? '' : res.text.slice(0, 300) }).toMatchObject({ body: '' });
    });
  }
}

/** Body fields that name a tenant-owned object. */
const BODY_ID_KINDS: Readonly<Record<string, FixtureKind>> = { tenantId: 'tenant', connectionId: 'epicConnection' };

/** Tenant-facing writes whose body names another object: B naming A's must be a 404 too. */
export function describeBodyReferences(ctx: () => BolaContext): void {
  for (const op of tenantOps().filter((o) => o.pathParams.length === 0 && o.body?.properties)) {
    for (const field of Object.keys(op.body!.properties!).filter((f) => BODY_ID_KINDS[f])) {
      probe('bola', `${op.method} ${op.path} (body ${field} = A's; B's api key)`, async () => {
        const { world, a } = ctx();
        const body = { ...(bodyFor(op, a) as object), [field]: valueOf(BODY_ID_KINDS[field]!, a) };
        const res = await world.send(op.method, `${op.path}${queryFor(op)}`, credentialOf(world.b, 'api key'), body, headersFor(op));
        expect({ status: res.status, body: res.status === 404 ? '' : res.text.slice(0, 300) }).toEqual({ status: 404, body: '' });
        expectNoLeak(ctx(), res.text);
      });
    }
  }
}

/** Collections B reads (no path parameter) must hold none of A's objects. */
export function describeListLeaks(ctx: () => BolaContext): void {
  for (const op of restOperations().filter((o) => o.method === 'GET' && o.pathParams.length === 0 && isTenantFacing(o.policy))) {
    probe('list-leak', `${op.method} ${op.path} (B's api key)`, async () => {
      const { world } = ctx();
      const res = await world.send('GET', `${op.path}${queryFor(op)}`, { kind: 'bearer', token: world.b.key }, undefined, headersFor(op));
      expect(res.status).toBeLessThan(500);
      expectNoLeak(ctx(), res.text);
    });
  }
}

/** GraphQL errors as `{code, message}` (a failing probe shows both). */
export const errorsOf = (body: any): { code?: string; message: string }[] =>
  (body?.errors ?? []).map((e: { message: string; extensions?: { code?: string } }) => ({ code: e.extensions?.code, message: e.message }));

const gqlTenantFields = (): GraphqlField[] => graphqlFields().filter((f) => isTenantFacing(f.policy));

export function describeGraphqlBola(ctx: () => BolaContext): void {
  for (const field of gqlTenantFields()) {
    const { slots, fixed } = graphqlSlots(field);
    const order = Object.keys(slots);
    if (!order.some((arg) => namesTenantObject(slots[arg]))) continue;
    for (const variant of variantsOf(slots, order)) {
      for (const label of CREDENTIAL_LABELS) {
        probe('bola-graphql', `${field.id} (${variant.label}; B's ${label})`, async () => {
          const { world, a, b } = ctx();
          const values = { ...fixed, ...Object.fromEntries(order.map((arg) => [arg, valueOf(slots[arg]!, variant.owner(arg) === 'a' ? a : b)])) };
          const res = await world.send('POST', '/graphql', credentialOf(world.b, label), graphqlRequest(field, values));
          const codes = errorsOf(res.body).map((e) => e.code);
          const expected = refusesUnknownChild(variant, slots) && codes.length === 1 && ['validation_failed', 'not_found', 'not_supported'].includes(codes[0]!) ? codes[0] : 'not_found';
          expect({ errors: errorsOf(res.body), data: res.body.data?.[field.name] ?? null }).toMatchObject({ errors: [{ code: expected }], data: null });
          expectNoLeak(ctx(), res.text);
        });
      }
    }
  }
}

/** GraphQL queries without an id argument (the tenant's lists) must hold none of A's objects either. */
export function describeGraphqlListLeaks(ctx: () => BolaContext): void {
  for (const field of gqlTenantFields().filter((f) => f.root === 'Query' && f.args.every((a) => !(a.name in graphqlSlots(f).slots)))) {
    probe('list-leak', `${field.id} (B's api key)`, async () => {
      const { world } = ctx();
      const { fixed } = graphqlSlots(field);
      const res = await world.send('POST', '/graphql', { kind: 'bearer', token: world.b.key }, graphqlRequest({ ...field, selection: field.idSelection }, fixed));
      expect({ status: res.status, errors: errorsOf(res.body) }).toEqual({ status: 200, errors: [] });
      expectNoLeak(ctx(), res.text);
    });
  }
}
