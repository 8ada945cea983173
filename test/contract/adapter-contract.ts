/**
 * The contract every EHR adapter passes against its simulator: the same reads,
 * searches, paging, writes, token behaviour and fault handling, through the
 * adapter built exactly as the gateway builds it.
 */
import type { DocumentReference, Resource } from '@medplum/fhirtypes';
import { ADAPTER_FACTORIES } from '@sb/adapters';
import { athenaEndpoints } from '@sb/adapters/athena';
import {
  EHR_RECORD_TYPES,
  CursorCodec,
  InMemoryRequestBudget,
  TokenCache,
  VendorHttpClient,
  type ClinicalResourceType,
  type CredentialSource,
  type EhrAdapter,
  type RequestBudget,
} from '@sb/adapters/contracts';
import type { Connection } from '@sb/db';
import { validateFhirResource } from '@sb/fhir';
import { randomBytes, randomUUID } from 'node:crypto';

export type ContractVendor = 'epic' | 'oracle' | 'athena';

export interface ContractSetup {
  vendor: ContractVendor;
  sandboxUrl: string;
  connection: Connection;
  credentials: CredentialSource;
  /** How many times the adapter asked for credentials (one per token request). */
  credentialUses: () => number;
  /** The record types the adapter serves (default: every EHR record type). */
  recordTypes?: readonly ClinicalResourceType[];
  /** The request budget the adapter gets (default: a fresh in-memory one per adapter). */
  budget?: RequestBudget;
}

export const CONTRACT_TIMEOUT_MS = 1_000;

const unused = (): Promise<never> => Promise.reject(new Error('a FHIR vendor adapter used the gateway store'));

/** The origins a connection's client is pinned to, as the gateway's AdapterRuntime decides them. */
function originsOf(connection: Connection): { baseUrl: string; extraOrigins: string[] } {
  if (connection.vendor === 'athena') {
    const { baseUrl, tokenUrl } = athenaEndpoints(connection);
    return { baseUrl, extraOrigins: [tokenUrl] };
  }
  return { baseUrl: connection.fhirBaseUrl ?? '', extraOrigins: connection.tokenUrl ? [connection.tokenUrl] : [] };
}

export function buildAdapter(setup: ContractSetup): { adapter: EhrAdapter; http: VendorHttpClient } {
  const http = new VendorHttpClient({
    ...originsOf(setup.connection),
    policy: { allowPrivate: false, allowLoopback: true },
    allowHttp: true,
    timeoutMs: CONTRACT_TIMEOUT_MS,
  });
  const adapter = ADAPTER_FACTORIES[setup.vendor]({
    connection: setup.connection,
    http,
    tokens: new TokenCache(),
    credentials: setup.credentials,
    cursors: new CursorCodec(randomBytes(32)),
    budget: setup.budget ?? new InMemoryRequestBudget(),
    // FHIR vendors are served by the EHR itself: touching the gateway's store or HL7 outbox is a bug.
    store: { find: unused, search: unused, save: unused },
    hl7Outbox: { enqueue: unused },
  });
  return { adapter, http };
}

export function connectionFor(vendor: ContractVendor, fields: Partial<Connection>): Connection {
  return {
    id: randomUUID(),
    tenantId: randomUUID(),
    name: `${vendor} contract`,
    vendor,
    environment: 'sandbox',
    status: 'live',
    fhirBaseUrl: null,
    tokenUrl: null,
    athenaPracticeId: null,
    athenaBaseUrl: null,
    athenaDepartmentIds: [],
    athenaPollSeconds: null,
    athenaReplayMinutes: null,
    mllpHost: null,
    mllpPort: null,
    mllpTls: false,
    mllpClientCertSecretName: null,
    mllpCaSecretName: null,
    mllpPinnedCertSha256: null,
    hl7SendingFacility: null,
    hl7SendingApplication: null,
    hl7AckMode: 'original',
    hl7Silence: null,
    clientId: null,
    scopes: [],
    authAlg: null,
    clientSecretName: null,
    bulkGroupIds: [],
    bulkGroupWindowHours: null,
    smartClientId: null,
    smartClientSecretName: null,
    dialect: {},
    lastTestedAt: null,
    lastSuccessAt: null,
    lastErrorAt: null,
    lastErrorCode: null,
    tokenExpiresAt: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...fields,
  };
}

export async function injectFault(sandboxUrl: string, fault: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sandboxUrl}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  if (res.status >= 300) throw new Error(`fault injection refused: ${res.status}`);
}

