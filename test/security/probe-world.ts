/**
 * The probes' world: the built apps as processes, two tenants A and B, each with an API key
 * holding every tenant scope and a signed-in console owner (with the PHI grant), and tenant A's
 * objects of every kind (fixtures.ts). Credentials the probes need are made here once.
 */
import { ALL_TENANT_SCOPES, scopesGrant, type RequiredScope } from '@sb/core';
import { startE2eStack, type CallResult, type E2eStack } from '@sb/testing';
import { randomBytes, randomUUID } from 'node:crypto';

/** How a probe authenticates: a bearer token, or a console session (cookie + its CSRF token). */
export type Credential = { kind: 'bearer'; token: string } | { kind: 'session'; cookie: string; csrfToken: string };

export interface ProbeTenant {
  id: string;
  slug: string;
  key: string;
  session: Credential;
  userId: string;
}

export interface World {
  stack: E2eStack;
  a: ProbeTenant;
  b: ProbeTenant;
  /** A request with any credential (or none), JSON bodies, optional extra headers. */
  send: (method: string, path: string, credential: Credential | undefined, body?: unknown, headers?: Record<string, string>) => Promise<CallResult>;
  /** An API key of tenant `t` holding `scopes`, made once per distinct set. */
  keyWith: (t: ProbeTenant, scopes: readonly string[]) => Promise<string>;
}

export const bearer = (token: string): Credential => ({ kind: 'bearer', token });

const PASSWORD = `Probe-${randomBytes(12).toString('base64url')}`;

/** A tenant with an all-scopes key and a console owner signed in. */
async function probeTenant(stack: E2eStack, label: string): Promise<ProbeTenant> {
  const slug = `sec-${label}-${randomUUID().slice(0, 6)}`;
  const { id, key } = await stack.newTenant(slug);
  const email = `owner-${slug}@probe.example`;
  const invite = await stack.call('POST', `/v1/tenants/${id}/invites`, stack.adminToken, { email, role: 'owner', phi: true });
  if (invite.status !== 201) throw new Error(`invite not created: ${invite.status} ${invite.text}`);
  const token = new URL(invite.body.inviteUrl as string).hash.slice(1);
  stack.secrets.push(token);
  const accepted = await stack.call('POST', `/v1/console/invites/${token}/accept`, undefined, { name: `Owner ${label}`, password: PASSWORD });
  if (accepted.status !== 200) throw new Error(`invite not accepted: ${accepted.status} ${accepted.text}`);
  const signIn = await stack.call('POST', '/v1/console/session', undefined, { email, password: PASSWORD });
  if (signIn.status !== 200 && signIn.status !== 201) throw new Error(`sign-in failed: ${signIn.status} ${signIn.text}`);
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  stack.secrets.push(cookie.split('=')[1] ?? '', signIn.body.csrfToken);
  const users = await stack.call('GET', '/v1/users', key);
  const userId = (users.body.items ?? users.body.data).find((u: { email: string }) => u.email === email).id as string;
  return { id, slug, key, session: { kind: 'session', cookie, csrfToken: signIn.body.csrfToken as string }, userId };
}

export async function startWorld(name: string, apps: readonly string[], extraEnv: Record<string, string> = {}): Promise<World> {
  const stack = await startE2eStack(name, apps, extraEnv);
  const send: World['send'] = (method, path, credential, body, headers = {}) => {
    if (credential?.kind === 'session') {
      const csrf: Record<string, string> = ['GET', 'HEAD', 'OPTIONS'].includes(method) ? {} : { 'x-csrf-token': credential.csrfToken };
      return stack.call(method, path, undefined, body, { cookie: credential.cookie, ...csrf, ...headers });
    }
    return stack.call(method, path, credential?.token, body, headers);
  };
  const keys = new Map<string, Promise<string>>();
  const keyWith: World['keyWith'] = (t, scopes) => {
    const cacheKey = `${t.id} ${[...scopes].sort().join(' ')}`;
    let made = keys.get(cacheKey);
    if (!made) {
      made = stack.call('POST', `/v1/tenants/${t.id}/api-keys`, stack.adminToken, { name: `probe ${keys.size}`, scopes }).then((res) => {
        if (res.status !== 201) throw new Error(`key with ${scopes.join(' ')} not created: ${res.status} ${res.text}`);
        stack.secrets.push(res.body.key);
        return res.body.key as string;
      });
      keys.set(cacheKey, made);
    }
    return made;
  };
  try {
    const a = await probeTenant(stack, 'a');
    const b = await probeTenant(stack, 'b');
    return { stack, a, b, send, keyWith };
  } catch (e) {
    await stack.close();
    throw e;
  }
}

/** Every tenant scope that does not grant `required` (a credential one scope short). */
export const scopesWithout = (required: RequiredScope): string[] => {
  const kept = ALL_TENANT_SCOPES.filter((s) => !scopesGrant([s], required));
  // Dropping the clinical wildcard would drop every clinical scope: keep the others by name.
  if (!kept.includes('system/*.cruds')) kept.push(...['Patient', 'Observation', 'Parameters', 'MessageHeader'].map((t) => `system/${t}.cruds`).filter((s) => !scopesGrant([s], required)));
  return kept;
};
