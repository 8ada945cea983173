import { ErrorCode, SbError } from '@sb/core';
import { TokenCache, type AdapterContext, type CachedToken } from '@sb/adapters/contracts';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { vendorFailure } from './fhir.errors';

/** How a vendor wants the token request authenticated. */
export type TokenAuthStyle = { kind: 'private_key_jwt' } | { kind: 'client_secret_basic'; secretName: string };

const ASSERTION_LIFETIME_SECONDS = 240;

const tokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.number().positive().optional() });

/**
 * OAuth 2.0 client credentials for one connection: SMART Backend Services client
 * assertions (https://hl7.org/fhir/smart-app-launch/backend-services.html) or a
 * client secret, cached per (connection, token URL, scopes) with single flight.
 */
export class FhirAuth {
  constructor(
    private readonly ctx: AdapterContext,
    private readonly style: TokenAuthStyle,
    private readonly scopes: readonly string[],
  ) {}

  private get tokenUrl(): string {
    const url = this.ctx.connection.tokenUrl;
    if (!url) throw new SbError(ErrorCode.VendorError, 'Connection has no token URL', { details: { reason: 'missing_token_url' } });
    return url;
  }

  private get cacheKey(): string {
    return TokenCache.keyOf(this.ctx.connection.id, this.tokenUrl, this.scopes);
  }

  /** A token the EHR refused for the launched user: the next `bearer()` asks for it to be refreshed. */
  private staleUserToken: string | undefined;

  async bearer(): Promise<string> {
    const user = this.ctx.credentials.userAccessToken;
    if (user) return user.call(this.ctx.credentials, this.staleUserToken);
    return (await this.ctx.tokens.get(this.cacheKey, () => this.requestToken())).accessToken;
  }

  /** Calls carry a SMART-launched user's EHR token rather than the connection's own. */
  get forLaunchedUser(): boolean {
    return this.ctx.credentials.userAccessToken !== undefined;
  }

  invalidate(accessToken: string): void {
    if (this.forLaunchedUser) {
      this.staleUserToken = accessToken;
      return;
    }
    this.ctx.tokens.invalidate(this.cacheKey, accessToken);
  }

  private async requestToken(): Promise<CachedToken> {
    const { connection, credentials } = this.ctx;
    const clientId = connection.clientId;
    if (!clientId) throw new SbError(ErrorCode.VendorError, 'Connection has no client id', { details: { reason: 'missing_client_id' } });
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.scopes.length > 0) form.set('scope', this.scopes.join(' '));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.style.kind === 'private_key_jwt') {
      const key = await credentials.signingKey();
      if (!key) throw new SbError(ErrorCode.VendorError, 'Connection has no signing key', { details: { reason: 'missing_signing_key' } });
      const now = Math.floor(Date.now() / 1000);
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set(
        'client_assertion',
        await new SignJWT({})
          .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
          .setIssuer(clientId)
          .setSubject(clientId)
          .setAudience(this.tokenUrl)
          .setIssuedAt(now)
          .setExpirationTime(now + ASSERTION_LIFETIME_SECONDS)
          .setJti(randomUUID())
          .sign(key.privateKey),
      );
    } else {
      const secret = await credentials.clientSecret(this.style.secretName);
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret.toString('utf8'))}`).toString('base64')}`;
      secret.fill(0);
    }
    const res = await this.ctx.http.request({ method: 'POST', url: this.tokenUrl, headers, body: form, idempotent: false });
    if (res.status !== 200) throw vendorFailure(res);
    let parsed;
    try {
      parsed = tokenResponse.safeParse(JSON.parse(res.text));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) throw new SbError(ErrorCode.VendorError, 'The EHR sent a malformed token response', { details: { reason: 'malformed_token' } });
    return { accessToken: parsed.data.access_token, expiresAtMs: Date.now() + (parsed.data.expires_in ?? 300) * 1000 };
  }
}
