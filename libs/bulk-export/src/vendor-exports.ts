import { Injectable } from '@nestjs/common';
import { AdapterRuntime } from '@sb/adapters';
import { normalizeResource } from '@sb/adapters/fhir';
import type { CredentialSource, VendorBulkExport, VendorExportFile } from '@sb/adapters/contracts';
import { ConnectionKeysService } from '@sb/connections';
import type { Actor } from '@sb/core';
import type { BulkExport, Connection } from '@sb/db';
import { VaultService } from '@sb/vault';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ExportParams } from './export-request';
import { passesTypeFilters } from './type-filter';

const systemActor = (connection: Connection): Actor => ({ type: 'system', id: `bulk-export:${connection.id}`, tenantId: connection.tenantId, scopes: ['system/*.rs'] });

/** Why a vendor file's content was refused: the export fails rather than serve data that is not what it claims. */
export class VendorFileRejected extends Error {
  constructor(readonly reason: 'not_json' | 'wrong_type') {
    super(`vendor file rejected: ${reason}`);
  }
}

/** The vendor side of an export: the adapter's Bulk Data client with the connection's credentials, audited when revealed. */
@Injectable()
export class VendorExports {
  constructor(
    private readonly runtime: AdapterRuntime,
    private readonly keys: ConnectionKeysService,
    private readonly vault: VaultService,
  ) {}

  clientFor(connection: Connection): VendorBulkExport | null {
    const adapter = this.runtime.adapterFor(connection, this.credentialsFor(connection));
    return adapter.bulkExport ? adapter.bulkExport() : null;
  }

  private credentialsFor(connection: Connection): CredentialSource {
    const actor = systemActor(connection);
    const purpose = 'access token request (bulk export)';
    return {
      signingKey: () => this.keys.activeSigningKey(actor, connection.tenantId, connection.id, purpose),
      clientSecret: (name) => this.vault.reveal({ tenantId: connection.tenantId, connectionId: connection.id, name, actor, purpose }),
    };
  }
}

/**
 * A vendor file's resources, line by line: each line parsed, checked to be of the file's
 * type, filtered (`_typeFilter`, and `_since` where the vendor stamped `meta.lastUpdated`)
 * and normalized (`meta.source`). Streaming: one line in memory at a time.
 */
export async function* vendorResources(body: Readable, file: VendorExportFile, exp: BulkExport, connection: Connection): AsyncGenerator<Record<string, unknown>> {
  const params = exp.params as unknown as ExportParams;
  const sinceMs = params.since ? Date.parse(params.since) : null;
  const lines = createInterface({ input: body, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let resource: Record<string, unknown>;
      try {
        resource = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new VendorFileRejected('not_json');
      }
      if (resource.resourceType !== file.type) throw new VendorFileRejected('wrong_type');
      if (!passesTypeFilters(resource, params.typeFilters)) continue;
      const lastUpdated = Date.parse(String((resource.meta as { lastUpdated?: unknown } | undefined)?.lastUpdated ?? ''));
      if (sinceMs !== null && !Number.isNaN(lastUpdated) && lastUpdated <= sinceMs) continue;
      yield normalizeResource(resource as never, connection) as Record<string, unknown>;
    }
  } finally {
    body.destroy();
  }
}
