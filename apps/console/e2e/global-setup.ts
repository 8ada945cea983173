/**
 * Starts the stack the journeys drive: a fresh migrated database (the same setup
 * as Jest's), then the built api, worker, mllp and sandbox as processes. Tests
 * find it through SB_CONSOLE_E2E_* variables. At the end the run's logs and spans
 * are scanned for every secret and PHI value the journeys recorded (no leak may
 * pass), and the database is dropped.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');
// Compiled by `npm run build` (the tests' pretest): libs are plain CommonJS in dist.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jestSetup = require(join(ROOT, 'libs', 'testing', 'src', 'jest', 'global-setup.js')) as (c: { rootDir: string }) => Promise<void>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jestTeardown = require(join(ROOT, 'libs', 'testing', 'src', 'jest', 'global-teardown.js')) as () => Promise<void>;

interface Stack {
  base: string;
  sandboxUrl: string;
  adminToken: string;
  env: Record<string, string | undefined>;
  secrets: string[];
  stopAndCollect: () => Promise<{ logs: string; spans: string }>;
  close: () => Promise<void>;
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  await jestSetup({ rootDir: ROOT });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startE2eStack, findLeaks } = require(join(ROOT, 'dist', 'libs', 'testing', 'src', 'e2e-stack.js')) as {
    startE2eStack: (name: string, apps: string[], env?: Record<string, string>) => Promise<Stack>;
    findLeaks: (emitted: { logs: string; spans: string }, needles: readonly string[]) => { needle: string; where: string }[];
  };
  const stack = await startE2eStack('console-journeys', ['api', 'worker', 'mllp', 'sandbox'], {
    SB_MLLP_PORT: String(await freeLocalPort()),
    SB_ALLOW_PRIVATE_TARGETS: 'true',
    // The health monitor checks every live connection every 2 s (connection-health.journey.ts watches
    // one go down and recover). Its checks take the sandbox's queued faults like any other call: a
    // journey that queues faults for a vendor must expect the monitor to consume some of them.
    SB_HEALTH_CHECK_SECONDS: '2',
  });
  const dir = mkdtempSync(join(tmpdir(), 'sb-journeys-'));
  const needlesFile = join(dir, 'needles.txt');
  writeFileSync(needlesFile, '');
  process.env.SB_CONSOLE_E2E_BASE = stack.base;
  process.env.SB_CONSOLE_E2E_SANDBOX = stack.sandboxUrl;
  process.env.SB_CONSOLE_E2E_ADMIN_TOKEN = stack.adminToken;
  process.env.SB_CONSOLE_E2E_MLLP_PORT = stack.env.SB_MLLP_PORT;
  process.env.SB_CONSOLE_E2E_NEEDLES = needlesFile;

  return async () => {
    const emitted = await stack.stopAndCollect();
    const needles = [...stack.secrets, ...readFileSync(needlesFile, 'utf8').split('\n').filter(Boolean)];
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
    await jestTeardown();
    const leaks = findLeaks(emitted, needles);
    if (leaks.length > 0) throw new Error(`secrets or PHI reached the logs or spans: ${JSON.stringify(leaks)}`);
    process.stdout.write(`console journeys: logs and spans scanned for ${needles.length} secrets and PHI values, none found\n`);
  };
}

async function freeLocalPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((res, rej) => {
    const server = createServer();
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => res(port));
    });
  });
}
