/**
 * Self time per function of a V8 CPU profile (`node --cpu-prof`), idle left out: the detail
 * below `summarizeProfile`'s per-package view, for a bench that needs to name the hot path.
 * Work V8 does not sample (zlib and crypto on libuv's thread pool) is in neither view: read
 * the process's other threads from /proc for it.
 */
import { basename } from 'node:path';
import { packageOf, type CpuProfile } from './cpu-profile-summary';

export interface FunctionTime {
  /** `name (package file:line)`. */
  fn: string;
  selfMs: number;
  share: number;
}

interface CallFrameWithLine {
  url: string;
  functionName: string;
  lineNumber?: number;
}

/** The `top` functions by self time, counting only samples taken `fromMs` or later after the profile started; shares are of the busy time. */
export function topFunctions(profile: CpuProfile, top = 12, fromMs = 0): FunctionTime[] {
  const nameOf = new Map(
    profile.nodes.map((n) => {
      const frame = n.callFrame as CallFrameWithLine;
      const where = frame.url === '' ? packageOf(frame.url, frame.functionName) : `${packageOf(frame.url, frame.functionName)} ${basename(frame.url)}:${(frame.lineNumber ?? -1) + 1}`;
      return [n.id, frame.url === '' ? where : `${frame.functionName || '(anonymous)'} (${where})`];
    }),
  );
  const selfUs = new Map<string, number>();
  let atUs = 0;
  profile.samples.forEach((nodeId, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    atUs += delta;
    if (atUs < fromMs * 1000) return;
    const fn = nameOf.get(nodeId) ?? '(unknown)';
    selfUs.set(fn, (selfUs.get(fn) ?? 0) + delta);
  });
  selfUs.delete('(idle)');
  const busyUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  return [...selfUs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ fn, selfMs: Math.round(us / 1000), share: busyUs > 0 ? Math.round((us / busyUs) * 1000) / 1000 : 0 }));
}
