import type { Identifier, Immunization, Resource } from '@medplum/fhirtypes';
import { Hl7ErrorCode } from '../hl7-ack';
import { failConversion, type ConversionContext } from './conversion-context';
import type { Hl7Conversion } from './conversion.types';
import { encounterReference } from './encounter.mapper';
import { mapPatient, requirePatientSegment } from './patient.mapper';
import { codeableConcept, decimal, orderIdentifier, quantity } from './v2-datatypes';
import type { V2Segment } from './v2-message';
import { DATA_ABSENT_REASON } from './v2-tables';

/**
 * VXU^V04 (unsolicited vaccination record update) → US Core Immunization per RXA, after the
 * HL7 v2-to-FHIR segment map RXA → Immunization
 * (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-segment-rxa-to-immunization.html);
 * RXR (route, site) and ORC (placer/filler numbers) of the same order group are read too.
 * The OBX of the order group (funding, VIS dates) are not mapped. Each Immunization gets its own
 * `immunization.recorded` event, whatever its status (given, not given, entered in error).
 */

/** An RXA with the ORC before it and the RXR after it. */
interface OrderGroup {
  readonly rxa: V2Segment;
  readonly orc?: V2Segment;
  readonly rxr?: V2Segment;
}

function orderGroups(segments: readonly V2Segment[]): OrderGroup[] {
  const groups: { rxa: V2Segment; orc?: V2Segment; rxr?: V2Segment }[] = [];
  let orc: V2Segment | undefined;
  for (const s of segments) {
    if (s.id === 'ORC') orc = s;
    else if (s.id === 'RXA') {
      groups.push({ rxa: s, orc });
      orc = undefined;
    } else if (s.id === 'RXR' && groups.length && !groups[groups.length - 1].rxr) groups[groups.length - 1].rxr = s;
  }
  return groups;
}

/** RXA-9 (NIP001 immunization information source): `00` new record → primary source, else historical. */
function primarySource(rxa: V2Segment): boolean | undefined {
  const source = rxa.value(9);
  return source === '' ? undefined : source === '00';
}

export function convertVxu(ctx: ConversionContext): Omit<Hl7Conversion, 'messageType'> {
  const pid = requirePatientSegment(ctx);
  const groups = orderGroups(ctx.message.segments);
  if (groups.length === 0) failConversion(Hl7ErrorCode.RequiredFieldMissing, 'required segment RXA is missing', { segment: 'RXA' });
  const { patient, key } = mapPatient(ctx, pid);
  const encounter = encounterReference(ctx, key);
  const resources: Resource[] = [patient];
  const events: Hl7Conversion['events'] = [];
  const seen = new Set<string>();

  for (const { rxa, orc, rxr } of groups) {
    const administered = ctx.requiredDateTime(rxa, 3);
    const vaccine =
      codeableConcept(rxa.rep(5), ctx.dialect, 'RXA-5') ??
      failConversion(Hl7ErrorCode.RequiredFieldMissing, 'administered code is missing', { segment: 'RXA', sequence: rxa.sequence, field: 5 });
    const naturalKey = `${key}|${administered.dateTime}|${rxa.value(5, 3)}|${rxa.value(5, 1) || rxa.value(5, 2)}`;
    const id = ctx.id('Immunization', naturalKey);
    if (seen.has(id)) continue;
    seen.add(id);

    const completion = rxa.value(20).toUpperCase();
    const deleted = rxa.value(21).toUpperCase() === 'D';
    const status: Immunization['status'] = deleted ? 'entered-in-error' : completion === 'RE' || completion === 'NA' ? 'not-done' : 'completed';
    const immunization: Immunization & { id: string } = {
      resourceType: 'Immunization',
      id,
      status,
      vaccineCode: vaccine,
      patient: ctx.ref('Patient', patient.id),
      ...(encounter ? { encounter } : {}),
      occurrenceDateTime: administered.dateTime,
    };
    const identifier = orc ? [orderIdentifier(orc.rep(2), 'PLAC', ctx.dialect), orderIdentifier(orc.rep(3), 'FILL', ctx.dialect)] : [];
    const identifiers = identifier.filter((i): i is Identifier => i !== undefined);
    if (identifiers.length) immunization.identifier = identifiers;
    if (status === 'not-done') {
      const reason = codeableConcept(rxa.rep(18), ctx.dialect);
      immunization.statusReason = reason ?? { coding: [{ system: DATA_ABSENT_REASON, code: 'unknown', display: 'Unknown' }] };
    }
    const primary = primarySource(rxa);
    if (primary !== undefined) immunization.primarySource = primary;
    const origin = primary === false ? codeableConcept(rxa.rep(9), ctx.dialect) : undefined;
    if (origin) immunization.reportOrigin = origin;

    // 999 is the CDC IIS convention for "dose amount unknown".
    const amount = decimal(rxa.value(6));
    if (amount !== undefined && amount > 0 && rxa.value(6) !== '999') immunization.doseQuantity = quantity(amount, rxa.rep(7).isEmpty ? undefined : rxa.rep(7));
    const lot = rxa.value(15);
    if (lot) immunization.lotNumber = lot;
    const expiry = ctx.dateTime(rxa, 16);
    if (expiry && expiry.date.length === 10) immunization.expirationDate = expiry.date;
    const manufacturer = rxa.value(17, 2) || rxa.value(17, 1);
    if (manufacturer) immunization.manufacturer = { display: manufacturer };
    const route = rxr && codeableConcept(rxr.rep(1), ctx.dialect, 'RXR-1');
    if (route) immunization.route = route;
    const site = rxr && codeableConcept(rxr.rep(2), ctx.dialect, 'RXR-2');
    if (site) immunization.site = site;
    resources.push(immunization);
    events.push({ type: 'immunization.recorded', resourceType: 'Immunization', resourceId: id });
  }
  return { patientKey: key, resources, events };
}
