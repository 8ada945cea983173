/** A counter handing out consecutive ids. */
export class IdSequence {
  private next: number;

  constructor(start: number) {
    this.next = start;
  }

  take(): number {
    return this.next++;
  }
}

/**
 * Chart ids: each patient (dataset index i) owns a block of every kind, so a
 * chart can be built on first read and still get the same ids whatever order
 * the charts are read in. Blocks are larger than any synthetic chart needs.
 */
export const CHART_ID_BLOCKS = {
  encounter: { base: 28_001, stride: 10 },
  problem: { base: 1_901, stride: 40 },
  diagnosis: { base: 15_001, stride: 10 },
  medicationEntry: { base: 228_001, stride: 20 },
  vital: { base: 25_001, stride: 100 },
  labresult: { base: 1_083_001, stride: 50 },
  analyte: { base: 907_001, stride: 200 },
  clinicalDocument: { base: 400_001, stride: 10 },
} as const;

/** Documents written through the API are numbered from here. */
export const UPLOADED_DOCUMENT_ID_BASE = 500_001;
/** Vitals written through the API are numbered from here. */
export const UPLOADED_VITAL_ID_BASE = 9_000_001;

export type ChartSequences = { [K in keyof typeof CHART_ID_BLOCKS]: IdSequence };

export const chartSequences = (patientIndex: number): ChartSequences =>
  Object.fromEntries(Object.entries(CHART_ID_BLOCKS).map(([kind, block]) => [kind, new IdSequence(block.base + patientIndex * block.stride)])) as ChartSequences;

/** The athena encounterid of a dataset encounter key ("p007-e2" → patient 6, second encounter). */
export function encounterIdOfKey(key: string): string | undefined {
  const m = /^p(\d+)-e(\d+)$/.exec(key);
  if (!m) return undefined;
  const { base, stride } = CHART_ID_BLOCKS.encounter;
  return String(base + (Number(m[1]) - 1) * stride + Number(m[2]) - 1);
}

/** The dataset patient index an encounterid belongs to. */
export function patientIndexOfEncounterId(encounterid: string): number | undefined {
  if (!/^\d+$/.test(encounterid)) return undefined;
  const { base, stride } = CHART_ID_BLOCKS.encounter;
  const offset = Number(encounterid) - base;
  return offset < 0 ? undefined : Math.floor(offset / stride);
}
