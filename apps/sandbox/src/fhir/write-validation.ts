import type { FhirResource } from './fhir-types';
import { issue, type Issue } from './issues';
import type { LayeredStore } from './resource-store';
import { referenceId } from './search-parameters';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

export type Validated<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

export interface NoteInput {
  resource: Record<string, unknown>;
  patientId: string;
  text: Buffer;
  contentType: string;
}

function patientOf(store: LayeredStore, ref: unknown): string | undefined {
  if (!isObject(ref) || typeof ref.reference !== 'string' || !/(^|\/)Patient\/[^/]+$/.test(ref.reference)) return undefined;
  const id = referenceId(ref.reference);
  return store.get('Patient', id) ? id : undefined;
}

/**
 * The minimum a clinical note needs to be filed: a DocumentReference about a
 * patient this server knows, with base64 note text and its content type.
 */
export function validateNote(body: unknown, store: LayeredStore): Validated<NoteInput> {
  if (!isObject(body) || body.resourceType !== 'DocumentReference') {
    return { ok: false, issues: [issue('invalid-content', 'The body must be a DocumentReference resource.', ['DocumentReference'])] };
  }
  const issues: Issue[] = [];
  const patientId = patientOf(store, body.subject);
  if (!patientId) issues.push(issue('invalid-content', 'subject must reference a Patient on this server.', ['DocumentReference.subject']));
  const content = Array.isArray(body.content) ? (body.content[0] as unknown) : undefined;
  const attachment = isObject(content) && isObject(content.attachment) ? content.attachment : undefined;
  let text: Buffer | undefined;
  if (!attachment) {
    issues.push(issue('invalid-content', 'content[0].attachment is required.', ['DocumentReference.content[0].attachment']));
  } else {
    if (typeof attachment.contentType !== 'string' || attachment.contentType === '') {
      issues.push(issue('invalid-content', 'attachment.contentType is required.', ['DocumentReference.content[0].attachment.contentType']));
    }
    const data = typeof attachment.data === 'string' ? attachment.data.replace(/\s+/g, '') : '';
    if (data === '' || !BASE64.test(data)) issues.push(issue('invalid-content', 'attachment.data must be non-empty base64.', ['DocumentReference.content[0].attachment.data']));
    else text = Buffer.from(data, 'base64');
  }
  if (body.status !== undefined && !['current', 'superseded', 'entered-in-error'].includes(body.status as string)) {
    issues.push(issue('invalid-content', 'status must be current, superseded or entered-in-error.', ['DocumentReference.status']));
  }
  if (body.type !== undefined && !isObject(body.type)) issues.push(issue('invalid-content', 'type must be a CodeableConcept.', ['DocumentReference.type']));
  const encounters = isObject(body.context) && Array.isArray(body.context.encounter) ? (body.context.encounter as unknown[]) : [];
  for (const e of encounters) {
    const ref = isObject(e) && typeof e.reference === 'string' ? e.reference : '';
    const found = /(^|\/)Encounter\/[^/]+$/.test(ref) ? store.get('Encounter', referenceId(ref)) : undefined;
    if (!found) issues.push(issue('invalid-content', 'context.encounter must reference an Encounter on this server.', ['DocumentReference.context.encounter']));
  }
  if (issues.length > 0 || !patientId || !text || !attachment) return { ok: false, issues };
  return { ok: true, value: { resource: body, patientId, text, contentType: attachment.contentType as string } };
}

/** An appointment a client books: proposed/pending/booked, a start and end, and a known patient. */
export function validateAppointment(body: unknown, store: LayeredStore): Validated<Record<string, unknown>> {
  if (!isObject(body) || body.resourceType !== 'Appointment') {
    return { ok: false, issues: [issue('invalid-content', 'The body must be an Appointment resource.', ['Appointment'])] };
  }
  const issues: Issue[] = [];
  if (!['proposed', 'pending', 'booked'].includes(body.status as string)) {
    issues.push(issue('invalid-content', 'status must be proposed, pending or booked.', ['Appointment.status']));
  }
  const start = typeof body.start === 'string' && INSTANT.test(body.start) ? Date.parse(body.start) : NaN;
  const end = typeof body.end === 'string' && INSTANT.test(body.end) ? Date.parse(body.end) : NaN;
  if (Number.isNaN(start)) issues.push(issue('invalid-content', 'start must be an instant with a time zone.', ['Appointment.start']));
  if (Number.isNaN(end) || end <= start) issues.push(issue('invalid-content', 'end must be an instant after start.', ['Appointment.end']));
  const participants = Array.isArray(body.participant) ? (body.participant as unknown[]) : [];
  const actors = participants.map((p) => (isObject(p) && isObject(p.actor) && typeof p.actor.reference === 'string' ? p.actor.reference : ''));
  if (!participants.some((p) => isObject(p) && patientOf(store, p.actor))) {
    issues.push(issue('invalid-content', 'participant must include a Patient on this server.', ['Appointment.participant']));
  }
  for (const ref of actors) {
    const m = /(?:^|\/)(Practitioner|Location)\/([^/]+)$/.exec(ref);
    if (m && !store.get(m[1] as string, m[2] as string)) issues.push(issue('invalid-content', `participant ${m[1]} is not on this server.`, ['Appointment.participant.actor']));
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: body };
}

/** What a server stores for a created resource: the client's content, our id and meta. */
export function storedResource(input: Record<string, unknown>, id: string, nowIso: string, extra: Record<string, unknown> = {}): FhirResource {
  const { id: _ignoredId, meta: _ignoredMeta, ...rest } = input;
  return {
    ...rest,
    resourceType: input.resourceType as string,
    id,
    meta: { versionId: '1', lastUpdated: nowIso },
    ...extra,
  };
}
