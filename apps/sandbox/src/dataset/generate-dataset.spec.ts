import { DEFAULT_PATIENT_COUNT, DEFAULT_SEED, generateDataset } from './generate-dataset';

describe('generateDataset', () => {
  const dataset = generateDataset();

  it('gives the same data for the same seed, and different data for another', () => {
    expect(JSON.stringify(generateDataset({ seed: DEFAULT_SEED }))).toBe(JSON.stringify(dataset));
    expect(JSON.stringify(generateDataset({ seed: DEFAULT_SEED + 1 }))).not.toBe(JSON.stringify(dataset));
  });

  it('keeps a patient the same when the population grows', () => {
    const bigger = generateDataset({ patientCount: DEFAULT_PATIENT_COUNT + 10 });
    expect(bigger.patients[7]).toEqual(dataset.patients[7]);
  });

  it('is fast enough to build at every start', () => {
    const started = performance.now();
    generateDataset();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('has at least 50 patients, each with a full record', () => {
    expect(dataset.patients.length).toBeGreaterThanOrEqual(50);
    for (const p of dataset.patients) {
      expect(p.encounters.length).toBeGreaterThanOrEqual(3);
      expect(p.observations.some((o) => o.category === 'vital-signs')).toBe(true);
      expect(p.observations.some((o) => o.category === 'laboratory')).toBe(true);
      expect(p.reports.length).toBeGreaterThan(0);
      expect(p.notes).toHaveLength(p.encounters.length);
      expect(p.allergies.length).toBeGreaterThan(0);
      expect(p.appointments.length).toBeGreaterThan(0);
    }
    expect(dataset.patients.flatMap((p) => p.conditions).length).toBeGreaterThan(100);
    expect(dataset.patients.flatMap((p) => p.medications).length).toBeGreaterThan(50);
    expect(new Set(dataset.patients.flatMap((p) => p.appointments).map((a) => a.status))).toEqual(new Set(['booked', 'fulfilled', 'cancelled', 'noshow']));
  });

  it('uses unique keys and record numbers', () => {
    const keys = dataset.patients.flatMap((p) => [p.key, ...['conditions', 'allergies', 'medications', 'encounters', 'observations', 'reports', 'notes', 'appointments'].flatMap((k) => (p[k as 'notes'] as { key: string }[]).map((r) => r.key))]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(dataset.patients.map((p) => p.epicMrn)).size).toBe(dataset.patients.length);
    expect(new Set(dataset.patients.map((p) => p.oracleMrn)).size).toBe(dataset.patients.length);
  });

  it('draws codes from LOINC, SNOMED CT, ICD-10-CM and RxNorm', () => {
    const p = dataset.patients.flatMap((x) => x.conditions);
    expect(p.every((c) => /^\d+$/.test(c.definition.snomed.code) && /^[A-Z]\d{2}(\.\w+)?$/.test(c.definition.icd10.code))).toBe(true);
    const meds = dataset.patients.flatMap((x) => x.medications);
    expect(meds.every((m) => m.definition.coding.system === 'http://www.nlm.nih.gov/research/umls/rxnorm')).toBe(true);
  });

  it('keeps encounters in the past and booked appointments in the future of the anchor date', () => {
    const anchor = Date.parse(`${dataset.anchor}T00:00:00Z`);
    for (const p of dataset.patients) {
      expect(p.encounters.every((e) => Date.parse(e.end) < anchor)).toBe(true);
      expect(p.appointments.filter((a) => a.status === 'booked').every((a) => Date.parse(a.start) > anchor)).toBe(true);
    }
  });

  it('writes notes that never name the patient', () => {
    for (const p of dataset.patients) {
      for (const n of p.notes) {
        expect(n.text).not.toContain(p.family);
        expect(n.text).not.toContain(p.birthDate);
        expect(n.text).toContain('Synthetic note');
      }
    }
  });
});
