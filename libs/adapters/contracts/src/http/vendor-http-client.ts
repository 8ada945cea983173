import { ErrorCode, SbError } from '@sb/core';
import { createGuardedAgent, guardedDownload, guardedRequest, isOutboundError, type GuardedDownload, type ReplyHeaders, type TargetPolicy } from '@sb/net';
import type { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { CircuitBreaker } from './circuit-breaker';

export interface VendorHttpSettings {
  /** The connection's FHIR base: requests may only go to this origin (and `extraOrigins`). */
  baseUrl: string;
  /** Other origins this connection legitimately calls (its token endpoint). */
  extraOrigins?: readonly string[];
  policy: TargetPolicy;
  allowHttp: boolean;
  timeoutMs?: number;
  /** How long an unanswered call may take before it counts as a failure for the circuit breaker (default SLOW_CALL_MS). */
  slowCallMs?: number;
  maxBodyBytes?: number;
}

export interface VendorRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  /** Only idempotent requests are ever retried. */
  idempotent: boolean;
  /** The body is binary (a document page): `VendorResponse.text` then holds it base64-encoded. */
  binary?: boolean;
}

export interface VendorResponse {
  status: number;
  headers: ReplyHeaders;
  text: string;
}

/** Attempts for an idempotent request (1 + retries). */
export const MAX_ATTEMPTS = 3;
/** Backoff base and cap; the delay is full-jitter exponential unless the vendor sends Retry-After. */
export const BACKOFF_BASE_MS = 100;
export const BACKOFF_CAP_MS = 2_000;
/** A Retry-After longer than this is not waited out in-request; the caller gets the 429/503. */
export const MAX_RETRY_AFTER_WAIT_MS = 5_000;
export const BREAKER_FAILURE_THRESHOLD = 5;
export const BREAKER_OPEN_MS = 30_000;
export const DEFAULT_VENDOR_TIMEOUT_MS = 15_000;
/**
 * A call still unanswered after this long counts as a failure for the circuit breaker at
 * that moment (once; it still waits for its answer or its timeout): a vendor that hangs
 * opens the circuit within seconds instead of after the timeout. An answer that comes
 * later closes it again, so a vendor that is slow but answering is not kept paused.
 */
export const SLOW_CALL_MS = 4_000;

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
/** Redirects a file download follows (Oracle: one, to pre-signed storage). */
export const MAX_DOWNLOAD_REDIRECTS = 3;

/** Seconds or an HTTP date (RFC 9110 §10.2.3) → milliseconds, or null. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * The one request helper vendors share: a keep-alive agent per connection that
 * vets every socket (SSRF), requests pinned to the connection's own origins (a
 * vendor `next` link to another host is refused, so tokens never leave), timeouts,
 * retries with backoff for idempotent requests only, Retry-After honoured, and a
 * circuit breaker. Status codes are returned, not thrown: adapters map them.
 */
export class VendorHttpClient {
  private readonly agent: Agent;
  private readonly origins: ReadonlySet<string>;
  readonly breaker = new CircuitBreaker(BREAKER_FAILURE_THRESHOLD, BREAKER_OPEN_MS);

  constructor(private readonly settings: VendorHttpSettings) {
    const base = new URL(settings.baseUrl);
    this.agent = createGuardedAgent(base.protocol as 'http:' | 'https:', settings.policy);
    this.origins = new Set([base.origin, ...(settings.extraOrigins ?? []).map((o) => new URL(o).origin)]);
  }

  /** True when `url` is on one of this connection's origins. */
  isOwnOrigin(url: string): boolean {
    try {
      return this.origins.has(new URL(url).origin);
    } catch {
      return false;
    }
  }

