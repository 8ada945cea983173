import { Injectable } from '@nestjs/common';
import type { CapabilityStatement, Resource } from '@medplum/fhirtypes';
import { AdapterRuntime } from '@sb/adapters';
import type { AdapterInteraction, ClinicalResourceType, CreateResult, CredentialSource, EhrAdapter, SearchPage, SearchParams } from '@sb/adapters/contracts';
import { ConnectionKeysService, ConnectionService } from '@sb/connections';
import { ErrorCode, SbError, type Actor } from '@sb/core';
import type { Connection, DbTransaction } from '@sb/db';
import { EventWriter } from '@sb/events';
import { validateFhirResource } from '@sb/fhir';
import {
  assertSmartConnection,
  assertSmartPermits,
  assertSmartRead,
  assertSmartSearch,
  smartGrantFor,
  smartGrantIsUnconditional,
  smartSearchParams,
  smartVisible,
  type SmartGrant,
  type SmartInteraction,
  UpstreamTokens,
} from '@sb/smart';
import { TransactionPipeline, type Operation } from '@sb/transactions';
import { VaultService } from '@sb/vault';
import { createdEvents, updatedEvents } from './created-events';
import { IdempotentCreates } from './idempotent-creates';
import { patientRefOf } from './patient-ref';

export interface CreateOutcome {
  id: string;
  resource: Resource | null;
  /** True when this answer was replayed for a repeated Idempotency-Key. */
  replayed: boolean;
}

/**
 * Clinical reads, searches and writes against a connection's EHR: every call goes
 * through the transaction pipeline (authorized, traced, metered, audited) to a
 * freshly built adapter for that one connection.
 */
@Injectable()
export class ClinicalService {
  constructor(
    private readonly pipeline: TransactionPipeline,
    private readonly runtime: AdapterRuntime,
    private readonly connections: ConnectionService,
    private readonly keys: ConnectionKeysService,
    private readonly vault: VaultService,
    private readonly idempotent: IdempotentCreates,
    private readonly events: EventWriter,
    private readonly upstreamTokens: UpstreamTokens,
  ) {}

  /** The tenant's connection (404 for another tenant's, and for a SMART app any but its own), for callers that shape a query by vendor. */
  connection(tenantId: string, connectionId: string, actor?: Actor): Promise<Connection> {
    if (actor?.type === 'smart-app') assertSmartConnection(actor, tenantId, connectionId);
    return this.connections.get(tenantId, connectionId);
  }

  /** The connection's CapabilityStatement, computed from its adapter (no call to the EHR); a SMART app sees its own connection's only. */
  async capabilityStatement(tenantId: string, connectionId: string, actor?: Actor): Promise<CapabilityStatement> {
    if (actor?.type === 'smart-app') assertSmartConnection(actor, tenantId, connectionId);
    const connection = await this.connections.get(tenantId, connectionId);
    return this.runtime.adapterFor(connection, this.noCredentials()).capabilityStatement();
  }

  async read(actor: Actor, tenantId: string, connectionId: string, type: ClinicalResourceType, id: string): Promise<Resource> {
    const smart = smartGrantOf(actor, tenantId, connectionId, type, 'r');
    if (smart) assertSmartRead(smart, type, id);
    const { result } = await this.run(actor, tenantId, connectionId, 'read', type, type === 'Patient' ? `Patient/${id}` : null, async (adapter) => {
      const resource = await adapter.read(type, id);
      // Another patient's resource, or one outside a scope's restriction, is refused, never returned.
      if (actor.type === 'smart-app') assertSmartPermits(actor, resource, 'r');
      return resource;
    });
    return result;
  }

