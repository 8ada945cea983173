/**
 * CPU time and memory of another process, read from /proc (Linux): what benchmarks
 * use to measure an app process from outside, as `ps` would.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

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

/** Busy CPU milliseconds of the whole machine so far, all cores together (`/proc/stat`: everything but idle and iowait). */
export function machineBusyMs(): number {
  // user nice system idle iowait irq softirq steal (guest time is already counted in user and nice).
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((sum, n) => sum + n, 0);
  return ((total - idle) * 1000) / CLOCK_TICKS_PER_SEC;
}

/** Every process's command name and CPU milliseconds so far, by pid (a process that exits while being read is left out). */
export function allProcessesCpuMs(): Map<number, { command: string; cpuMs: number }> {
  const processes = new Map<number, { command: string; cpuMs: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SEC;
      processes.set(Number(entry), { command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), cpuMs });
    } catch {
      // exited meanwhile
    }
  }
  return processes;
}
