import { Inject, Injectable } from '@nestjs/common';
import { sha256Hex } from '@sb/auth';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ConnectionRepository, SmartAppRepository, SmartLaunchRepository, type SmartApp, type Connection, type SmartAppRequest, type SmartLaunch } from '@sb/db';
import { randomUUID } from 'node:crypto';
import { grantableScopes, clinicalScopesOf } from '../scopes';
import { EhrRefused, EhrUnavailable } from './ehr-smart-client';
import { newOneTimeValue } from './one-time-values';
import { errorPage, SmartOAuthError, type OAuthErrorCode } from './smart-oauth-error';
import { connectionOfAudience, smartEhrBaseOf, smartUrls, type SmartUrls } from '@sb/connections';
import { UpstreamTokens } from './upstream-tokens';

/** The EHR's `state` is good for this long (the clinician may take a while at the EHR's login). */
export const UPSTREAM_STATE_TTL_MS = 10 * 60_000;
/** The gateway's `launch` handed to the app. */
export const LAUNCH_TTL_MS = 5 * 60_000;
/** An authorization code. */
export const CODE_TTL_MS = 60_000;

const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43,128}$/;
const MAX_PARAM_CHARS = 2048;
/** What the gateway always asks of the EHR beside the app's clinical scopes: who the user is, and a way to refresh. */
const UPSTREAM_IDENTITY_SCOPES = ['openid', 'fhirUser', 'offline_access'];
/**
 * What the app is told when the EHR refuses: the user's and the scope's refusals pass through;
 * the EHR refusing the gateway's own registration is the gateway's client being unauthorized
 * there; anything else the EHR says at authorize is a denial, at its token endpoint a failure.
 */
const APP_ERROR_FOR_EHR_AUTHORIZE: Record<string, OAuthErrorCode> = {
  access_denied: 'access_denied',
  invalid_scope: 'invalid_scope',
  invalid_client: 'unauthorized_client',
  unauthorized_client: 'unauthorized_client',
  temporarily_unavailable: 'temporarily_unavailable',
  server_error: 'server_error',
};
const APP_ERROR_FOR_EHR_TOKEN: Record<string, OAuthErrorCode> = {
  invalid_client: 'unauthorized_client',
  unauthorized_client: 'unauthorized_client',
  invalid_scope: 'invalid_scope',
  invalid_grant: 'access_denied',
  access_denied: 'access_denied',
};

type Params = Record<string, string | undefined>;

const param = (p: Params, name: string): string | undefined => {
  const v = p[name];
  return typeof v === 'string' && v !== '' && v.length <= MAX_PARAM_CHARS ? v : undefined;
};

const withQuery = (base: string, query: Record<string, string>): string => {
  const url = new URL(base);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.href;
};

/**
 * The SMART broker's browser legs: the EHR launches the gateway (upstream leg, the gateway a
 * SMART client of the EHR), and the gateway launches the app (downstream leg, the gateway a
 * SMART server). Each method answers the URL to redirect the browser to, or throws a
 * {@link SmartOAuthError} saying where the error goes.
 */
