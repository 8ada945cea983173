import { buildResources } from '../fhir/build-resources';
import { generateDataset } from '../dataset/generate-dataset';
import { epicDialect } from '../epic/epic-dialect';
import { LayeredStore, ResourceStore } from '../fhir/resource-store';
import type { ResourceType } from '../fhir/fhir-types';
import { chunked, copyOf, fileLines, truncatedLastLine } from './bulk-ndjson';
import type { ExportParameters } from './bulk-parameters';
import { planFiles, snapshotGroup } from './bulk-plan';

describe('export plan and NDJSON', () => {
  const dataset = generateDataset({ patientCount: 4 });
  const store = new LayeredStore(new ResourceStore(buildResources(dataset, epicDialect).resources), new ResourceStore());
  const patientIds = store.all('Patient').map((p) => p.id);
  const params = (types: ResourceType[], extra: Partial<ExportParameters> = {}): ExportParameters => ({ types, typeGiven: true, typeFilters: new Map(), outputFormat: 'ndjson', ...extra });

  it("snapshots the group's patients, their records and the directory; empty types are left out", () => {
    const snapshots = snapshotGroup(store, patientIds.slice(0, 2), params(['Patient', 'Encounter', 'Practitioner', 'Immunization']), 1);
    expect(snapshots.map((s) => s.type)).toEqual(['Patient', 'Encounter', 'Practitioner']);
    expect(snapshots[0]?.resources.map((p) => p.id)).toEqual(patientIds.slice(0, 2));
    expect(snapshots[1]?.resources.every((e) => patientIds.slice(0, 2).includes(String((e.subject as { reference: string }).reference).slice(8)))).toBe(true);
    expect(snapshots[2]?.resources).toHaveLength(store.all('Practitioner').length);
  });

  it('keeps resources updated strictly after _since', () => {
    const encounters = store.all('Encounter');
    const cut = encounters.map((e) => e.meta?.lastUpdated as string).sort()[1] as string;
    const [snapshot] = snapshotGroup(store, patientIds, params(['Encounter'], { since: cut, sinceMs: Date.parse(cut) }), 1);
    expect(snapshot?.resources.length).toBe(encounters.filter((e) => Date.parse(e.meta?.lastUpdated as string) > Date.parse(cut)).length);
  });

  it('splits a type into files of at most N resources, copies included', () => {
    const snapshots = snapshotGroup(store, patientIds, params(['Patient', 'Location']), 5);
    const files = planFiles(snapshots, 6);
    expect(files.map((f) => [f.name, f.count])).toEqual([
      ['Patient-1.ndjson', 6],
      ['Patient-2.ndjson', 6],
      ['Patient-3.ndjson', 6],
      ['Patient-4.ndjson', 2],
      ['Location-1.ndjson', store.all('Location').length],
    ]);
    const ids = files.filter((f) => f.type === 'Patient').flatMap((f) => [...fileLines(f)].map((line) => (JSON.parse(line) as { id: string }).id));
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    expect(ids.slice(4, 8)).toEqual(patientIds.map((id) => `${id}-x1`));
  });

  it('gives a copy new ids and rewrites references to patient-owned records only', () => {
    const observation = store.forPatient('Observation', patientIds[0] as string)[0];
    if (!observation) throw new Error('no observation');
    const copy = JSON.parse(copyOf(store.serialized(observation), observation.id, 3)) as Record<string, { reference: string }> & { id: string };
    expect(copy.id).toBe(`${observation.id}-x3`);
    expect(copy.subject?.reference).toBe(`Patient/${patientIds[0]}-x3`);
    expect(copy.encounter?.reference).toMatch(/^Encounter\/.+-x3$/);
    const lab = store.all('DiagnosticReport')[0];
    const labCopy = copyOf(store.serialized(lab ?? observation), (lab ?? observation).id, 2);
    expect(labCopy).not.toMatch(/"reference":"(Organization|Practitioner|Location)\/[^"]+-x2"/);
    expect(copyOf('{"id":"a"}', 'a', 0)).toBe('{"id":"a"}');
  });

  it('chunks lines and can cut the last one in half', () => {
    const lines = Array.from({ length: 3 }, (_, i) => JSON.stringify({ n: i, pad: 'x'.repeat(40_000) }));
    const chunks = [...chunked(lines)];
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(`${lines.join('\n')}\n`);
    const cut = [...truncatedLastLine(chunked(lines))].join('').split('\n');
    expect(cut).toHaveLength(3);
    expect(cut[2]?.length).toBeLessThan((lines[2] as string).length);
  });
});
