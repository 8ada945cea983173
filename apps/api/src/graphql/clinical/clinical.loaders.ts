import type { CapabilityStatement, Resource } from '@medplum/fhirtypes';
import { isClinicalResourceType, type ClinicalResourceType, type SearchPage, type SearchParams } from '@sb/adapters/contracts';
import type { ClinicalService } from '@sb/clinical';
import { scopesGrant, type Actor } from '@sb/core';
import DataLoader from 'dataloader';

/** The clinical calls the loaders make: ClinicalService bound to one actor and tenant. */
export interface ClinicalSource {
  read(connectionId: string, type: ClinicalResourceType, id: string): Promise<Resource>;
  search(connectionId: string, type: ClinicalResourceType, params: SearchParams, cursor?: string): Promise<SearchPage>;
  /** Whether reads of `type` on this connection may be combined into one `_id=a,b,c` search. */
  canBatchReads(connectionId: string, type: ClinicalResourceType): Promise<boolean>;
}

interface ReadKey {
  connectionId: string;
  type: ClinicalResourceType;
  id: string;
}

interface SearchKey {
  connectionId: string;
  type: ClinicalResourceType;
  params: SearchParams;
  cursor?: string;
}

/** Ids per `_id` search: well inside the gateway's page size limit and a vendor URL's length. */
export const MAX_READ_BATCH = 50;

const readKeyOf = (k: ReadKey): string => JSON.stringify([k.connectionId, k.type, k.id]);

/** Parameter order (and the order of repeated values, which are ANDed) does not change a search. */
const searchKeyOf = (k: SearchKey): string =>
  JSON.stringify([
    k.connectionId,
    k.type,
    Object.keys(k.params)
      .sort()
      .map((name) => [name, [...(k.params[name] ?? [])].sort()]),
    k.cursor ?? null,
  ]);

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error('Clinical call failed', { cause: e }));

/**
 * Per-request loaders over the transaction pipeline, so one GraphQL operation does
 * not fan out into N vendor calls: reads of one type on one connection collected in
 * a tick become a single `_id=a,b,c` search (where the EHR declares `_id` and the
 * credential may search that type; otherwise individual reads), identical searches
 * are made once, and search results answer later reads of the same resources.
 * Caches live as long as the request: never shared between requests or actors.
 */
export class ClinicalLoaders {
  private readonly reads: DataLoader<ReadKey, Resource, string>;
  private readonly searches: DataLoader<SearchKey, SearchPage, string>;

  constructor(
    private readonly source: ClinicalSource,
    options: { maxReadBatch?: number } = {},
  ) {
    this.reads = new DataLoader((keys) => this.loadReads(keys), { cacheKeyFn: readKeyOf, maxBatchSize: options.maxReadBatch ?? MAX_READ_BATCH });
    this.searches = new DataLoader((keys) => Promise.all(keys.map((k) => this.loadSearch(k))), { cacheKeyFn: searchKeyOf });
  }

  read(connectionId: string, type: ClinicalResourceType, id: string): Promise<Resource> {
    return this.reads.load({ connectionId, type, id });
  }

  search(connectionId: string, type: ClinicalResourceType, params: SearchParams, cursor?: string): Promise<SearchPage> {
    return this.searches.load({ connectionId, type, params, ...(cursor ? { cursor } : {}) });
  }

  /** After a write, searches made earlier in the request may be stale. */
  clearSearches(): void {
    this.searches.clearAll();
  }

  /** Remembers a resource the request already holds (e.g. one just created). */
  prime(connectionId: string, resource: Resource): void {
    const type = resource.resourceType;
    if (resource.id && isClinicalResourceType(type)) this.reads.prime({ connectionId, type, id: resource.id }, resource);
  }

  private async loadSearch(key: SearchKey): Promise<SearchPage | Error> {
    try {
      const page = await this.source.search(key.connectionId, key.type, key.params, key.cursor);
      for (const resource of page.resources) this.prime(key.connectionId, resource);
      return page;
    } catch (e) {
      return asError(e);
    }
  }

  private async loadReads(keys: readonly ReadKey[]): Promise<(Resource | Error)[]> {
    const groups = new Map<string, ReadKey[]>();
    for (const key of keys) {
      const group = JSON.stringify([key.connectionId, key.type]);
      groups.set(group, [...(groups.get(group) ?? []), key]);
    }
    const results = new Map<string, Resource | Error>();
    await Promise.all([...groups.values()].map((group) => this.loadGroup(group, results)));
    return keys.map((k) => results.get(readKeyOf(k)) ?? new Error('Resource was not loaded'));
  }

  /** One connection, one type, distinct ids (DataLoader de-duplicates keys). */
  private async loadGroup(group: ReadKey[], results: Map<string, Resource | Error>): Promise<void> {
    const { connectionId, type } = group[0] as ReadKey;
    const found = new Map<string, Resource>();
    if (group.length > 1 && (await this.source.canBatchReads(connectionId, type).catch(() => false))) {
      try {
        const page = await this.source.search(connectionId, type, { _id: [group.map((k) => k.id).join(',')], _count: [String(group.length)] });
        for (const r of page.resources) if (r.resourceType === type && r.id) found.set(r.id, r);
      } catch (e) {
        for (const key of group) results.set(readKeyOf(key), asError(e));
        return;
      }
    }
    // Ids the search did not return are read one by one, so each gets the EHR's own answer (often not_found).
    await Promise.all(
      group.map(async (key) => {
        const hit = found.get(key.id);
        try {
          results.set(readKeyOf(key), hit ?? (await this.source.read(connectionId, type, key.id)));
        } catch (e) {
          results.set(readKeyOf(key), asError(e));
        }
      }),
    );
  }
}

/** ClinicalService for one actor and tenant; batching only where the credential and the connection allow searching by `_id`. */
export function clinicalSourceFor(clinical: Pick<ClinicalService, 'read' | 'search' | 'capabilityStatement'>, actor: Actor, tenantId: string): ClinicalSource {
  const statements = new Map<string, Promise<CapabilityStatement | null>>();
  const statementOf = (connectionId: string): Promise<CapabilityStatement | null> => {
    let statement = statements.get(connectionId);
    if (!statement) {
      statement = clinical.capabilityStatement(tenantId, connectionId, actor).catch(() => null);
      statements.set(connectionId, statement);
    }
    return statement;
  };
  return {
    read: (connectionId, type, id) => clinical.read(actor, tenantId, connectionId, type, id),
    search: (connectionId, type, params, cursor) => clinical.search(actor, tenantId, connectionId, type, params, cursor),
    async canBatchReads(connectionId, type) {
      // A credential that may read but not search keeps its individual reads.
      if (actor.type === 'operator' || !scopesGrant(actor.scopes, { resourceType: type, interaction: 's' })) return false;
      const resource = (await statementOf(connectionId))?.rest?.[0]?.resource?.find((r) => r.type === type);
      return !!resource?.interaction?.some((i) => i.code === 'search-type') && !!resource.searchParam?.some((p) => p.name === '_id');
    },
  };
}

const perRequest = new WeakMap<object, ClinicalLoaders>();

/** The request's loaders, created on first use and dropped with the request. */
export function clinicalLoadersOf(req: object, create: () => ClinicalLoaders): ClinicalLoaders {
  let loaders = perRequest.get(req);
  if (!loaders) {
    loaders = create();
    perRequest.set(req, loaders);
  }
  return loaders;
}
