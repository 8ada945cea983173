/**
 * How to make one tenant-owned object of each kind, and which kind each path parameter and
 * GraphQL argument names. Tenant A gets one of every kind; tenant B gets the parents (so the
 * probes can also try "B's connection, A's message").
 */
import { pollExportStatus, sendMllpMessages } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { bearer, type Credential, type ProbeTenant, type World } from './probe-world';

export const FIXTURE_KINDS = [
  'tenant',
  'epicConnection',
  'hl7Connection',
  'apiKey',
  'oauthClient',
  'smartApp',
  'webhookEndpoint',
  'event',
  'secretName',
  'connectionKey',
  'usageAlert',
  'healthAlertRule',
  'user',
  'invite',
  'hl7Message',
  'patient',
  'group',
  'export',
  'exportFile',
] as const;
export type FixtureKind = (typeof FIXTURE_KINDS)[number];
export type Fixtures = Record<FixtureKind, string>;

/** Kinds that hold other objects: B makes its own of these for the mixed probes. */
export const PARENT_KINDS: readonly FixtureKind[] = ['tenant', 'epicConnection', 'hl7Connection', 'webhookEndpoint'];
/** Kinds whose ids are the EHR's, not ours: they are only meaningful under their connection. */
export const EHR_KINDS: readonly FixtureKind[] = ['patient', 'group'];
/**
 * Names any tenant may use under its own parent (a secret called `client_secret`, the sandbox's
 * one group): B's parent with A's name is B's own object, so no mixed probe uses them.
 */
export const SHARED_NAME_KINDS: readonly FixtureKind[] = ['secretName', 'group'];

interface MakerContext {
  world: World;
  t: ProbeTenant;
  made: Partial<Fixtures>;
  mllpPort: number;
}

const expectStatus = (what: string, res: { status: number; text: string }, ...ok: number[]) => {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
};

async function poll<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

type Maker = (ctx: MakerContext) => Promise<string>;

