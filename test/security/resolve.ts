/**
 * Filling an operation's parameters from fixtures: which kinds it names, and the variants a
 * cross-tenant probe tries (all of A's ids; B's own parent with A's child).
 */
import { isRequiredArg, placeholderFor, type GraphqlField, type RestOperation } from './catalog';
import { EHR_KINDS, graphqlArgKind, PARENT_KINDS, PATH_PARAM_RULES, SHARED_NAME_KINDS, type FixtureKind, type Fixtures } from './fixtures';

export type Slot = FixtureKind | { literal: string };

/** The fixture kind of each path parameter, or the names of those no rule knows. */
export function restSlots(op: RestOperation): { slots: Record<string, Slot>; unmapped: string[] } {
  const slots: Record<string, Slot> = {};
  const unmapped: string[] = [];
  for (const param of op.pathParams) {
    const rule = PATH_PARAM_RULES.find((r) => r.param === param && r.path.test(op.path));
    if (rule) slots[param] = rule.kind;
    else unmapped.push(param);
  }
  return { slots, unmapped };
}

const isKind = (slot: Slot | undefined): slot is FixtureKind => typeof slot === 'string';

export interface Variant {
  label: string;
  /** B's own parent: an unknown child under it may also be refused as invalid (400) rather than missing. */
  mixed: boolean;
  /** Which tenant's fixture fills each tenant-owned slot. */
  owner: (param: string) => 'a' | 'b';
}

/**
 * All of A's ids; and, when the first slot is a parent B also owns and another slot names a
 * child, B's parent with A's child (a lookup that checks only the parent's tenant would leak).
 */
export function variantsOf(slots: Record<string, Slot>, order: readonly string[]): Variant[] {
  const owned = order.filter((p) => isKind(slots[p]));
  const variants: Variant[] = [{ label: "A's ids", mixed: false, owner: () => 'a' }];
  const [first, ...rest] = owned;
  if (first && PARENT_KINDS.includes(slots[first] as FixtureKind) && rest.some((p) => !SHARED_NAME_KINDS.includes(slots[p] as FixtureKind))) {
    variants.push({ label: "B's parent, A's child", mixed: true, owner: (p) => (p === first ? 'b' : 'a') });
  }
  return variants;
}

/** The concrete value of a slot for a tenant's fixtures. */
export function valueOf(slot: Slot, fixtures: Partial<Fixtures>): string {
  if (!isKind(slot)) return slot.literal;
  const value = fixtures[slot];
  if (value === undefined) throw new Error(`no ${slot} fixture`);
  return value;
}

/** Whether a slot names something of A's at all (EHR ids count only under A's own connection). */
export const namesTenantObject = (slot: Slot | undefined): boolean => isKind(slot) && !EHR_KINDS.includes(slot);

export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(values[p] ?? `missing-${p}`));
}

/** Arguments of a GraphQL field the probes cannot fill from fixtures or placeholders. */
const GRAPHQL_ARGS: Readonly<Record<string, Record<string, unknown>>> = {
  'Mutation.createConnection': { input: { name: 'probe', vendor: 'epic', environment: 'sandbox' } },
  'Mutation.createWebhookEndpoint': { input: { url: 'http://127.0.0.1:9/hook', eventTypes: ['patient.admitted'] } },
  'Mutation.updateConnection': { input: { name: 'hijacked' } },
  'Mutation.setConnectionStatus': { status: 'disabled' },
  'Mutation.generateConnectionKey': { input: { alg: 'ES384' } },
  'Mutation.updateWebhookEndpoint': { input: { description: 'hijacked' } },
  'Query.searchPatients': { name: 'Probe' },
  'Mutation.bookAppointment': { start: '2026-03-10T14:00:00Z', end: '2026-03-10T14:30:00Z' },
};
const INSTANTS: Readonly<Record<string, string>> = { from: '2026-01-01T00:00:00Z', start: '2026-03-10T14:00:00Z', to: '2026-01-02T00:00:00Z', end: '2026-03-10T14:30:00Z' };

/** The kind each argument of a field names (tenant-owned or literal), and its other required arguments' values. */
export function graphqlSlots(field: GraphqlField): { slots: Record<string, Slot>; fixed: Record<string, unknown> } {
  const slots: Record<string, Slot> = {};
  const fixed: Record<string, unknown> = { ...GRAPHQL_ARGS[field.id] };
  for (const arg of field.args) {
    const kind = graphqlArgKind(field.name, arg.name);
    if (kind !== undefined && (isRequiredArg(arg) || kind === 'tenant' || kind === 'event')) slots[arg.name] = kind;
    else if (isRequiredArg(arg) && !(arg.name in fixed)) fixed[arg.name] = INSTANTS[arg.name] ?? placeholderFor(arg, 'probe');
  }
  return { slots, fixed };
}

/** The document and variables calling `field` with `values`. */
export function graphqlRequest(field: GraphqlField, values: Record<string, unknown>): { query: string; variables: Record<string, unknown> } {
  const used = field.args.filter((a) => a.name in values);
  const definitions = used.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const call = used.map((a) => `${a.name}: $${a.name}`).join(', ');
  const operation = field.root === 'Query' ? 'query' : 'mutation';
  return {
    query: `${operation} Probe${definitions ? `(${definitions})` : ''} { ${field.name}${call ? `(${call})` : ''}${field.selection} }`,
    variables: Object.fromEntries(used.map((a) => [a.name, values[a.name]])),
  };
}
