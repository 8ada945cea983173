/**
 * What every journey shares: the running stack, API calls as the operator or a
 * tenant (for set-up a person would not do in the console), sign-in, the
 * accessibility check, and a guard that fails a test when a secret or PHI value
 * appears in the browser's console output, storage or URLs.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test as base, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the journeys through playwright.config.ts (its global setup starts the stack)`);
  return value;
};

export const stack = {
  get base() {
    return env('SB_CONSOLE_E2E_BASE');
  },
  get sandbox() {
    return env('SB_CONSOLE_E2E_SANDBOX');
  },
  get adminToken() {
    return env('SB_CONSOLE_E2E_ADMIN_TOKEN');
  },
  get mllpPort() {
    return Number(env('SB_CONSOLE_E2E_MLLP_PORT'));
  },
};

/** Values that must never reach logs, spans, the browser console, storage or URLs. */
export function recordNeedle(value: string): void {
  appendFileSync(env('SB_CONSOLE_E2E_NEEDLES'), `${value}\n`);
}

const needles = (): string[] => readFileSync(env('SB_CONSOLE_E2E_NEEDLES'), 'utf8').split('\n').filter((n) => n.length >= 6);

export interface ApiAnswer {
  status: number;
  // Whatever the API returned; journeys assert on its shape.
  body: any;
}

export async function api(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<ApiAnswer> {
  const res = await fetch(`${stack.base}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export async function sandbox(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const res = await fetch(`${stack.sandbox}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export const PASSWORD = 'amber-meadow-compass-81';
export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface TenantSetup {
  id: string;
  name: string;
  /** An API key with every tenant scope, for set-up steps (recorded as a needle). */
  key: string;
}

/** A tenant made by the operator, as `POST /v1/tenants` does for a new customer. */
export async function newTenant(label: string): Promise<TenantSetup> {
  const slug = unique(label).toLowerCase();
  const name = `${label} Telehealth ${slug.slice(-4)}`;
  const created = await api('POST', '/v1/tenants', { token: stack.adminToken, body: { name, slug } });
  expect(created.status).toBe(201);
  const key = await api('POST', `/v1/tenants/${created.body.id}/api-keys`, { token: stack.adminToken, body: { name: 'journey set-up' } });
  recordNeedle(key.body.key);
  return { id: created.body.id, name, key: key.body.key };
}

/** An invite link from the operator (journey 1 opens it in the browser; others accept it through the API). */
export async function inviteUrl(tenantId: string, email: string, role: string, phi = false, token = stack.adminToken): Promise<string> {
  const res = await api('POST', `/v1/tenants/${tenantId}/invites`, { token, body: { email, role, phi } });
  expect(res.status).toBe(201);
  recordNeedle(new URL(res.body.inviteUrl).hash.slice(1));
  return res.body.inviteUrl;
}

/** A console user of `tenantId` with `role`, ready to sign in with PASSWORD. */
export async function newUser(tenantId: string, role: string, phi = false): Promise<{ email: string; password: string }> {
  const email = `${unique(role)}@journeys.example`;
  const token = new URL(await inviteUrl(tenantId, email, role, phi)).hash.slice(1);
  const accepted = await api('POST', `/v1/console/invites/${token}/accept`, { body: { name: `Pat ${role}`, password: PASSWORD } });
  expect(accepted.status).toBe(200);
  return { email, password: PASSWORD };
}

/**
 * An operator user made as an installation's admin makes one: `npm run operator:add -- <email> <name>`
 * (its compiled form, on the stack's database), which prints a generated password once.
 */
export function newOperatorUser(): { email: string; password: string } {
  const email = `${unique('operator')}@journeys.example`;
  const output = execFileSync(process.execPath, [resolve(__dirname, '..', '..', '..', 'dist', 'scripts', 'operator-add.js'), email, 'Journey Operator'], {
    // The journeys' process has the stack's database and state dir (set by global-setup).
    env: { ...process.env, SB_PUBLIC_URL: stack.base, SB_ADMIN_TOKEN: stack.adminToken, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const password = /^password: (\S+)$/m.exec(output)?.[1];
  if (!password) throw new Error('operator:add printed no password');
  recordNeedle(password);
  return { email, password };
}

export async function signIn(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.goto(`${stack.base}/console/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/login$/);
}

/**
 * No axe-core violation of serious or critical impact on the page once it has settled: running
 * CSS transitions (a dialog fading out, a pressed button) are waited for first, since axe would
 * judge the contrast of their half-transparent frames.
 */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  // Spinners loop forever: only animations that end are waited for.
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity), undefined, {
    timeout: 5_000,
  });
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${where}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** Full-page screenshot under test-results/console/screens, to look at. */
export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${__dirname}/../../../test-results/console/screens/${name}.png`, fullPage: true });
}

/**
 * Every journey's page is watched: console output and visited URLs are kept, and
 * after the test they and the page's localStorage/sessionStorage are searched for
 * every recorded secret and PHI value.
 */
export const test = base.extend<{ guardedPage: Page }>({
  guardedPage: [
    async ({ page }, use) => {
      const consoleLines: string[] = [];
      const urls: string[] = [];
      page.on('console', (m) => consoleLines.push(m.text()));
      page.on('pageerror', (e) => consoleLines.push(String(e)));
      page.on('framenavigated', (f) => urls.push(f.url()));
      // The invite routes take the invite token in their path, as the API defines them (and the logs scrub it).
      page.on('request', (r) => {
        if (!new URL(r.url()).pathname.startsWith('/v1/console/invites/')) urls.push(r.url());
      });
      await use(page);
      const storage = page.isClosed()
        ? ''
        : await page
            .evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }))
            .catch(() => '');
      const found: string[] = [];
      for (const needle of needles()) {
        const hint = `${needle.slice(0, 4)}…`;
        if (consoleLines.some((l) => l.includes(needle))) found.push(`console: ${hint}`);
        if (storage.includes(needle)) found.push(`storage: ${hint}`);
        // The invite token arrives in the link's fragment (never sent to a server) and must not stay anywhere else.
        if (urls.some((u) => u.split('#')[0]!.includes(needle))) found.push(`url: ${hint}`);
      }
      expect(found, 'secrets or PHI in the browser').toEqual([]);
    },
    { auto: false },
  ],
});

export { expect };
