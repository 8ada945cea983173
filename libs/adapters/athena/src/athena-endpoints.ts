import type { Connection } from '@sb/db';

/** athena's preview (sandbox) platform host; its token endpoint is `${base}/oauth2/v1/token`. */
export const ATHENA_PREVIEW_BASE_URL = 'https://api.preview.platform.athenahealth.com';
/** athena's production platform host. */
export const ATHENA_PRODUCTION_BASE_URL = 'https://api.platform.athenahealth.com';
/** The shared preview practice every athena developer account may use. */
export const ATHENA_PREVIEW_PRACTICE_ID = '195900';

/**
 * Requests a second per (athena host, practice), shared by every process. athena does
 * not publish its per-second limits; these are the figures production clients use
 * (eleanorhealth/go-athenahealth: 5 in preview, 100 in production).
 */
export const ATHENA_REQUESTS_PER_SECOND = { sandbox: 5, production: 100 } as const;
/** New tokens a minute per client id (athena: 5 in preview, 50 in production; over it, 429 for the rest of the minute). */
export const ATHENA_TOKENS_PER_MINUTE = { sandbox: 5, production: 50 } as const;
/** How long a request may queue for its turn in the practice budget before it fails RateLimited. */
export const ATHENA_MAX_BUDGET_WAIT_MS = 10_000;

type EndpointFields = Pick<Connection, 'environment' | 'athenaBaseUrl' | 'tokenUrl' | 'athenaPracticeId'>;

export interface AthenaEndpoints {
  /** The platform host root, without `/v1` (calls go to `${baseUrl}/v1/${practiceId}/…`). */
  baseUrl: string;
  tokenUrl: string;
  /** athena's FHIR R4 API (one base for every practice): the `iss` of SMART launches from athenaOne. */
  fhirBaseUrl: string;
  /** The practice the connection serves: its own, else the preview practice for sandbox connections; null when a production connection has none. */
  practiceId: string | null;
}

/**
 * A connection's athena endpoints, with the defaults by environment: a provisioned
 * sandbox connection carries the simulator's URL in `athenaBaseUrl`; otherwise
 * sandbox → preview host and practice 195900, production → production host. The
 * token URL defaults to `${baseUrl}/oauth2/v1/token`.
 * https://docs.athenahealth.com/api/guides/authentication-and-url-locations
 */
export function athenaEndpoints(connection: EndpointFields): AthenaEndpoints {
  const production = connection.environment === 'production';
  const baseUrl = hostRoot(connection.athenaBaseUrl ?? (production ? ATHENA_PRODUCTION_BASE_URL : ATHENA_PREVIEW_BASE_URL));
  return {
    baseUrl,
    tokenUrl: connection.tokenUrl?.replace(/\/+$/, '') || `${baseUrl}/oauth2/v1/token`,
    fhirBaseUrl: `${baseUrl}/fhir/r4`,
    practiceId: connection.athenaPracticeId?.trim() || (production ? null : ATHENA_PREVIEW_PRACTICE_ID),
  };
}

export interface AthenaLimits {
  requestsPerSecond: number;
  tokensPerMinute: number;
  maxWaitMs: number;
}

/**
 * The one place the athena rate limits are decided: the environment's defaults,
 * overridden per connection by `dialect.requestsPerSecond` / `dialect.tokensPerMinute`
 * / `dialect.maxBudgetWaitMs` (positive numbers; anything else is ignored).
 */
export function athenaLimits(connection: Pick<Connection, 'environment' | 'dialect'>): AthenaLimits {
  const env = connection.environment === 'production' ? 'production' : 'sandbox';
  const dialect = (connection.dialect && typeof connection.dialect === 'object' && !Array.isArray(connection.dialect) ? connection.dialect : {}) as Record<string, unknown>;
  return {
    requestsPerSecond: positive(dialect.requestsPerSecond, 10_000) ?? ATHENA_REQUESTS_PER_SECOND[env],
    tokensPerMinute: positive(dialect.tokensPerMinute, 1_000) ?? ATHENA_TOKENS_PER_MINUTE[env],
    maxWaitMs: positive(dialect.maxBudgetWaitMs, 120_000) ?? ATHENA_MAX_BUDGET_WAIT_MS,
  };
}

const positive = (value: unknown, max: number): number | null => (typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= max ? value : null);

/** `https://host/` or `https://host/v1/195900` → `https://host` (an admin may paste either). */
function hostRoot(url: string): string {
  return url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/v1(\/\d+)?$/, '');
}