@Injectable()
export class SmartBrokerService {
  readonly urls: SmartUrls;
  private readonly publicUrl: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly launches: SmartLaunchRepository,
    private readonly connections: ConnectionRepository,
    private readonly apps: SmartAppRepository,
    private readonly upstream: UpstreamTokens,
  ) {
    this.urls = smartUrls(config.publicUrl);
    this.publicUrl = config.publicUrl;
  }

  /** `GET /smart/launch?iss=&launch=[&app=][&connection=]`: the EHR opened the gateway; off to the EHR's authorize endpoint. */
  async ehrLaunch(p: Params): Promise<string> {
    const iss = param(p, 'iss');
    const launch = param(p, 'launch');
    if (!iss || !launch) throw errorPage('invalid_request', 'A launch needs iss and launch');
    const base = iss.replace(/\/+$/, '');
    const named = param(p, 'app');
    const app = named ? await this.apps.findCredentialAnyTenant(named) : null;
    if (named && !app) throw errorPage('invalid_request', 'The launch names an app that is not registered');
    const athena = (await this.connections.findLiveAthena(app?.tenantId ?? null)).filter((c) => smartEhrBaseOf(c) === base);
    const candidates = [...(await this.connections.findLiveByFhirBase([base, `${base}/`])), ...athena].filter((c) => !app || c.tenantId === app.tenantId);
    // Nothing is fetched from an iss that is not a live connection's FHIR base.
    if (candidates.length === 0) throw errorPage('invalid_request', 'iss is not the FHIR base of a live connection');
    // Several tenants on one EHR: the launch URL names the app. athena serves every practice from one
    // FHIR base: a tenant with several practices names the connection (several connections of one
    // tenant to one FHIR vendor's base are the same EHR: the oldest serves).
    const chosen = param(p, 'connection');
    const practices = candidates.filter((c) => c.vendor === 'athena').length;
    const ambiguous = !chosen && ((!app && candidates.length > 1) || practices > 1);
    const connection = chosen ? candidates.find((c) => c.id === chosen) : ambiguous ? undefined : candidates[0];
    if (!connection) {
      throw errorPage(
        'invalid_request',
        app ? 'Several athena practices of this tenant share this FHIR base: the launch URL must name the connection' : 'Several connections share this FHIR base: the launch URL must name the app',
      );
    }
    const target = app ?? (await this.onlyAppOf(connection.tenantId));
    return this.beginUpstream(connection, target, 'ehr', { launch }, null);
  }

  private async onlyAppOf(tenantId: string): Promise<SmartApp> {
    const apps = await this.apps.list(tenantId);
    if (apps.length !== 1 || !apps[0]) throw errorPage('invalid_request', apps.length === 0 ? 'No SMART app is registered for this connection' : 'The launch URL must name the app');
    return apps[0];
  }

  private async beginUpstream(connection: Connection, app: SmartApp, kind: 'ehr' | 'standalone', extra: { launch?: string }, appRequest: SmartAppRequest | null): Promise<string> {
    const failed = (error: OAuthErrorCode, description: string, status: number) =>
      appRequest ? new SmartOAuthError(error, description, { kind: 'redirect', redirectUri: appRequest.redirectUri, state: appRequest.state }) : errorPage(error, description, status);
    const ehrBase = smartEhrBaseOf(connection);
    if (!connection.smartClientId || !ehrBase) throw failed('unauthorized_client', 'This connection is not set up for SMART launch', 400);
    let authorizeUrl: string;
    try {
      authorizeUrl = (await this.upstream.endpointsOf(connection)).authorize;
    } catch (e) {
      if (e instanceof EhrUnavailable) throw failed('temporarily_unavailable', 'The EHR is not answering', 502);
      throw e;
    }
    const state = newOneTimeValue();
    const verifier = newOneTimeValue();
    const id = randomUUID();
    await this.launches.begin({
      id,
      tenantId: connection.tenantId,
      connectionId: connection.id,
      appId: app.id,
      kind,
      upstreamStateHash: sha256Hex(state),
      upstreamVerifier: await this.upstream.seal(connection, id, 'verifier', verifier),
      appRequest,
    });
    const clinical = clinicalScopesOf(appRequest?.scopes ?? app.scopes).map((s) => `${s.level}/${s.resourceType}.${[...s.interactions].join('')}`);
    const scope = [kind === 'ehr' ? 'launch' : 'launch/patient', ...UPSTREAM_IDENTITY_SCOPES, ...new Set(clinical)].join(' ');
    return withQuery(authorizeUrl, {
      response_type: 'code',
      client_id: connection.smartClientId,
      redirect_uri: this.urls.callback,
      scope,
      state,
      aud: ehrBase,
      code_challenge: this.upstream.challengeOf(verifier),
      code_challenge_method: 'S256',
      ...(extra.launch ? { launch: extra.launch } : {}),
    });
  }

  /** `GET /smart/callback?code=&state=` (or `error=`): the EHR's answer; on to the app. */
  async callback(p: Params): Promise<string> {
    const state = param(p, 'state');
    const launch = state ? await this.launches.spendUpstreamState(sha256Hex(state), new Date(Date.now() - UPSTREAM_STATE_TTL_MS)) : null;
    if (!launch) throw errorPage('invalid_request', 'This sign-in is unknown, already used or expired: start the launch again');
    const app = await this.apps.findCredentialById(launch.appId);
    const connection = await this.connections.findById(launch.tenantId, launch.connectionId);
    if (!app || !connection) throw errorPage('invalid_request', 'The app or connection of this launch no longer exists');
    const request = launch.appRequest;
    const failed = (error: OAuthErrorCode, description: string, status: number) =>
      request ? new SmartOAuthError(error, description, { kind: 'redirect', redirectUri: request.redirectUri, state: request.state }) : errorPage(error, description, status);
    const ehrError = param(p, 'error');
    if (ehrError) {
      const passed = APP_ERROR_FOR_EHR_AUTHORIZE[ehrError] ?? 'access_denied';
      throw failed(passed, 'The EHR did not authorize the launch', 403);
    }
    const code = param(p, 'code');
    if (!code) throw failed('invalid_request', 'The EHR answered without a code', 400);
    try {
      await this.upstream.authorize(connection, launch, code, this.urls.callback);
    } catch (e) {
      if (e instanceof EhrUnavailable) throw failed('temporarily_unavailable', 'The EHR is not answering', 502);
      if (e instanceof EhrRefused) throw failed(APP_ERROR_FOR_EHR_TOKEN[e.oauthError] ?? 'server_error', 'The EHR refused the sign-in', 403);
      throw e;
    }
    if (request) return this.issueCode(launch, request);
    const gatewayLaunch = newOneTimeValue();
    await this.launches.issueLaunch(launch.id, sha256Hex(gatewayLaunch), new Date(Date.now() + LAUNCH_TTL_MS));
    return withQuery(app.launchUrl, { iss: this.urls.issuer(connection.id), launch: gatewayLaunch });
  }

  /** `GET|POST /smart/authorize`: the app's authorization request at the gateway. */
  async authorize(p: Params): Promise<string> {
    const clientId = param(p, 'client_id');
    const app = clientId ? await this.apps.findCredentialAnyTenant(clientId) : null;
    if (!app) throw errorPage('invalid_client', 'Unknown client_id');
    const redirectUri = param(p, 'redirect_uri');
    // Never redirect to a URI the app did not register.
    if (!redirectUri || !app.redirectUris.includes(redirectUri)) throw errorPage('invalid_request', 'redirect_uri is not one the app registered');
    const state = param(p, 'state') ?? null;
    const fail = (error: OAuthErrorCode, description: string) => new SmartOAuthError(error, description, { kind: 'redirect', redirectUri, state });
    if (param(p, 'response_type') !== 'code') throw fail('unsupported_response_type', 'Only response_type=code is supported');
    const challenge = param(p, 'code_challenge');
    if (param(p, 'code_challenge_method') !== 'S256' || !challenge || !PKCE_CHALLENGE.test(challenge)) throw fail('invalid_request', 'PKCE with code_challenge_method=S256 is required');
    const aud = param(p, 'aud');
    const connectionId = aud ? connectionOfAudience(this.publicUrl, aud) : null;
    const connection = connectionId ? await this.connections.findById(app.tenantId, connectionId) : null;
    if (!connection || connection.status !== 'live') throw fail('invalid_request', 'aud must be the FHIR base of a live connection of this app');
    const requested = (param(p, 'scope') ?? '').split(' ').filter(Boolean);
    const scopes = grantableScopes(requested, app.scopes);
    if (clinicalScopesOf(scopes).length === 0) throw fail('invalid_scope', 'No requested clinical scope is allowed for this app');
    const request: SmartAppRequest = { redirectUri, state, codeChallenge: challenge, nonce: param(p, 'nonce') ?? null, scopes };
    if (scopes.includes('launch')) {
      const given = param(p, 'launch');
      const launch = given ? await this.launches.spendLaunch(sha256Hex(given), app.id) : null;
      if (!launch || launch.connectionId !== connection.id) throw fail('invalid_request', 'launch is unknown, already used, expired or for another FHIR base');
      return this.issueCode(launch, request);
    }
    if (scopes.includes('launch/patient')) return this.beginUpstream(connection, app, 'standalone', {}, request);
    throw fail('invalid_scope', 'Ask for launch (EHR launch) or launch/patient (standalone launch)');
  }

  private async issueCode(launch: SmartLaunch, request: SmartAppRequest): Promise<string> {
    const code = newOneTimeValue();
    await this.launches.issueCode(launch.id, sha256Hex(code), new Date(Date.now() + CODE_TTL_MS), request, request.scopes);
    return withQuery(request.redirectUri, { code, ...(request.state !== null ? { state: request.state } : {}) });
  }
}
