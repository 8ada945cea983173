import type { Bundle, Identifier, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Connection } from '@sb/db';

type SourceConnection = Pick<Connection, 'id' | 'dialect'>;

/** `meta.source` naming the connection a resource came through (shared/DESIGN.md). */
export const sourceOf = (connection: Pick<Connection, 'id'>): string => `urn:switchboard:connection:${connection.id}`;

const V2_IDENTIFIER_TYPE = 'http://terminology.hl7.org/CodeSystem/v2-0203';

const mrnSystemOf = (connection: SourceConnection): string | undefined =>
  (connection.dialect as { identifierSystems?: { mrn?: string } }).identifierSystems?.mrn;

/**
 * US Core identifies the MRN by type code MR (v2-0203). Vendors mark it their own
 * way (Epic: `type.text = "MRN"`; a site dialect may name its MRN system): the code
 * is added, nothing the vendor sent is removed.
 */
function typeMedicalRecordNumbers(identifiers: Identifier[], mrnSystem: string | undefined): Identifier[] {
  return identifiers.map((identifier) => {
    const coded = identifier.type?.coding?.some((c) => c.code === 'MR');
    const isMrn = coded || /^(mrn|medical record number)$/i.test(identifier.type?.text ?? '') || (mrnSystem !== undefined && identifier.system === mrnSystem);
    if (!isMrn || coded) return identifier;
    return {
      ...identifier,
      type: { ...identifier.type, coding: [...(identifier.type?.coding ?? []), { system: V2_IDENTIFIER_TYPE, code: 'MR', display: 'Medical record number' }] },
    };
  });
}

/** Stamps provenance and types MRNs consistently; codes, extensions and everything else stay as sent. */
export function normalizeResource<T extends Resource>(resource: T, connection: SourceConnection): T {
  const normalized = { ...resource, meta: { ...resource.meta, source: sourceOf(connection) } };
  if (normalized.resourceType === 'Patient' && normalized.identifier) {
    normalized.identifier = typeMedicalRecordNumbers(normalized.identifier, mrnSystemOf(connection));
  }
  return normalized;
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
export function splitSearchBundle(bundle: Bundle, connection: SourceConnection): SplitBundle {
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
