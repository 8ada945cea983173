import type { Request, Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { RESOURCE_TYPES } from '../fhir/fhir-types';
import { patientOwned, type PlannedFile } from './bulk-plan';

export const NDJSON_CONTENT_TYPE = 'application/fhir+ndjson';
/** Lines are written in chunks of about this many characters. */
const CHUNK_CHARS = 64 * 1024;

const OWNED_REFERENCE = new RegExp(`"reference":"(${RESOURCE_TYPES.filter(patientOwned).join('|')})/([^"]+)"`, 'g');

/**
 * The n-th copy of a resource (copy 0 is the resource itself): its id and
 * every reference to a patient-owned resource get the suffix `-x{n}`, so each
 * copy is a separate, internally consistent patient; references to the
 * directory (Practitioner, Organization, Location) and to Binary stay as they are.
 */
export function copyOf(json: string, id: string, copy: number): string {
  if (copy === 0) return json;
  const suffix = `-x${copy}`;
  const withId = json.replace(`"id":${JSON.stringify(id)}`, `"id":${JSON.stringify(id + suffix)}`);
  return withId.replace(OWNED_REFERENCE, (_m, type: string, ref: string) => `"reference":"${type}/${ref}${suffix}"`);
}

/** The file's lines, generated as they are read: resource ordinal k is copy ⌊k / n⌋ of resource k mod n. */
export function* fileLines(file: PlannedFile): Generator<string> {
  const { resources, serialize } = file.snapshot;
  for (let k = file.start; k < file.start + file.count; k++) {
    const resource = resources[k % resources.length];
    if (resource) yield copyOf(serialize(resource), resource.id, Math.floor(k / resources.length));
  }
}

/** Joins lines ("…\n") into chunks, so a large file is not one write per resource. */
export function* chunked(lines: Iterable<string>): Generator<string> {
  let buffer = '';
  for (const line of lines) {
    buffer += `${line}\n`;
    if (buffer.length >= CHUNK_CHARS) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer !== '') yield buffer;
}

/** Whether the client listed gzip in Accept-Encoding (with a q above zero). */
export function acceptsGzip(req: Request): boolean {
  return (req.headers['accept-encoding'] ?? '').split(',').some((part) => {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    return (coding === 'gzip' || coding === 'x-gzip') && (q === undefined || Number(q) > 0);
  });
}

/** Cuts the stream in the middle of its last line (the malformed-json fault on a download). */
export function* truncatedLastLine(chunks: Iterable<string>): Generator<string> {
  let previous: string | undefined;
  for (const chunk of chunks) {
    if (previous !== undefined) yield previous;
    previous = chunk;
  }
  if (previous === undefined) return;
  const lastStart = previous.lastIndexOf('\n', previous.length - 2) + 1;
  yield previous.slice(0, lastStart + Math.max(1, Math.floor((previous.length - lastStart) / 2)));
}

export interface NdjsonDelivery {
  /** gzip when the client accepts it (FHIR servers), or always (an object stored gzip-encoded, as in S3). */
  gzip: 'negotiate' | 'always';
  headers?: Record<string, string>;
  /** Called after the last byte was handed to the socket. */
  onComplete?: () => void;
}

/** Status and headers of an NDJSON answer (gzip-encoded or not). */
export function writeNdjsonHead(res: Response, gzip: boolean, headers: Record<string, string> = {}): void {
  res.status(200);
  res.setHeader('content-type', NDJSON_CONTENT_TYPE);
  res.setHeader('vary', 'accept-encoding');
  if (gzip) res.setHeader('content-encoding', 'gzip');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

/** Streams NDJSON chunks with back-pressure after the head was written; a client that leaves ends it early. */
export async function streamNdjson(res: Response, chunks: Iterable<string>, gzip: boolean, onComplete?: () => void): Promise<void> {
  const source = Readable.from(chunks, { objectMode: false });
  try {
    if (gzip) await pipeline(source, createGzip(), res);
    else await pipeline(source, res);
    onComplete?.();
  } catch {
    // The client went away mid-download: nothing to answer.
    res.destroy();
  }
}

/** Head and body: gzip when the client accepts it, or always (an object stored gzip-encoded, as in S3). */
export async function sendNdjson(req: Request, res: Response, chunks: Iterable<string>, delivery: NdjsonDelivery): Promise<void> {
  const gzip = delivery.gzip === 'always' || acceptsGzip(req);
  writeNdjsonHead(res, gzip, delivery.headers);
  await streamNdjson(res, chunks, gzip, delivery.onComplete);
}
