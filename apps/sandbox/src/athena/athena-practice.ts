import type { SynthDataset } from '../dataset/dataset.types';
import type { AppointmentRecord } from './athena-appointment';
import { buildCharts, type PatientChart } from './athena-chart';
import { DEPARTMENTS } from './athena-directory';
import type { ClinicalDocument } from './athena-documents';
import { patientIdOf, patientRecordOf, type PatientRecord } from './athena-patients';
import { openSlots, seededAppointments } from './athena-schedule-seed';

/**
 * One athenaOne practice's data: the shared dataset rendered the athena way,
 * plus what was written through the API (bookings, cancellations, patient
 * edits, documents). Each practice holds its own copy, so writes in one never
 * show in another.
 */
export class AthenaPractice {
  readonly patients = new Map<string, PatientRecord>();
  readonly appointments = new Map<string, AppointmentRecord>();
  readonly charts: ReadonlyMap<string, PatientChart>;
  /** Encounter id → patient id, for /chart/encounter/{id}. */
  readonly encounterPatients = new Map<string, string>();
  private readonly documents = new Map<string, ClinicalDocument[]>();
  private nextSlotId: number;
  private readonly takeDocumentId: () => number;
  private noteId = 43_001;

  constructor(
    readonly practiceId: string,
    readonly dataset: SynthDataset,
  ) {
    const seededMs = Date.parse(`${dataset.anchor}T12:00:00Z`);
    for (const p of dataset.patients) {
      const record = patientRecordOf(p, seededMs);
      this.patients.set(record.patientid, record);
    }
    const built = buildCharts(dataset, patientIdOf);
    const booked = seededAppointments(dataset, (key) => built.encounterIds.get(key));
    // Past visits link both ways: the appointment names its encounter, the encounter its appointment.
    const appointmentOfEncounter = new Map(booked.filter((a) => a.encounterid).map((a) => [a.encounterid as string, a.appointmentid]));
    for (const chart of built.charts.values()) {
      for (const e of chart.encounters) {
        const appointmentid = appointmentOfEncounter.get(e.encounterid as string);
        if (appointmentid) e.appointmentid = appointmentid;
      }
    }
    this.charts = built.charts;
    for (const [patientid, chart] of built.charts) for (const e of chart.encounters) this.encounterPatients.set(e.encounterid as string, patientid);
    const slots = openSlots(dataset.anchor, booked, seededMs);
    for (const a of [...booked, ...slots]) this.appointments.set(a.appointmentid, a);
    this.nextSlotId = Math.max(...slots.map((s) => Number(s.appointmentid)), 0) + 1;
    for (const d of built.documents) this.documentsOf(d.patientid).push(d);
    this.takeDocumentId = built.nextDocumentId;
  }

  hasDepartment(departmentid: string): boolean {
    return DEPARTMENTS.some((d) => d.departmentid === departmentid);
  }

  documentsOf(patientid: string): ClinicalDocument[] {
    let list = this.documents.get(patientid);
    if (!list) this.documents.set(patientid, (list = []));
    return list;
  }

  newDocumentId(): number {
    return this.takeDocumentId();
  }

  newSlotId(): string {
    return String(this.nextSlotId++);
  }

  newNoteId(): number {
    return this.noteId++;
  }

  /** Appointments in start order (ties by id), optionally only some statuses. */
  appointmentList(statuses?: ReadonlySet<string>): AppointmentRecord[] {
    return [...this.appointments.values()]
      .filter((a) => !statuses || statuses.has(a.status))
      .sort((a, b) => a.startMs - b.startMs || Number(a.appointmentid) - Number(b.appointmentid));
  }
}
