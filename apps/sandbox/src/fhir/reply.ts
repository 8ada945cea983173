import type { Response } from 'express';
import type { Fault } from '../faults/fault-queue';
import type { SandboxTimers } from '../sandbox-timers';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** A response decided by a handler, delivered by `sendReply` (which applies delivery faults). */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export const jsonReply = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': FHIR_JSON, ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

const DRIP_CHUNKS = 20;
const DEFAULT_DRIP_MS = 5_000;

/**
 * Writes a reply. `malformed-json` cuts the body in half (always invalid: the
 * closing brace is gone); `slow-drip` sends the headers at once, then the body
 * in small pieces spread over `delayMs`.
 */
export function sendReply(res: Response, reply: Reply, timers: SandboxTimers, fault?: Fault): void {
  let body = reply.body;
  const headers = { ...reply.headers };
  if (fault?.kind === 'malformed-json') {
    body = body && body.length > 1 ? body.slice(0, Math.ceil(body.length / 2)) : '{"resourceType":';
    headers['content-type'] ??= FHIR_JSON;
  }
  res.status(reply.status);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (body === undefined || body === '') {
    res.end();
    return;
  }
  if (fault?.kind !== 'slow-drip') {
    res.end(body);
    return;
  }
  const bytes = Buffer.from(body, 'utf8');
  res.setHeader('content-length', String(bytes.length));
  res.flushHeaders();
  const chunkSize = Math.max(1, Math.ceil(bytes.length / DRIP_CHUNKS));
  const intervalMs = Math.max(1, Math.floor((fault.delayMs ?? DEFAULT_DRIP_MS) / DRIP_CHUNKS));
  let offset = 0;
  const drip = (): void => {
    if (res.destroyed) return;
    const chunk = bytes.subarray(offset, offset + chunkSize);
    offset += chunk.length;
    if (offset >= bytes.length) res.end(chunk);
    else {
      res.write(chunk);
      timers.after(intervalMs, drip);
    }
  };
  timers.after(intervalMs, drip);
}
