import type { ClinicalQuery, Connection, Hl7OutboundSummary, NewOutboundMessage, StoredResource } from '@sb/db';
import type { CryptoKey } from 'jose';
import type { CursorCodec } from './cursor-codec';
import type { RequestBudget } from './request-budget';
import type { TokenCache } from './http/token-cache';
import type { VendorHttpClient } from './http/vendor-http-client';

/** The credentials of the one connection an adapter serves, fetched only when needed (and audited by the caller). */
export interface CredentialSource {
  signingKey(): Promise<{ kid: string; alg: string; privateKey: CryptoKey } | null>;
  clientSecret(name: string): Promise<Buffer>;
  /**
   * Present when the call acts for a user signed in at the EHR (a SMART launch through the
   * gateway): the EHR's token for that user, used instead of the connection's own. `stale` is a
   * token the EHR refused, to be refreshed rather than returned again.
   */
  userAccessToken?(stale?: string): Promise<string>;
}

/** The gateway's own clinical store, bound to the one connection (HL7 v2 sites are served from it). */
export interface ConnectionStore {
  find(resourceType: string, id: string): Promise<Record<string, unknown> | null>;
  search(query: ClinicalQuery): Promise<{ id: string; resource: Record<string, unknown> }[]>;
  save(resources: readonly StoredResource[]): Promise<void>;
}

/** The durable outbound HL7 queue, bound to the one connection. */
export interface Hl7Outbox {
  /** Queues the message and stores the resources it carries, in one transaction. */
  enqueue(message: NewOutboundMessage, resources: readonly StoredResource[]): Promise<Hl7OutboundSummary>;
}

/** Everything an adapter gets for one call: its connection's own client, token cache and credentials. */
export interface AdapterContext {
  connection: Connection;
  store: ConnectionStore;
  hl7Outbox: Hl7Outbox;
  http: VendorHttpClient;
  tokens: TokenCache;
  credentials: CredentialSource;
  cursors: CursorCodec;
  /** Request budgets shared by every process of the deployment (vendor rate limits, e.g. athena's per-practice rate). */
  budget: RequestBudget;
}