  async search(actor: Actor, tenantId: string, connectionId: string, type: ClinicalResourceType, params: SearchParams, cursor?: string): Promise<SearchPage> {
    const smart = smartGrantOf(actor, tenantId, connectionId, type, 's');
    if (smart) assertSmartSearch(smart, params);
    const patient = smart?.compartmentPatientId ?? params.patient?.[0];
    const { result } = await this.run(actor, tenantId, connectionId, 'search', type, patient ? `Patient/${patient.replace(/^Patient\//, '')}` : null, async (adapter) => {
      if (actor.type !== 'smart-app' || !smart) return adapter.search(type, params, cursor);
      // Narrowed to the launch patient and the scopes' restrictions; a cursor carries its first page's search.
      const effective = cursor ? params : smartSearchParams(smart, params, adapter.capabilities()[type]?.searchParams ?? []);
      const page = await adapter.search(type, effective, cursor);
      // The EHR may ignore a parameter: only what the scopes cover is returned (and a vendor total no longer counts it).
      const visible = smartVisible(actor, type, page.resources);
      if (!visible.filtered) return page;
      const { total: _total, ...rest } = page;
      return { ...rest, resources: visible.resources };
    });
    return result;
  }

  async create(actor: Actor, tenantId: string, connectionId: string, type: ClinicalResourceType, resource: Resource, idempotencyKey?: string): Promise<CreateOutcome> {
    smartGrantOf(actor, tenantId, connectionId, type, 'c');
    if (resource.resourceType !== type) {
      throw new SbError(ErrorCode.ValidationFailed, 'Resource type does not match the URL', { issues: [{ path: 'resourceType', message: `must be ${type}` }] });
    }
    const issues = validateFhirResource(resource);
    if (issues.length > 0) throw new SbError(ErrorCode.ValidationFailed, 'Resource is not valid FHIR R4', { issues });
    // A SMART app writes only what its scopes cover (the launch patient's, within a restriction), before the key is claimed.
    if (actor.type === 'smart-app') assertSmartPermits(actor, resource, 'c');
    return this.idempotent.run({ tenantId, connectionId, key: idempotencyKey, request: { type, resource }, actor, resourceType: type }, async (persist) => {
      // The create's event (a note filed, an appointment booked) commits with its usage and audit records.
      const persistWithEvents = async (tx: DbTransaction, result: CreateResult) => {
        await persist?.(tx, result);
        await this.events.append(tx, createdEvents(type, result, resource, tenantId, connectionId));
      };
      const { result } = await this.run<CreateResult>(actor, tenantId, connectionId, 'create', type, patientRefOf(resource), (adapter) => adapter.create(type, resource), persistWithEvents);
      return { id: result.id, resource: result.resource, replayed: false };
    });
  }

  /**
   * Replaces a resource where the vendor allows it (cancelling an Appointment by its
   * status); the change's event commits with its usage and audit records.
   */
  async update(actor: Actor, tenantId: string, connectionId: string, type: ClinicalResourceType, id: string, resource: Resource): Promise<Resource> {
    const smart = smartGrantOf(actor, tenantId, connectionId, type, 'u');
    if (resource.resourceType !== type) {
      throw new SbError(ErrorCode.ValidationFailed, 'Resource type does not match the URL', { issues: [{ path: 'resourceType', message: `must be ${type}` }] });
    }
    if (resource.id !== id) throw new SbError(ErrorCode.ValidationFailed, 'Resource id does not match the URL', { issues: [{ path: 'id', message: 'must equal the id in the URL' }] });
    const issues = validateFhirResource(resource);
    if (issues.length > 0) throw new SbError(ErrorCode.ValidationFailed, 'Resource is not valid FHIR R4', { issues });
    if (actor.type === 'smart-app') assertSmartPermits(actor, resource, 'u');
    const { result } = await this.run<Resource>(
      actor,
      tenantId,
      connectionId,
      'update',
      type,
      patientRefOf(resource),
      async (adapter) => {
        if (!adapter.update) throw new SbError(ErrorCode.NotSupported, 'This connection does not support that interaction', { details: { resourceType: type, interaction: 'update' } });
        // The resource replaced must be one the SMART app may write too (not another patient's, moved to its own).
        if (actor.type === 'smart-app' && smart && !smartGrantIsUnconditional(smart)) assertSmartPermits(actor, await adapter.read(type, id), 'u');
        return adapter.update(type, id, resource);
      },
      async (tx, updated) => {
        await this.events.append(tx, updatedEvents(type, updated, tenantId, connectionId));
      },
    );
    return result;
  }

