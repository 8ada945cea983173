import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { smartUrls, type SmartUrls } from './smart-urls';
import { ErrorCode, foundOrFail, SbError, scopesGrant, type Actor } from '@sb/core';
import { Database, ConnectionRepository, Hl7InboundRepository, type Connection, type ConnectionPatch, type ConnectionStatus } from '@sb/db';
import {
  dialectSchemaFor,
  MAX_DIALECT_BYTES,
  VENDOR_FIELDS,
  type CreateConnectionInput,
  type HospitalVendor,
  type UpdateConnectionInput,
} from './connection.schemas';
import { assertTransition } from './lifecycle';
import { invalidField, outboundPolicyFor, validateConnectionUrl, validateMllpHost, type ConnectionReach, type OutboundPolicy } from './outbound-policy';
import { discoverTokenUrl } from './smart-discovery';

const URL_FIELDS = ['fhirBaseUrl', 'tokenUrl', 'athenaBaseUrl'] as const;
/** Vendors whose token URL SMART discovery finds from the FHIR base URL. */
const FHIR_VENDORS: readonly string[] = ['epic', 'oracle', 'fhir'];

/** A new connection's addresses before its settings are applied. */
const NO_ADDRESSES = { fhirBaseUrl: null, tokenUrl: null, athenaBaseUrl: null, mllpHost: null, mllpPort: null } as const;

/** API names of athena's settings → their Connection columns. */
const ATHENA_COLUMNS = { departmentIds: 'athenaDepartmentIds', changePollSeconds: 'athenaPollSeconds', changeReplayMinutes: 'athenaReplayMinutes' } as const;

/** A create or update body as Connection columns (athena's settings have API names of their own). */
function toColumns(input: Record<string, unknown>): ConnectionPatch {
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === 'vendor' || key === 'environment' || value === undefined) continue;
    settings[key in ATHENA_COLUMNS ? ATHENA_COLUMNS[key as keyof typeof ATHENA_COLUMNS] : key] = value;
  }
  return settings as ConnectionPatch;
}

@Injectable()
export class ConnectionService {
  private readonly logger = new Logger(ConnectionService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly connections: ConnectionRepository,
    private readonly inbound: Hl7InboundRepository,
  ) {}

  /** The gateway's SMART App Launch endpoints (what a hospital registers at the EHR). */
  get smartUrls(): SmartUrls {
    return smartUrls(this.config.publicUrl);
  }

  outboundPolicy(connection: ConnectionReach): OutboundPolicy {
    return outboundPolicyFor(this.config, connection);
  }

  async create(tenantId: string, input: CreateConnectionInput): Promise<Connection> {
    if (input.vendor === 'hl7v2' && input.hl7SendingFacility) await this.assertRouteFree(input.hl7SendingFacility, input.hl7SendingApplication ?? null);
    const settings = toColumns(input);
    const outbound = outboundPolicyFor(this.config, { ...NO_ADDRESSES, ...settings, environment: input.environment });
    await this.validateUrls(settings, outbound);
    if (input.dialect) checkDialectSize(input.dialect);
    if (FHIR_VENDORS.includes(input.vendor) && settings.fhirBaseUrl && !settings.tokenUrl) {
      settings.tokenUrl = await this.tryDiscovery(settings.fhirBaseUrl, outbound);
    }
    return this.db.transaction((tx) =>
      this.connections.create(tx, tenantId, {
        ...settings,
        name: input.name,
        vendor: input.vendor,
        environment: input.environment,
        status: 'draft',
      }),
    );
  }

  list(tenantId: string): Promise<Connection[]> {
    return this.connections.list(tenantId);
  }

  async get(tenantId: string, id: string): Promise<Connection> {
    return foundOrFail(await this.connections.findById(tenantId, id), 'Connection');
  }

