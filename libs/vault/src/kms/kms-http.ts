import { KmsError } from './kms-error';
import type { KmsProviderName } from './kms-provider';

export const DEFAULT_KMS_TIMEOUT_MS = 5_000;

export interface KmsHttpResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined when the body was empty or not JSON. */
  json: unknown;
}

/**
 * One KMS round trip. Transport failures and timeouts become
 * `KmsError('unavailable')`; HTTP error statuses are returned for the provider
 * to classify, since only it knows what its service's error bodies mean.
 */
export async function kmsRequest(
  provider: KmsProviderName,
  url: URL,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; timeoutMs: number },
): Promise<KmsHttpResponse> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      signal: AbortSignal.timeout(init.timeoutMs),
      // A redirect would carry the token (X-Vault-Token) or a signed body to a host we never configured.
      redirect: 'error',
    });
    text = await res.text();
  } catch (cause) {
    throw new KmsError('unavailable', { details: { provider }, cause });
  }
  let json: unknown;
  if (text !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      // A proxy's HTML error page is not the KMS answering: the status decides.
      json = undefined;
    }
  }
  return { status: res.status, headers: res.headers, json };
}

/** Rate limits and server-side failures are worth retrying later; nothing else is. */
export const isTransientStatus = (status: number): boolean => status === 429 || status >= 500;
