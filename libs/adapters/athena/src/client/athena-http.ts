import type { AdapterContext, VendorResponse } from '@sb/adapters/contracts';
import { ErrorCode, SbError } from '@sb/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { athenaEndpoints, athenaLimits, type AthenaEndpoints, type AthenaLimits } from '../athena-endpoints';
import { AthenaAuth } from './athena-auth';
import { athenaError, isIncorrectPermissions, retryAfterSecondsOf, softFailure } from './athena-errors';
import { athenaFailure } from '../wire/athena-failure';
import { parseAthenaJson } from './athena-json';

/** Query values: repeated for arrays, blanks and undefined dropped. */
export type AthenaQuery = Record<string, string | number | boolean | readonly string[] | undefined | null>;
/** Form fields: nested values (arrays, objects) are sent as JSON text, as athena expects; blanks are never sent. */
export type AthenaForm = Record<string, unknown>;

/** One page of an athena list: the raw body (for the wire parsers) and where to continue. */
export interface AthenaPage {
  body: unknown;
  /** A practice-relative path (`/patients?offset=10…`) for `nextPage`, or null on the last page. */
  next: string | null;
}

/** How a read is sent. */
export interface ReadOptions {
  /**
   * A read that changes state on athena (a change-feed poll marks what it returns as
   * processed): sent once, never retried by the HTTP client after a timeout or 5xx.
   */
  consuming?: boolean;
}

/** A 403 throttle on a read is waited out once when athena says how long, up to this. */
const MAX_THROTTLE_WAIT_MS = 5_000;
/** …and after this when it does not. */
const DEFAULT_THROTTLE_WAIT_MS = 1_000;

/**
 * The request core of athena's proprietary API, on top of the connection's
 * VendorHttpClient (origin pinning, timeouts, retries of idempotent reads, breaker):
 * `${base}/v1/${practiceId}${path}` with a bearer token; every request (retries and
 * pages included) first waits for its turn in the practice's shared budget; bodies
 * parsed tolerant of leading blank lines; 200s that are failures, and athena's error
 * statuses, become typed errors (see athena-errors.ts). Writes are form-encoded and
 * sent once: athena has no idempotency keys, so a write is never retried blindly.
 */
export class AthenaHttp {
  readonly practiceId: string;
  private readonly practicePrefix: string;
  private readonly budgetKey: string;

  constructor(
    private readonly ctx: AdapterContext,
    readonly endpoints: AthenaEndpoints,
    private readonly limits: AthenaLimits,
    private readonly auth: AthenaAuth,
  ) {
    const practiceId = endpoints.practiceId;
    if (!practiceId || !/^\d{1,12}$/.test(practiceId)) {
      throw new SbError(ErrorCode.Conflict, 'Connection has no athena practice id', { details: { reason: 'missing_practice_id' } });
    }
    this.practiceId = practiceId;
    this.practicePrefix = `${new URL(endpoints.baseUrl).pathname.replace(/\/+$/, '')}/v1/${practiceId}`;
    this.budgetKey = `athena:rps:${new URL(endpoints.baseUrl).host}:${practiceId}`;
  }

  /** The client for a connection, with its endpoints, limits and token source. */
  static for(ctx: AdapterContext): AthenaHttp {
    const endpoints = athenaEndpoints(ctx.connection);
    const limits = athenaLimits(ctx.connection);
    return new AthenaHttp(ctx, endpoints, limits, new AthenaAuth(ctx, endpoints, limits));
  }

  async get(path: string, query: AthenaQuery = {}, options: ReadOptions = {}): Promise<unknown> {
    return this.send('GET', withQuery(path, query), undefined, options);
  }

  /** The first page of a list (the caller sets `limit`/`offset` in the query). */
  async page(path: string, query: AthenaQuery = {}, options: ReadOptions = {}): Promise<AthenaPage> {
    return this.pageAt(withQuery(path, query), options);
  }

  /** The page a previous page's `next` points to (a practice-relative path from `AthenaPage.next`). */
  async nextPage(next: string, options: ReadOptions = {}): Promise<AthenaPage> {
    if (!next.startsWith('/') || next.startsWith('//')) throw foreignLink();
    return this.pageAt(this.practicePath(`/v1/${this.practiceId}${next}`), options);
  }

  /**
   * A binary body (a document page) at a practice-relative path or one of athena's
   * `/v1/{practiceid}/…` hrefs, as base64 with its content type.
   */
  async attachment(href: string): Promise<{ contentType: string; base64: string }> {
    const path = href.startsWith(`/v1/`) || /^[a-z]+:/i.test(href) ? this.practicePath(href) : href;
    if (!path.startsWith('/') || path.startsWith('//')) throw foreignLink();
    const url = `${this.endpoints.baseUrl}/v1/${this.practiceId}${path}`;
    let res = await this.once('GET', url, undefined, true, 'binary');
    if (res.status === 401 && !isIncorrectPermissions(res)) {
      this.auth.invalidate(res.token);
      res = await this.once('GET', url, undefined, true, 'binary');
    }
    if (res.status !== 200) throw athenaError(res);
    const contentType = (res.headers.get('content-type') ?? 'application/octet-stream').replace(/;.*$/, '').trim().toLowerCase();
    return { contentType, base64: res.text };
  }

  /** A form-encoded write, sent exactly once (a 401 is the only answer that is retried: athena refused it unread). */
  async write(method: 'POST' | 'PUT', path: string, form: AthenaForm = {}): Promise<unknown> {
    return this.send(method, path, formBody(form));
  }

