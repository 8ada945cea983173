import { isSbError } from '@sb/core';
import type { OutboundPolicy } from './outbound-policy';

/** `warning`: the check ran and found something to act on that does not stop the connection working. */
export type StepStatus = 'passed' | 'warning' | 'failed' | 'skipped';

export interface TestStep {
  name: string;
  status: StepStatus;
  durationMs: number;
  /** Plain-language outcome: never response bodies, tokens or secret values. */
  detail: string;
  code?: string;
  /** Failed and warning steps: what to check, in words (see connection-test-hints.ts). */
  hint?: string;
}

export interface TestReport {
  connectionId: string;
  vendor: string;
  ok: boolean;
  testedAt: Date;
  steps: TestStep[];
}

/** What a test learned that the connection's health records. */
export interface TestState {
  tokenUrl: string | null;
  tokenExpiresAt?: Date;
}

/** A step's outcome when it passes; a warning carries its code (and so its hint). */
export type StepOutcome = string | { warning: string; code: string };

/** Runs one named step, recording its outcome; resolves to whether it did not fail. */
export type RunStep = (name: string, work: () => Promise<StepOutcome>) => Promise<boolean>;
export type SkipStep = (name: string, detail: string) => void;

export const STEP_TIMEOUT_MS = 10_000;

/** A failed step: `code` names what went wrong and selects its hint. */
export class StepFailure extends Error {
  constructor(
    readonly detail: string,
    readonly code: string,
  ) {
    super(detail);
  }
}

export const fetchOptions = (outbound: OutboundPolicy) => ({ allowHttp: outbound.allowHttp, timeoutMs: STEP_TIMEOUT_MS, maxBodyBytes: 1024 * 1024 });
export const elapsed = (started: number): number => Math.round((performance.now() - started) * 10) / 10;

export function asFailure(e: unknown): StepFailure {
  if (e instanceof StepFailure) return e;
  if (isSbError(e)) {
    const reason = typeof e.details?.reason === 'string' ? e.details.reason : e.code;
    return new StepFailure(e.message, reason);
  }
  return new StepFailure('unexpected error', 'internal_error');
}

/** A token endpoint's `expires_in`: seconds as a number, or as a string (athena sends "3600"). */
export function expiresInSeconds(value: unknown): number | null {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,9}$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}