  async request(req: VendorRequest): Promise<VendorResponse> {
    if (!this.isOwnOrigin(req.url)) {
      throw new SbError(ErrorCode.VendorError, 'Vendor sent a link to another host; not followed', { details: { reason: 'foreign_link' } });
    }
    const attempts = req.idempotent ? MAX_ATTEMPTS : 1;
    for (let attempt = 1; ; attempt++) {
      if (!this.breaker.allow()) {
        throw new SbError(ErrorCode.DependencyUnavailable, 'Vendor is failing; calls are paused', {
          details: { reason: 'circuit_open', retryAfterSeconds: Math.ceil(this.breaker.retryAfterMs() / 1000) },
        });
      }
      let response: VendorResponse;
      let countedSlow = false;
      const slow = setTimeout(() => {
        countedSlow = true;
        this.breaker.failed();
      }, this.settings.slowCallMs ?? SLOW_CALL_MS);
      try {
        response = await this.send(req);
      } catch (error) {
        if (!countedSlow) this.breaker.failed();
        if (attempt < attempts) {
          await sleep(backoffMs(attempt));
          continue;
        }
        throw transportFailure(error);
      } finally {
        clearTimeout(slow);
      }
      if (!RETRYABLE_STATUS.has(response.status)) {
        if (response.status < 500) this.breaker.succeeded();
        else if (!countedSlow) this.breaker.failed();
        return response;
      }
      if (response.status !== 429 && !countedSlow) this.breaker.failed();
      const wait = retryAfterMs(response.headers.get('retry-after')) ?? backoffMs(attempt);
      if (attempt >= attempts || wait > MAX_RETRY_AFTER_WAIT_MS) return response;
      await sleep(wait);
    }
  }

  /**
   * Streams a large file (Bulk Data NDJSON). The first request must be to this connection's
   * own origin and carries `headers` (its token); a redirect is followed (at most
   * MAX_DOWNLOAD_REDIRECTS) without the Authorization header, wherever it points: a redirected
   * file is pre-signed storage (Oracle), which refuses a second credential, and the token must
   * never travel further than the first hop. Every hop is vetted against the target policy.
   * A non-2xx final answer is returned with its body unread.
   */
  async download(url: string, headers: Record<string, string>, maxBodyBytes: number): Promise<GuardedDownload> {
    if (!this.isOwnOrigin(url)) throw new SbError(ErrorCode.VendorError, 'Vendor sent a link to another host; not followed', { details: { reason: 'foreign_link' } });
    const withoutCredentials = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
    let current = url;
    for (let hop = 0; ; hop++) {
      let res: GuardedDownload;
      try {
        res = await guardedDownload(current, hop === 0 ? headers : withoutCredentials, this.settings.policy, { allowHttp: this.settings.allowHttp, maxBodyBytes });
      } catch (error) {
        throw transportFailure(error);
      }
      const location = REDIRECT_STATUS.has(res.status) ? res.headers.get('location') : null;
      if (location === null) return res;
      res.body.destroy();
      if (hop >= MAX_DOWNLOAD_REDIRECTS) throw new SbError(ErrorCode.VendorError, 'Vendor redirected too many times', { details: { reason: 'too_many_redirects' } });
      current = new URL(location, current).href;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private async send(req: VendorRequest): Promise<VendorResponse> {
    const res = await guardedRequest(req.url, { method: req.method, headers: req.headers, body: req.body }, this.settings.policy, {
      allowHttp: this.settings.allowHttp,
      timeoutMs: this.settings.timeoutMs ?? DEFAULT_VENDOR_TIMEOUT_MS,
      maxBodyBytes: this.settings.maxBodyBytes ?? 8 * 1024 * 1024,
      agent: this.agent,
    });
    return { status: res.status, headers: res.headers, text: req.binary ? res.body.toString('base64') : utf8Text(res.body) };
  }
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The body as text, as `Response.text()` reads it: UTF-8, a leading byte-order mark dropped, bad sequences replaced. */
const utf8Text = (body: Buffer): string => (body.subarray(0, 3).equals(UTF8_BOM) ? body.subarray(3) : body).toString('utf8');

const backoffMs = (attempt: number): number => Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));

function transportFailure(error: unknown): SbError {
  if (isOutboundError(error) && error.reason === 'timeout') return new SbError(ErrorCode.VendorTimeout, 'Vendor did not answer in time', { cause: error });
  if (isOutboundError(error) && error.code === ErrorCode.BadRequest) return error;
  return new SbError(ErrorCode.VendorError, 'Vendor could not be reached', {
    details: { reason: isOutboundError(error) ? error.reason : 'transport_error' },
    cause: error,
  });
}
