import type { SynthDataset, SynthPatient } from '../dataset/dataset.types';
import type { AppointmentRecord } from './athena-appointment';
import { buildChart, seededDocuments, type ChartContext, type PatientChart } from './athena-chart';
import { encounterIdOfKey, IdSequence, patientIndexOfEncounterId, UPLOADED_DOCUMENT_ID_BASE, UPLOADED_VITAL_ID_BASE } from './athena-chart-ids';
import { DEPARTMENTS } from './athena-directory';
import type { ClinicalDocument } from './athena-documents';
import { patientIdOf, patientRecordOf, type PatientRecord } from './athena-patients';
import { openSlots, seededAppointments, SLOT_ID_BASE } from './athena-schedule-seed';

/**
 * One athenaOne practice's data: the shared dataset rendered the athena way,
 * plus what was written through the API (bookings, cancellations, patient
 * edits, documents). Each practice holds its own copy, so writes in one never
 * show in another.
 */
export class AthenaPractice {
  readonly patients = new Map<string, PatientRecord>();
  readonly appointments = new Map<string, AppointmentRecord>();
  private readonly synthPatients = new Map<string, SynthPatient>();
  private readonly charts = new Map<string, PatientChart>();
  private readonly chartContext: ChartContext;
  private readonly documents = new Map<string, ClinicalDocument[]>();
  private readonly documentIds = new IdSequence(UPLOADED_DOCUMENT_ID_BASE);
  private readonly vitalIds = new IdSequence(UPLOADED_VITAL_ID_BASE);
  private nextSlotId: number;
  private noteId = 43_001;

  constructor(
    readonly practiceId: string,
    readonly dataset: SynthDataset,
  ) {
    const seededMs = Date.parse(`${dataset.anchor}T12:00:00Z`);
    for (const p of dataset.patients) {
      const record = patientRecordOf(p, seededMs);
      this.patients.set(record.patientid, record);
      this.synthPatients.set(record.patientid, p);
    }
    const booked = seededAppointments(dataset, encounterIdOfKey);
    const slots = openSlots(dataset.anchor, booked, seededMs);
    for (const a of [...booked, ...slots]) this.appointments.set(a.appointmentid, a);
    this.nextSlotId = Math.max(...slots.map((s) => Number(s.appointmentid)), SLOT_ID_BASE) + 1;
    // Past visits link both ways: the appointment names its encounter, the encounter its appointment.
    this.chartContext = {
      practitioners: new Map(dataset.practitioners.map((p) => [p.key, p])),
      appointmentOfEncounter: new Map(booked.filter((a) => a.encounterid).map((a) => [a.encounterid as string, a.appointmentid])),
    };
  }

  /** The patient's chart, built on first read. */
  chart(patientid: string): PatientChart | undefined {
    const cached = this.charts.get(patientid);
    if (cached) return cached;
    const p = this.synthPatients.get(patientid);
    if (!p) return undefined;
    const chart = buildChart(p, patientid, this.chartContext);
    this.charts.set(patientid, chart);
    return chart;
  }

  /** The patient an encounter id belongs to, if it is one of the dataset's encounters. */
  patientOfEncounter(encounterid: string): string | undefined {
    const index = patientIndexOfEncounterId(encounterid);
    const p = index === undefined ? undefined : this.dataset.patients[index];
    return p && p.encounters.some((e) => encounterIdOfKey(e.key) === encounterid) ? patientIdOf(p) : undefined;
  }

  hasDepartment(departmentid: string): boolean {
    return DEPARTMENTS.some((d) => d.departmentid === departmentid);
  }

  /** The patient's clinical documents: the seeded visit notes, then what was uploaded. */
  documentsOf(patientid: string): ClinicalDocument[] {
    let list = this.documents.get(patientid);
    if (!list) {
      const p = this.synthPatients.get(patientid);
      this.documents.set(patientid, (list = p ? seededDocuments(p, patientid) : []));
    }
    return list;
  }

  newDocumentId(): number {
    return this.documentIds.take();
  }

  newVitalId(): number {
    return this.vitalIds.take();
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
