import type { AccessTokens, Grant } from '../auth/access-tokens';
import { VENDORS, type Vendor } from '../faults/fault-queue';
import { OneTimeValues } from './one-time-values';
import type { LaunchContext } from './smart-context';
import type { SmartTarget } from './smart-endpoints';
import { SmartLedger } from './smart-ledger';
import { defaultSmartSettings, type SmartSettings, type SmartSettingsUpdate } from './smart-settings';
import { SmartSigningKey } from './smart-signing-key';

/** SMART App Launch: a launch id is good for 5 minutes, an authorization code for 60 seconds. */
export const LAUNCH_TTL_MS = 5 * 60_000;
export const CODE_TTL_MS = 60_000;
/** offline_access: a long-lived refresh token; online_access: one that lasts about a working day. */
export const OFFLINE_REFRESH_TTL_MS = 30 * 24 * 3_600_000;
export const ONLINE_REFRESH_TTL_MS = 12 * 3_600_000;

/** A launch the simulated EHR started (`GET /_sandbox/smart/launch`). */
export interface PendingLaunch {
  target: SmartTarget;
  context: LaunchContext;
}

/** What an authorization code was issued for; the token request must match it. */
export interface IssuedCode {
  target: SmartTarget;
  sessionId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scopes: string[];
  context: LaunchContext;
  nonce?: string;
}

/** What a refresh token stands for: the same session, scopes and context, for the client it was issued to. */
export interface RefreshGrant {
  target: SmartTarget;
  sessionId: string;
  clientId: string;
  scopes: string[];
  context: LaunchContext;
  kind: 'offline' | 'online';
}

/**
 * The SMART App Launch simulator's run-time state, shared by the three
 * simulated authorization servers: per-vendor settings (error switch, token
 * lifetime, standalone patient), pending launches, codes, refresh tokens, the
 * request ledger and the id_token key. Access tokens live in AccessTokens with
 * the backend-services ones, so every FHIR route checks them the same way.
 */
export class SmartSimulator {
  readonly launches: OneTimeValues<PendingLaunch>;
  readonly codes: OneTimeValues<IssuedCode>;
  readonly refreshTokens: OneTimeValues<RefreshGrant>;
  readonly ledger = new SmartLedger();
  readonly signingKey = new SmartSigningKey();
  private readonly settings = new Map<Vendor, SmartSettings>();

  constructor(
    now: () => number,
    private readonly tokens: AccessTokens,
  ) {
    this.launches = new OneTimeValues(now);
    this.codes = new OneTimeValues(now);
    this.refreshTokens = new OneTimeValues(now);
  }

  settingsOf(vendor: Vendor): SmartSettings {
    return { ...(this.settings.get(vendor) ?? defaultSmartSettings()) };
  }

  update(update: SmartSettingsUpdate): SmartSettings {
    const current = this.settingsOf(update.vendor);
    const defaults = defaultSmartSettings();
    const next: SmartSettings = {
      error: update.error === undefined ? current.error : update.error,
      accessTokenTtlSeconds: update.accessTokenTtlSeconds ?? current.accessTokenTtlSeconds,
      standalonePatient: update.standalonePatient === undefined ? current.standalonePatient : (update.standalonePatient ?? defaults.standalonePatient),
    };
    this.settings.set(update.vendor, next);
    return { ...next };
  }

  /** The switch in force for a vendor, if any. */
  errorOf(vendor: Vendor): SmartSettings['error'] {
    return this.settings.get(vendor)?.error ?? null;
  }

  /** For AccessTokens: the request_* switches refuse the vendor's user tokens on FHIR calls. */
  refusalFor(grant: Grant): 'invalid' | 'expired' | undefined {
    const error = this.errorOf(grant.vendor);
    if (error === 'request_invalid_token') return 'invalid';
    if (error === 'request_expired_token') return 'expired';
    return undefined;
  }

  /** Ends a session: its access and refresh tokens (a replayed code, RFC 6749 §4.1.2). */
  revokeSession(sessionId: string): void {
    this.tokens.revokeWhere((grant) => grant.user?.sessionId === sessionId);
    this.refreshTokens.forgetWhere((grant) => grant.sessionId === sessionId);
  }

  /** Back to a fresh start for one vendor or all: settings, launches, codes, user tokens and the ledger. */
  reset(vendor?: Vendor): void {
    const matches = (target: SmartTarget): boolean => vendor === undefined || target.vendor === vendor;
    for (const v of VENDORS) if (vendor === undefined || v === vendor) this.settings.delete(v);
    this.launches.forgetWhere((launch) => matches(launch.target));
    this.codes.forgetWhere((code) => matches(code.target));
    this.refreshTokens.forgetWhere((grant) => matches(grant.target));
    this.tokens.revokeWhere((grant) => grant.user !== undefined && (vendor === undefined || grant.vendor === vendor));
    this.ledger.clear(vendor);
  }
}
