import { z } from 'zod';
import { VENDORS, type Vendor } from '../faults/fault-queue';

/**
 * One vendor's $export knobs. Times run on the sandbox clock (`state.now()`),
 * so a spec that moves the clock finishes a job without waiting; a running
 * sandbox uses real time.
 */
export interface BulkSettings {
  /** Retry-After (seconds) on every 202 status answer. */
  retryAfterSeconds: number;
  /** How long a job stays in progress after its kick-off. */
  jobDurationMs: number;
  /** Resources per NDJSON file: a type with more is split over several files. */
  maxResourcesPerFile: number;
  /**
   * Copies of every patient's records an export serves (1: the dataset as
   * is). Copies get new ids (`{id}-x{n}`, references rewritten) and are
   * generated while the file streams, so a large export costs no memory.
   */
  patientMultiplier: number;
  /** Epic only: a client may kick off the same group once per window (0 turns the throttle off). */
  kickoffWindowSeconds: number;
  /** Oracle only: lifetime of a pre-signed file-store URL. */
  signedUrlTtlSeconds: number;
}

const COMMON: Omit<BulkSettings, 'kickoffWindowSeconds' | 'signedUrlTtlSeconds'> = {
  retryAfterSeconds: 1,
  jobDurationMs: 1_500,
  maxResourcesPerFile: 1_000,
  patientMultiplier: 1,
};

/** Epic's window is 24 h by default (FHIR_BULK_CLIENT_REQUEST_WINDOW_TBL); Oracle's S3 links live minutes. */
export const DEFAULT_BULK_SETTINGS: Readonly<Record<Vendor, Readonly<BulkSettings>>> = {
  epic: { ...COMMON, kickoffWindowSeconds: 86_400, signedUrlTtlSeconds: 0 },
  oracle: { ...COMMON, kickoffWindowSeconds: 0, signedUrlTtlSeconds: 300 },
  athena: { ...COMMON, kickoffWindowSeconds: 0, signedUrlTtlSeconds: 0 },
};

/** Body of PUT /_sandbox/bulk/settings: the vendor and the knobs to change. */
export const bulkSettingsUpdateSchema = z.strictObject({
  vendor: z.enum(VENDORS),
  retryAfterSeconds: z.int().min(0).max(3_600).optional(),
  jobDurationMs: z.int().min(0).max(24 * 3_600_000).optional(),
  maxResourcesPerFile: z.int().min(1).max(10_000_000).optional(),
  patientMultiplier: z.int().min(1).max(100_000).optional(),
  kickoffWindowSeconds: z.int().min(0).max(30 * 86_400).optional(),
  signedUrlTtlSeconds: z.int().min(1).max(7 * 86_400).optional(),
});
export type BulkSettingsUpdate = z.infer<typeof bulkSettingsUpdateSchema>;

export function initialBulkSettings(overrides: Partial<Record<Vendor, Partial<BulkSettings>>> = {}): Record<Vendor, BulkSettings> {
  return Object.fromEntries(VENDORS.map((v) => [v, { ...DEFAULT_BULK_SETTINGS[v], ...overrides[v] }])) as Record<Vendor, BulkSettings>;
}
