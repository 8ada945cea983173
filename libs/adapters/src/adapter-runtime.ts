import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { athenaEndpoints } from '@sb/adapters/athena';
import {
  CursorCodec,
  TokenCache,
  VendorHttpClient,
  type AdapterContext,
  type ConnectionStore,
  type CredentialSource,
  type EhrAdapter,
  type Hl7Outbox,
  type RequestBudget,
} from '@sb/adapters/contracts';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { outboundPolicyFor } from '@sb/connections';
import { ClinicalStoreRepository, Database, Hl7OutboundRepository, type Connection } from '@sb/db';
import { RedisService } from '@sb/queue';
import { ADAPTER_FACTORIES } from './adapter-registry';
import { RedisRequestBudget } from './redis-request-budget';

/** Idle per-connection clients are closed after this long. */
const CLIENT_IDLE_MS = 10 * 60_000;

interface ClientEntry {
  version: string;
  client: VendorHttpClient;
  lastUsedMs: number;
}

/**
 * Builds a fresh adapter per call around per-connection state that is worth
 * keeping: a keep-alive HTTP client (and its circuit breaker) per connection and
 * the token cache. A connection whose settings changed gets a new client.
 */
@Injectable()
export class AdapterRuntime implements OnModuleDestroy {
  readonly tokens = new TokenCache();
  private readonly cursors: CursorCodec;
  /** Vendor rate budgets in Redis, shared with every other api and worker process. */
  readonly budget: RequestBudget;
  private readonly clients = new Map<string, ClientEntry>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clinicalStore: ClinicalStoreRepository,
    private readonly outbound: Hl7OutboundRepository,
    private readonly db: Database,
    redis: RedisService,
  ) {
    this.cursors = new CursorCodec(config.vaultMasterKey, config.previousMasterKeys);
    this.budget = new RedisRequestBudget(redis.client, redis.prefix);
  }

  adapterFor(connection: Connection, credentials: CredentialSource): EhrAdapter {
    return ADAPTER_FACTORIES[connection.vendor](this.contextFor(connection, credentials));
  }

  /** Everything an adapter (or a vendor-specific client such as athena's change feeds) needs for one call on one connection. */
  contextFor(connection: Connection, credentials: CredentialSource): AdapterContext {
    return {
      connection,
      http: this.clientFor(connection),
      tokens: this.tokens,
      credentials,
      cursors: this.cursors,
      budget: this.budget,
      store: this.storeFor(connection),
      hl7Outbox: this.outboxFor(connection),
    };
  }

  private storeFor({ tenantId, id }: Connection): ConnectionStore {
    return {
      find: async (type, resourceId) => (await this.clinicalStore.find(tenantId, id, type, resourceId))?.resource ?? null,
      search: (query) => this.clinicalStore.search(tenantId, id, query),
      save: (resources) => this.clinicalStore.save(tenantId, id, resources),
    };
  }

  private outboxFor({ tenantId, id }: Connection): Hl7Outbox {
    return {
      enqueue: (message, resources) =>
        this.db.transaction(async (tx) => {
          await this.clinicalStore.upsert(tx, tenantId, id, resources, null);
          return this.outbound.enqueue(tenantId, id, message, tx);
        }),
    };
  }

  private clientFor(connection: Connection): VendorHttpClient {
    const now = Date.now();
    const version = connection.updatedAt.toISOString();
    const entry = this.clients.get(connection.id);
    if (entry && entry.version === version) {
      entry.lastUsedMs = now;
      return entry.client;
    }
    entry?.client.close();
    if (entry) this.tokens.invalidateConnection(connection.id);
    const outbound = outboundPolicyFor(this.config, connection);
    const client = new VendorHttpClient({ ...originsOf(connection), policy: outbound.policy, allowHttp: outbound.allowHttp });
    this.clients.set(connection.id, { version, client, lastUsedMs: now });
    this.evictIdle(now);
    return client;
  }

  private evictIdle(now: number): void {
    for (const [id, entry] of this.clients) {
      if (now - entry.lastUsedMs > CLIENT_IDLE_MS) {
        entry.client.close();
        this.clients.delete(id);
      }
    }
  }

  onModuleDestroy(): void {
    for (const entry of this.clients.values()) entry.client.close();
    this.clients.clear();
  }
}

/** The origins a connection's client may call: its API base and its token endpoint (athena's by environment when not set). */
function originsOf(connection: Connection): { baseUrl: string; extraOrigins: string[] } {
  if (connection.vendor === 'athena') {
    const { baseUrl, tokenUrl } = athenaEndpoints(connection);
    return { baseUrl, extraOrigins: [tokenUrl] };
  }
  return { baseUrl: connection.fhirBaseUrl ?? 'http://invalid.invalid', extraOrigins: connection.tokenUrl ? [connection.tokenUrl] : [] };
}
