import { normalizeResource } from '@sb/adapters/fhir';
import type { BulkExport, ClinicalStoreRepository, Connection } from '@sb/db';
import type { ObjectStorage } from '@sb/storage';
import { EXPORTABLE_TYPES, type ExportParams } from './export-request';
import { fileKey, writeNdjsonFile, type WrittenFile } from './ndjson-file';
import { passesTypeFilters } from './type-filter';
import { ExportCancelled } from './vendor-export-step';

/** Resources per NDJSON file: large types are split so one file stays a manageable download. */
export const MAX_RESOURCES_PER_FILE = 10_000;
const PAGE_SIZE = 500;
/** Types outside any patient's compartment: only a system-level export carries them. */
const SHARED_TYPES = new Set(['Practitioner', 'Organization', 'Location']);

export interface MaterializedFile extends WrittenFile {
  resourceType: string;
  seq: number;
  objectKey: string;
}

/** The types an export of this level writes, in a stable order. */
export function typesOf(exp: Pick<BulkExport, 'level'>, params: ExportParams): string[] {
  const all = exp.level === 'system' ? EXPORTABLE_TYPES : EXPORTABLE_TYPES.filter((t) => !SHARED_TYPES.has(t));
  return params.types ? all.filter((t) => params.types?.includes(t)) : [...all];
}

/**
 * Materializes an export from the gateway's own clinical store (HL7 v2 connections, which have
 * no vendor export): every resource of each type written up to the export's transactionTime,
 * normalized (`meta.source`), `_since` and `_typeFilter` applied, in id order so a rerun after
 * a crash writes the same files. Calls `onFile` after each file is stored.
 */
export async function materializeFromStore(
  deps: { store: ClinicalStoreRepository; storage: ObjectStorage; signal: AbortSignal },
  exp: BulkExport,
  connection: Connection,
  until: Date,
  onFile: (file: MaterializedFile, done: { types: number; of: number }) => Promise<void>,
): Promise<void> {
  const params = exp.params as unknown as ExportParams;
  const types = typesOf(exp, params);
  const patientIds = params.patients.length > 0 ? params.patients : null;
  for (const [index, resourceType] of types.entries()) {
    const source = filtered(pages(deps.store, exp, { resourceType, until, since: params.since ? new Date(params.since) : null, patientIds }, deps.signal), connection, params);
    await splitIntoFiles(source, async (seq, resources) => {
      const objectKey = fileKey(exp.tenantId, exp.connectionId, exp.id, 'output', resourceType, seq);
      const written = await writeNdjsonFile(deps.storage, objectKey, resources);
      await onFile({ ...written, resourceType, seq, objectKey }, { types: index, of: types.length });
    });
  }
}

async function* pages(
  store: ClinicalStoreRepository,
  exp: BulkExport,
  query: { resourceType: string; until: Date; since: Date | null; patientIds: readonly string[] | null },
  signal: AbortSignal,
): AsyncGenerator<Record<string, unknown>> {
  let afterId: string | null = null;
  for (;;) {
    if (signal.aborted) throw new ExportCancelled();
    const rows = await store.exportPage(exp.tenantId, exp.connectionId, { ...query, afterId, limit: PAGE_SIZE });
    for (const row of rows) yield row.resource;
    if (rows.length < PAGE_SIZE) return;
    afterId = rows[rows.length - 1]?.id ?? null;
  }
}

async function* filtered(source: AsyncIterable<Record<string, unknown>>, connection: Connection, params: ExportParams): AsyncGenerator<Record<string, unknown>> {
  for await (const resource of source) {
    if (!passesTypeFilters(resource, params.typeFilters)) continue;
    yield normalizeResource(resource as never, connection) as Record<string, unknown>;
  }
}

/** Hands `write` one lazily-read slice of at most MAX_RESOURCES_PER_FILE per file; no file is started for an empty slice. */
export async function splitIntoFiles<T>(source: AsyncIterable<T>, write: (seq: number, items: AsyncIterable<T>) => Promise<void>, perFile = MAX_RESOURCES_PER_FILE): Promise<number> {
  const it = source[Symbol.asyncIterator]();
  let head = await it.next();
  let seq = 0;
  while (!head.done) {
    seq += 1;
    async function* slice(): AsyncGenerator<T> {
      for (let n = 0; !head.done && n < perFile; n += 1) {
        yield head.value;
        head = await it.next();
      }
    }
    await write(seq, slice());
  }
  return seq;
}
