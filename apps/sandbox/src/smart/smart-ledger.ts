import type { Vendor } from '../faults/fault-queue';

/** Whether a one-time value was sent, and — when the request got far enough to check it — whether it was good. */
export interface Presence {
  present: boolean;
  valid: boolean | null;
}

export interface LedgerResult {
  status: number;
  /** code / tokens: success; error-redirect: the error went back to redirect_uri; error-page / error: answered here. */
  outcome: 'code' | 'error-redirect' | 'error-page' | 'tokens' | 'error';
  error: string | null;
}

/**
 * What an authorize request carried. Values that are credentials (state,
 * code challenge, launch, nonce) are never kept: only whether they were sent,
 * and the state's length so a test can check its entropy.
 */
export interface AuthorizeLedgerEntry {
  at: string;
  vendor: Vendor;
  tenantId: string | null;
  endpoint: 'authorize';
  method: string;
  responseType: string | null;
  clientId: string | null;
  redirectUri: string | null;
  aud: string | null;
  scope: string | null;
  launchKind: 'ehr' | 'standalone' | null;
  launch: Presence;
  statePresent: boolean;
  stateLength: number | null;
  codeChallengePresent: boolean;
  codeChallengeMethod: string | null;
  noncePresent: boolean;
  result: LedgerResult;
}

/** What a token request carried (SMART grants only; client_credentials is not recorded). Never a code, verifier or token. */
export interface TokenLedgerEntry {
  at: string;
  vendor: Vendor;
  tenantId: string | null;
  endpoint: 'token';
  method: string;
  grantType: string | null;
  clientId: string | null;
  clientAuth: 'basic' | 'client_id' | 'none';
  redirectUri: string | null;
  scope: string | null;
  code: Presence;
  codeVerifier: Presence;
  refreshToken: Presence;
  result: LedgerResult;
}

export type SmartLedgerEntry = AuthorizeLedgerEntry | TokenLedgerEntry;

/** Oldest entries go first past this many, so a long-running sandbox stays bounded. */
export const MAX_LEDGER_ENTRIES = 1000;

/** The SMART requests each simulated authorization server received, oldest first. */
export class SmartLedger {
  private entries: SmartLedgerEntry[] = [];

  record(entry: SmartLedgerEntry): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_LEDGER_ENTRIES) this.entries.splice(0, this.entries.length - MAX_LEDGER_ENTRIES);
  }

  list(vendor?: Vendor): SmartLedgerEntry[] {
    return vendor === undefined ? [...this.entries] : this.entries.filter((e) => e.vendor === vendor);
  }

  clear(vendor?: Vendor): void {
    this.entries = vendor === undefined ? [] : this.entries.filter((e) => e.vendor !== vendor);
  }
}
