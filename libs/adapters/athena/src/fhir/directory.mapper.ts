import type { Address, ContactPoint, Identifier, Location, Organization, Practitioner } from '@medplum/fhirtypes';
import { athenaFhirId } from '../athena-ids';
import type { AthenaDepartment, AthenaPractice, AthenaProvider } from '../wire';
import { SYSTEMS, athenaPracticeOrganizationId, athenaSystem, coding, metaOf, practiceRef, type AthenaMapContext } from './map-context';

/** A 10-digit NPI whose Luhn check digit (with the 80840 prefix) is right — what US Core's us-core-16/17 require. */
export function isValidNpi(npi: string | undefined): npi is string {
  if (!npi || !/^\d{10}$/.test(npi)) return false;
  let sum = 24; // the contribution of the 80840 prefix
  for (let i = 0; i < 10; i++) {
    let d = Number(npi[9 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const GENDER: Readonly<Record<string, Practitioner['gender']>> = { M: 'male', F: 'female' };

/**
 * athena provider → US Core 6.1.0 Practitioner. The NPI is an identifier only when it is a valid NPI
 * (athena's own fixture carries an 8-digit one); athena's provider id is always one.
 */
export function toPractitioner(p: AthenaProvider, ctx: AthenaMapContext): Practitioner & { id: string } {
  const identifier: Identifier[] = [];
  if (isValidNpi(p.npi)) identifier.push({ system: SYSTEMS.npi, value: p.npi });
  identifier.push({ system: athenaSystem('provider', ctx.practiceId), value: p.providerId });
  const given = p.firstName ? [p.firstName] : [];
  // US Core requires name.family; a provider known only by its display name keeps that as the family name.
  const family = p.lastName ?? p.displayName ?? p.providerId;
  return {
    resourceType: 'Practitioner',
    id: athenaFhirId(ctx.practiceId, 'practitioner', p.providerId),
    meta: metaOf(ctx, 'us-core-practitioner'),
    identifier,
    active: true,
    name: [{ use: 'official', family, ...(given.length ? { given } : {}), ...(p.displayName ? { text: p.displayName } : {}) }],
    ...(p.sex && GENDER[p.sex.toUpperCase()] ? { gender: GENDER[p.sex.toUpperCase()] } : {}),
    ...(p.providerTypeId ? { qualification: [{ code: { coding: [coding(athenaSystem('providertype'), p.providerTypeId)], ...(p.providerType ? { text: p.providerType } : {}) } }] } : {}),
  };
}

function departmentAddress(d: AthenaDepartment): Address | undefined {
  const line = [d.address1, d.address2].filter((l): l is string => !!l);
  if (!line.length && !d.city && !d.state && !d.zip) return undefined;
  return {
    use: 'work',
    ...(line.length ? { line } : {}),
    ...(d.city ? { city: d.city } : {}),
    ...(d.state ? { state: d.state } : {}),
    ...(d.zip ? { postalCode: d.zip } : {}),
    country: 'US',
  };
}

/**
 * athena department → US Core 6.1.0 Location, managed by the practice's Organization. athena schedules
 * and charts by department, so the department is where appointments and encounters happen.
 */
export function toLocation(d: AthenaDepartment, ctx: AthenaMapContext): Location & { id: string } {
  const telecom: ContactPoint[] = [];
  if (d.phone) telecom.push({ system: 'phone', value: d.phone, use: 'work' });
  if (d.fax) telecom.push({ system: 'fax', value: d.fax, use: 'work' });
  const address = departmentAddress(d);
  const location: Location & { id: string } = {
    resourceType: 'Location',
    id: athenaFhirId(ctx.practiceId, 'location', d.departmentId),
    meta: metaOf(ctx, 'us-core-location'),
    identifier: [{ system: athenaSystem('department', ctx.practiceId), value: d.departmentId }],
    status: 'active',
    name: d.patientDepartmentName ?? d.name ?? `Department ${d.departmentId}`,
    ...(d.name && d.patientDepartmentName && d.name !== d.patientDepartmentName ? { alias: [d.name] } : {}),
    mode: 'instance',
    type: [
      d.isHospitalDepartment
        ? { coding: [coding('http://terminology.hl7.org/CodeSystem/v3-RoleCode', 'HOSP', 'Hospital')] }
        : { coding: [coding('http://terminology.hl7.org/CodeSystem/v3-RoleCode', 'OF', 'Outpatient facility')] },
    ],
    ...(telecom.length ? { telecom } : {}),
    ...(address ? { address } : {}),
    ...(d.latitude !== undefined && d.longitude !== undefined ? { position: { latitude: d.latitude, longitude: d.longitude } } : {}),
    managingOrganization: practiceRef(ctx),
  };
  return location;
}

/** The practice → US Core 6.1.0 Organization (`Organization/a-1.Practice-{pid}`, athena's own FHIR id for it). */
export function toPracticeOrganization(ctx: AthenaMapContext, practice?: AthenaPractice): Organization & { id: string } {
  return {
    resourceType: 'Organization',
    id: athenaPracticeOrganizationId(ctx.practiceId),
    meta: metaOf(ctx, 'us-core-organization'),
    identifier: [{ system: athenaSystem('practice'), value: ctx.practiceId }],
    active: true,
    type: [{ coding: [coding('http://terminology.hl7.org/CodeSystem/organization-type', 'prov', 'Healthcare Provider')] }],
    name: practice?.name ?? `athenahealth practice ${ctx.practiceId}`,
  };
}
