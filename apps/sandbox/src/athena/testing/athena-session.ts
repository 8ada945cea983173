import { postJson } from '../../testing/sandbox-harness';
import type { RunningSandbox } from '../../sandbox-server';
import { ATHENA_SCOPE } from '../athena-token';

// Helpers for the athena simulator's specs: register an app, get a token, call /v1/{practiceid}.

export interface AthenaRegistration {
  clientId: string;
  clientSecret: string;
  athenaBaseUrl: string;
  tokenUrl: string;
  practiceId: string;
  practiceIds: string[];
}

export interface AthenaSession extends AthenaRegistration {
  token: string;
  /** `${athenaBaseUrl}/v1/${practiceId}${path}` (or the path itself when absolute). */
  url(path: string, practiceId?: string): string;
  get(path: string, practiceId?: string): Promise<Response>;
  /** A form-encoded write, as athena takes them. */
  send(method: 'PUT' | 'POST' | 'DELETE', path: string, form?: Record<string, string>): Promise<Response>;
}

export function athenaToken(tokenUrl: string, clientId: string, clientSecret: string, scope = ATHENA_SCOPE): Promise<Response> {
  return fetch(tokenUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
}

export async function registerAthena(sandbox: RunningSandbox, body: Record<string, unknown> = {}): Promise<AthenaRegistration> {
  const res = await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'athena', ...body });
  if (res.status !== 201) throw new Error(`athena registration failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as AthenaRegistration;
}

/** Registers an athena app (practice 195900 unless told) and fetches a token for it. */
export async function athenaSession(sandbox: RunningSandbox, body: Record<string, unknown> = {}): Promise<AthenaSession> {
  const reg = await registerAthena(sandbox, body);
  const res = await athenaToken(reg.tokenUrl, reg.clientId, reg.clientSecret);
  if (res.status !== 200) throw new Error(`athena token request failed: ${res.status} ${await res.text()}`);
  const { access_token: token } = (await res.json()) as { access_token: string };
  const url = (path: string, practiceId = reg.practiceId): string => (path.startsWith('http') ? path : path.startsWith('/v1/') ? `${reg.athenaBaseUrl}${path}` : `${reg.athenaBaseUrl}/v1/${practiceId}${path}`);
  const authorization = `Bearer ${token}`;
  return {
    ...reg,
    token,
    url,
    get: (path, practiceId) => fetch(url(path, practiceId), { headers: { authorization } }),
    send: (method, path, form) =>
      fetch(url(path), { method, headers: { authorization, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, body: form ? new URLSearchParams(form) : undefined }),
  };
}

/** athena's bodies, 4xx ones with their leading blank lines, parsed as a tolerant client would. */
export async function body<T = Record<string, unknown>>(res: Response): Promise<T> {
  return JSON.parse((await res.text()).trim()) as T;
}

/** A clock the specs move by hand. */
export function manualClock(startIso: string): { now: () => number; set(iso: string): void; advance(ms: number): void } {
  let current = Date.parse(startIso);
  return {
    now: () => current,
    set: (iso) => {
      current = Date.parse(iso);
    },
    advance: (ms) => {
      current += ms;
    },
  };
}
