import type { Bundle, Patient } from '@medplum/fhirtypes';
import { idFromLocation, normalizeResource, splitSearchBundle } from './fhir.mappers';

const connection = { id: 'c1', dialect: { identifierSystems: { mrn: 'urn:oid:1.2.3' } } };

describe('normalizeResource', () => {
  it('stamps meta.source and keeps what the vendor sent', () => {
    const patient: Patient = { resourceType: 'Patient', id: 'p', meta: { versionId: '3' }, extension: [{ url: 'x', valueString: 'y' }] };
    expect(normalizeResource(patient, connection)).toEqual({ ...patient, meta: { versionId: '3', source: 'urn:switchboard:connection:c1' } });
  });

  it('adds the US Core MR type to MRNs marked by text or by the dialect system, once', () => {
    const patient = normalizeResource(
      {
        resourceType: 'Patient',
        identifier: [
          { type: { text: 'MRN' }, system: 'urn:oid:9', value: 'a' },
          { system: 'urn:oid:1.2.3', value: 'b' },
          { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, value: 'c' },
          { type: { text: 'EPI' }, value: 'd' },
        ],
      } as Patient,
      connection,
    );
    const mr = (i: number) => patient.identifier?.[i]?.type?.coding?.filter((c) => c.code === 'MR').length ?? 0;
    expect([mr(0), mr(1), mr(2), mr(3)]).toEqual([1, 1, 1, 0]);
    expect(patient.identifier?.[0]?.type?.text).toBe('MRN');
  });
});

describe('splitSearchBundle', () => {
  it('lifts outcome entries out as warnings and finds the next link', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [{ relation: 'next', url: 'https://ehr/fhir/Observation?page=2' }],
      entry: [
        { resource: { resourceType: 'Observation', id: 'o1', status: 'final', code: {} }, search: { mode: 'match' } },
        { resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'informational' }] }, search: { mode: 'outcome' } },
      ],
    };
    const split = splitSearchBundle(bundle, connection);
    expect(split.resources.map((r) => r.id)).toEqual(['o1']);
    expect(split.warnings).toHaveLength(1);
    expect(split.nextUrl).toBe('https://ehr/fhir/Observation?page=2');
  });
});

describe('idFromLocation', () => {
  it('reads ids from absolute, relative and versioned Locations', () => {
    expect(idFromLocation('https://ehr/fhir/DocumentReference/abc-1', 'DocumentReference')).toBe('abc-1');
    expect(idFromLocation('DocumentReference/42/_history/1', 'DocumentReference')).toBe('42');
    expect(idFromLocation('https://ehr/fhir/Patient/42', 'DocumentReference')).toBeNull();
  });
});
