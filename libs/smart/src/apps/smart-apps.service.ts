import { Inject, Injectable } from '@nestjs/common';
import { sha256Hex } from '@sb/auth';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ErrorCode, foundOrFail, notFound, SbError, type FieldIssue } from '@sb/core';
import { outboundPolicyFor, validateConnectionUrl } from '@sb/connections';
import { SmartAppRepository, type SmartApp, type SmartAppPatch } from '@sb/db';
import { generateSmartClientId, generateSmartClientSecret } from './smart-app-credentials';
import { httpsRequiredReason, type CreateSmartAppInput, type UpdateSmartAppInput } from './smart-app.schemas';
import { smartClientTypeOf } from './smart-app.views';

const APP = 'SMART app';

/** An app with its client secret: only ever the answer to create (symmetric apps) and rotate. */
export interface SmartAppWithSecret {
  app: SmartApp;
  clientSecret: string | null;
}

const invalid = (issues: FieldIssue[]): SbError => new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues });

/**
 * The SMART apps a tenant registers once to launch from every connected EHR (issue 15):
 * client ids, client secrets (shown once, stored as SHA-256), launch and redirect URIs,
 * and the most each app may be granted.
 */
@Injectable()
export class SmartAppsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apps: SmartAppRepository,
  ) {}

  async create(tenantId: string, input: CreateSmartAppInput): Promise<SmartAppWithSecret> {
    this.assertDeploymentUrls(input);
    await this.assertJwksReachable(input.jwksUrl);
    // Confidential without keys = symmetric: a client secret, returned this once.
    const clientSecret = input.confidential && input.jwksUrl === undefined ? generateSmartClientSecret() : null;
    const app = await this.apps.create(tenantId, {
      name: input.name,
      clientId: generateSmartClientId(),
      confidential: input.confidential,
      secretHash: clientSecret === null ? null : sha256Hex(clientSecret),
      jwksUrl: input.jwksUrl ?? null,
      launchUrl: input.launchUrl,
      redirectUris: input.redirectUris,
      scopes: input.scopes,
    });
    return { app, clientSecret };
  }

  list(tenantId: string): Promise<SmartApp[]> {
    return this.apps.list(tenantId);
  }

  async get(tenantId: string, id: string): Promise<SmartApp> {
    return foundOrFail(await this.apps.find(tenantId, id), APP);
  }

  async update(tenantId: string, id: string, input: UpdateSmartAppInput): Promise<SmartApp> {
    const current = await this.get(tenantId, id);
    if (input.jwksUrl !== undefined) {
      const type = smartClientTypeOf(current);
      if (type === 'public') throw invalid([{ path: 'jwksUrl', message: 'a public app authenticates with no keys' }]);
      if (type === 'confidential-symmetric') throw invalid([{ path: 'jwksUrl', message: 'this app authenticates with a client secret; register a new app to use keys' }]);
    }
    this.assertDeploymentUrls(input);
    await this.assertJwksReachable(input.jwksUrl);
    const patch: SmartAppPatch = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.launchUrl !== undefined) patch.launchUrl = input.launchUrl;
    if (input.redirectUris !== undefined) patch.redirectUris = input.redirectUris;
    if (input.scopes !== undefined) patch.scopes = input.scopes;
    if (input.jwksUrl !== undefined) patch.jwksUrl = input.jwksUrl;
    return foundOrFail(await this.apps.update(tenantId, id, patch), APP);
  }

  /** A new client secret, returned this once; the previous one stops working at once. */
  async rotateSecret(tenantId: string, id: string): Promise<SmartAppWithSecret> {
    const current = await this.get(tenantId, id);
    if (!current.hasSecret) throw new SbError(ErrorCode.Conflict, 'Only a confidential app with a client secret has one to rotate');
    const clientSecret = generateSmartClientSecret();
    const app = foundOrFail(await this.apps.replaceSecret(tenantId, id, sha256Hex(clientSecret)), APP);
    return { app, clientSecret };
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.apps.delete(tenantId, id))) throw notFound(APP);
  }

  /** The gateway fetches the JWKS URL: the addresses it resolves to now must be ones it may reach (checked again at every fetch). */
  private async assertJwksReachable(jwksUrl: string | undefined): Promise<void> {
    if (jwksUrl !== undefined) await validateConnectionUrl(jwksUrl, 'jwksUrl', outboundPolicyFor(this.config, 'public'));
  }

  /** What depends on the deployment: https in production mode (loopback hosts excepted, not for the JWKS URL the gateway fetches). */
  private assertDeploymentUrls(input: { launchUrl?: string; redirectUris?: string[]; jwksUrl?: string }): void {
    const production = this.config.mode === 'production';
    const issues: FieldIssue[] = [];
    const check = (path: string, url: string | undefined, allowLoopback = true) => {
      const reason = url === undefined ? null : httpsRequiredReason(url, production, allowLoopback);
      if (reason) issues.push({ path, message: reason });
    };
    check('launchUrl', input.launchUrl);
    input.redirectUris?.forEach((uri, i) => check(`redirectUris.${i}`, uri));
    check('jwksUrl', input.jwksUrl, false);
    if (issues.length > 0) throw invalid(issues);
  }
}
