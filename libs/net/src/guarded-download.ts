import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { endClientSpan, startClientSpan } from './client-span';
import { OutboundError } from './outbound-error';
import { parseOutboundUrl } from './outbound-url';
import { pinnedLookup, RawReplyHeaders, transportError, type ReplyHeaders } from './guarded-fetch';
import { checkTarget, type Resolver, type TargetPolicy } from './target-policy';

export interface GuardedDownloadOptions {
  allowHttp?: boolean;
  /** Until the response headers arrive. */
  headersTimeoutMs?: number;
  /** Longest silence while the body streams. */
  idleTimeoutMs?: number;
  maxBodyBytes: number;
  resolver?: Resolver;
}

export interface GuardedDownload {
  status: number;
  headers: ReplyHeaders;
  /** The raw body (still content-encoded); fails with `too_large` or `timeout` mid-stream. Destroy it when not read. */
  body: Readable;
}

/**
 * A streaming GET for large files (Bulk Data NDJSON): the same vetting as `guardedFetch`
 * (the host checked against the policy, the socket pinned to the vetted addresses, its own
 * connection), but the body is handed over as a stream with a byte limit and an idle
 * timeout instead of being read whole. Redirects are returned, never followed.
 */
export async function guardedDownload(url: string, headers: Record<string, string>, policy: TargetPolicy, options: GuardedDownloadOptions): Promise<GuardedDownload> {
  const parsed = parseOutboundUrl(url, { allowHttp: options.allowHttp ?? false });
  if (!parsed.ok) throw new OutboundError(parsed.reason);
  const target = parsed.url;
  const host = target.hostname;
  const check = await checkTarget(target, policy, options.resolver);
  if (!check.ok) {
    throw check.reason === 'dns_failed'
      ? new OutboundError('dns_failed', { details: { host }, cause: check.cause })
      : new OutboundError('target_not_allowed', { details: { host, addressClass: check.addressClass } });
  }
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const sentHeaders = { ...headers };
  // The span lasts until the body has been read or given up.
  const span = startClientSpan(target, 'GET', sentHeaders);
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({
      protocol: target.protocol,
      hostname: host.startsWith('[') ? host.slice(1, -1) : host,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      method: 'GET',
      headers: sentHeaders,
      agent: false,
      lookup: pinnedLookup(check.addresses),
    });
    const timer = setTimeout(() => req.destroy(new OutboundError('timeout', { details: { host } })), options.headersTimeoutMs ?? 30_000);
    req.on('error', (error) => {
      clearTimeout(timer);
      const failure = transportError(error, host, 'connect_failed');
      endClientSpan(span, undefined, failure.reason);
      reject(failure);
    });
    req.on('response', (response) => {
      clearTimeout(timer);
      resolve(response);
    });
    req.end();
  });
  const status = res.statusCode ?? 0;
  if (Number(res.headers['content-length']) > options.maxBodyBytes) {
    res.destroy();
    endClientSpan(span, status, 'too_large');
    throw new OutboundError('too_large', { details: { host, maxBodyBytes: options.maxBodyBytes } });
  }
  const limited = new ByteLimit(options.maxBodyBytes, host);
  res.setTimeout(options.idleTimeoutMs ?? 60_000, () => res.destroy(new OutboundError('timeout', { details: { host } })));
  res.on('error', (error) => limited.destroy(transportError(error, host, 'response_failed')));
  res.on('close', () => {
    if (!res.complete) limited.destroy(new OutboundError('response_failed', { details: { host } }));
  });
  limited.on('close', () => {
    res.destroy();
    const failed = limited.errored;
    endClientSpan(span, status, failed ? (failed instanceof OutboundError ? failed.reason : 'response_failed') : undefined);
  });
  res.pipe(limited);
  return { status, headers: new RawReplyHeaders(res.rawHeaders), body: limited };
}

/** Passes bytes through until more than `max` arrived, then fails with `too_large`. */
class ByteLimit extends Transform {
  private seen = 0;

  constructor(
    private readonly max: number,
    private readonly host: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.byteLength;
    if (this.seen > this.max) callback(new OutboundError('too_large', { details: { host: this.host, maxBodyBytes: this.max } }));
    else callback(null, chunk);
  }
}
