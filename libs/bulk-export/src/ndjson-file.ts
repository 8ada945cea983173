import type { ObjectStorage } from '@sb/storage';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export const NDJSON = 'application/fhir+ndjson';
/** Lines are handed to gzip in chunks of about this size: one gzip write per line costs half the worker's CPU (bench `bulk`). */
const CHUNK_CHARS = 64 * 1024;

export interface WrittenFile {
  bytes: number;
  sha256: string;
  lines: number;
}

/**
 * Writes one gzip-compressed NDJSON object from `resources` (one JSON line each), streaming:
 * memory stays constant however large the file. The object appears in storage only when
 * complete, so a crash mid-file leaves nothing a client could download.
 */
export async function writeNdjsonFile(storage: ObjectStorage, key: string, resources: AsyncIterable<Record<string, unknown>>): Promise<WrittenFile> {
  let lines = 0;
  async function* ndjson(): AsyncGenerator<string> {
    let chunk = '';
    for await (const resource of resources) {
      lines += 1;
      chunk += `${JSON.stringify(resource)}\n`;
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk !== '') yield chunk;
  }
  const gzip = createGzip({ level: 6 });
  const feeding = pipeline(Readable.from(ndjson(), { objectMode: false }), gzip);
  const [stored] = await Promise.all([storage.put(key, gzip, { contentType: NDJSON, contentEncoding: 'gzip' }), feeding]);
  return { bytes: stored.bytes, sha256: stored.sha256, lines };
}

/** Object keys under the tenant's own prefix: `tenants/{t}/connections/{c}/exports/{e}/{kind}-{n}.{Type}.ndjson.gz`. */
export const exportPrefix = (tenantId: string, connectionId: string, exportId: string): string => `tenants/${tenantId}/connections/${connectionId}/exports/${exportId}/`;

export const fileKey = (tenantId: string, connectionId: string, exportId: string, kind: string, resourceType: string, seq: number): string =>
  `${exportPrefix(tenantId, connectionId, exportId)}${kind}-${seq}.${resourceType}.ndjson.gz`;
