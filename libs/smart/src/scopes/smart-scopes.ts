/**
 * SMART App Launch 2.2 scopes (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html):
 * clinical scopes `(patient|user|system)/(Type|*).<cruds>` with an optional `?param=value&…`
 * restriction (v2), v1 `.read`/`.write`/`.*` read as `.rs`/`.cud`/`.cruds`, and the context and
 * identity scopes an app asks for beside them.
 */
import { isV1Permissions, permissionsOf, type Interaction } from '@sb/core';

export const SMART_CONTEXT_SCOPES = ['launch', 'launch/patient', 'launch/encounter', 'openid', 'fhirUser', 'profile', 'offline_access', 'online_access'] as const;
export type SmartContextScopeName = (typeof SMART_CONTEXT_SCOPES)[number];
export type SmartScopeLevel = 'patient' | 'user' | 'system';

export interface SmartClinicalScope {
  kind: 'clinical';
  level: SmartScopeLevel;
  resourceType: string;
  interactions: ReadonlySet<Interaction>;
  /** Search parameters every resource reached through this scope must match (v2 `?…`), in the order given. */
  restriction: readonly (readonly [string, string])[];
}

export type SmartScope = { kind: 'context'; name: SmartContextScopeName } | SmartClinicalScope;

const INTERACTION_ORDER: readonly Interaction[] = ['c', 'r', 'u', 'd', 's'];
const CLINICAL = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]{1,63})\.([a-z*]+)(?:\?(.{1,512}))?$/;
const PARAM_NAME = /^[a-z_][a-z0-9_:.-]{0,63}$/i;
const MAX_SCOPE_CHARS = 600;

function restrictionOf(query: string): [string, string][] | null {
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq < 1) return null;
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(part.slice(0, eq));
      value = decodeURIComponent(part.slice(eq + 1));
    } catch {
      return null;
    }
    if (!PARAM_NAME.test(name) || value === '') return null;
    pairs.push([name, value]);
  }
  return pairs;
}

/** Parses one scope; null for anything outside the grammar (v1 permissions take no restriction). */
export function parseSmartScope(scope: string): SmartScope | null {
  if ((SMART_CONTEXT_SCOPES as readonly string[]).includes(scope)) return { kind: 'context', name: scope as SmartContextScopeName };
  if (scope.length > MAX_SCOPE_CHARS) return null;
  const m = CLINICAL.exec(scope);
  if (!m) return null;
  const [, level, resourceType, perms, query] = m as unknown as [string, SmartScopeLevel, string, string, string | undefined];
  const interactions = permissionsOf(perms);
  if (!interactions) return null;
  if (query === undefined) return { kind: 'clinical', level, resourceType, interactions, restriction: [] };
  if (isV1Permissions(perms)) return null;
  const restriction = restrictionOf(query);
  return restriction ? { kind: 'clinical', level, resourceType, interactions, restriction } : null;
}

/** The scopes that do not parse (empty when all do). */
export const invalidSmartScopes = (scopes: readonly string[]): string[] => scopes.filter((s) => parseSmartScope(s) === null);

/** A scope as the gateway grants it: v1 permissions written as v2 (`patient/*.read` → `patient/*.rs`). */
export function canonicalSmartScope(scope: string): string {
  const parsed = parseSmartScope(scope);
  if (parsed?.kind !== 'clinical') return scope;
  const perms = INTERACTION_ORDER.filter((i) => parsed.interactions.has(i)).join('');
  // A restriction is kept as written (v1 permissions never carry one).
  const query = scope.indexOf('?');
  return `${parsed.level}/${parsed.resourceType}.${perms}${query < 0 ? '' : scope.slice(query)}`;
}

/** True when `allowed` permits everything `wanted` asks for (a restriction only narrows). */
function covers(allowed: SmartScope, wanted: SmartScope): boolean {
  if (allowed.kind === 'context' || wanted.kind === 'context') return allowed.kind === 'context' && wanted.kind === 'context' && allowed.name === wanted.name;
  if (allowed.level !== wanted.level) return false;
  if (allowed.resourceType !== '*' && allowed.resourceType !== wanted.resourceType) return false;
  for (const i of wanted.interactions) if (!allowed.interactions.has(i)) return false;
  return allowed.restriction.every(([k, v]) => wanted.restriction.some(([wk, wv]) => wk === k && wv === v));
}

/**
 * What to grant of a request: each requested scope that some registered scope covers, in its
 * canonical form, without duplicates; the rest is dropped (SMART lets a server grant less).
 */
export function grantableScopes(requested: readonly string[], registered: readonly string[]): string[] {
  const allowed = registered.map(parseSmartScope).filter((s): s is SmartScope => s !== null);
  const granted = new Set<string>();
  for (const scope of requested) {
    const wanted = parseSmartScope(scope);
    if (wanted && allowed.some((a) => covers(a, wanted))) granted.add(canonicalSmartScope(scope));
  }
  return [...granted];
}

/** The clinical scopes of a granted list, parsed. */
export const clinicalScopesOf = (granted: readonly string[]): SmartClinicalScope[] =>
  granted.map(parseSmartScope).filter((s): s is SmartClinicalScope => s?.kind === 'clinical');
