/**
 * A benchmark's profiled pass: restarts some of its apps under `--cpu-prof`, runs a warm-up and
 * then the load to look at, restarts them without the profiler (a profile is written as the
 * process exits) and summarizes each app's busy time over that load alone, by package. The
 * profiler costs CPU of its own: run the pass after the measured figures.
 */
import { processEnv } from '@sb/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProfileOf, summarizeProfile, type ProfileSummary } from './cpu-profile-summary';

/** What the pass needs of the apps: an `E2eStack`, or a wrapper when a bench runs an app outside its stack. */
export interface RestartableApps {
  pidOf: (app: string) => number;
  restartApp: (app: string, nodeArgs?: readonly string[]) => Promise<void>;
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** `SB_BENCH_KEEP_PROFILES=<dir>` keeps the raw `.cpuprofile` files there for a closer look. */
const keptProfilesDir = processEnv().SB_BENCH_KEEP_PROFILES;

export async function profileApps<A extends string>(
  stack: RestartableApps,
  apps: readonly A[],
  load: { warmUp?: () => Promise<void>; measured: () => Promise<void> },
  top = 8,
): Promise<Record<A, ProfileSummary | undefined>> {
  const dir = mkdtempSync(join(keptProfilesDir ?? tmpdir(), 'sb-bench-prof-'));
  try {
    const pids: number[] = [];
    let fromUs = 0;
    try {
      for (const app of apps) {
        await stack.restartApp(app, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
        pids.push(stack.pidOf(app));
      }
      await load.warmUp?.();
      fromUs = monotonicUs();
      await load.measured();
    } finally {
      for (const app of apps) await stack.restartApp(app);
    }
    // A profile's start is on the clock process.hrtime reads (both monotonic): each app's summary
    // starts where the measured load did, whatever its restart and warm-up took.
    return Object.fromEntries(
      apps.map((app, i) => {
        const profile = readProfileOf(dir, pids[i] as number);
        return [app, profile && summarizeProfile(profile, top, (fromUs - profile.startTime) / 1000)];
      }),
    ) as Record<A, ProfileSummary | undefined>;
  } finally {
    if (!keptProfilesDir) rmSync(dir, { recursive: true, force: true });
  }
}
