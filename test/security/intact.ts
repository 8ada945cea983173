/**
 * After every cross-tenant and scope probe, tenant A's objects are still there and unchanged:
 * a probe that got a 404 but had acted anyway (deleted, renamed, revoked) shows up here.
 */
import type { BolaContext } from './bola';
import { probe } from './probe';

type Check = [what: string, path: (a: BolaContext['a']) => string, holds: (body: any, a: BolaContext['a']) => boolean];

const listed = (items: any[] | undefined, id: string | undefined, extra: (x: any) => boolean = () => true) => (items ?? []).some((x) => x.id === id && extra(x));

const CHECKS: readonly Check[] = [
  ['tenant keeps its name', (a) => `/v1/tenants/${a.tenant}`, (b) => b.name !== 'hijacked'],
  ['epic connection unchanged and live', (a) => `/v1/connections/${a.epicConnection}`, (b) => b.name === 'probe epic' && b.status === 'live'],
  ['hl7 connection unchanged', (a) => `/v1/connections/${a.hl7Connection}`, (b) => b.name === 'probe hl7' && b.status !== 'disabled'],
  ['API key not revoked', () => '/v1/api-keys', (b, a) => listed(b.items, a.apiKey, (k) => !k.revokedAt)],
  ['OAuth client not revoked', () => '/v1/oauth-clients', (b, a) => listed(b.items ?? b.data, a.oauthClient, (c) => !c.revokedAt)],
  ['SMART app keeps its name', (a) => `/v1/smart-apps/${a.smartApp}`, (b) => b.name === 'probe app'],
  ['webhook endpoint unchanged and enabled', (a) => `/v1/webhook-endpoints/${a.webhookEndpoint}`, (b) => b.description !== 'hijacked' && b.url === 'http://127.0.0.1:9/hook' && !b.disabledAt && b.status !== 'disabled'],
  ['secret still set', (a) => `/v1/connections/${a.epicConnection}/secrets`, (b, a) => JSON.stringify(b).includes(`"${a.secretName}"`)],
  ['connection key not retired', (a) => `/v1/connections/${a.epicConnection}/keys`, (b, a) => (b.items ?? b.keys ?? b.data ?? []).some((k: any) => k.kid === a.connectionKey && !k.retiredAt)],
  ['usage alert still there', () => '/v1/usage/alerts', (b, a) => listed(b.data, a.usageAlert)],
  ['health alert rule unchanged', (a) => `/v1/health-alert-rules/${a.healthAlertRule}`, (b) => b.name === 'probe health alert' && JSON.stringify(b.to) === '["down"]'],
  ['owner still an active owner', () => '/v1/users', (b, a) => listed(b.items ?? b.data, a.user, (u) => u.role === 'owner' && !u.revokedAt)],
  ['invite still pending', () => '/v1/invites', (b, a) => listed(b.items ?? b.data, a.invite, (i) => i.status === 'pending')],
];

export function describeIntact(ctx: () => BolaContext): void {
  for (const [what, path, holds] of CHECKS) {
    probe('intact', what, async () => {
      const { world, a } = ctx();
      const res = await world.stack.call('GET', path(a), world.a.key);
      expect(res.status).toBe(200);
      expect({ holds: holds(res.body, a), body: res.text.slice(0, 400) }).toMatchObject({ holds: true });
    });
  }
  probe('intact', 'export still served', async () => {
    const { world, a } = ctx();
    const res = await world.stack.call('GET', `/fhir/r4/${a.epicConnection}/$export-file/${a.export}/${a.exportFile}`, world.a.key);
    expect(res.status).toBe(200);
  });
}
