import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Connection } from '@sb/db';

/** `meta.source` naming the connection a resource came through (shared/DESIGN.md). */
export const sourceOf = (connection: Pick<Connection, 'id'>): string => `urn:switchboard:connection:${connection.id}`;

/** Stamps provenance without touching codes, extensions or anything else the vendor sent. */
export function normalizeResource<T extends Resource>(resource: T, connection: Pick<Connection, 'id'>): T {
  return { ...resource, meta: { ...resource.meta, source: sourceOf(connection) } };
}

export interface SplitBundle {
  resources: Resource[];
  warnings: OperationOutcome[];
  nextUrl: string | null;
  total?: number;
}

/**
 * Splits a searchset: vendor OperationOutcomes mixed into the entries (Epic's
 * `search.mode = "outcome"`) become warnings, everything else is a result.
 */
export function splitSearchBundle(bundle: Bundle, connection: Pick<Connection, 'id'>): SplitBundle {
  const resources: Resource[] = [];
  const warnings: OperationOutcome[] = [];
  for (const entry of bundle.entry ?? []) {
    const resource = entry.resource;
    if (!resource) continue;
    if (entry.search?.mode === 'outcome' || resource.resourceType === 'OperationOutcome') warnings.push(resource as OperationOutcome);
    else resources.push(normalizeResource(resource, connection));
  }
  return {
    resources,
    warnings,
    nextUrl: bundle.link?.find((l) => l.relation === 'next')?.url ?? null,
    ...(typeof bundle.total === 'number' ? { total: bundle.total } : {}),
  };
}

/** The id in a `Location` header: `…/Type/id` or `…/Type/id/_history/v`. */
export function idFromLocation(location: string, type: string): string | null {
  const match = new RegExp(`(?:^|/)${type}/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]+)?/?$`).exec(location.split('?')[0] ?? '');
  return match?.[1] ?? null;
}