/** One maker per kind, run in this order (later ones use earlier ones). */
export const FIXTURE_MAKERS: Record<FixtureKind, Maker> = {
  tenant: async ({ t }) => t.id,
  epicConnection: async ({ world, t }) => {
    const res = await world.stack.call('POST', '/v1/connections', t.key, { name: 'probe epic', vendor: 'epic', environment: 'sandbox' });
    expectStatus('epic connection', res, 201);
    return res.body.id;
  },
  hl7Connection: async ({ world, t }) => {
    const res = await world.stack.call('POST', '/v1/connections', t.key, { name: 'probe hl7', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: `PRB-${t.slug}` });
    expectStatus('hl7v2 connection', res, 201);
    return res.body.id;
  },
  apiKey: async ({ world, t }) => {
    const res = await world.stack.call('POST', `/v1/tenants/${t.id}/api-keys`, t.key, { name: 'probe victim', scopes: ['usage:read'] });
    expectStatus('API key', res, 201);
    world.stack.secrets.push(res.body.key);
    return res.body.id;
  },
  oauthClient: async ({ world, t }) => {
    const res = await world.stack.call('POST', '/v1/oauth-clients', t.key, { name: 'probe client', authMethod: 'client_secret', scopes: ['usage:read'] });
    expectStatus('OAuth client', res, 201);
    world.stack.secrets.push(res.body.clientSecret);
    return res.body.id;
  },
  smartApp: async ({ world, t }) => {
    const res = await world.stack.call('POST', '/v1/smart-apps', t.key, { name: 'probe app', launchUrl: 'http://127.0.0.1:9/launch', redirectUris: ['http://127.0.0.1:9/callback'], scopes: ['launch', 'patient/*.rs'] });
    expectStatus('SMART app', res, 201);
    return res.body.id;
  },
  webhookEndpoint: async ({ world, t }) => {
    const res = await world.stack.call('POST', '/v1/webhook-endpoints', t.key, { url: 'http://127.0.0.1:9/hook', eventTypes: ['patient.admitted'] });
    expectStatus('webhook endpoint', res, 201);
    world.stack.secrets.push(res.body.secret);
    return res.body.id;
  },
  event: async ({ world, t, made }) => {
    const res = await world.stack.call('POST', `/v1/webhook-endpoints/${made.webhookEndpoint}/test`, t.key);
    expectStatus('test event', res, 202);
    return res.body.eventId;
  },
  secretName: async ({ world, t, made }) => {
    const value = `probe-secret-${randomUUID()}`;
    world.stack.secrets.push(value);
    const res = await world.stack.call('PUT', `/v1/connections/${made.epicConnection}/secrets/probe_secret`, t.key, { value });
    expectStatus('connection secret', res, 200, 201);
    return 'probe_secret';
  },
  connectionKey: async ({ world, t, made }) => {
    const res = await world.stack.call('POST', `/v1/connections/${made.epicConnection}/keys`, t.key, { alg: 'ES384' });
    expectStatus('connection key', res, 201);
    return res.body.kid;
  },
  usageAlert: async ({ world, t }) => {
    const res = await world.stack.call('POST', '/v1/usage/alerts', t.key, { name: 'probe alert', metric: 'units', threshold: '1000' });
    expectStatus('usage alert', res, 201);
    return res.body.id;
  },
  healthAlertRule: async ({ world, t }) => {
    const res = await world.stack.call('POST', '/v1/health-alert-rules', t.key, { name: 'probe health alert', to: ['down'] });
    expectStatus('health alert rule', res, 201);
    return res.body.id;
  },
  user: async ({ t }) => t.userId,
  invite: async ({ world, t }) => {
    const res = await world.stack.call('POST', `/v1/tenants/${t.id}/invites`, t.key, { email: `pending-${t.slug}@probe.example`, role: 'viewer' });
    expectStatus('invite', res, 201);
    world.stack.secrets.push(new URL(res.body.inviteUrl as string).hash.slice(1));
    const invites = await world.stack.call('GET', '/v1/invites', t.key);
    return (invites.body.items ?? invites.body.data).find((i: { email: string }) => i.email === `pending-${t.slug}@probe.example`).id;
  },
  hl7Message: async ({ world, t, made, mllpPort }) => {
    const mrn = `PRB${randomUUID().slice(0, 8)}`;
    const message = [
      `MSH|^~\\&|EHR|PRB-${t.slug}|SWITCHBOARD|GW|20260301101500||ADT^A01^ADT_A01|prb-${mrn}|P|2.5.1`,
      'EVN|A01|20260301101500',
      `PID|1||${mrn}^^^HOSP^MR||Probe^Alex||19800203|F`,
      'PV1|1|I|WARD^101^1',
    ].join('\r');
    await sendMllpMessages(mllpPort, [message]);
    return poll('hl7 message processed', async () => {
      const res = await world.stack.call('GET', `/v1/connections/${made.hl7Connection}/hl7/messages`, t.key);
      const item = res.body.items?.find((m: { status: string }) => m.status === 'processed');
      return item?.id as string | undefined;
    });
  },
  patient: async ({ world, t, made }) =>
    poll('patient in the store', async () => {
      const res = await world.stack.call('GET', `/fhir/r4/${made.hl7Connection}/Patient?name=Probe`, t.key);
      return res.body.entry?.[0]?.resource.id as string | undefined;
    }),
  group: async ({ world, t, made }) => {
    const res = await world.stack.call('GET', `/fhir/r4/${made.epicConnection}/Group`, t.key);
    expectStatus('groups', res, 200);
    return res.body.entry[0].resource.id;
  },
  export: async ({ world, t, made }) => {
    const res = await world.stack.call('GET', `/fhir/r4/${made.epicConnection}/Group/${made.group}/$export?_type=Patient`, t.key, undefined, { accept: 'application/fhir+json', prefer: 'respond-async' });
    expectStatus('export kick-off', res, 202);
    return (res.headers.get('content-location') ?? '').split('/').pop()!;
  },
  exportFile: async ({ world, t, made }) => {
    const res = await pollExportStatus(world.stack, `/fhir/r4/${made.epicConnection}/$export-status/${made.export}`, t.key, { timeoutMs: 90_000 });
    expectStatus('export status', res, 200);
    return new URL(res.body.output[0].url as string).pathname.split('/').pop()!;
  },
};