  async update(tenantId: string, id: string, patch: UpdateConnectionInput): Promise<Connection> {
    const connection = await this.get(tenantId, id);
    if (connection.vendor === 'echo') throw invalidField('vendor', 'the built-in echo connection has no settings');
    const vendor = connection.vendor as HospitalVendor;
    const allowed = VENDOR_FIELDS[vendor];
    const foreign = Object.keys(patch).filter((k) => !allowed.includes(k as keyof UpdateConnectionInput));
    if (foreign.length > 0) throw invalidField(foreign[0] ?? '', `not a setting of ${vendor} connections`);
    if (patch.dialect !== undefined) {
      const parsed = dialectSchemaFor(vendor).safeParse(patch.dialect);
      if (!parsed.success) throw invalidField(`dialect.${parsed.error.issues[0]?.path.join('.') ?? ''}`, parsed.error.issues[0]?.message ?? 'invalid');
      checkDialectSize(parsed.data);
    }
    const settings = toColumns(patch);
    if (vendor === 'hl7v2' && (patch.hl7SendingFacility !== undefined || patch.hl7SendingApplication !== undefined)) {
      const facility = patch.hl7SendingFacility === undefined ? connection.hl7SendingFacility : patch.hl7SendingFacility;
      const application = patch.hl7SendingApplication === undefined ? connection.hl7SendingApplication : patch.hl7SendingApplication;
      if (facility) await this.assertRouteFree(facility, application, id);
    }
    // Judged on the settings as they will be: a sandbox connection moved off the sandbox loses its local reach.
    const outbound = this.outboundPolicy({ ...connection, ...settings });
    await this.validateUrls(settings, outbound);
    if (patch.fhirBaseUrl && patch.tokenUrl === undefined && !connection.tokenUrl) {
      settings.tokenUrl = await this.tryDiscovery(patch.fhirBaseUrl, outbound);
    }
    return foundOrFail(await this.connections.update(tenantId, id, settings), 'Connection');
  }

  /**
   * A person's or a key's lifecycle change: taking a production connection live, or
   * disabling it, also needs `connections:go-live` (owners and admins; developers
   * may not switch a hospital's traffic on or off).
   */
  async setStatusAs(actor: Actor, tenantId: string, id: string, status: ConnectionStatus): Promise<Connection> {
    const connection = await this.get(tenantId, id);
    const switchesTraffic = connection.environment === 'production' && (status === 'live' || status === 'disabled');
    if (switchesTraffic && (actor.type === 'operator' || !scopesGrant(actor.scopes, { admin: 'connections:go-live' }))) {
      throw new SbError(ErrorCode.Forbidden, 'Taking a production connection live or disabling it needs an owner or admin', {
        details: { requiredScope: 'connections:go-live' },
      });
    }
    return this.setStatus(tenantId, id, status);
  }

  async setStatus(tenantId: string, id: string, status: ConnectionStatus): Promise<Connection> {
    const connection = await this.get(tenantId, id);
    assertTransition(connection, status);
    const updated = foundOrFail(await this.connections.update(tenantId, id, { status }), 'Connection');
    // The first go-live of a production connection is billed once (setup fee), whatever happens after.
    if (status === 'live' && connection.environment === 'production') await this.connections.markWentLive(tenantId, id, new Date());
    return updated;
  }

  /**
   * One shared MLLP port routes by MSH-4/MSH-3, so two enabled connections may not
   * claim the same sender. The answer does not say whose connection holds it.
   */
  private async assertRouteFree(facility: string, application: string | null, exceptConnectionId?: string): Promise<void> {
    if (await this.inbound.routeTaken(facility, application, exceptConnectionId)) {
      throw new SbError(ErrorCode.Conflict, 'This sending facility and application are already routed to a connection', {
        issues: [{ path: 'hl7SendingFacility', message: 'already routed' }],
      });
    }
  }

  private async validateUrls(settings: ConnectionPatch, outbound: OutboundPolicy): Promise<void> {
    for (const field of URL_FIELDS) {
      const value = settings[field];
      if (typeof value === 'string') settings[field] = await validateConnectionUrl(value, field, outbound);
    }
    if (typeof settings.mllpHost === 'string') await validateMllpHost(settings.mllpHost, outbound);
  }

  /** Best effort: a server without SMART discovery (or unreachable now) leaves tokenUrl unset. */
  private async tryDiscovery(fhirBaseUrl: string, outbound: OutboundPolicy): Promise<string | null> {
    try {
      const discovered = await discoverTokenUrl(fhirBaseUrl, outbound);
      return discovered.tokenUrl;
    } catch (e) {
      this.logger.debug({ err: e }, 'SMART discovery failed at registration');
      return null;
    }
  }
}

function checkDialectSize(dialect: Record<string, unknown>): void {
  if (Buffer.byteLength(JSON.stringify(dialect)) > MAX_DIALECT_BYTES) throw invalidField('dialect', `larger than ${MAX_DIALECT_BYTES} bytes`);
}
