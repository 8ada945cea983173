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
  /** Extra request headers (FHIR's asynchronous requests: `Accept: application/fhir+json`, `Prefer: respond-async`). */
  headers?: Record<string, string>;
}

interface ProblemBody {
  code?: unknown;
  title?: unknown;
  detail?: unknown;
  message?: unknown;
  issues?: unknown;
  resourceType?: unknown;
  issue?: unknown;
}

/** One issue of a FHIR OperationOutcome as libs/fhir's toOperationOutcome writes it. */
interface OutcomeIssue {
  diagnostics?: unknown;
  expression?: unknown;
  details?: { text?: unknown; coding?: { system?: unknown; code?: unknown }[] };
}

/** Our stable error codes, as a FHIR coding system (libs/fhir ERROR_CODE_SYSTEM). */
const ERROR_CODE_SYSTEM = 'urn:switchboard:error';

/**
 * The FHIR routes answer errors as an OperationOutcome: our code in `details.coding`
 * (urn:switchboard:error), the static message in `details.text`, and per-field issues as
 * `diagnostics` with a FHIRPath `expression`.
 */
function fromOperationOutcome(body: ProblemBody): { code?: string; message?: string; issues?: FieldIssue[] } {
  const issues = Array.isArray(body.issue) ? (body.issue as OutcomeIssue[]) : [];
  const first = issues[0];
  const coding = first?.details?.coding?.find((c) => c.system === ERROR_CODE_SYSTEM);
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  const fieldIssues = issues
    .filter((i) => text(i.diagnostics) && Array.isArray(i.expression))
    .map((i) => ({ path: String((i.expression as unknown[])[0] ?? ''), message: text(i.diagnostics) ?? '' }));
  return {
    code: text(coding?.code),
    message: text(first?.details?.text) ?? text(first?.diagnostics),
    issues: fieldIssues.length > 0 ? fieldIssues : undefined,
  };
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
  if (body?.resourceType === 'OperationOutcome') {
    const outcome = fromOperationOutcome(body);
    return new ApiError(res.status, outcome.code ?? `http_${res.status}`, outcome.message ?? (res.statusText || `HTTP ${res.status}`), outcome.issues, retryAfterSeconds);
  }
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
  return parseJson<T>(await apiResponse(path, options));
}

/**
 * Sends one request and resolves with the successful Response itself (its status, headers and
 * unread body), for the answers that carry meaning outside JSON: FHIR's 202 + Content-Location,
 * X-Progress and Retry-After, and file downloads. Rejects with ApiError like apiRequest.
 */
export async function apiResponse(path: string, options: RequestOptions = {}): Promise<Response> {
  try {
    return await send(path, options);
  } catch (e) {
    // A token from an earlier session (signed in again in another tab): read /me once more and retry.
    if (isApiError(e) && e.code === 'csrf_failed' && csrfLoader) {
      csrfToken = null;
      return send(path, options);
    }
    throw e;
  }
}

async function parseJson<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
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
  return res;
}

type CallOptions = Pick<RequestOptions, 'signal' | 'csrf' | 'headers'>;
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

/** A successful answer with its status and headers; the body is undefined when there is none (a 202 while an export runs). */
export interface Exchange<T> {
  status: number;
  headers: Headers;
  body: T | undefined;
}

/**
 * A FHIR GET: the OpenAPI document types the path and its answer but not FHIR's own query
 * parameters (`_type`, `_since`…), so the query here is any set of strings.
 */
type FhirInit<P extends PathWith<'get'>> = Omit<CallInit<P, 'get'>, 'query'> & { query?: Record<string, string | undefined> };
type FhirArg<P extends PathWith<'get'>> = object extends FhirInit<P> ? [init?: FhirInit<P>] : [init: FhirInit<P>];

async function exchange<P extends PathWith<'get'>>(path: P, init: Partial<FhirInit<P>> = {}): Promise<Exchange<ResponseOf<P, 'get'>>> {
  const { params, query, ...options } = init as { params?: Record<string, string>; query?: RequestOptions['query'] } & CallOptions;
  const res = await apiResponse(pathWith(path, params), { ...options, query });
  return { status: res.status, headers: res.headers, body: await parseJson<ResponseOf<P, 'get'> | undefined>(res) };
}

async function download<P extends PathWith<'get'>>(path: P, init: Partial<FhirInit<P>> = {}): Promise<Blob> {
  const { params, ...options } = init as { params?: Record<string, string> } & CallOptions;
  const res = await apiResponse(pathWith(path, params), { ...options, headers: { accept: '*/*', ...options.headers } });
  return res.blob();
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
  /** A GET answered with its status and headers too (FHIR's asynchronous pattern: 202, Content-Location, X-Progress, Retry-After). */
  exchange: <P extends PathWith<'get'>>(path: P, ...[init]: FhirArg<P>) => exchange(path, init),
  /**
   * A file's bytes as a Blob, for `saveBlob` (src/ui/save-blob.ts) to hand to the browser's downloads.
   * Never put the result in the query cache or storage: files may hold PHI.
   */
  download: <P extends PathWith<'get'>>(path: P, ...[init]: FhirArg<P>) => download(path, init),
};
