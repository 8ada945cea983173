import type { AppConfig } from '@sb/config';
import { outboundPolicyFor, smartEhrBaseOf } from '@sb/connections';
import type { Connection } from '@sb/db';
import { guardedFetch } from '@sb/net';
import { decodeJwt } from 'jose';
import { z } from 'zod';

const EHR_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 256 * 1024;

const smartConfiguration = z.object({ authorization_endpoint: z.string().min(1), token_endpoint: z.string().min(1) });

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive().optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
  patient: z.string().optional(),
  encounter: z.string().optional(),
  id_token: z.string().optional(),
  need_patient_banner: z.boolean().optional(),
});

export interface EhrEndpoints {
  authorize: string;
  token: string;
}

/** The EHR's tokens for one launch: what the vault seals, never sent anywhere but back to that EHR. */
export interface EhrTokens {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: number | null;
}

export interface EhrAuthorization extends EhrTokens {
  patientId: string | null;
  encounterId: string | null;
  /** The user's FHIR resource as the EHR named it (`Practitioner/123`, relative to the EHR's base when it was there). */
  fhirUser: string | null;
  needPatientBanner: boolean;
}

/** The EHR could not be reached or answered something unusable: the app sees `temporarily_unavailable`. */
export class EhrUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`EHR unavailable: ${reason}`);
    this.name = 'EhrUnavailable';
  }
}

/** The EHR refused the grant (its token endpoint said 4xx). */
export class EhrRefused extends Error {
  constructor(readonly oauthError: string) {
    super('EHR refused the grant');
    this.name = 'EhrRefused';
  }
}

/** A resource reference relative to the connection's FHIR base when it is under it. */
function relativeTo(base: string, reference: string): string {
  const prefix = `${base.replace(/\/$/, '')}/`;
  const relative = reference.startsWith(prefix) ? reference.slice(prefix.length) : reference;
  return /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(relative) ? relative : '';
}

/**
 * The gateway as a SMART client of one EHR (the upstream leg): discovery, the authorization
 * code exchange with the PKCE verifier and refresh. Every call goes through the outbound
 * guard with the connection's policy.
 */
export class EhrSmartClient {
  constructor(
    private readonly config: AppConfig,
    private readonly connection: Connection,
    private readonly clientSecret: () => Promise<Buffer | null>,
  ) {}

  private get base(): string {
    return smartEhrBaseOf(this.connection) ?? '';
  }

  private async call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: unknown }> {
    const outbound = outboundPolicyFor(this.config, this.connection);
    let res: Response;
    try {
      res = await guardedFetch(url, init, outbound.policy, { allowHttp: outbound.allowHttp, timeoutMs: EHR_TIMEOUT_MS, maxBodyBytes: MAX_BODY_BYTES });
    } catch {
      throw new EhrUnavailable('unreachable');
    }
    if (res.status >= 500 || res.status === 429) throw new EhrUnavailable(`status ${res.status}`);
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      if (res.status === 200) throw new EhrUnavailable('not JSON');
    }
    return { status: res.status, body };
  }

  async endpoints(): Promise<EhrEndpoints> {
    const { status, body } = await this.call(`${this.base}/.well-known/smart-configuration`, { headers: { accept: 'application/json' } });
    const parsed = smartConfiguration.safeParse(body);
    if (status !== 200 || !parsed.success) throw new EhrUnavailable('no SMART configuration');
    return { authorize: parsed.data.authorization_endpoint, token: parsed.data.token_endpoint };
  }

  async exchangeCode(tokenUrl: string, input: { code: string; redirectUri: string; verifier: string }): Promise<EhrAuthorization> {
    const form = new URLSearchParams({ grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri, code_verifier: input.verifier });
    const token = await this.tokenRequest(tokenUrl, form);
    const claims = token.id_token ? safeClaims(token.id_token) : {};
    const fhirUser = typeof claims.fhirUser === 'string' ? relativeTo(this.base, claims.fhirUser) || null : null;
    return { ...tokensOf(token), patientId: token.patient ?? null, encounterId: token.encounter ?? null, fhirUser, needPatientBanner: token.need_patient_banner ?? true };
  }

  async refresh(tokenUrl: string, refreshToken: string): Promise<EhrTokens> {
    const token = await this.tokenRequest(tokenUrl, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }));
    const tokens = tokensOf(token);
    // An EHR that does not rotate keeps the old refresh token valid.
    return { ...tokens, refreshToken: tokens.refreshToken ?? refreshToken };
  }

  private async tokenRequest(tokenUrl: string, form: URLSearchParams): Promise<z.infer<typeof tokenResponse>> {
    const clientId = this.connection.smartClientId ?? '';
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
    const secret = await this.clientSecret();
    if (secret) {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret.toString('utf8'))}`).toString('base64')}`;
      secret.fill(0);
    } else {
      form.set('client_id', clientId);
    }
    const { status, body } = await this.call(tokenUrl, { method: 'POST', headers, body: form.toString() });
    if (status !== 200) {
      const error = z.object({ error: z.string().max(64) }).safeParse(body);
      throw new EhrRefused(error.success ? error.data.error : 'invalid_grant');
    }
    const parsed = tokenResponse.safeParse(body);
    if (!parsed.success) throw new EhrUnavailable('token response not usable');
    return parsed.data;
  }
}

function tokensOf(token: z.infer<typeof tokenResponse>): EhrTokens {
  return { accessToken: token.access_token, refreshToken: token.refresh_token ?? null, expiresAt: token.expires_in ? Date.now() + token.expires_in * 1000 : null };
}

/**
 * The id_token's claims, read without verifying it: it came straight from the EHR's token
 * endpoint over the guarded connection (OpenID Connect Core §3.1.3.7 allows TLS to stand in
 * for the signature in this case); only `fhirUser` is used, to name the user to the app.
 */
function safeClaims(idToken: string): Record<string, unknown> {
  try {
    return decodeJwt(idToken);
  } catch {
    return {};
  }
}
