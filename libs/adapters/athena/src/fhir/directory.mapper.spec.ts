import { existsSync } from 'node:fs';
import { usCoreFixturePath } from '@sb/testing';
import { parseDepartment, parseDepartmentPage, parsePatient, parsePatientPage, parseProvider } from '../wire';
import * as F from '../wire/testing/athena-fixtures';
import { isValidNpi, toLocation, toPatient, toPracticeOrganization, toPractitioner } from './index';
import { conformanceErrors, CTX, expectConformant, US_CORE_AVAILABLE } from './testing/map-fixtures';

it(`US Core validation runs when the package is at ${usCoreFixturePath()}`, () => {
  expect(existsSync(usCoreFixturePath())).toBe(US_CORE_AVAILABLE);
});

describe('toPatient', () => {
  const patient = toPatient(parsePatient(F.PATIENT), CTX);

  it('conforms to R4 and US Core Patient', () => {
    expectConformant([patient, ...parsePatientPage(F.PATIENT_PAGE).items.map((p) => toPatient(p, CTX))]);
  });

  it('is checked by a validator that bites (a Patient without identifier or gender fails)', () => {
    const broken = { ...patient, identifier: undefined, gender: undefined };
    expect(conformanceErrors(broken).length).toBeGreaterThan(0);
  });

  it('identifies the patient by athena id and stamps the connection like the other vendors', () => {
    expect(patient.id).toBe('a-195900.E-5309');
    expect(patient.meta).toEqual({ source: 'urn:switchboard:connection:conn-1', profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'] });
    expect(patient.identifier?.[0]).toMatchObject({ system: 'urn:athenahealth:athenanet:patient:195900', value: '5309', type: { coding: [{ code: 'MR' }] } });
  });

  it('maps names (preferred as usual), demographics and US Core extensions', () => {
    expect(patient.name).toEqual([
      { use: 'official', family: 'Testperson', given: ['Jordan', 'Q'] },
      { use: 'usual', given: ['Jo'], family: 'Testperson' },
    ]);
    expect(patient).toMatchObject({ birthDate: '1985-01-15', gender: 'female', active: true, generalPractitioner: [{ reference: 'Practitioner/a-195900.Provider-20' }] });
    expect(patient.communication?.[0].language.coding?.[0]).toEqual({ system: 'urn:ietf:bcp:47', code: 'es' });
    const ext = Object.fromEntries((patient.extension ?? []).map((e) => [e.url.split('/').pop(), e]));
    expect(ext['us-core-birthsex']?.valueCode).toBe('F');
    expect(ext['us-core-race']?.extension?.[0].valueCoding?.code).toBe('2106-3');
    expect(ext['us-core-ethnicity']?.extension?.[0].valueCoding?.code).toBe('2186-5');
    expect(patient.telecom?.map((t) => t.use)).toEqual(['home', 'mobile', 'home']);
  });

  it('keeps a patient with only an id conformant (unknown gender, data-absent name) and inactive when athena says so', () => {
    const bare = toPatient(parsePatient([{ patientid: 9, status: 'inactive' }]), CTX);
    expectConformant([bare]);
    expect(bare).toMatchObject({ gender: 'unknown', active: false });
    expect(bare).not.toHaveProperty('extension');
  });
});

describe('toPractitioner, toLocation, toPracticeOrganization', () => {
  it('conform to R4 and US Core', () => {
    expectConformant([
      toPractitioner(parseProvider(F.PROVIDER), CTX),
      toPractitioner(parseProvider(F.PROVIDER_BAD_NPI), CTX),
      ...parseDepartmentPage(F.DEPARTMENT_PAGE).items.map((d) => toLocation(d, CTX)),
      toPracticeOrganization(CTX, { practiceId: '195900', name: 'Synth Health' }),
    ]);
  });

  it('carries a valid NPI and drops an invalid one', () => {
    expect(isValidNpi('1234567893')).toBe(true);
    expect(isValidNpi('1234567890')).toBe(false);
    expect(toPractitioner(parseProvider(F.PROVIDER), CTX).identifier?.map((i) => i.system)).toEqual(['http://hl7.org/fhir/sid/us-npi', 'urn:athenahealth:athenanet:provider:195900']);
    expect(toPractitioner(parseProvider(F.PROVIDER_BAD_NPI), CTX).identifier?.map((i) => i.system)).toEqual(['urn:athenahealth:athenanet:provider:195900']);
  });

  it('maps a department to a Location managed by the practice', () => {
    const location = toLocation(parseDepartment(F.DEPARTMENT_EAST), CTX);
    expect(location).toMatchObject({
      id: 'a-195900.Department-1',
      name: 'Synth Clinic Boston',
      address: { line: ['1 Example Way', 'SUITE 1'], city: 'Boston', state: 'MA', postalCode: '02210' },
      telecom: [{ system: 'phone', value: '(555) 555-0100' }, { system: 'fax' }],
      managingOrganization: { reference: 'Organization/a-1.Practice-195900' },
    });
    expect(toPracticeOrganization(CTX).id).toBe('a-1.Practice-195900');
  });
});
