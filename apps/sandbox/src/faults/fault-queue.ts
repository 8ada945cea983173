import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export const FAULT_KINDS = [
  'rate-limit',
  'server-error',
  'hang',
  'slow-drip',
  'token-expiry',
  'malformed-json',
  'foreign-next-link',
  // athena only: QPS throttling signalled as 403 with no JSON body; a 200 whose body says
  // {"success":"false"} (writes); the change feed's 403 "subscription not set up" (change-feed polls).
  'throttle-403',
  'soft-failure',
  'subscription-not-ready',
  // Bulk Data $export (bulk/bulk-faults.ts): the next `count` status polls answer `status` (5xx,
  // default 503) or 429, each with Retry-After; the next `count` kick-offs start a job that fails,
  // completes with an error file, or takes `delayMs` instead of the vendor's job duration.
  'bulk-status-error',
  'bulk-status-rate-limit',
  'bulk-job-failed',
  'bulk-job-error-file',
  'bulk-job-slow',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/** Kinds only the athena-like server knows how to play. */
export const ATHENA_ONLY_FAULTS: ReadonlySet<FaultKind> = new Set(['throttle-403', 'soft-failure', 'subscription-not-ready']);
export const VENDORS = ['epic', 'oracle', 'athena'] as const;
export type Vendor = (typeof VENDORS)[number];

/** Longest a hang or drip may last, so a forgotten fault cannot pin a connection forever. */
export const MAX_FAULT_DELAY_MS = 10 * 60_000;

export const faultSpecSchema = z
  .strictObject({
    vendor: z.enum(VENDORS),
    kind: z.enum(FAULT_KINDS),
    count: z.int().min(1).max(10_000).default(1),
    retryAfterSeconds: z.int().min(0).max(86_400).optional(),
    status: z.int().min(500).max(599).optional(),
    delayMs: z.int().min(0).max(MAX_FAULT_DELAY_MS).optional(),
  })
  .refine((f) => f.vendor === 'athena' || !ATHENA_ONLY_FAULTS.has(f.kind), { message: 'this kind is for vendor athena only', path: ['kind'] });
export type FaultSpec = z.infer<typeof faultSpecSchema>;

export interface Fault extends FaultSpec {
  id: string;
  /** Requests still to be affected. */
  remaining: number;
  createdAt: string;
}

/**
 * What kind of request is asking: a foreign next link can only ride on a
 * search (a paged list), a soft failure on a write, subscription-not-ready on
 * a change-feed poll, the bulk kinds on a $export kick-off or status poll.
 */
export type RequestKind = 'search' | 'other' | 'write' | 'change-feed' | 'bulk-kickoff' | 'bulk-status' | 'bulk-file' | 'metadata';
const NEEDS: Partial<Record<FaultKind, RequestKind>> = {
  'foreign-next-link': 'search',
  'soft-failure': 'write',
  'subscription-not-ready': 'change-feed',
  'bulk-status-error': 'bulk-status',
  'bulk-status-rate-limit': 'bulk-status',
  'bulk-job-failed': 'bulk-kickoff',
  'bulk-job-error-file': 'bulk-kickoff',
  'bulk-job-slow': 'bulk-kickoff',
};
/** Kinds that act on the caller's token, which the public `metadata` request does not carry. */
const NEEDS_TOKEN: ReadonlySet<FaultKind> = new Set(['token-expiry']);

/**
 * Faults waiting to hit a vendor's FHIR API, consumed in the order they were
 * added; each affects `count` requests. A fault that cannot apply to the
 * current request (a foreign next link on a read) waits for one it can.
 */
export class FaultQueue {
  private readonly queues: Record<Vendor, Fault[]> = { epic: [], oracle: [], athena: [] };

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: randomUUID(), remaining: spec.count, createdAt: new Date().toISOString() };
    this.queues[spec.vendor].push(fault);
    return fault;
  }

  list(vendor?: Vendor): Fault[] {
    return vendor ? [...this.queues[vendor]] : VENDORS.flatMap((v) => this.queues[v]);
  }

  clear(vendor?: Vendor): void {
    for (const v of vendor ? [vendor] : VENDORS) this.queues[v] = [];
  }

  /** Takes one use of the next applicable fault, if any. */
  take(vendor: Vendor, request: RequestKind | readonly RequestKind[]): Fault | undefined {
    const queue = this.queues[vendor];
    const head = queue[0];
    if (!head) return undefined;
    const kinds: readonly RequestKind[] = typeof request === 'string' ? [request] : request;
    const needs = NEEDS[head.kind];
    if (needs !== undefined && !kinds.includes(needs)) return undefined;
    if (NEEDS_TOKEN.has(head.kind) && kinds.includes('metadata')) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return { ...head };
  }
}
