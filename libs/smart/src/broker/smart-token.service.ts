import { Inject, Injectable, Logger } from '@nestjs/common';
import { AssertionError, CLIENT_ASSERTION_TYPE, GatewayKeyService, safeEqual, sha256Hex, verifyClientAssertion } from '@sb/auth';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { CallRecordRepository, ConnectionRepository, SmartAppRepository, SmartLaunchRepository, type SmartAppCredential, type SmartLaunch } from '@sb/db';
import { RedisService } from '@sb/queue';
import { decodeJwt } from 'jose';
import { randomUUID } from 'node:crypto';
import { newOneTimeValue, s256Challenge } from './one-time-values';
import { tokenError } from './smart-oauth-error';
import { smartUrls, type SmartUrls } from '@sb/connections';

/** SMART recommends access tokens of at most an hour. */
export const SMART_ACCESS_TOKEN_TTL_SECONDS = 3600;
/** A refresh token (offline_access) lives this long unless used (and rotated) sooner. */
export const SMART_REFRESH_TOKEN_TTL_MS = 30 * 24 * 3600_000;

export interface SmartTokenRequest {
  grant_type?: string;
  code?: string;
  redirect_uri?: string;
  code_verifier?: string;
  refresh_token?: string;
  client_id?: string;
  client_secret?: string;
  client_assertion_type?: string;
  client_assertion?: string;
  /** From `Authorization: Basic` (client_secret_basic). */
  basic?: { clientId: string; clientSecret: string };
}

export interface SmartTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  patient?: string;
  encounter?: string;
  need_patient_banner: boolean;
  id_token?: string;
  refresh_token?: string;
}

const invalidClient = () => tokenError('invalid_client', 'Client authentication failed', 401);
const invalidGrant = (description: string) => tokenError('invalid_grant', description);

