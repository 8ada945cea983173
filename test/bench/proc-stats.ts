/**
 * CPU time and memory of another process, read from /proc (Linux): what benchmarks
 * use to measure an app process from outside, as `ps` would.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SEC = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** User + system CPU milliseconds the process has used so far. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SEC;
}

/** Resident set size in MB now (`VmRSS`). */
export function rssMbOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak and the first sample. */
export function sampleRss(pid: number, everyMs = 50): { stop: () => { startMb: number; peakMb: number } } {
  const startMb = rssMbOf(pid);
  let peakMb = startMb;
  const timer = setInterval(() => {
    peakMb = Math.max(peakMb, rssMbOf(pid));
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      peakMb = Math.max(peakMb, rssMbOf(pid));
      return { startMb, peakMb };
    },
  };
}
