/**
 * Runs fuzz cases against the booted apps: every case under a timeout, classified as a
 * clean refusal, an acceptance (then checked), another clean answer, or a failure; the
 * apps' memory sampled from /proc while a category runs; one summary row per category.
 */
import { existsSync, readFileSync } from 'node:fs';
import { KNOWN_FAILURES, type KnownFailure } from './known-failures';

/** How a case ended. `bad` is what the suite fails on (unless the case's kind is a known failure). */
export type Outcome =
  /** A 4xx in the api's error shape, a GraphQL error with a code, an HL7 negative ACK. */
  | 'refused'
  /** A 2xx / AA / CA (the input was valid after all), checked afterwards: read back, logged once. */
  | 'accepted'
  /** Another clean answer: 501 not-supported OperationOutcome, an MLLP frame that is never answered. */
  | 'other'
  /** A 5xx, a hang, a dropped connection, the wrong error shape, something echoed unsanitized. */
  | 'bad';

export interface Verdict {
  outcome: Outcome;
  /** What came back, short: `400 validation_failed`, `AR 101`, `timeout`. */
  status: string;
}

export interface FuzzCase {
  /** Stable name of what is fuzzed (`fhir/deep-recursive-element`): what KNOWN_FAILURES match on. */
  kind: string;
  /** The case's parameters, short (never the payload itself). */
  label: string;
  run: () => Promise<Verdict>;
}

export interface CaseResult {
  kind: string;
  label: string;
  verdict: Verdict;
  durationMs: number;
  /** Set when the case was bad and its kind is a known failure. */
  known?: KnownFailure;
}

/** Each case gets this long; a case still running then is a hang. */
export const CASE_TIMEOUT_MS = 20_000;
/**
 * A clean answer that took longer than this still fails the case: one small request that
 * holds the api's event loop for seconds is a denial of service, not a refusal. Generous (the
 * slowest clean case is ~1 s: 1 MiB bodies), and raised on a loaded machine (see slowCaseMs).
 */
export const SLOW_CASE_MS = 4_000;

/** The slow threshold for a category: SLOW_CASE_MS, or 40× a trivial request's time when the machine is that loaded. */
export async function slowCaseMs(trivial: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    await trivial();
    times.push(Date.now() - started);
  }
  return Math.max(SLOW_CASE_MS, 40 * times.sort((a, b) => a - b)[1]!);
}

export class TimeoutError extends Error {}

/** Rejects with a TimeoutError after `ms` (the caller's socket or fetch is aborted by its own signal). */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** An error's message and cause (errors from fetch come from another realm: no instanceof). */
function describeError(e: unknown): string {
  const err = e as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
  const cause = err?.cause ? ` (cause: ${String(err.cause.code ?? err.cause.message)})` : '';
  return `${String(err?.name ?? 'Error')}: ${String(err?.message ?? e)}`.slice(0, 160) + cause;
}

/**
 * Runs the cases one after another. After a case that hung, `recover` waits for the apps to
 * answer again, so one hang does not fail every case after it.
 */
export async function runCases(cases: readonly FuzzCase[], recover: () => Promise<void>, slowMs = SLOW_CASE_MS): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    const started = Date.now();
    let verdict: Verdict;
    try {
      verdict = await withTimeout(c.run(), CASE_TIMEOUT_MS, c.kind);
    } catch (e) {
      verdict = { outcome: 'bad', status: e instanceof TimeoutError ? 'hang (timeout)' : `threw: ${describeError(e)}` };
      await recover();
    }
    const durationMs = Date.now() - started;
    if (verdict.outcome !== 'bad' && durationMs > slowMs) verdict = { outcome: 'bad', status: `${verdict.status} after ${durationMs} ms (slow)` };
    const known = verdict.outcome === 'bad' ? KNOWN_FAILURES.find((k) => k.kind === c.kind) : undefined;
    results.push({ kind: c.kind, label: c.label, verdict, durationMs, ...(known ? { known } : {}) });
  }
  return results;
}

/** Bad results whose kind is not a known failure: what the suite fails on, printed with the replay hint. */
export const unexpectedFailures = (results: readonly CaseResult[]): string[] =>
  results.filter((r) => r.verdict.outcome === 'bad' && !r.known).map((r) => `${r.kind} [${r.label}] → ${r.verdict.status}`);

/**
 * Known failures of this category that no case reproduced: the entry is stale (the bug was
 * fixed) and must be removed, as each known failure has a pinned case that always runs.
 */
