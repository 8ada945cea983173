import type { Patient, Practitioner, ServiceRequest } from '@medplum/fhirtypes';
import { assemble, checkHeaderOptions, patientIdentifiers, pidSegment, pv1Segment, type OutboundHeaderOptions } from './common-segments';
import { Hl7BuildError } from './hl7-build-error';
import { comp, cwe, ei, hl7DateTime, hl7Timestamp, reps, resolvePractitioner, segment, tableCode, textLines, xcn, type Encoded, type Part } from './v2-datatypes';

export type OrderMessageType = 'ORM^O01' | 'OML^O21';

export interface OrderMessageOptions extends OutboundHeaderOptions {
  messageType: OrderMessageType;
  /** Practitioners the request refers to (requester), when not contained in it. */
  practitioners?: readonly Practitioner[];
}

/** FHIR request-priority → HL7 table 0485 (extended priority codes); FHIR `urgent` has no v2 code of its own and goes as ASAP. */
const PRIORITY: Readonly<Record<NonNullable<ServiceRequest['priority']>, [string, string]>> = {
  stat: ['S', 'Stat'],
  asap: ['A', 'ASAP'],
  urgent: ['A', 'ASAP'],
  routine: ['R', 'Routine'],
};

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/**
 * Writes a ServiceRequest as a new order (ORC-1 `NW`): `ORM^O01` (general order) or
 * `OML^O21` (laboratory order), HL7 v2.5.1 chapter 4 ("ORM - general order message",
 * "OML - laboratory order message"), https://www.hl7.org/implement/standards/product_brief.cfm?product_id=144,
 * mapped FHIR → v2 along the v2-to-FHIR IG's ORC/OBR → ServiceRequest maps.
 *
 * Segments: MSH, PID, PV1, ORC, [TQ1 (OML only)], OBR, NTE…
 * - ORC-2/OBR-2 placer order number: the identifier typed PLAC, else the first identifier,
 *   else the resource id; namespace = the sending application. ORC-3 the FILL identifier.
 * - ORC-4 placer group number: `requisition`. ORC-9: `authoredOn`, else `now`.
 * - ORC-12/OBR-16 ordering provider: `requester`, resolved from `contained` or `practitioners`.
 * - OBR-4: `code` (CWE). OBR-31 reason for study: `reasonCode`.
 * - Priority (table 0485) and `occurrence[x]`: TQ1-7/8/9 in OML (TQ1 follows ORC there);
 *   ORC-7/OBR-27 (the TQ data type, kept for backward compatibility) in ORM, whose
 *   v2.5.1 structure has no TQ1.
 * - NTE after OBR: each `note` (NTE-4 `RE`) and `patientInstruction` (`PI`), one NTE per line.
 *
 * Every value is escaped. Throws `Hl7BuildError` when `code`, `subject` or a patient
 * identifier is missing, or when `patient` is not the subject.
 */
export function buildOrderMessage(serviceRequest: ServiceRequest, patient: Patient | undefined, opts: OrderMessageOptions): string {
  checkHeaderOptions(opts);
  if (opts.messageType !== 'ORM^O01' && opts.messageType !== 'OML^O21') throw new Hl7BuildError('invalid_option', 'messageType');
  const code = serviceRequest.code;
  if (!code || !(code.coding?.some((c) => c.code) || code.text)) throw new Hl7BuildError('missing_code', 'ServiceRequest.code');
  const identifiers = patientIdentifiers(patient, serviceRequest.subject, 'ServiceRequest.subject');
  const oml = opts.messageType === 'OML^O21';

  const placer = placerOrderNumber(serviceRequest, opts.sendingApplication);
  const filler = serviceRequest.identifier?.find((i) => hasType(i, 'FILL'))?.value;
  const requester = resolvePractitioner(serviceRequest.requester, serviceRequest.contained, opts.practitioners);
  const provider = xcn(serviceRequest.requester, requester);
  const orderingProvider = provider.text === '' ? undefined : provider;
  const priority = serviceRequest.priority ? PRIORITY[serviceRequest.priority] : undefined;
  const start = hl7DateTime(serviceRequest.occurrenceDateTime ?? serviceRequest.occurrencePeriod?.start);
  const end = hl7DateTime(serviceRequest.occurrencePeriod?.end);
  // TQ (ORC-7/OBR-27): quantity ^ interval ^ duration ^ start ^ end ^ priority.
  const legacyTiming = !oml && (priority || start || end) ? comp(undefined, undefined, undefined, start, end, priority?.[0]) : undefined;

  const orc = segment('ORC', [
    'NW',
    placer,
    filler ? ei(filler, undefined) : undefined,
    serviceRequest.requisition?.value ? ei(serviceRequest.requisition.value, opts.sendingApplication) : undefined,
    undefined,
    undefined,
    legacyTiming,
    undefined,
    hl7DateTime(serviceRequest.authoredOn) ?? hl7Timestamp(opts.now),
    undefined,
    undefined,
    orderingProvider,
  ]);
  const tq1 =
    oml && (priority || start || end)
      ? segment('TQ1', ['1', undefined, undefined, undefined, undefined, undefined, start, end, priority ? tableCode(priority[0], priority[1], '0485') : undefined])
      : undefined;
  const obrFields: Part[] = Array.from({ length: 31 }, () => undefined);
  obrFields[0] = '1';
  obrFields[1] = placer;
  obrFields[2] = filler ? ei(filler, undefined) : undefined;
  obrFields[3] = cwe(code);
  obrFields[15] = orderingProvider;
  obrFields[26] = legacyTiming;
  obrFields[30] = reps((serviceRequest.reasonCode ?? []).map(cwe));
  const obr = segment('OBR', obrFields);

  // NTE-2 `P`: the comment comes from the placer (table 0105); NTE-4 comment type, table 0364.
  const remark = tableCode('RE', 'Remark', '0364');
  const instruction = tableCode('PI', 'Patient Instructions', '0364');
  const notes = [
    ...(serviceRequest.note ?? []).flatMap((n) => textLines(n.text).map((text) => [text, remark] as const)),
    ...textLines(serviceRequest.patientInstruction).map((text) => [text, instruction] as const),
  ];
  const nte = notes.map(([text, type], i) => segment('NTE', [String(i + 1), 'P', text, type]));

  const [messageCode, trigger] = opts.messageType.split('^') as [string, string];
  return assemble(opts, [messageCode, trigger, `${messageCode}_${trigger}`], [
    pidSegment(patient, identifiers),
    pv1Segment(opts.patientClass, serviceRequest.encounter),
    orc,
    ...(tq1 ? [tq1] : []),
    obr,
    ...nte,
  ]);
}

function hasType(identifier: { type?: { coding?: { system?: string; code?: string }[] } }, code: string): boolean {
  return identifier.type?.coding?.some((c) => c.code === code && (c.system === undefined || c.system === V2_0203)) ?? false;
}

function placerOrderNumber(serviceRequest: ServiceRequest, namespace: string): Encoded {
  const identifiers = (serviceRequest.identifier ?? []).filter((i) => i.value);
  const chosen = identifiers.find((i) => hasType(i, 'PLAC')) ?? identifiers.find((i) => !hasType(i, 'FILL'));
  const value = chosen?.value ?? serviceRequest.id;
  if (!value) throw new Hl7BuildError('missing_order_number', 'ServiceRequest.identifier');
  return ei(value, namespace);
}
