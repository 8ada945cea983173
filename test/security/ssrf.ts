/**
 * SSRF: in production mode, every outbound URL or host a tenant can set is refused when it
 * points at loopback (127.0.0.1, ::1, an IPv4-mapped loopback, `localhost` — a name the system
 * resolver maps to 127.0.0.1 through /etc/hosts), private ranges (10/8, 192.168/16) or the cloud
 * metadata address. Refused means: at registration (400 naming the field), or — where only the
 * use is guarded — at use, with nothing reaching the canary listening on loopback.
 */
import type { CallResult } from '@sb/testing';
import { generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import type { Canary } from './canary';
import { probe } from './probe';
import type { World } from './probe-world';

export interface SsrfContext {
  world: World;
  canary: Canary;
  /** A production epic connection and a webhook endpoint with public (unresolvable) URLs, to PATCH. */
  epicConnection: string;
  webhookEndpoint: string;
}

interface Target {
  label: string;
  /** `host[:port]` as a URL authority and as a bare host (MLLP). */
  authority: (port: number) => string;
  host: string;
  reachesCanary: boolean;
}

export const TARGETS: readonly Target[] = [
  { label: 'loopback 127.0.0.1', authority: (p) => `127.0.0.1:${p}`, host: '127.0.0.1', reachesCanary: true },
  { label: 'loopback [::1]', authority: (p) => `[::1]:${p}`, host: '::1', reachesCanary: true },
  { label: 'IPv4-mapped loopback [::ffff:127.0.0.1]', authority: (p) => `[::ffff:127.0.0.1]:${p}`, host: '::ffff:127.0.0.1', reachesCanary: true },
  { label: 'localhost (resolves to 127.0.0.1)', authority: (p) => `localhost:${p}`, host: 'localhost', reachesCanary: true },
  { label: 'private 10.0.0.1', authority: () => '10.0.0.1', host: '10.0.0.1', reachesCanary: false },
  { label: 'private 192.168.1.10', authority: () => '192.168.1.10', host: '192.168.1.10', reachesCanary: false },
  { label: 'metadata 169.254.169.254', authority: () => '169.254.169.254', host: '169.254.169.254', reachesCanary: false },
];

interface Sink {
  label: string;
  /** The field a registration refusal names. */
  field: string;
  register: (ctx: SsrfContext, url: string, target: Target) => Promise<CallResult>;
  /** Where only the use is guarded: makes the gateway use what was stored, and asserts it refused. */
  use?: (ctx: SsrfContext, created: CallResult) => Promise<void>;
}

const as = (ctx: SsrfContext) => ctx.world.a.key;
const post = (ctx: SsrfContext, path: string, body: unknown) => ctx.world.stack.call('POST', path, as(ctx), body);
const unique = () => randomUUID().slice(0, 8);

async function assertion(ctx: SsrfContext, clientId: string, audience: string): Promise<string> {
  const { privateKey } = await generateKeyPair('ES384');
  const token = await new SignJWT({ iss: clientId, sub: clientId, aud: `${ctx.world.stack.base}${audience}`, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 240 })
    .setProtectedHeader({ alg: 'ES384', kid: 'probe' })
    .sign(privateKey);
  ctx.world.stack.secrets.push(token);
  return token;
}

const form = (ctx: SsrfContext, path: string, fields: Record<string, string>) =>
  ctx.world.stack.call('POST', path, undefined, new URLSearchParams(fields).toString(), { 'content-type': 'application/x-www-form-urlencoded' });

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export const SINKS: readonly Sink[] = [
  {
    label: 'connection fhirBaseUrl (POST /v1/connections, epic production)',
    field: 'fhirBaseUrl',
    register: (ctx, url) => post(ctx, '/v1/connections', { name: `ssrf ${unique()}`, vendor: 'epic', environment: 'production', fhirBaseUrl: url, clientId: 'probe' }),
  },
  {
    label: 'connection tokenUrl (POST /v1/connections, epic production)',
    field: 'tokenUrl',
    register: (ctx, url) => post(ctx, '/v1/connections', { name: `ssrf ${unique()}`, vendor: 'epic', environment: 'production', fhirBaseUrl: 'https://fhir.probe.example/api/FHIR/R4', tokenUrl: url, clientId: 'probe' }),
  },
  {
    label: 'connection fhirBaseUrl (PATCH /v1/connections/{id})',
    field: 'fhirBaseUrl',
    register: (ctx, url) => ctx.world.stack.call('PATCH', `/v1/connections/${ctx.epicConnection}`, as(ctx), { fhirBaseUrl: url }),
  },
  {
    label: 'athena athenaBaseUrl (POST /v1/connections, athena production)',
    field: 'athenaBaseUrl',
    register: (ctx, url) => post(ctx, '/v1/connections', { name: `ssrf ${unique()}`, vendor: 'athena', environment: 'production', athenaPracticeId: '1959', clientId: 'probe', athenaBaseUrl: url }),
  },
  {
    label: 'webhook url (POST /v1/webhook-endpoints)',
    field: 'url',
    register: (ctx, url) => post(ctx, '/v1/webhook-endpoints', { url, eventTypes: ['patient.admitted'] }),
  },
  {
    label: 'webhook url (PATCH /v1/webhook-endpoints/{id})',
    field: 'url',
    register: (ctx, url) => ctx.world.stack.call('PATCH', `/v1/webhook-endpoints/${ctx.webhookEndpoint}`, as(ctx), { url }),
  },
  {
    label: 'MLLP outbound host (POST /v1/connections, hl7v2 production)',
    field: 'mllpHost',
    register: (ctx, _url, target) => post(ctx, '/v1/connections', { name: `ssrf ${unique()}`, vendor: 'hl7v2', environment: 'production', hl7SendingFacility: `SSRF-${unique()}`, mllpHost: target.host, mllpPort: ctx.canary.port }),
    use: async (ctx, created) => {
      const report = await ctx.world.stack.call('POST', `/v1/connections/${created.body.id}/test`, as(ctx));
      expect(report.status).toBe(200);
      const step = (report.body.steps as { name: string; status: string }[]).find((s) => /mllp/i.test(s.name));
      expect({ step }).toMatchObject({ step: { status: 'failed' } });
      expect(JSON.stringify(step)).toContain('target_not_allowed');
    },
  },
  {
    label: 'OAuth client jwksUrl (POST /v1/oauth-clients, private_key_jwt)',
    field: 'jwksUrl',
    register: (ctx, url) => post(ctx, '/v1/oauth-clients', { name: `ssrf ${unique()}`, authMethod: 'private_key_jwt', jwksUrl: url }),
    use: async (ctx, created) => {
      const res = await form(ctx, '/oauth/token', { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(ctx, created.body.clientId, '/oauth/token') });
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 401, error: 'invalid_client' });
    },
  },
  {
    label: 'SMART app jwksUrl (POST /v1/smart-apps, confidential)',
    field: 'jwksUrl',
    register: (ctx, url) =>
      post(ctx, '/v1/smart-apps', { name: `ssrf ${unique()}`, launchUrl: 'https://app.probe.example/launch', redirectUris: ['https://app.probe.example/callback'], scopes: ['launch', 'patient/*.rs'], confidential: true, jwksUrl: url }),
    use: async (ctx, created) => {
      const res = await form(ctx, '/smart/token', { grant_type: 'authorization_code', code: 'probe', redirect_uri: 'https://app.probe.example/callback', code_verifier: 'v'.repeat(43), client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(ctx, created.body.clientId, '/smart/token') });
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 401, error: 'invalid_client' });
    },
  },
  {
    label: 'SMART launch iss (GET /smart/launch)',
    field: 'iss',
    register: (ctx, url) => ctx.world.stack.call('GET', `/smart/launch?iss=${encodeURIComponent(url)}&launch=${unique()}`),
  },
  {
    label: 'sandbox-environment connection fhirBaseUrl (POST /v1/connections, epic sandbox)',
    field: 'fhirBaseUrl',
    register: (ctx, url) => post(ctx, '/v1/connections', { name: `ssrf ${unique()}`, vendor: 'epic', environment: 'sandbox', fhirBaseUrl: url, clientId: 'probe' }),
    // The connection test fetches discovery and metadata from the base: the canary tells whether it reached it.
    use: async (ctx, created) => expect((await ctx.world.stack.call('POST', `/v1/connections/${created.body.id}/test`, as(ctx))).status).toBe(200),
  },
];

