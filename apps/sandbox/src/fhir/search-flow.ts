import type { FhirResource, ResourceType } from './fhir-types';
import { issue, type Issue } from './issues';
import type { LayeredStore } from './resource-store';
import type { SearchPage } from './search-bundle';
import { executeSearch, parseSearch, type ParsedSearch } from './search-engine';
import { encodeCursor, type SearchSession, type SearchSessions } from './search-sessions';

/** Where a vendor's search behaviour differs. */
export interface SearchPolicy {
  defaultPageSize: number;
  maxPageSize: number;
  /** The vendor's rule for which parameters a search needs; an issue means 400. */
  requirement(type: ResourceType, parsed: ParsedSearch): Issue | undefined;
  /** Outcome entries for the first page (Epic's warnings); none for Oracle. */
  outcomes(type: ResourceType, parsed: ParsedSearch, matches: readonly FhirResource[]): Issue[];
  includeTotal: boolean;
  /** The opaque next link for a page starting at the cursor. */
  nextLink(type: ResourceType, cursor: string, query: string): string;
}

export interface SearchRequest {
  store: LayeredStore;
  sessions: SearchSessions;
  policy: SearchPolicy;
  type: ResourceType;
  /** Query parameters in order, repeats kept. */
  params: [string, string][];
  /** The query string as received, for the self link and Oracle's next links. */
  query: string;
  base: string;
  owner: string;
  /** A fault: point the next link at another host (adding one if there was none). */
  foreignNextLink?: string;
}

export type SearchResult = { ok: true; page: SearchPage; outcomeIssues: Issue[] } | { ok: false; status: number; issues: Issue[] };

const selfUrl = (base: string, type: string, query: string): string => `${base}/${type}${query ? `?${query}` : ''}`;

export function startSearch(request: SearchRequest): SearchResult {
  const { policy, type } = request;
  const parsed = parseSearch(type, request.params);
  if (parsed.invalid.length > 0) {
    return { ok: false, status: 400, issues: parsed.invalid.map((name) => issue('invalid-parameter', `The value of search parameter "${name}" is not valid.`, [name])) };
  }
  const missing = policy.requirement(type, parsed);
  if (missing) return { ok: false, status: 400, issues: [missing] };
  const matches = executeSearch(request.store, type, parsed.criteria);
  const pageSize = Math.min(parsed.count ?? policy.defaultPageSize, policy.maxPageSize);
  const outcomeIssues = policy.outcomes(type, parsed, matches);
  const page = pageOf(request, matches, 0, pageSize, undefined);
  return { ok: true, page, outcomeIssues };
}

export function continueSearch(request: Omit<SearchRequest, 'params'>, session: SearchSession, offset: number): SearchResult {
  return { ok: true, page: pageOf(request, session.matches, offset, session.pageSize, session), outcomeIssues: [] };
}

function pageOf(request: Omit<SearchRequest, 'params'>, matches: readonly FhirResource[], offset: number, pageSize: number, existing: SearchSession | undefined): SearchPage {
  const { policy, type } = request;
  const end = offset + pageSize;
  let nextUrl: string | undefined;
  if (end < matches.length || request.foreignNextLink) {
    const session = existing ?? request.sessions.open({ owner: request.owner, type, matches, pageSize, query: request.query });
    nextUrl = policy.nextLink(type, encodeCursor(session.id, Math.min(end, matches.length)), session.query);
    if (request.foreignNextLink) {
      const u = new URL(nextUrl);
      nextUrl = `${request.foreignNextLink}${u.pathname}${u.search}`;
    }
  }
  return {
    base: request.base,
    selfUrl: selfUrl(request.base, type, request.query),
    nextUrl,
    total: policy.includeTotal ? matches.length : undefined,
    matches: matches.slice(offset, end),
  };
}