/** The gateway's SMART token endpoint: codes for tokens (PKCE checked), refresh with rotation. */
@Injectable()
export class SmartTokenService {
  private readonly logger = new Logger(SmartTokenService.name);
  private readonly urls: SmartUrls;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly launches: SmartLaunchRepository,
    private readonly connections: ConnectionRepository,
    private readonly apps: SmartAppRepository,
    private readonly keys: GatewayKeyService,
    private readonly calls: CallRecordRepository,
    private readonly redis: RedisService,
  ) {
    this.urls = smartUrls(config.publicUrl);
  }

  async token(req: SmartTokenRequest): Promise<SmartTokenResponse> {
    if (req.grant_type !== 'authorization_code' && req.grant_type !== 'refresh_token') throw tokenError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
    const app = await this.authenticate(req);
    return req.grant_type === 'authorization_code' ? this.exchangeCode(app, req) : this.refresh(app, req);
  }

  private async authenticate(req: SmartTokenRequest): Promise<SmartAppCredential> {
    if (req.client_assertion !== undefined) return this.authenticateAssertion(req);
    if (req.basic && req.client_secret !== undefined) throw invalidClient();
    const clientId = req.basic?.clientId ?? req.client_id;
    if (req.basic && req.client_id !== undefined && req.client_id !== req.basic.clientId) throw invalidClient();
    const app = clientId ? await this.apps.findCredentialAnyTenant(clientId.slice(0, 128)) : null;
    if (!app) throw invalidClient();
    const secret = req.basic?.clientSecret ?? req.client_secret;
    if (app.confidential) {
      // An asymmetric client (JWKS URL, no secret) authenticates only with a signed assertion.
      if (!app.secretHash || !secret || !safeEqual(sha256Hex(secret), app.secretHash)) throw invalidClient();
    } else if (secret !== undefined) {
      throw invalidClient();
    }
    return app;
  }

  /**
   * SMART confidential asymmetric clients (private_key_jwt, RS384 or ES384): an assertion signed
   * with a key from the app's registered JWKS URL, for this token endpoint, at most 5 minutes
   * long, its `jti` used once (remembered in Redis until it expires, across api processes).
   */
  private async authenticateAssertion(req: SmartTokenRequest): Promise<SmartAppCredential> {
    if (req.client_assertion_type !== CLIENT_ASSERTION_TYPE || req.basic || req.client_secret !== undefined || !req.client_assertion) throw invalidClient();
    let clientId: unknown;
    try {
      clientId = decodeJwt(req.client_assertion).iss;
    } catch {
      throw invalidClient();
    }
    if (typeof clientId !== 'string' || (req.client_id !== undefined && req.client_id !== clientId)) throw invalidClient();
    const app = await this.apps.findCredentialAnyTenant(clientId.slice(0, 128));
    if (!app?.confidential || !app.jwksUrl) throw invalidClient();
    try {
      await verifyClientAssertion(req.client_assertion, {
        clientId,
        tokenEndpoint: this.urls.token,
        keys: { jwks: null, jwksUrl: app.jwksUrl, allowPrivateTargets: this.config.allowPrivateTargets },
        rememberJti: async (jti, expiresAt) => {
          const ttlMs = Math.max(1000, expiresAt.getTime() - Date.now());
          return (await this.redis.client.set(`${this.redis.prefix}smart-jti:${app.id}:${sha256Hex(jti)}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
        },
      });
    } catch (e) {
      if (e instanceof AssertionError) throw invalidClient();
      throw e;
    }
    return app;
  }

  private async exchangeCode(app: SmartAppCredential, req: SmartTokenRequest): Promise<SmartTokenResponse> {
    const launch = req.code ? await this.launches.spendCode(sha256Hex(req.code)) : null;
    const request = launch?.codeRequest;
    if (!launch || !request || launch.appId !== app.id) throw invalidGrant('The code is unknown, already used, or not this client’s');
    if (!launch.codeExpiresAt || launch.codeExpiresAt.getTime() <= Date.now()) throw invalidGrant('The code has expired');
    if (req.redirect_uri !== request.redirectUri) throw invalidGrant('redirect_uri differs from the authorization request');
    if (!req.code_verifier || !/^[A-Za-z0-9._~-]{43,128}$/.test(req.code_verifier) || s256Challenge(req.code_verifier) !== request.codeChallenge) throw invalidGrant('code_verifier does not match the code_challenge');
    const refreshToken = launch.grantedScopes.includes('offline_access') || launch.grantedScopes.includes('online_access') ? newOneTimeValue() : null;
    await this.launches.setRefreshToken(launch.id, refreshToken ? sha256Hex(refreshToken) : null, refreshToken ? new Date(Date.now() + SMART_REFRESH_TOKEN_TTL_MS) : null);
    const response = await this.tokensFor(app, launch, request.nonce);
    await this.recordLaunch(app, launch);
    return refreshToken ? { ...response, refresh_token: refreshToken } : response;
  }

  private async refresh(app: SmartAppCredential, req: SmartTokenRequest): Promise<SmartTokenResponse> {
    if (!req.refresh_token) throw invalidGrant('refresh_token is required');
    const next = newOneTimeValue();
    const launch = await this.launches.rotateRefreshToken(sha256Hex(req.refresh_token), sha256Hex(next), app.id);
    if (!launch) throw invalidGrant('The refresh token is unknown, already used, expired or not this client’s');
    return { ...(await this.tokensFor(app, launch, null)), refresh_token: next };
  }

  private async tokensFor(app: SmartAppCredential, launch: SmartLaunch, nonce: string | null): Promise<SmartTokenResponse> {
    const scope = launch.grantedScopes.join(' ');
    const accessToken = await this.keys.sign(
      { sub: launch.id, client_id: app.clientId, tenant_id: launch.tenantId, scope, smart_launch: launch.id, connection_id: launch.connectionId, ...(launch.patientId ? { patient: launch.patientId } : {}) },
      SMART_ACCESS_TOKEN_TTL_SECONDS,
    );
    const issuer = this.urls.issuer(launch.connectionId);
    const wantsIdentity = launch.grantedScopes.includes('openid') && (launch.grantedScopes.includes('fhirUser') || launch.grantedScopes.includes('profile'));
    const idToken =
      wantsIdentity && launch.fhirUser
        ? await this.keys.signIdToken({ sub: sha256Hex(`${launch.connectionId}:${launch.fhirUser}`).slice(0, 32), fhirUser: `${issuer}/${launch.fhirUser}`, ...(nonce ? { nonce } : {}) }, { issuer, audience: app.clientId, ttlSeconds: SMART_ACCESS_TOKEN_TTL_SECONDS })
        : undefined;
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: SMART_ACCESS_TOKEN_TTL_SECONDS,
      scope,
      ...(launch.patientId ? { patient: launch.patientId } : {}),
      ...(launch.encounterId ? { encounter: launch.encounterId } : {}),
      need_patient_banner: launch.needPatientBanner,
      ...(idToken ? { id_token: idToken } : {}),
    };
  }

  /** One audit record and one usage unit per launch, when the app first gets its tokens. */
  private async recordLaunch(app: SmartAppCredential, launch: SmartLaunch): Promise<void> {
    const connection = await this.connections.findById(launch.tenantId, launch.connectionId);
    if (!connection) return;
    const purpose = [`SMART ${launch.kind} launch`, `app ${app.clientId}`, launch.fhirUser ? `user ${launch.fhirUser}` : null, launch.encounterId ? `Encounter/${launch.encounterId}` : null].filter(Boolean).join('; ');
    const now = new Date();
    try {
      await this.calls.record(
        {
          tenantId: launch.tenantId,
          connectionId: launch.connectionId,
          transactionId: randomUUID(),
          vendor: connection.vendor,
          operation: 'smart-launch',
          resourceType: 'Patient',
          outcome: 'success',
          durationMs: now.getTime() - launch.createdAt.getTime(),
          occurredAt: now,
          environment: connection.environment,
          actorType: 'smart-app',
          actorId: app.id,
          purpose: purpose.slice(0, 200),
        },
        launch.patientId ? [`Patient/${launch.patientId}`] : [],
      );
    } catch (e) {
      this.logger.error({ err: e, launchId: launch.id }, 'could not record a SMART launch');
      throw e;
    }
  }
}