  private async run<R>(
    actor: Actor,
    tenantId: string,
    connectionId: string,
    operation: Operation,
    type: ClinicalResourceType,
    patientRef: string | null,
    work: (adapter: EhrAdapter) => Promise<R>,
    persist?: (tx: DbTransaction, result: R) => Promise<void>,
  ) {
    return this.pipeline.run<R>(
      { tenantId, connectionId, operation, resourceType: type, actor, patientRef },
      {
        call: ({ connection }) => {
          const adapter = this.runtime.adapterFor(connection, this.credentialsFor(actor, connection));
          assertSupported(adapter, type, operation);
          return work(adapter);
        },
        persist: persist ? (tx, result) => persist(tx, result) : undefined,
        patientRefsOf: (result) => resourcesIn(result).flatMap((r) => patientRefOf(r) ?? []),
      },
    );
  }

  /** Credentials are decrypted only when a token must be requested, each time audited. */
  private credentialsFor(actor: Actor, connection: Connection): CredentialSource {
    const purpose = 'access token request';
    return {
      signingKey: () => this.keys.activeSigningKey(actor, connection.tenantId, connection.id, purpose),
      clientSecret: (name) => this.vault.reveal({ tenantId: connection.tenantId, connectionId: connection.id, name, actor, purpose }),
      // A launched SMART app calls the EHR as the user who launched it, with that user's EHR token.
      ...(actor.type === 'smart-app' ? { userAccessToken: (stale?: string) => this.upstreamTokens.accessTokenFor(actor.id, connection, stale) } : {}),
    };
  }

  private noCredentials(): CredentialSource {
    const none = () => Promise.reject(new SbError(ErrorCode.Internal, 'No credentials in this context'));
    return { signingKey: none, clientSecret: none };
  }
}

/**
 * For a launched SMART app's token: its own connection only (404 for any other, as for an
 * unknown one) and the scopes granting the call (403 naming the missing scope); null for other credentials.
 */
function smartGrantOf(actor: Actor, tenantId: string, connectionId: string, type: ClinicalResourceType, interaction: SmartInteraction): SmartGrant | null {
  if (actor.type !== 'smart-app') return null;
  assertSmartConnection(actor, tenantId, connectionId);
  return smartGrantFor(actor, type, interaction);
}

/** The resources a result holds: a read's resource, a create's stored resource, a search page's results. */
function resourcesIn(result: unknown): Resource[] {
  if (!result || typeof result !== 'object') return [];
  if ('resourceType' in result) return [result as Resource];
  if ('resources' in result) return (result as { resources: Resource[] }).resources;
  if ('resource' in result) return (result as { resource: Resource | null }).resource ? [(result as { resource: Resource }).resource] : [];
  return [];
}

const INTERACTION_OF: Partial<Record<Operation, AdapterInteraction>> = { read: 'read', search: 'search', create: 'create', update: 'update' };

/** 501 naming what the connection supports for that type, when it does not support the interaction. */
function assertSupported(adapter: EhrAdapter, type: ClinicalResourceType, operation: Operation): void {
  const interaction = INTERACTION_OF[operation];
  const capability = adapter.capabilities()[type];
  if (interaction && capability?.interactions.includes(interaction)) return;
  throw new SbError(ErrorCode.NotSupported, 'This connection does not support that interaction', {
    details: { resourceType: type, interaction, supported: capability ? capability.interactions : [], supportedTypes: Object.keys(adapter.capabilities()) },
  });
}
