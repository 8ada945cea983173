/**
 * The console's one HTTP client. Same-origin, cookie-authenticated; every
 * non-GET request carries the CSRF token from /v1/console/me, which lives only
 * in this module's memory (never storage, never a URL).
 */
import type { ApiPath, BodyOf, Method, OperationOf, ParamsOf, PathWith, QueryOf, ResponseOf } from './types';

export interface FieldIssue {
  path: string;
  message: string;
}

/** An RFC 9457/7807 problem+json answer (or a network failure), as the UI shows it. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: FieldIssue[],
    /** Seconds from a Retry-After header (429 answers). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;

let csrfToken: string | null = null;
let csrfLoader: (() => Promise<string | null>) | null = null;

/** Called with the token from a session or /me answer; null on sign-out. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** How to fetch a token when a write happens before /me was read (set by the auth feature). */
export function setCsrfLoader(loader: () => Promise<string | null>): void {
  csrfLoader = loader;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  method?: HttpMethod;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  signal?: AbortSignal;
  /** Sign-in and invite acceptance happen before there is a session (and so a token). */
  csrf?: boolean;
}

interface ProblemBody {
  code?: unknown;
  title?: unknown;
  detail?: unknown;
  message?: unknown;
  issues?: unknown;
}

function withQuery(path: string, query: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

async function errorFrom(res: Response): Promise<ApiError> {
  const retryAfter = Number(res.headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  let body: ProblemBody | null = null;
  if (/json/.test(res.headers.get('content-type') ?? '')) body = (await res.json().catch(() => null)) as ProblemBody | null;
  const code = typeof body?.code === 'string' ? body.code : `http_${res.status}`;
  const message =
    typeof body?.detail === 'string' ? body.detail
    : typeof body?.title === 'string' ? body.title
    : typeof body?.message === 'string' ? body.message
    : res.statusText || `HTTP ${res.status}`;
  const issues = Array.isArray(body?.issues) ? (body.issues as FieldIssue[]) : undefined;
  return new ApiError(res.status, code, message, issues, retryAfterSeconds);
}

async function tokenFor(method: HttpMethod, options: RequestOptions): Promise<string | null> {
  if (method === 'GET' || options.csrf === false) return null;
  if (!csrfToken && csrfLoader) csrfToken = await csrfLoader();
  return csrfToken;
}

/** Sends one request to the api; resolves with the parsed JSON (undefined for 204), rejects with ApiError. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  try {
    return await send<T>(path, options);
  } catch (e) {
    // A token from an earlier session (signed in again in another tab): read /me once more and retry.
    if (isApiError(e) && e.code === 'csrf_failed' && csrfLoader) {
      csrfToken = null;
      return send<T>(path, options);
    }
    throw e;
  }
}

async function send<T>(path: string, options: RequestOptions): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const token = await tokenFor(method, options);
  if (token) headers['x-csrf-token'] = token;
  let res: Response;
  try {
    res = await fetch(withQuery(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
  }
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

type CallOptions = Pick<RequestOptions, 'signal' | 'csrf'>;
type IfNever<T, Then, Else> = [T] extends [never] ? Then : Else;
/** What a call to `M` on `P` takes: its path parameters, query and body, typed from openapi.d.ts. */
export type CallInit<P extends ApiPath, M extends Method> = CallOptions &
  IfNever<ParamsOf<P, M>, { params?: undefined }, { params: ParamsOf<P, M> }> &
  IfNever<QueryOf<P, M>, { query?: undefined }, object extends QueryOf<P, M> ? { query?: QueryOf<P, M> } : { query: QueryOf<P, M> }> &
  IfNever<BodyOf<P, M>, { body?: undefined }, OperationOf<P, M> extends { requestBody: unknown } ? { body: BodyOf<P, M> } : { body?: BodyOf<P, M> }>;
/** The init argument: optional when nothing in it is required. */
type InitArg<P extends ApiPath, M extends Method> = object extends CallInit<P, M> ? [init?: CallInit<P, M>] : [init: CallInit<P, M>];

/** `/v1/connections/{id}` with `{ id }` → `/v1/connections/abc` (each value encoded as one segment). */
export function pathWith(template: string, params: Record<string, string | number> | undefined): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`${template}: no value for {${name}}`);
    return encodeURIComponent(String(value));
  });
}

function call<P extends ApiPath, M extends Method>(method: M, path: P, init: Partial<CallInit<P, M>> = {}): Promise<ResponseOf<P, M>> {
  const { params, query, body, ...options } = init as { params?: Record<string, string>; query?: RequestOptions['query']; body?: unknown } & CallOptions;
  return apiRequest<ResponseOf<P, M>>(pathWith(path, params), { ...options, method: method.toUpperCase() as HttpMethod, query, body });
}

/**
 * The typed REST client: paths as the OpenAPI document writes them, parameters filled in,
 * e.g. `api.get('/v1/connections/{id}', { params: { id } })`. An unknown path, a missing
 * parameter or a wrong body does not compile; the answer is typed from the route's schema.
 */
export const api = {
  get: <P extends PathWith<'get'>>(path: P, ...[init]: InitArg<P, 'get'>) => call('get', path, init),
  post: <P extends PathWith<'post'>>(path: P, ...[init]: InitArg<P, 'post'>) => call('post', path, init),
  put: <P extends PathWith<'put'>>(path: P, ...[init]: InitArg<P, 'put'>) => call('put', path, init),
  patch: <P extends PathWith<'patch'>>(path: P, ...[init]: InitArg<P, 'patch'>) => call('patch', path, init),
  delete: <P extends PathWith<'delete'>>(path: P, ...[init]: InitArg<P, 'delete'>) => call('delete', path, init),
};