/** Makes `kinds` for tenant `t`, in FIXTURE_KINDS order. */
export async function makeFixtures(world: World, t: ProbeTenant, kinds: readonly FixtureKind[], mllpPort: number): Promise<Partial<Fixtures>> {
  const made: Partial<Fixtures> = {};
  for (const kind of FIXTURE_KINDS) {
    if (kinds.includes(kind)) made[kind] = await FIXTURE_MAKERS[kind]({ world, t, made, mllpPort });
  }
  return made;
}

/** Which fixture a REST path parameter names; the first rule whose path and parameter match wins. */
export const PATH_PARAM_RULES: readonly { path: RegExp; param: string; kind: FixtureKind | { literal: string } }[] = [
  { path: /^\/v1\/tenants\/\{id\}/, param: 'id', kind: 'tenant' },
  { path: /^\/v1\/api-keys\//, param: 'id', kind: 'apiKey' },
  { path: /^\/v1\/oauth-clients\//, param: 'id', kind: 'oauthClient' },
  { path: /^\/v1\/smart-apps\//, param: 'id', kind: 'smartApp' },
  { path: /^\/v1\/connections\/\{id\}\/hl7\//, param: 'id', kind: 'hl7Connection' },
  { path: /^\/v1\/connections\//, param: 'id', kind: 'epicConnection' },
  { path: /^\/v1\/connections\//, param: 'messageId', kind: 'hl7Message' },
  { path: /^\/v1\/connections\//, param: 'name', kind: 'secretName' },
  { path: /^\/v1\/connections\//, param: 'kid', kind: 'connectionKey' },
  { path: /^\/v1\/webhook-endpoints\//, param: 'id', kind: 'webhookEndpoint' },
  { path: /^\/v1\/webhook-endpoints\//, param: 'eventId', kind: 'event' },
  { path: /^\/v1\/usage\/alerts\//, param: 'id', kind: 'usageAlert' },
  { path: /^\/v1\/health-alert-rules\//, param: 'id', kind: 'healthAlertRule' },
  { path: /^\/v1\/users\//, param: 'id', kind: 'user' },
  { path: /^\/v1\/invites\//, param: 'id', kind: 'invite' },
  { path: /^\/fhir\/r4\/\{connectionId\}\/(\$export|Patient\/\$export|Group)/, param: 'connectionId', kind: 'epicConnection' },
  { path: /^\/fhir\/r4\//, param: 'connectionId', kind: 'hl7Connection' },
  { path: /^\/fhir\/r4\//, param: 'exportId', kind: 'export' },
  { path: /^\/fhir\/r4\//, param: 'fileName', kind: 'exportFile' },
  { path: /^\/fhir\/r4\//, param: 'groupId', kind: 'group' },
  { path: /^\/fhir\/r4\//, param: 'type', kind: { literal: 'Patient' } },
  { path: /^\/fhir\/r4\//, param: 'id', kind: 'patient' },
];

/** Query parameters that name a tenant-owned object (B passing A's must be a 404 too). */
export const QUERY_PARAM_KINDS: Readonly<Record<string, FixtureKind>> = { tenantId: 'tenant' };

/** Which fixture a GraphQL argument names, by argument and field name. */
export function graphqlArgKind(field: string, arg: string): FixtureKind | { literal: string } | undefined {
  if (arg === 'tenantId') return 'tenant';
  if (arg === 'eventId') return 'event';
  if (arg === 'kid') return 'connectionKey';
  if (arg === 'name' && /Secret$/.test(field)) return 'secretName';
  if (arg === 'id' && /webhook/i.test(field)) return 'webhookEndpoint';
  if (arg === 'id' && field === 'patient') return 'patient';
  if (arg === 'id') return 'epicConnection';
  // Clinical fields read the HL7 site's store, where A's patient lives.
  if (arg === 'connectionId') return /Connection|Key|Secret/.test(field) ? 'epicConnection' : 'hl7Connection';
  if (arg === 'patientId') return 'patient';
  if (['practitionerId', 'slotId', 'encounterId', 'departmentId'].includes(arg)) return { literal: 'probe-ehr-id' };
  return undefined;
}

/** The two ways a tenant's people and machines call the api. */
export const CREDENTIAL_LABELS = ['api key', 'console session'] as const;
export type CredentialLabel = (typeof CREDENTIAL_LABELS)[number];
export const credentialOf = (t: ProbeTenant, label: CredentialLabel): Credential => (label === 'api key' ? bearer(t.key) : t.session);
