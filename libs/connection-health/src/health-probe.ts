import { Injectable } from '@nestjs/common';
import { AthenaHttp } from '@sb/adapters/athena';
import type { CredentialSource } from '@sb/adapters/contracts';
import { AdapterRuntime } from '@sb/adapters';
import { isSbError, type Actor } from '@sb/core';
import type { Connection } from '@sb/db';
import { VaultService } from '@sb/vault';

export interface ProbeResult {
  /** null: the vendor has no light check (HL7 v2 feeds are watched through their traffic). */
  ok: boolean | null;
  /** A stable code (`http_503`, `vendor_timeout`, `circuit_open`, …), never vendor text. */
  errorCode: string | null;
}

const monitorActor = (connection: Connection): Actor => ({ type: 'system', id: `health-monitor:${connection.id}`, tenantId: connection.tenantId, scopes: [] });

function codeOf(error: unknown): string {
  if (!isSbError(error)) return 'unreachable';
  const reason = (error.details as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? reason : error.code;
}

/**
 * The light check per vendor, through the same per-connection HTTP client (and circuit
 * breaker) as real traffic: FHIR servers answer `GET metadata` with a CapabilityStatement;
 * athenaOne answers its authenticated `/ping` for the practice (with the cached token).
 */
@Injectable()
export class HealthProbe {
  constructor(
    private readonly runtime: AdapterRuntime,
    private readonly vault: VaultService,
  ) {}

  async check(connection: Connection): Promise<ProbeResult> {
    try {
      switch (connection.vendor) {
        case 'epic':
        case 'oracle':
        case 'fhir':
          return await this.fhirMetadata(connection);
        case 'athena':
          await AthenaHttp.for(this.runtime.contextFor(connection, this.credentialsFor(connection))).get('/ping');
          return { ok: true, errorCode: null };
        case 'echo':
          return { ok: true, errorCode: null };
        case 'hl7v2':
          return { ok: null, errorCode: null };
      }
    } catch (error) {
      return { ok: false, errorCode: codeOf(error) };
    }
  }

  private async fhirMetadata(connection: Connection): Promise<ProbeResult> {
    if (!connection.fhirBaseUrl) return { ok: false, errorCode: 'missing_fhir_base_url' };
    const http = this.runtime.contextFor(connection, this.credentialsFor(connection)).http;
    const res = await http.request({ method: 'GET', url: `${connection.fhirBaseUrl.replace(/\/$/, '')}/metadata`, idempotent: true, headers: { accept: 'application/fhir+json' } });
    if (res.status !== 200) return { ok: false, errorCode: `http_${res.status}` };
    let body: { resourceType?: unknown } | null = null;
    try {
      body = JSON.parse(res.text) as { resourceType?: unknown };
    } catch {
      body = null;
    }
    return body?.resourceType === 'CapabilityStatement' ? { ok: true, errorCode: null } : { ok: false, errorCode: 'not_capability_statement' };
  }

  private credentialsFor(connection: Connection): CredentialSource {
    const actor = monitorActor(connection);
    const purpose = 'access token request (connection health check)';
    return {
      signingKey: () => Promise.resolve(null),
      clientSecret: (name) => this.vault.reveal({ tenantId: connection.tenantId, connectionId: connection.id, name, actor, purpose }),
    };
  }
}
