import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ErrorCode, SbError } from '@sb/core';
import { SmartLaunchRepository, type Connection, type SealedJson, type SmartLaunch } from '@sb/db';
import { VaultService } from '@sb/vault';
import { EhrSmartClient, type EhrEndpoints, type EhrTokens } from './ehr-smart-client';
import { s256Challenge } from './one-time-values';

/** Discovery answers are kept this long per connection. */
const ENDPOINTS_TTL_MS = 5 * 60_000;
/** A token this close to its expiry is refreshed before use. */
const REFRESH_AHEAD_MS = 30_000;

interface CachedEndpoints {
  version: string;
  endpoints: EhrEndpoints;
  until: number;
}

const SYSTEM_ACTOR = { type: 'system', id: 'smart-broker' } as const;

/**
 * The EHR's side of each launch: its SMART endpoints, the code exchange, and the user's tokens,
 * sealed with the vault's envelope on the launch row, opened only to call that EHR, refreshed
 * when they expire. No token leaves this class but towards the EHR that issued it.
 */
@Injectable()
export class UpstreamTokens {
  private readonly endpoints = new Map<string, CachedEndpoints>();
  /** One refresh at a time per launch within this process. */
  private readonly refreshing = new Map<string, Promise<string>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly vault: VaultService,
    private readonly launches: SmartLaunchRepository,
  ) {}

  private clientOf(connection: Connection): EhrSmartClient {
    const secretName = connection.smartClientSecretName;
    return new EhrSmartClient(this.config, connection, async () =>
      secretName ? this.vault.reveal({ tenantId: connection.tenantId, connectionId: connection.id, name: secretName, actor: { ...SYSTEM_ACTOR, tenantId: connection.tenantId, scopes: [] }, purpose: 'SMART launch token request' }) : null,
    );
  }

  async endpointsOf(connection: Connection): Promise<EhrEndpoints> {
    const version = connection.updatedAt.toISOString();
    const cached = this.endpoints.get(connection.id);
    if (cached && cached.version === version && cached.until > Date.now()) return cached.endpoints;
    const endpoints = await this.clientOf(connection).endpoints();
    this.endpoints.set(connection.id, { version, endpoints, until: Date.now() + ENDPOINTS_TTL_MS });
    return endpoints;
  }

  challengeOf(verifier: string): string {
    return s256Challenge(verifier);
  }

  private ref(connection: Pick<Connection, 'tenantId' | 'id'>, launchId: string, what: 'verifier' | 'tokens') {
    return { tenantId: connection.tenantId, connectionId: connection.id, name: `smart-launch:${launchId}:${what}` };
  }

  async seal(connection: Connection, launchId: string, what: 'verifier' | 'tokens', value: string): Promise<SealedJson> {
    return this.vault.sealDetached(this.ref(connection, launchId, what), Buffer.from(value, 'utf8'));
  }

  /** Exchanges the EHR's code with the launch's verifier; stores the context and the sealed tokens. */
  async authorize(connection: Connection, launch: SmartLaunch, code: string, redirectUri: string): Promise<void> {
    const verifier = (await this.vault.openDetached(this.ref(connection, launch.id, 'verifier'), launch.upstreamVerifier)).toString('utf8');
    const endpoints = await this.endpointsOf(connection);
    const answer = await this.clientOf(connection).exchangeCode(endpoints.token, { code, redirectUri, verifier });
    await this.launches.upstreamAuthorized(launch.id, {
      patientId: answer.patientId,
      encounterId: answer.encounterId,
      fhirUser: answer.fhirUser,
      needPatientBanner: answer.needPatientBanner,
      upstreamTokens: await this.sealTokens(connection, launch.id, answer),
      upstreamExpiresAt: answer.expiresAt ? new Date(answer.expiresAt) : null,
    });
  }

  private sealTokens(connection: Connection, launchId: string, tokens: EhrTokens): Promise<SealedJson> {
    return this.seal(connection, launchId, 'tokens', JSON.stringify({ a: tokens.accessToken, r: tokens.refreshToken }));
  }

  /** The EHR access token to call it for this launch on its connection (the call's, already loaded), refreshed first when it is about to expire (or `stale`, after a 401). */
  async accessTokenFor(launchId: string, connection: Connection, stale?: string): Promise<string> {
    const pending = this.refreshing.get(launchId);
    if (pending) return pending;
    const launch = await this.launches.find(launchId);
    if (!launch?.upstreamTokens || launch.revokedAt || launch.connectionId !== connection.id) throw new SbError(ErrorCode.Unauthenticated, 'The launch has ended');
    const tokens = JSON.parse((await this.vault.openDetached(this.ref(connection, launch.id, 'tokens'), launch.upstreamTokens)).toString('utf8')) as { a: string; r: string | null };
    const expiring = launch.upstreamExpiresAt !== null && launch.upstreamExpiresAt.getTime() - REFRESH_AHEAD_MS <= Date.now();
    if (!expiring && tokens.a !== stale) return tokens.a;
    if (!tokens.r) throw new SbError(ErrorCode.Unauthenticated, 'The EHR session has expired: launch the app again');
    const refresh = this.refresh(connection, launch.id, tokens.r).finally(() => this.refreshing.delete(launchId));
    this.refreshing.set(launchId, refresh);
    return refresh;
  }

  private async refresh(connection: Connection, launchId: string, refreshToken: string): Promise<string> {
    const endpoints = await this.endpointsOf(connection);
    let tokens: EhrTokens;
    try {
      tokens = await this.clientOf(connection).refresh(endpoints.token, refreshToken);
    } catch (e) {
      throw new SbError(ErrorCode.Unauthenticated, 'The EHR session could not be renewed: launch the app again', { cause: e });
    }
    await this.launches.replaceUpstreamTokens(launchId, await this.sealTokens(connection, launchId, tokens), tokens.expiresAt ? new Date(tokens.expiresAt) : null);
    return tokens.accessToken;
  }
}
