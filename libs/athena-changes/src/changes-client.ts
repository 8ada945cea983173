import type { Connection } from '@sb/db';

/**
 * The athena change-feed client the poller drives (the contract in the team plan;
 * libs/adapters/athena/src/client/changes.ts implements it). Declared structurally
 * here so the poller does not depend on the client's internals.
 */
export type AthenaFeed = 'appointments' | 'patients';

export interface ChangePollOptions {
  leaveUnprocessed?: boolean;
  showProcessedFrom?: Date;
  showProcessedTo?: Date;
  departmentIds?: readonly string[];
}

export interface AthenaChangesClient {
  subscriptionStatus(feed: AthenaFeed): Promise<'active' | 'inactive' | 'partial'>;
  subscribe(feed: AthenaFeed): Promise<void>;
  /** One page; `next` to continue. 403 "Changed messages require setup" → SbError(Conflict, details.reason "subscription_pending"). */
  pollPage(feed: AthenaFeed, options: ChangePollOptions, next?: string): Promise<{ items: unknown[]; next: string | null }>;
}

/** Builds the change-feed client of one connection (its own HTTP client, token cache and vault credentials). */
export interface AthenaChangesClients {
  clientFor(connection: Connection): AthenaChangesClient;
}

export const ATHENA_CHANGES_CLIENTS = Symbol('AthenaChangesClients');