  private async pageAt(pathAndQuery: string, options: ReadOptions): Promise<AthenaPage> {
    const body = await this.send('GET', pathAndQuery, undefined, options);
    const next = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>).next : undefined;
    return { body, next: typeof next === 'string' && next.trim() !== '' ? this.practicePath(next.trim()) : null };
  }

  /**
   * athena's `next` (relative, `/v1/{practiceid}/…`, sometimes absolute) as a path
   * inside this practice. A link to another host or another practice is refused,
   * never followed: the bearer token must not leave, nor the practice change.
   */
  practicePath(next: string): string {
    let url: URL;
    try {
      url = /^[a-z][a-z0-9+.-]*:/i.test(next) ? new URL(next) : new URL(`${this.endpoints.baseUrl}${next.startsWith('/') ? '' : '/'}${next}`);
    } catch {
      throw foreignLink();
    }
    if (url.origin !== new URL(this.endpoints.baseUrl).origin) throw foreignLink();
    const path = url.pathname;
    // Relative links carry `/v1/{practiceid}` without the base's own path (the simulator's `/athena`); absolute ones carry it.
    const prefix = [this.practicePrefix, `/v1/${this.practiceId}`].find((p) => path.startsWith(`${p}/`));
    if (!prefix) throw foreignLink();
    return `${path.slice(prefix.length)}${url.search}`;
  }

  /** athena's FHIR R4 base (Bulk Data lives there), on the same platform host. */
  get fhirBase(): string {
    return `${this.endpoints.baseUrl}/fhir/r4`;
  }

  /** The connection's current bearer token (for a streamed download). */
  bearer(): Promise<string> {
    return this.auth.bearer();
  }

  /** A call to athena's FHIR API within the practice's rate budget; a 401 gets one retry with a fresh token. Statuses are returned, not thrown. */
  async fhirCall(method: 'GET' | 'DELETE', url: string, headers: Record<string, string>): Promise<VendorResponse> {
    const call = async (token: string) => {
      await this.ctx.budget.acquire(this.budgetKey, { ratePerSecond: this.limits.requestsPerSecond, maxWaitMs: this.limits.maxWaitMs });
      return this.ctx.http.request({ method, url, idempotent: false, headers: { ...headers, authorization: `Bearer ${token}` } });
    };
    const token = await this.auth.bearer();
    const first = await call(token);
    if (first.status !== 401) return first;
    this.auth.invalidate(token);
    return call(await this.auth.bearer());
  }

  private async send(method: 'GET' | 'POST' | 'PUT', pathAndQuery: string, body?: URLSearchParams, options: ReadOptions = {}): Promise<unknown> {
    const url = `${this.endpoints.baseUrl}/v1/${this.practiceId}${pathAndQuery}`;
    const idempotent = method === 'GET' && !options.consuming;
    let res = await this.once(method, url, body, idempotent);
    if (res.status === 401 && !isIncorrectPermissions(res)) {
      // Expired or revoked early: one retry with a fresh token (athena refused the request unread, so writes too).
      this.auth.invalidate(res.token);
      res = await this.once(method, url, body, idempotent);
    } else if (res.status === 403 && idempotent && athenaThrottled(res)) {
      // A throttled read was not served: wait as told (or a second) and try once more.
      const waitMs = (retryAfterSecondsOf(res) ?? DEFAULT_THROTTLE_WAIT_MS / 1000) * 1000;
      if (waitMs <= MAX_THROTTLE_WAIT_MS) {
        await sleep(waitMs);
        res = await this.once(method, url, body, idempotent);
      }
    }
    if (res.status < 200 || res.status >= 300) throw athenaError(res);
    const json = parseAthenaJson(res.text);
    if (athenaFailure(json) !== null) throw softFailure(method !== 'GET');
    return json;
  }

  private async once(method: 'GET' | 'POST' | 'PUT', url: string, body: URLSearchParams | undefined, idempotent: boolean, accept: 'json' | 'binary' = 'json'): Promise<VendorResponse & { token: string }> {
    // The token first: concurrent callers share one token request (single flight), then queue for the practice's budget.
    const token = await this.auth.bearer();
    await this.ctx.budget.acquire(this.budgetKey, { ratePerSecond: this.limits.requestsPerSecond, maxWaitMs: this.limits.maxWaitMs });
    const res = await this.ctx.http.request({
      method,
      url,
      idempotent,
      headers: {
        authorization: `Bearer ${token}`,
        accept: accept === 'json' ? 'application/json' : '*/*',
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
      ...(accept === 'binary' ? { binary: true } : {}),
    });
    return { ...res, token };
  }
}

/** A 403 that is not the change feeds' "not subscribed" answer: athena's throttle. */
function athenaThrottled(res: VendorResponse): boolean {
  return athenaError(res).code === ErrorCode.RateLimited;
}

const foreignLink = (): SbError => new SbError(ErrorCode.VendorError, 'Vendor sent a link to another host; not followed', { details: { reason: 'foreign_link' } });

/** `path?query`, with arrays repeated and blank values dropped. */
export function withQuery(path: string, query: AthenaQuery): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined || v === null || String(v).trim() === '') continue;
      params.append(name, String(v));
    }
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * athena's form bodies: strings as they are, numbers and booleans as text, arrays and
 * objects as JSON text inside the field (`allergies=[{…}]`); undefined, null and blank
 * values are left out (athena answers 400 to some blank fields).
 */
export function formBody(form: AthenaForm): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) {
    if (value === undefined || value === null) continue;
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean);
    if (text.trim() === '') continue;
    params.append(name, text);
  }
  return params;
}
