import { checkTarget, createGuardedAgent, endClientSpan, parseOutboundUrl, startClientSpan, TARGET_REFUSED_CODE, type TargetPolicy } from '@sb/net';
import { request as httpRequest, type Agent } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

/** A receiver has this long to answer, body included. */
export const WEBHOOK_TIMEOUT_MS = 15_000;
/** At most this much of a response body is read (then dropped); the rest is never received. */
export const WEBHOOK_RESPONSE_BODY_CAP_BYTES = 4 * 1024;
/** Characters of the response body kept as the attempt's excerpt (Svix and Stripe show the receiver's answer too). */
export const WEBHOOK_RESPONSE_EXCERPT_CHARS = 512;
/** Pooled sockets per endpoint; the claim keeps in-flight deliveries per endpoint at or below the same figure. */
export const WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 32;
/** Pooled agents kept (one per endpoint, or per origin for posts without one); the least recently used beyond this is closed. */
const MAX_AGENTS = 1_000;

export interface WebhookPostResult {
  statusCode: number | null;
  retryAfter: string | null;
  durationMs: number;
  /** A code, never text from the receiver: `timeout`, `connect_failed`, `target_not_allowed`, … */
  error: string | null;
  /** The start of the receiver's answer (see `responseExcerpt`); null when it sent no body or none arrived. */
  responseExcerpt: string | null;
}

// Tab, CR and LF read as spaces; other C0/C1 controls, and the bidirectional overrides that
// could make the console show the text in another order than it arrived, are dropped.
const LINE_CONTROLS = /[\t\r\n]+/g;
const OTHER_CONTROLS = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;

/**
 * The first `WEBHOOK_RESPONSE_EXCERPT_CHARS` characters of a response body, decoded as
 * UTF-8 (invalid sequences become U+FFFD), control characters stripped; null when empty.
 */
export function responseExcerpt(body: Buffer): string | null {
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(body).replace(LINE_CONTROLS, ' ').replace(OTHER_CONTROLS, '');
  const excerpt = Array.from(text).slice(0, WEBHOOK_RESPONSE_EXCERPT_CHARS).join('').trim();
  return excerpt === '' ? null : excerpt;
}

export interface WebhookPostOptions {
  policy: TargetPolicy;
  allowHttp: boolean;
  timeoutMs?: number;
  /**
   * The sockets' owner (the endpoint id): endpoints never share a pool, so one that hangs
   * holds only its own sockets, not those of other endpoints on its origin. Default: the origin.
   */
  poolKey?: string;
}

/**
 * POSTs webhook bodies through the SSRF guard: pooled agents per endpoint whose lookup
 * vets every new socket's addresses at connect time (DNS rebinding), IP-literal hosts
 * vetted here, redirects returned as statuses and never followed, a timeout over the
 * whole exchange, and no more than a small cap of the response body read. Never throws.
 */
export class WebhookPoster {
  private readonly agents = new Map<string, Agent>();

  async post(url: string, headers: Record<string, string>, body: string, options: WebhookPostOptions): Promise<WebhookPostResult> {
    const started = performance.now();
    const done = (statusCode: number | null, error: string | null, retryAfter: string | null = null, body: Buffer | null = null): WebhookPostResult => ({
      statusCode,
      error,
      retryAfter,
      durationMs: Math.round(performance.now() - started),
      responseExcerpt: body ? responseExcerpt(body) : null,
    });
    const parsed = parseOutboundUrl(url, { allowHttp: options.allowHttp });
    if (!parsed.ok) return done(null, parsed.reason);
    const target = parsed.url;
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) {
      // Node skips the agent's lookup for IP literals, so they are vetted here.
      const check = await checkTarget(target, options.policy);
      if (!check.ok) return done(null, check.reason);
    }
    const agent = this.agentFor(target, options.policy, options.poolKey);
    const payload = Buffer.from(body, 'utf8');
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;

    const requestHeaders = { ...headers, 'content-type': 'application/json', 'content-length': String(payload.byteLength), 'user-agent': 'Switchboard-Webhooks/1' };
    const span = startClientSpan(target, 'POST', requestHeaders);

    return new Promise<WebhookPostResult>((resolve) => {
      let settled = false;
      const finish = (result: WebhookPostResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        endClientSpan(span, result.statusCode ?? undefined, result.error ?? undefined);
        resolve(result);
      };
      const timer = setTimeout(() => {
        finish(done(null, 'timeout'));
        req.destroy();
      }, options.timeoutMs ?? WEBHOOK_TIMEOUT_MS);
      const req = request({
        protocol: target.protocol,
        hostname: host,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        agent,
        headers: requestHeaders,
      });
      req.on('error', (error: NodeJS.ErrnoException) => finish(done(null, errorCode(error))));
      req.on('response', (res) => {
        const statusCode = res.statusCode ?? null;
        const retryAfterHeader = res.headers['retry-after'];
        const retryAfter = typeof retryAfterHeader === 'string' ? retryAfterHeader : null;
        let received = 0;
        // Only the head of the body is kept (for the excerpt); 512 characters are at most 2 KiB of UTF-8.
        const head: Buffer[] = [];
        const body = () => Buffer.concat(head).subarray(0, WEBHOOK_RESPONSE_BODY_CAP_BYTES);
        res.on('data', (chunk: Buffer) => {
          if (received < WEBHOOK_RESPONSE_BODY_CAP_BYTES) head.push(chunk);
          received += chunk.byteLength;
          if (received > WEBHOOK_RESPONSE_BODY_CAP_BYTES) {
            // Enough: the status is what counts. The socket is dropped rather than drained.
            finish(done(statusCode, null, retryAfter, body()));
            res.destroy();
          }
        });
        res.on('end', () => finish(done(statusCode, null, retryAfter, body())));
        res.on('error', () => finish(done(statusCode, null, retryAfter, body())));
        res.on('close', () => finish(done(statusCode, null, retryAfter, body())));
      });
      req.end(payload);
    });
  }

  /** Closes pooled sockets (shutdown). */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agentFor(target: URL, policy: TargetPolicy, poolKey: string | undefined): Agent {
    const key = `${poolKey ?? ''}|${target.protocol}//${target.host}|${String(policy.allowPrivate)}|${String(policy.allowLoopback)}`;
    let agent = this.agents.get(key);
    if (agent) {
      // Re-inserted: Map order is the LRU order.
      this.agents.delete(key);
    } else {
      agent = createGuardedAgent(target.protocol === 'https:' ? 'https:' : 'http:', policy, { maxSockets: WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT });
      if (this.agents.size >= MAX_AGENTS) {
        const [oldestKey, oldest] = this.agents.entries().next().value ?? [];
        if (oldestKey !== undefined) this.agents.delete(oldestKey);
        oldest?.destroy();
      }
    }
    this.agents.set(key, agent);
    return agent;
  }
}

function errorCode(error: NodeJS.ErrnoException): string {
  const code = error.code ?? '';
  if (code === TARGET_REFUSED_CODE) return 'target_not_allowed';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns_failed';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection_reset';
  if (code.startsWith('HPE_')) return 'invalid_response';
  if (/^ERR_(TLS|SSL)_|CERT|^EPROTO$/.test(code)) return 'tls_failed';
  return 'connect_failed';
}
