/**
 * Self time per function of a V8 CPU profile (`node --cpu-prof`), idle left out: the detail
 * below `summarizeProfile`'s per-package view, for a bench that needs to name the hot path.
 * Work V8 does not sample (zlib and crypto on libuv's thread pool) is in neither view: read
 * the process's other threads from /proc for it.
 */
import { basename } from 'node:path';
import { packageOf, selfTimeBy, type CpuProfile } from './cpu-profile-summary';

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
  return selfTimeBy(profile, (id) => nameOf.get(id) ?? '(unknown)', top, fromMs).items.map(({ key, selfMs, share }) => ({ fn: key, selfMs, share }));
}
