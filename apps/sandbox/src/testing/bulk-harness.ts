import { get as httpGet } from 'node:http';
import type { RunningSandbox } from '../sandbox-server';
import { postJson } from './sandbox-harness';

// Helpers for the $export specs: a clock the spec moves, kick-off and status
// calls with the IG's headers, and the admin ledger.

export interface TestClock {
  now: () => number;
  advance(ms: number): void;
  /** Back to real time: tokens and client assertions are checked against this clock. */
  reset(): void;
}

/**
 * Starts at real time (client assertions are signed with real timestamps)
 * and moves only when told. Reset it between tests, so that tokens issued
 * at the start (5 minutes for Epic) stay valid.
 */
export function testClock(): TestClock {
  let ms = Date.now();
  return { now: () => ms, advance: (by) => void (ms += by), reset: () => void (ms = Date.now()) };
}

export const KICKOFF_HEADERS = { accept: 'application/fhir+json', prefer: 'respond-async' } as const;

export interface ManifestJson {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count?: number }[];
  error: { type: string; url: string; count?: number }[];
}

export interface OutcomeJson {
  resourceType: 'OperationOutcome';
  issue: { severity: string; code: string; diagnostics: string; details?: { coding: { code: string }[] } }[];
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

export function kickoffGet(url: string, token: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers: { ...KICKOFF_HEADERS, ...bearer(token), ...headers } });
}

export function kickoffPost(url: string, token: string, parameter: Record<string, unknown>[], headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { ...KICKOFF_HEADERS, ...bearer(token), 'content-type': 'application/fhir+json', ...headers },
    body: JSON.stringify({ resourceType: 'Parameters', parameter }),
  });
}

/** Kicks off and returns the status URL (fails the spec on anything but 202). */
export async function startExport(url: string, token: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await kickoffGet(url, token, headers);
  if (res.status !== 202) throw new Error(`kick-off answered ${res.status}: ${await res.text()}`);
  return res.headers.get('content-location') as string;
}

export const poll = (statusUrl: string, token: string): Promise<Response> => fetch(statusUrl, { headers: { ...bearer(token), accept: 'application/json' } });

/** Moves the clock past the job's duration and reads the manifest. */
export async function finishedManifest(statusUrl: string, token: string, clock: TestClock, byMs = 60_000): Promise<ManifestJson> {
  clock.advance(byMs);
  const res = await poll(statusUrl, token);
  if (res.status !== 200) throw new Error(`status answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as ManifestJson;
}

export const ndjson = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

export interface BulkJobJson {
  id: string;
  vendor: string;
  groupId: string;
  clientId: string;
  scope: string | null;
  state: string;
  kickoffAt: string;
  statusCallCount: number;
  statusCalls: { at: string; status: number }[];
  files: { name: string; type: string; count: number; downloads: number; redirects: number }[];
  errorFile: { name: string; count: number; downloads: number } | null;
}

export async function bulkLedger(sandbox: RunningSandbox, vendor: string): Promise<{ jobs: BulkJobJson[]; kickoffs: { clientId: string; status: number; jobId: string | null }[] }> {
  return (await (await fetch(`${sandbox.url}/_sandbox/bulk/jobs?vendor=${vendor}`)).json()) as { jobs: BulkJobJson[]; kickoffs: { clientId: string; status: number; jobId: string | null }[] };
}

export async function bulkSettings(sandbox: RunningSandbox, settings: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sandbox.url}/_sandbox/bulk/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(settings) });
  if (res.status !== 200) throw new Error(`settings refused: ${res.status} ${await res.text()}`);
}

export async function injectFault(sandbox: RunningSandbox, fault: Record<string, unknown>): Promise<void> {
  const res = await postJson(`${sandbox.url}/_sandbox/faults`, fault);
  if (res.status !== 201) throw new Error(`fault refused: ${res.status} ${await res.text()}`);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The bytes as sent (not decompressed, unlike fetch). */
  body: Buffer;
}

/** A GET that shows the wire: fetch would decompress and hide Content-Encoding's effect. */
export function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
