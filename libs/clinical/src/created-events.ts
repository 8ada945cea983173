import type { Resource } from '@medplum/fhirtypes';
import type { ClinicalResourceType, CreateResult } from '@sb/adapters/contracts';
import type { EventInput } from '@sb/events';
import { patientRefOf } from './patient-ref';

/** Creates that are facts a tenant subscribes to, and the `data` key naming the created resource. */
const CREATED: Partial<Record<ClinicalResourceType, { type: string; key: string }>> = {
  DocumentReference: { type: 'document.created', key: 'document' },
  Appointment: { type: 'appointment.booked', key: 'appointment' },
};

/** The outbox events of a successful create through the facade or GraphQL: references in `data`, the resource in `full`. */
export function createdEvents(type: ClinicalResourceType, result: CreateResult, sent: Resource, tenantId: string, connectionId: string): EventInput[] {
  const created = CREATED[type];
  const patient = patientRefOf(result.resource ?? sent);
  if (!created || !patient) return [];
  const resource = result.resource ?? { ...sent, id: result.id };
  return [{ tenantId, connectionId, type: created.type, data: { patient, [created.key]: `${type}/${result.id}` }, full: { resources: [resource] }, patientRef: patient }];
}

/** Updates that are facts a tenant subscribes to: today an Appointment whose new status is cancelled. */
export function updatedEvents(type: ClinicalResourceType, updated: Resource, tenantId: string, connectionId: string): EventInput[] {
  if (type !== 'Appointment' || updated.resourceType !== 'Appointment' || !updated.id) return [];
  if (updated.status !== 'cancelled' && updated.status !== 'noshow') return [];
  const patient = patientRefOf(updated);
  if (!patient) return [];
  return [{ tenantId, connectionId, type: 'appointment.cancelled', data: { patient, appointment: `Appointment/${updated.id}` }, full: { resources: [updated] }, patientRef: patient }];
}
