import type { FhirResource } from './fhir-types';

export interface SearchPage {
  /** The FHIR base URL, for each entry's fullUrl. */
  base: string;
  selfUrl: string;
  nextUrl?: string;
  /** Epic states the total; Oracle leaves it out. */
  total?: number;
  id?: string;
  matches: readonly FhirResource[];
  /** OperationOutcomes carried as entries with search.mode = "outcome" (Epic). */
  outcomes?: readonly FhirResource[];
}

/**
 * A searchset Bundle as JSON text. Resources are spliced in from their cached
 * serialization rather than re-stringified: a search page is mostly them.
 */
export function serializeSearchBundle(page: SearchPage, serialized: (r: FhirResource) => string): string {
  const head: Record<string, unknown> = { resourceType: 'Bundle', ...(page.id ? { id: page.id } : {}), type: 'searchset' };
  if (page.total !== undefined) head.total = page.total;
  head.link = [{ relation: 'self', url: page.selfUrl }, ...(page.nextUrl ? [{ relation: 'next', url: page.nextUrl }] : [])];
  const entries: string[] = [];
  for (const r of page.matches) {
    entries.push(`{"fullUrl":${JSON.stringify(`${page.base}/${r.resourceType}/${r.id}`)},"resource":${serialized(r)},"search":{"mode":"match"}}`);
  }
  for (const outcome of page.outcomes ?? []) entries.push(JSON.stringify({ resource: outcome, search: { mode: 'outcome' } }));
  const headJson = JSON.stringify(head);
  return entries.length === 0 ? headJson : `${headJson.slice(0, -1)},"entry":[${entries.join(',')}]}`;
}
