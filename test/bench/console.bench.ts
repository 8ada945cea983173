/**
 * `npm run bench -- console`: what the console costs a person opening it.
 * - Bundle: gzip size of the JavaScript the first page load fetches (entry plus
 *   the chunks index.html preloads), of the Connections page's own chunk, and of
 *   the lazily loaded chart chunk (target: first load ≤ 250 KB before charts).
 * - Time to interactive of the Connections page, measured in Debian's Chromium:
 *   from navigation to the connection table showing its rows with the "Add
 *   connection" button enabled, in a fresh browser context each time (cold cache,
 *   signed in). Baseline in the same run: the same browser navigating to the api's
 *   `/health` JSON, so the ratio says what the console adds over a bare page load.
 */
import { chromium, type Browser } from '@playwright/test';
import { processEnv } from '@sb/config';
import { startE2eStack, type E2eStack } from '@sb/testing';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createBenchDatabase } from './bench-database';

const ROOT = join(__dirname, '..', '..', '..');
const DIST = join(ROOT, 'apps', 'console', 'dist');
const RUNS = 15;
const CONNECTIONS = 25;
const PASSWORD = 'bench-console-password-1';
const FIRST_LOAD_BUDGET_KB = 250;
const CHROMIUM_ARGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const kb = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;
const gzipKb = (file: string): number => kb(gzipSync(readFileSync(join(DIST, file)), { level: 9 }).length);
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 10) / 10;
};

/** Sizes read from the build: what index.html loads eagerly, and the lazy chunks by name. */
function bundleSizes(): Record<string, number> {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const eager = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const assets = readdirSync(join(DIST, 'assets'));
  const chunk = (prefix: string): number => assets.filter((f) => f.startsWith(prefix) && f.endsWith('.js')).reduce((sum, f) => sum + gzipKb(join('assets', f)), 0);
  const firstLoad = eager.reduce((sum, f) => sum + gzipKb(f), 0);
  return {
    firstLoadJsGzipKb: Math.round(firstLoad * 10) / 10,
    connectionsPageChunkGzipKb: Math.round(chunk('connections-list-page') * 10) / 10,
    chartChunkGzipKb: Math.round(chunk('daily-chart') * 10) / 10,
    totalJsGzipKb: Math.round(assets.filter((f) => f.endsWith('.js')).reduce((sum, f) => sum + gzipKb(join('assets', f)), 0) * 10) / 10,
    cssGzipKb: Math.round(assets.filter((f) => f.endsWith('.css')).reduce((sum, f) => sum + gzipKb(join('assets', f)), 0) * 10) / 10,
  };
}

async function ownerWithConnections(stack: E2eStack): Promise<{ email: string }> {
  const tenant = await stack.newTenant(`bench-console-${Date.now()}`);
  for (let i = 0; i < CONNECTIONS; i += 1) {
    const created = await stack.call('POST', '/v1/connections', tenant.key, { name: `Site ${i}`, vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: `BENCH${i}` });
    if (created.status !== 201) throw new Error(`connection not created: ${created.status}`);
  }
  const email = `owner-${Date.now()}@bench.example`;
  const invite = await stack.call('POST', `/v1/tenants/${tenant.id}/invites`, stack.adminToken, { email, role: 'owner' });
  const token = new URL(invite.body.inviteUrl as string).hash.slice(1);
  const accepted = await stack.call('POST', `/v1/console/invites/${token}/accept`, undefined, { name: 'Bench Owner', password: PASSWORD });
  if (accepted.status !== 200) throw new Error(`invite not accepted: ${accepted.status}`);
  return { email };
}

/** Milliseconds from navigation start until `ready` resolves, each in a cold context with the session cookie. */
async function timeLoads(browser: Browser, cookie: { name: string; value: string; url: string }, url: string, ready: (page: import('@playwright/test').Page) => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 2; i += 1) {
    const context = await browser.newContext();
    await context.addCookies([cookie]);
    const page = await context.newPage();
    const started = performance.now();
    await page.goto(url);
    await ready(page);
    const elapsed = performance.now() - started;
    if (i >= 2) times.push(elapsed); // the first two warm the server and the OS page cache
    await context.close();
  }
  return times;
}

export async function run(): Promise<Record<string, unknown>> {
  const sizes = bundleSizes();
  const database = createBenchDatabase('console');
  const stack = await startE2eStack('bench-console', ['api'], { DATABASE_URL: database.url, LOG_LEVEL: 'warn' }, { exportSpans: false });
  const browser = await chromium.launch({ executablePath: processEnv().SB_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const { email } = await ownerWithConnections(stack);
    const signIn = await fetch(`${stack.base}/v1/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
    const setCookie = signIn.headers.get('set-cookie') ?? '';
    const [name, value] = setCookie.split(';')[0]!.split('=') as [string, string];
    const cookie = { name, value, url: stack.base };

    const tti = await timeLoads(browser, cookie, `${stack.base}/console/connections`, async (page) => {
      await page.getByRole('table', { name: 'Connections' }).getByRole('row').nth(CONNECTIONS).waitFor();
      await page.getByRole('link', { name: /add connection/i }).first().waitFor();
    });
    const bare = await timeLoads(browser, cookie, `${stack.base}/health`, async (page) => {
      await page.waitForFunction('document.body.innerText.includes("status")');
    });
    const ttiP50 = percentile(tti, 50);
    const bareP50 = percentile(bare, 50);
    return {
      bench: 'console',
      ...sizes,
      firstLoadBudgetKb: FIRST_LOAD_BUDGET_KB,
      firstLoadWithinBudget: sizes.firstLoadJsGzipKb + sizes.connectionsPageChunkGzipKb <= FIRST_LOAD_BUDGET_KB,
      connectionsTtiP50Ms: ttiP50,
      connectionsTtiP95Ms: percentile(tti, 95),
      bareNavigationP50Ms: bareP50,
      ttiRatioVsBareNavigation: Math.round((ttiP50 / bareP50) * 100) / 100,
      runs: RUNS,
      connectionsListed: CONNECTIONS,
      chromium: browser.version(),
    };
  } finally {
    await browser.close();
    await stack.close();
    await database.drop();
  }
}
