/**
 * `npm run bench -- idle`: the CPU an idle stack burns — api, worker and mllp listener as
 * processes on a fresh database, telemetry exported, nothing to do — over a measured window
 * once start-up has settled, against a bare Node process idling over the same window (the
 * floor). `idleCpuShare` is the stack's CPU time as a fraction of one core (target ≤ 0.01).
 *
 * Settled means after V8's memory reducer has run: some seconds after a process stops
 * allocating, V8 makes two or three full collections (with background threads) to shrink
 * the heap start-up grew, once. Measured here at 17–36 s after start, 100–300 ms of CPU per
 * process: more than the stack's whole idle budget for 30 s. It comes later the less a process
 * does when idle: 100–110 s after start for the api once it woke only every 2 s. The window
 * therefore starts two minutes after the apps answer, and what the stack spent before it (from
 * 10 s on) is reported beside it as `startupTailCpuShare`. Each app runs with `--cpu-prof`;
 * the summary names where its idle time goes.
 */
import { startE2eStack } from '@sb/testing';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchDatabase } from './bench-database';
import { summarizeProfileOf } from './cpu-profile-summary';
import { cpuMsOf } from './proc-stats';

const APPS = ['api', 'worker', 'mllp'] as const;
/** From here on start-up is over but V8's one-off heap reduction may still be to come. */
const TAIL_FROM_MS = 10_000;
const SETTLE_MS = 120_000;
const WINDOW_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 4): number => Math.round(n * 10 ** digits) / 10 ** digits;

export async function run(): Promise<Record<string, unknown>> {
  const database = createBenchDatabase('idle');
  const profiles = mkdtempSync(join(tmpdir(), 'sb-idle-prof-'));
  try {
    return await measure(database.url, profiles);
  } finally {
    rmSync(profiles, { recursive: true, force: true });
    await database.drop();
  }
}

/** CPU ms each app (and `floorPid`, if given) used over the window, after start-up settles. */
async function idleWindow(
  databaseUrl: string,
  nodeArgs: readonly string[] = [],
  floorPid?: number,
): Promise<{ perApp: Record<string, number>; floorMs: number; tailMs: number; pids: Record<string, number>; windowFromMs: number }> {
  const spawnedAt = Date.now();
  const stack = await startE2eStack('bench-idle', APPS, { DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' }, { nodeArgs });
  const pids = Object.fromEntries(APPS.map((app) => [app, stack.pidOf(app)]));
  const cpuNow = () => Object.fromEntries(APPS.map((app) => [app, cpuMsOf(pids[app] as number)]));
  const sumSince = (before: Record<string, number>, after: Record<string, number>) => APPS.reduce((sum, app) => sum + (after[app] as number) - (before[app] as number), 0);
  try {
    await sleep(TAIL_FROM_MS);
    const tailStart = cpuNow();
    await sleep(SETTLE_MS - TAIL_FROM_MS);
    const windowFromMs = Date.now() - spawnedAt;
    const before = cpuNow();
    const floorBefore = floorPid === undefined ? 0 : cpuMsOf(floorPid);
    await sleep(WINDOW_MS);
    const after = cpuNow();
    const floorMs = floorPid === undefined ? 0 : cpuMsOf(floorPid) - floorBefore;
    const perApp = Object.fromEntries(APPS.map((app) => [app, (after[app] as number) - (before[app] as number)]));
    return { perApp, floorMs, tailMs: sumSince(tailStart, before), pids, windowFromMs };
  } finally {
    await stack.close();
  }
}

async function measure(databaseUrl: string, profileDir: string): Promise<Record<string, unknown>> {
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  let measured: Awaited<ReturnType<typeof idleWindow>>;
  try {
    measured = await idleWindow(databaseUrl, [], bare.pid);
  } finally {
    bare.kill();
  }
  // A second run under the profiler, which costs CPU of its own: the figures above are without it.
  const profiled = await idleWindow(databaseUrl, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  const totalMs = Object.values(measured.perApp).reduce((a, b) => a + b, 0);
  return {
    bench: 'idle',
    windowSeconds: WINDOW_MS / 1000,
    idleCpuShare: round(totalMs / WINDOW_MS),
    settleSeconds: SETTLE_MS / 1000,
    startupTailCpuShare: round(measured.tailMs / (SETTLE_MS - TAIL_FROM_MS)),
    perAppCpuShare: Object.fromEntries(APPS.map((app) => [app, round((measured.perApp[app] as number) / WINDOW_MS)])),
    bareNodeCpuShare: round(measured.floorMs / WINDOW_MS),
    target: { idleCpuShare: totalMs / WINDOW_MS <= 0.01 },
    // Where each app's busy time went in the window (start-up and shutdown left out), in the profiled run. A profile's clock
    // starts a little after the spawn the window is timed from, so its last second is left out too: it could hold the shutdown.
    profiles: Object.fromEntries(
      APPS.map((app) => [app, summarizeProfileOf(profileDir, profiled.pids[app] as number, 6, profiled.windowFromMs, profiled.windowFromMs + WINDOW_MS - 1_000)]),
    ),
  };
}
