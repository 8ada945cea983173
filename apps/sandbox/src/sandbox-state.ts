import type { Logger } from '@sb/telemetry';
import { ClientRegistry } from './admin/client-registry';
import { AthenaFhirStores } from './athena/athena-fhir-store';
import { AthenaSimulator, type AthenaSettings } from './athena/athena-simulator';
import { AccessTokens } from './auth/access-tokens';
import { BulkExports } from './bulk/bulk-exports';
import type { BulkSettings } from './bulk/bulk-settings';
import { generateDataset } from './dataset/generate-dataset';
import type { SynthDataset } from './dataset/dataset.types';
import { epicDialect } from './epic/epic-dialect';
import { FaultQueue, type Vendor } from './faults/fault-queue';
import { buildResources } from './fhir/build-resources';
import { LayeredStore, ResourceStore } from './fhir/resource-store';
import { SearchSessions } from './fhir/search-sessions';
import type { VendorDialect } from './fhir/vendor-dialect';
import { oracleDialect } from './oracle/oracle-dialect';
import { SandboxTimers } from './sandbox-timers';
import { SmartSimulator } from './smart/smart-simulator';

export interface SandboxStateOptions {
  stateDir: string;
  logger: Logger;
  seed?: number;
  patientCount?: number;
  /** The clock for tokens and search sessions (tests move it). */
  now?: () => number;
  /** The athena simulator's token quota and subscription delay (defaults 5 a minute, 10 s). */
  athena?: Partial<AthenaSettings>;
  /** Per vendor $export knobs (job duration, Retry-After, file size, Epic's window…); see bulk/bulk-settings.ts. */
  bulk?: Partial<Record<Vendor, Partial<BulkSettings>>>;
}

export interface PatientListing {
  id: string;
  mrn: string;
  family: string;
  given: string;
  birthDate: string;
}

/** Everything the simulated EHRs share at run time. */
export class SandboxState {
  readonly dataset: SynthDataset;
  readonly epicStore: LayeredStore;
  private readonly oracleBaseStore: ResourceStore;
  private readonly oracleTenants = new Map<string, LayeredStore>();
  readonly clients: ClientRegistry;
  readonly tokens: AccessTokens;
  readonly faults = new FaultQueue();
  readonly sessions: SearchSessions;
  readonly athena: AthenaSimulator;
  /** athena's FHIR R4 view per practice (bulk $export, reads, SMART launch context). */
  readonly athenaFhir: AthenaFhirStores;
  /** SMART App Launch: launches, codes, refresh tokens, error switches, ledger (smart/). */
  readonly smart: SmartSimulator;
  readonly timers = new SandboxTimers();
  readonly bulk: BulkExports;
  readonly logger: Logger;
  readonly now: () => number;
  /** Set once the server listens: the origin every advertised URL starts with. */
  publicUrl = '';

  constructor(options: SandboxStateOptions) {
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.dataset = generateDataset({ seed: options.seed, patientCount: options.patientCount });
    const epic = buildResources(this.dataset, epicDialect);
    this.epicStore = new LayeredStore(new ResourceStore([...epic.resources, ...epic.binaries]), new ResourceStore());
    this.oracleBaseStore = new ResourceStore(buildResources(this.dataset, oracleDialect).resources);
    this.clients = new ClientRegistry(options.stateDir);
    this.tokens = new AccessTokens(this.now, (grant) => this.smart.refusalFor(grant));
    this.smart = new SmartSimulator(this.now, this.tokens);
    this.sessions = new SearchSessions(this.now);
    this.athena = new AthenaSimulator(this.dataset, this.now, options.athena);
    this.athenaFhir = new AthenaFhirStores(this.dataset);
    this.bulk = new BulkExports(this.now, options.bulk);
  }

  get epicBase(): string {
    return `${this.publicUrl}/epic/api/FHIR/R4`;
  }

  get epicTokenUrl(): string {
    return `${this.publicUrl}/epic/oauth2/token`;
  }

  /** A connection's athenaBaseUrl: the host root, under which /oauth2/v1/token and /v1/{practiceid} live. */
  get athenaBase(): string {
    return `${this.publicUrl}/athena`;
  }

  get athenaTokenUrl(): string {
    return `${this.athenaBase}/oauth2/v1/token`;
  }

  oracleBase(tenantId: string): string {
    return `${this.publicUrl}/oracle/r4/${tenantId}`;
  }

  oracleTokenUrl(tenantId: string): string {
    return `${this.publicUrl}/oracle/tenants/${tenantId}/protocols/oauth2/profiles/smart-v1/token`;
  }

  /** The tenant's view: the shared synthetic records plus what was written in that tenant. */
  oracleStore(tenantId: string): LayeredStore {
    let store = this.oracleTenants.get(tenantId);
    if (!store) this.oracleTenants.set(tenantId, (store = new LayeredStore(this.oracleBaseStore, new ResourceStore())));
    return store;
  }

  /** The test-patient list a vendor publishes for its sandbox. */
  patients(vendor: Vendor): PatientListing[] {
    if (vendor === 'athena') return this.athena.patientListing();
    const dialect: VendorDialect = vendor === 'epic' ? epicDialect : oracleDialect;
    return this.dataset.patients.map((p) => ({
      id: dialect.id('Patient', p.key),
      mrn: vendor === 'epic' ? p.epicMrn : p.oracleMrn,
      family: p.family,
      given: p.given.join(' '),
      birthDate: p.birthDate,
    }));
  }
}
