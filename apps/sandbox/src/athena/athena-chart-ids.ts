/** Deterministic id counters: the chart is numbered in dataset order when the practice is built. */
export class IdSequence {
  private next: number;

  constructor(start: number) {
    this.next = start;
  }

  take(): number {
    return this.next++;
  }
}

export const CHART_ID_BASES = {
  encounter: 28_001,
  problem: 1_901,
  diagnosis: 15_001,
  medicationEntry: 228_001,
  vital: 25_001,
  labresult: 1_083_001,
  analyte: 907_001,
  clinicalDocument: 400_001,
} as const;

export type ChartSequences = { [K in keyof typeof CHART_ID_BASES]: IdSequence };

export const chartSequences = (): ChartSequences =>
  Object.fromEntries(Object.entries(CHART_ID_BASES).map(([k, v]) => [k, new IdSequence(v)])) as ChartSequences;