const refusedAtRegistration = (sink: Sink, res: CallResult): boolean =>
  sink.field === 'iss' ? res.status === 400 : res.status === 400 && res.body.code === 'validation_failed' && JSON.stringify(res.body.issues ?? []).includes(`"${sink.field}`);

export function describeSsrf(ctx: () => SsrfContext): void {
  for (const sink of SINKS) {
    for (const target of TARGETS) {
      probe('ssrf', `${sink.label} → ${target.label}: refused, nothing reaches it`, async () => {
        const c = ctx();
        const before = c.canary.connections();
        const res = await sink.register(c, `https://${target.authority(c.canary.port)}/probe`, target);
        if (!refusedAtRegistration(sink, res)) {
          expect({ status: res.status, body: res.status === 201 || res.status === 200 ? '' : res.text.slice(0, 300) }).toMatchObject({ body: '' });
          if (!sink.use) throw new Error(`${sink.field} accepted (HTTP ${res.status}) and nothing re-checks it at use`);
          await sink.use(c, res);
        }
        expect({ canaryConnections: c.canary.connections() - before }).toEqual({ canaryConnections: 0 });
      });
      if (sink.use && sink.field !== 'iss') {
        probe('ssrf-registration', `${sink.label} → ${target.label}: refused when registered`, async () => {
          const c = ctx();
          const res = await sink.register(c, `https://${target.authority(c.canary.port)}/probe`, target);
          expect({ status: res.status, refused: refusedAtRegistration(sink, res) }).toEqual({ status: 400, refused: true });
        });
      }
    }
  }
}

