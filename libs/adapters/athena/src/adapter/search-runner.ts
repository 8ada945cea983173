import type { Resource } from '@medplum/fhirtypes';
import type { ClinicalResourceType, CursorCodec, SearchPage, SearchParams } from '@sb/adapters/contracts';
import { ErrorCode, SbError } from '@sb/core';
import type { AthenaMapContext } from '../fhir/map-context';
import type { AthenaApi } from './athena-api';
import { runStep, type SourceStep } from './search-sources';

/** Results a page holds when the client sends no `_count`. */
export const DEFAULT_PAGE_SIZE = 50;
/** athena requests one gateway page may make (pages whose records all fail a filter are skipped over). */
const MAX_STEPS_PER_PAGE = 10;

/**
 * A search in progress, sealed into the gateway cursor (never athena's `next` as a
 * URL the client sees): the sources still to read, how many mapped resources of the
 * first one were already served (athena pages by record, a record may map to several
 * resources), the page size and the criteria the gateway applies itself.
 */
export interface SearchState {
  v: 1;
  type: ClinicalResourceType;
  count: number;
  steps: SourceStep[];
  skip: number;
  /** Criteria athena cannot apply, re-checked on the mapped resources of every page. */
  filters: SearchParams;
}

export type FilterBuilder = (type: ClinicalResourceType, filters: SearchParams) => ((r: Resource) => boolean)[];

/** One gateway page: reads steps until `count` resources passed the filters, and seals where to go on. */
export async function runSearch(
  state: SearchState,
  env: { api: AthenaApi; mapContext: () => Promise<AthenaMapContext>; cursors: CursorCodec; connectionId: string; buildFilters: FilterBuilder },
): Promise<SearchPage> {
  const filters = env.buildFilters(state.type, state.filters);
  const keep = (r: Resource) => filters.every((f) => f(r));
  const ctx = await env.mapContext();
  const out: Resource[] = [];
  let steps = state.steps;
  let skip = state.skip;
  for (let n = 0; steps.length > 0 && n < MAX_STEPS_PER_PAGE && out.length < state.count; n++) {
    const [step, ...rest] = steps as [SourceStep, ...SourceStep[]];
    const result = await runStep(env.api, ctx, step);
    const fresh = result.resources.filter(keep).slice(skip);
    const room = state.count - out.length;
    if (fresh.length > room) {
      out.push(...fresh.slice(0, room));
      skip += room;
      break;
    }
    out.push(...fresh);
    skip = 0;
    steps = result.next ? [{ ...step, path: result.next }, ...rest] : rest;
  }
  const next = steps.length > 0 ? env.cursors.seal(env.connectionId, JSON.stringify({ ...state, steps, skip } satisfies SearchState)) : null;
  return { resources: dedupe(out), warnings: [], nextCursor: next };
}

/** The search a gateway cursor continues; a cursor of another type (or not ours) is a 400. */
export function openCursor(cursors: CursorCodec, connectionId: string, cursor: string, type: ClinicalResourceType): SearchState {
  const sealed = cursors.open(connectionId, cursor);
  let state: SearchState | undefined;
  try {
    state = JSON.parse(sealed) as SearchState;
  } catch {
    state = undefined;
  }
  if (!state || state.v !== 1 || state.type !== type || !Array.isArray(state.steps)) {
    throw new SbError(ErrorCode.ValidationFailed, 'Invalid search parameters', { issues: [{ path: '_cursor', message: 'unknown or expired cursor' }] });
  }
  return state;
}

/** The same resource twice (a record on two athena pages after a concurrent change) is served once. */
function dedupe(resources: Resource[]): Resource[] {
  const seen = new Set<string>();
  return resources.filter((r) => {
    const key = `${r.resourceType}/${r.id ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
