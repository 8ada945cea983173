import { Injectable } from '@nestjs/common';
import { AdapterRuntime } from '@sb/adapters';
import { athenaChangesClient } from '@sb/adapters/athena';
import type { CredentialSource } from '@sb/adapters/contracts';
import type { Actor } from '@sb/core';
import type { Connection } from '@sb/db';
import { VaultService } from '@sb/vault';
import type { AthenaChangesClient, AthenaChangesClients } from './changes-client';

const systemActor = (connection: Connection): Actor => ({ type: 'system', id: `athena-changes:${connection.id}`, tenantId: connection.tenantId, scopes: ['system/*.cruds'] });

/**
 * The change-feed client of a connection, built from the adapter runtime's pieces for
 * it (its keep-alive HTTP client pinned to its athena origins, the shared token cache
 * and request budget) with its client secret from the vault — decrypted only when a
 * token must be requested, each time audited, as the clinical service does.
 */
@Injectable()
export class RuntimeAthenaChangesClients implements AthenaChangesClients {
  constructor(
    private readonly runtime: AdapterRuntime,
    private readonly vault: VaultService,
  ) {}

  clientFor(connection: Connection): AthenaChangesClient {
    return athenaChangesClient(this.runtime.contextFor(connection, this.credentialsFor(connection)));
  }

  private credentialsFor(connection: Connection): CredentialSource {
    const actor = systemActor(connection);
    const purpose = 'access token request (athena change feeds)';
    return {
      signingKey: () => Promise.resolve(null),
      clientSecret: (name) => this.vault.reveal({ tenantId: connection.tenantId, connectionId: connection.id, name, actor, purpose }),
    };
  }
}
