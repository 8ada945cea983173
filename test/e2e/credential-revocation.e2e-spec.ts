/**
 * Revocation across two built api processes behind one public URL (as behind a load
 * balancer), sharing the run's database and a private Redis prefix: what one revokes,
 * the other refuses within the bound, though it had the credential cached.
 */
import { freePort, startBuiltApp, startE2eStack, waitForOk, type E2eStack, type RunningApp } from '@sb/testing';
import { randomUUID } from 'node:crypto';

/** What the test allows for a revocation to reach the other process; the target is 1 s. */
const BOUND_MS = 2_000;
const PASSWORD = 'amber-quarry-lantern-58';

let stack: E2eStack;
let second: RunningApp;
let secondBase: string;

/** A call to the second api process. */
async function callSecond(method: string, path: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${secondBase}${path}`, { method, headers });
  await res.arrayBuffer();
  return res.status;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Polls the second process until it answers `status`; fails after the bound. */
async function secondAnswers(status: number, path: string, headers: Record<string, string>): Promise<void> {
  const deadline = Date.now() + BOUND_MS;
  let last = await callSecond('GET', path, headers);
  while (last !== status) {
    if (Date.now() > deadline) throw new Error(`the second api still answers ${last}, not ${status}, after ${BOUND_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    last = await callSecond('GET', path, headers);
  }
}

beforeAll(async () => {
  stack = await startE2eStack('credential-revocation-e2e', ['api']);
  secondBase = `http://127.0.0.1:${await freePort()}`;
  second = startBuiltApp('api', { ...stack.env, PORT: new URL(secondBase).port });
  await waitForOk(`${secondBase}/health`, second, 60_000);
  // Until its subscriber is confirmed the second api caches nothing, which would make the test pass trivially.
  for (const deadline = Date.now() + 10_000; !second.output().includes('subscribed to credential invalidations'); ) {
    if (Date.now() > deadline) throw new Error(`the second api did not subscribe to credential invalidations:\n${second.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}, 120_000);

afterAll(async () => {
  await second?.stop();
  await stack?.close();
});

it('refuses an API key revoked through the other process, and the keys of a tenant suspended there', async () => {
  const tenant = await stack.newTenant(`rev-${randomUUID().slice(0, 6)}`);
  const created = await stack.call('POST', `/v1/tenants/${tenant.id}/api-keys`, stack.adminToken, { name: 'victim' });
  expect(created.status).toBe(201);
  const victim = created.body.key as string;
  stack.secrets.push(victim);

  for (const key of [victim, tenant.key]) {
    for (let i = 0; i < 2; i++) {
      expect((await stack.call('GET', '/v1/connections', key)).status).toBe(200);
      expect(await callSecond('GET', '/v1/connections', bearer(key))).toBe(200);
    }
  }

  expect((await stack.call('DELETE', `/v1/api-keys/${created.body.id as string}`, tenant.key)).status).toBe(200);
  expect((await stack.call('GET', '/v1/connections', victim)).status).toBe(401);
  await secondAnswers(401, '/v1/connections', bearer(victim));
  expect(await callSecond('GET', '/v1/connections', bearer(tenant.key))).toBe(200);

  expect((await stack.call('PATCH', `/v1/tenants/${tenant.id}`, stack.adminToken, { status: 'suspended' })).status).toBe(200);
  await secondAnswers(401, '/v1/connections', bearer(tenant.key));
});

it('refuses a console session signed out through the other process', async () => {
  const tenant = await stack.newTenant(`ses-${randomUUID().slice(0, 6)}`);
  const email = `rev-${randomUUID().slice(0, 8)}@clinic.example`;
  const invited = await stack.call('POST', `/v1/tenants/${tenant.id}/invites`, stack.adminToken, { email, role: 'admin' });
  expect(invited.status).toBe(201);
  const inviteToken = new URL(invited.body.inviteUrl as string).hash.slice(1);
  expect((await stack.call('POST', `/v1/console/invites/${inviteToken}/accept`, undefined, { name: 'Rev Admin', password: PASSWORD })).status).toBe(200);
  const signedIn = await stack.call('POST', '/v1/console/session', undefined, { email, password: PASSWORD });
  expect(signedIn.status).toBe(200);
  const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  stack.secrets.push(cookie.split('=')[1]!);

  expect((await stack.call('GET', '/v1/console/me', undefined, undefined, { cookie })).status).toBe(200);
  expect(await callSecond('GET', '/v1/console/me', { cookie })).toBe(200);
  const signedOut = await stack.call('DELETE', '/v1/console/session', undefined, undefined, { cookie, 'x-csrf-token': signedIn.body.csrfToken as string });
  expect(signedOut.status).toBe(204);
  await secondAnswers(401, '/v1/console/me', { cookie });
});
