import type { AthenaChangesClient } from '@sb/adapters/athena';
import type { Connection } from '@sb/db';

/** The athena change-feed client contract (libs/adapters/athena/src/client/changes.ts). */
export type { AthenaChangesClient, AthenaFeed, ChangePollOptions } from '@sb/adapters/athena';

/** Builds the change-feed client of one connection (its own HTTP client, token cache and vault credentials). */
export interface AthenaChangesClients {
  clientFor(connection: Connection): AthenaChangesClient;
}

export const ATHENA_CHANGES_CLIENTS = Symbol('AthenaChangesClients');