export function describeAdapterContract(name: string, makeSetup: () => Promise<ContractSetup & { dispose: () => Promise<void> }>): void {
  describe(`${name} adapter contract`, () => {
    let setup: ContractSetup & { dispose: () => Promise<void> };
    let adapter: EhrAdapter;
    let http: VendorHttpClient;
    let patients: { id: string; mrn: string; family: string }[];
    const seen: Resource[] = [];
    const keep = <T extends Resource>(r: T): T => (seen.push(r), r);

    beforeAll(async () => {
      setup = await makeSetup();
      ({ adapter, http } = buildAdapter(setup));
      patients = (await (await fetch(`${setup.sandboxUrl}/_sandbox/patients?vendor=${setup.vendor}`)).json()) as typeof patients;
    });
    afterAll(async () => {
      http.close();
      await setup.dispose();
    });
    afterEach(() => fetch(`${setup.sandboxUrl}/_sandbox/faults?vendor=${setup.vendor}`, { method: 'DELETE' }));

    it('declares read and search for every clinical type, and says so in its CapabilityStatement', () => {
      const types = setup.recordTypes ?? EHR_RECORD_TYPES;
      for (const type of types) expect(adapter.capabilities()[type]?.interactions).toEqual(expect.arrayContaining(['read', 'search']));
      const statement = adapter.capabilityStatement();
      expect(statement.rest?.[0]?.resource?.map((r) => r.type)).toEqual(expect.arrayContaining([...types]));
    });

    it('reads patients, stamped with the connection as their source', async () => {
      for (const p of patients.slice(0, 3)) {
        const patient = keep(await adapter.read('Patient', p.id));
        expect(patient).toMatchObject({ resourceType: 'Patient', id: p.id, meta: { source: `urn:switchboard:connection:${setup.connection.id}` } });
      }
    });

    it('answers not_found for an unknown id', async () => {
      await expect(adapter.read('Patient', setup.vendor === 'oracle' ? '999999999' : 'eDoesNotExist3')).rejects.toMatchObject({ code: 'not_found' });
    });

    it('finds a patient by MRN', async () => {
      const target = patients[0]!;
      const page = await adapter.search('Patient', { identifier: [target.mrn] });
      expect(page.resources.map((r) => r.id)).toContain(target.id);
      page.resources.forEach(keep);
    });

    it('pages through every Observation of a patient with gateway cursors that hide the vendor URL', async () => {
      const patient = patients[1]!.id;
      const ids = new Set<string>();
      let page = await adapter.search('Observation', { patient: [patient], category: ['laboratory'], _count: ['5'] });
      let pages = 1;
      while (true) {
        page.resources.forEach((r) => {
          keep(r);
          ids.add(r.id!);
        });
        if (!page.nextCursor) break;
        expect(page.nextCursor).not.toContain('127.0.0.1');
        page = await adapter.search('Observation', {}, page.nextCursor);
        pages += 1;
      }
      expect(pages).toBeGreaterThan(1);
      const all = await adapter.search('Observation', { patient: [patient], category: ['laboratory'], _count: ['200'] });
      expect(ids.size).toBe(all.resources.length);
    });

    it('creates a clinical note and reads it back', async () => {
      const note: DocumentReference = {
        resourceType: 'DocumentReference',
        status: 'current',
        type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] },
        category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note' }] }],
        subject: { reference: `Patient/${patients[2]!.id}` },
        date: new Date().toISOString(),
        content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('Synthetic follow-up note: stable, continue plan.').toString('base64') } }],
      };
      const created = await adapter.create('DocumentReference', note);
      expect(created.id).toBeTruthy();
      const read = keep(await adapter.read('DocumentReference', created.id));
      expect((read as DocumentReference).subject?.reference).toBe(`Patient/${patients[2]!.id}`);
    });

    it('makes one token request for 100 concurrent calls', async () => {
      const { adapter: fresh, http: freshHttp } = buildAdapter(setup);
      const before = setup.credentialUses();
      await Promise.all(Array.from({ length: 100 }, (_, i) => fresh.read('Patient', patients[i % patients.length]!.id)));
      expect(setup.credentialUses() - before).toBe(1);
      freshHttp.close();
    });

    describe('fault modes', () => {
      it('retries a read through a 429 with Retry-After', async () => {
        await injectFault(setup.sandboxUrl, { vendor: setup.vendor, kind: 'rate-limit', count: 1, retryAfterSeconds: 0 });
        await expect(adapter.read('Patient', patients[0]!.id)).resolves.toMatchObject({ id: patients[0]!.id });
      });

      it('surfaces a 5xx burst longer than the retries as a typed error', async () => {
        await injectFault(setup.sandboxUrl, { vendor: setup.vendor, kind: 'server-error', count: 5, status: 503 });
        await expect(adapter.read('Patient', patients[0]!.id)).rejects.toMatchObject({ code: 'dependency_unavailable', details: { vendorStatus: 503 } });
      });

      it('maps malformed JSON to vendor_error', async () => {
        await injectFault(setup.sandboxUrl, { vendor: setup.vendor, kind: 'malformed-json', count: 1 });
        await expect(adapter.read('Patient', patients[0]!.id)).rejects.toMatchObject({ code: 'vendor_error', details: { reason: 'malformed_response' } });
      });

      it('re-authenticates once when the token expires mid-session', async () => {
        const before = setup.credentialUses();
        await injectFault(setup.sandboxUrl, { vendor: setup.vendor, kind: 'token-expiry', count: 1 });
        await expect(adapter.read('Patient', patients[0]!.id)).resolves.toMatchObject({ id: patients[0]!.id });
        expect(setup.credentialUses() - before).toBe(1);
      });

      it('refuses to follow a next link to another host', async () => {
        await injectFault(setup.sandboxUrl, { vendor: setup.vendor, kind: 'foreign-next-link', count: 1 });
        await expect(adapter.search('Observation', { patient: [patients[0]!.id], category: ['laboratory'], _count: ['2'] })).rejects.toMatchObject({
          code: 'vendor_error',
          details: { reason: 'foreign_link' },
        });
      });

      it('times out a vendor that hangs', async () => {
        await injectFault(setup.sandboxUrl, { vendor: setup.vendor, kind: 'hang', count: 3, delayMs: CONTRACT_TIMEOUT_MS * 3 });
        await expect(adapter.read('Patient', patients[0]!.id)).rejects.toMatchObject({ code: 'vendor_timeout' });
      }, 20_000);
    });

    it('returned only resources that validate against the official FHIR R4 schema', () => {
      expect(seen.length).toBeGreaterThan(5);
      const invalid = seen.map((r) => ({ type: r.resourceType, id: r.id, issues: validateFhirResource(r) })).filter((r) => r.issues.length > 0);
      expect(invalid).toEqual([]);
    });
  });
}