export const staleKnownFailures = (category: string, results: readonly CaseResult[]): string[] =>
  KNOWN_FAILURES.filter((k) => k.kind.startsWith(`${category}/`))
    .filter((k) => !results.some((r) => r.known === k))
    .map((k) => `${k.kind}: no case failed any more; remove it from KNOWN_FAILURES`);

// ---- memory ------------------------------------------------------------------------------

/** Resident set size of a process in MB (`VmRSS` in /proc/<pid>/status). */
export function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** Whether the process is still running (not gone, not a zombie). */
export function isAlive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/status`)) return false;
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

export interface MemoryFigures {
  beforeMb: number;
  peakMb: number;
  afterMb: number;
}

/** Samples the apps' RSS every `everyMs` until stopped. */
export function sampleMemory(pids: Record<string, number>, everyMs = 100): { stop: () => Record<string, MemoryFigures> } {
  const figures: Record<string, MemoryFigures> = {};
  for (const [app, pid] of Object.entries(pids)) {
    const now = rssMb(pid);
    figures[app] = { beforeMb: now, peakMb: now, afterMb: now };
  }
  const sample = () => {
    for (const [app, pid] of Object.entries(pids)) {
      if (!isAlive(pid)) continue;
      figures[app]!.peakMb = Math.max(figures[app]!.peakMb, rssMb(pid));
    }
  };
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      for (const [app, pid] of Object.entries(pids)) if (isAlive(pid)) figures[app]!.afterMb = rssMb(pid);
      return figures;
    },
  };
}

/** The bound memory must stay under: generous, as a fuzz run is not a benchmark. */
export const memoryBoundMb = (beforeMb: number): number => 2 * beforeMb + 200;

// ---- the summary -------------------------------------------------------------------------

export interface CategorySummary {
  category: string;
  /** The slow threshold the category ran with. */
  slowMs: number;
  results: CaseResult[];
  memory: Record<string, MemoryFigures>;
}

const pad = (s: string | number, n: number): string => String(s).padEnd(n);
const padL = (s: string | number, n: number): string => String(s).padStart(n);

/** One row per category: cases, refusals (4xx / negative ACK), acceptances, other clean answers, known and unexpected failures, RSS. */
export function summaryTable(seed: number, summaries: readonly CategorySummary[]): string {
  const lines = [
    `Bad-input fuzz, seed ${seed} (replay: FUZZ_SEED=${seed})`,
    `${pad('category', 10)} ${padL('cases', 5)} ${padL('4xx/neg', 7)} ${padL('2xx/AA', 6)} ${padL('other', 5)} ${padL('known', 5)} ${padL('BAD', 4)} ${padL('slowest', 8)}  RSS MB before → peak → after`,
  ];
  for (const s of summaries) {
    const count = (o: Outcome) => s.results.filter((r) => r.verdict.outcome === o).length;
    const known = s.results.filter((r) => r.known).length;
    const slowest = Math.max(0, ...s.results.map((r) => r.durationMs));
    const rss = Object.entries(s.memory)
      .map(([app, m]) => `${app} ${m.beforeMb.toFixed(0)}→${m.peakMb.toFixed(0)}→${m.afterMb.toFixed(0)}`)
      .join(', ');
    lines.push(
      `${pad(s.category, 10)} ${padL(s.results.length, 5)} ${padL(count('refused'), 7)} ${padL(count('accepted'), 6)} ${padL(count('other'), 5)} ${padL(known, 5)} ${padL(count('bad') - known, 4)} ${padL(`${slowest}ms`, 8)}  ${rss}`,
    );
  }
  lines.push('Slowest cases:');
  for (const s of summaries) {
    const slowest = [...s.results].sort((a, b) => b.durationMs - a.durationMs).slice(0, 3);
    lines.push(`  ${pad(s.category, 8)} (slow > ${s.slowMs}ms) ${slowest.map((r) => `${r.durationMs}ms ${r.kind} [${r.label.slice(0, 50)}]`).join(' · ')}`);
  }
  const knownSeen = summaries.flatMap((s) => s.results.filter((r) => r.known));
  if (knownSeen.length > 0) {
    lines.push('Known failures seen (KNOWN_FAILURES in test/fuzz/known-failures.ts):');
    const byKind = new Map<string, CaseResult[]>();
    for (const r of knownSeen) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r]);
    for (const [kind, rs] of byKind) lines.push(`  ${kind} ×${rs.length}: ${rs[0]!.verdict.status} — ${rs[0]!.known!.reason}`);
  }
  return lines.join('\n');
}
