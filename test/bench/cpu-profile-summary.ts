/**
 * Where a process's CPU went, from the V8 profile `node --cpu-prof` writes at exit: self time
 * per package (a `node_modules` package, Node's own internals, or our code under `dist/`),
 * largest first — what each benchmark prints so the next person knows where the time goes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
}

export interface CpuProfile {
  nodes: ProfileNode[];
  /** When profiling started, in µs of the monotonic clock (the one `process.hrtime` reads). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface PackageTime {
  package: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  busyMs: number;
  packages: PackageTime[];
}

/** The package a script URL belongs to: the last `node_modules/<name>` (scoped names kept), `node` for Node's internals, `switchboard` for ours. */
export function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : 'node';
  if (url.startsWith('node:')) return 'node';
  const at = url.lastIndexOf('/node_modules/');
  if (at !== -1) {
    const [first, second] = url.slice(at + '/node_modules/'.length).split('/');
    return first?.startsWith('@') ? `${first}/${second}` : (first ?? url);
  }
  return url.includes('/dist/') ? 'switchboard' : url;
}

/** Self time summed by `keyOf(node id)`, idle left out, largest first, counting samples taken from `fromMs` until `toMs`; shares are of the busy time. */
export function selfTimeBy(
  profile: CpuProfile,
  keyOf: (nodeId: number) => string,
  top: number,
  fromMs = 0,
  toMs = Infinity,
): { busyMs: number; items: { key: string; selfMs: number; share: number }[] } {
  const selfUs = new Map<string, number>();
  let atUs = 0;
  profile.samples.forEach((nodeId, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    atUs += delta;
    if (atUs < fromMs * 1000 || atUs >= toMs * 1000) return;
    const key = keyOf(nodeId);
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
  });
  selfUs.delete('(idle)');
  const busyUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const items = [...selfUs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => ({ key, selfMs: Math.round(us / 1000), share: busyUs > 0 ? Math.round((us / busyUs) * 1000) / 1000 : 0 }));
  return { busyMs: Math.round(busyUs / 1000), items };
}

/**
 * Self time per package of one profile, idle left out; shares are of the busy time. With
 * `fromMs` and `toMs`, only samples taken in that span after the profile started (e.g. after
 * start-up and before shutdown) count.
 */
export function summarizeProfile(profile: CpuProfile, top = 8, fromMs = 0, toMs = Infinity): ProfileSummary {
  const packageOfNode = new Map(profile.nodes.map((n) => [n.id, packageOf(n.callFrame.url, n.callFrame.functionName)]));
  const { busyMs, items } = selfTimeBy(profile, (id) => packageOfNode.get(id) ?? '(unknown)', top, fromMs, toMs);
  return { busyMs, packages: items.map(({ key, selfMs, share }) => ({ package: key, selfMs, share })) };
}

/** The profile `node --cpu-prof --cpu-prof-dir=<dir>` wrote for process `pid` (its file name carries the pid), if any. */
export function readProfileOf(dir: string, pid: number): CpuProfile | undefined {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.`));
  return file ? (JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile) : undefined;
}

/** The summary of the profile `node --cpu-prof --cpu-prof-dir=<dir>` wrote for process `pid`, if any. */
export function summarizeProfileOf(dir: string, pid: number, top = 8, fromMs = 0, toMs = Infinity): ProfileSummary | undefined {
  const profile = readProfileOf(dir, pid);
  return profile ? summarizeProfile(profile, top, fromMs, toMs) : undefined;
}
