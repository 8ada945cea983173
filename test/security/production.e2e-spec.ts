/**
 * Issue 16's probes that depend on the deployment mode, against the built api started as in
 * production (NODE_ENV=production, SB_ALLOW_PRIVATE_TARGETS=false): response headers on a sample
 * of routes, and SSRF through every outbound URL or host a tenant can set.
 */
import { loadConfig } from '@sb/config';
import { findLeaks } from '@sb/testing';
import { startCanary, type Canary } from './canary';
import { describeHeaders } from './headers';
import { expectNoStaleGaps } from './probe';
import { startWorld, type World } from './probe-world';
import { describeSsrf } from './ssrf';

let world: World;
let canary: Canary;
let hl7Connection: string;
let epicConnection: string;
let webhookEndpoint: string;

/** The run's development master key (made on first use; a concurrent first use by another process wins the race). */
function runMasterKey(): string {
  try {
    return loadConfig().vaultMasterKey.toString('base64');
  } catch {
    return loadConfig().vaultMasterKey.toString('base64');
  }
}

async function created(what: string, res: Promise<{ status: number; body: any; text: string }>): Promise<string> {
  const r = await res;
  if (r.status !== 201) throw new Error(`${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  return r.body.id;
}

beforeAll(async () => {
  canary = await startCanary();
  world = await startWorld('security-production', ['api'], {
    NODE_ENV: 'production',
    SB_ALLOW_PRIVATE_TARGETS: 'false',
    // The run's database holds keys sealed under the test master key: the same key, given explicitly as production requires.
    SB_VAULT_MASTER_KEY: runMasterKey(),
  });
  const call = (path: string, body: unknown) => world.stack.call('POST', path, world.a.key, body);
  hl7Connection = await created('hl7v2 connection', call('/v1/connections', { name: 'headers hl7', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: `HDR-${world.a.slug}` }));
  // Public host names that do not resolve here: accepted now, checked again at every use.
  epicConnection = await created('epic connection', call('/v1/connections', { name: 'ssrf epic', vendor: 'epic', environment: 'production', fhirBaseUrl: 'https://fhir.probe.example/api/FHIR/R4', clientId: 'probe' }));
  webhookEndpoint = await created('webhook endpoint', call('/v1/webhook-endpoints', { url: 'https://hooks.probe.example/x', eventTypes: ['patient.admitted'] }));
}, 120_000);
afterAll(async () => {
  await world?.stack.close();
  await canary?.close();
});

describe('response headers', () => {
  describeHeaders(() => ({ world, connectionId: hl7Connection }));
});

describe('SSRF in production mode', () => {
  describeSsrf(() => ({ world, canary, epicConnection, webhookEndpoint }));
});

expectNoStaleGaps(['headers', 'ssrf', 'ssrf-registration']);

describe('what the run emitted', () => {
  it('[leaks] no credential or secret the probes used is in the logs or spans', async () => {
    expect(findLeaks(await world.stack.stopAndCollect(), world.stack.secrets)).toEqual([]);
  });
});
