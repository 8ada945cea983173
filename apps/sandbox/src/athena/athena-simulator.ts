import type { SynthDataset } from '../dataset/dataset.types';
import { renderAppointment, type AppointmentRecord } from './athena-appointment';
import { ChangeFeeds, type AthenaFeed } from './athena-change-feeds';
import { ATHENA_PRACTICES, DEFAULT_ATHENA_PRACTICE } from './athena-directory';
import { patientIdOf, renderPatient, type PatientRecord } from './athena-patients';
import { AthenaPractice } from './athena-practice';
import { TokenRateLimiter } from './athena-token';

export interface AthenaSettings {
  /** New tokens a client may get per clock minute (athena preview: 5, production: 50). */
  tokensPerMinute: number;
  /** How long after POST …/changed/subscription the feed keeps answering 403. */
  subscriptionDelayMs: number;
}

export const DEFAULT_ATHENA_SETTINGS: AthenaSettings = { tokensPerMinute: 5, subscriptionDelayMs: 10_000 };

/** Everything the athena-like server keeps at run time: practices, feeds, token quotas, settings. */
export class AthenaSimulator {
  readonly settings: AthenaSettings;
  readonly tokenLimiter = new TokenRateLimiter();
  readonly feeds: ChangeFeeds;
  private readonly practices = new Map<string, AthenaPractice>();

  constructor(
    private readonly dataset: SynthDataset,
    private readonly now: () => number,
    settings: Partial<AthenaSettings> = {},
  ) {
    this.settings = { ...DEFAULT_ATHENA_SETTINGS, ...settings };
    this.feeds = new ChangeFeeds(now, () => this.settings.subscriptionDelayMs);
  }

  static knownPractice(practiceId: string): boolean {
    return (ATHENA_PRACTICES as readonly string[]).includes(practiceId);
  }

  /** The practice's data (built on first use), or undefined for a practice that does not exist. */
  practice(practiceId: string): AthenaPractice | undefined {
    if (!AthenaSimulator.knownPractice(practiceId)) return undefined;
    let practice = this.practices.get(practiceId);
    if (!practice) this.practices.set(practiceId, (practice = new AthenaPractice(practiceId, this.dataset)));
    return practice;
  }

  updateSettings(update: Partial<AthenaSettings>): AthenaSettings {
    Object.assign(this.settings, update);
    return { ...this.settings };
  }

  appointmentChanged(practiceId: string, record: AppointmentRecord, event: string): void {
    this.feeds.enqueue(practiceId, 'appointments', event, record.departmentid, renderAppointment(record));
  }

  patientChanged(practiceId: string, record: PatientRecord, event: string): void {
    this.feeds.enqueue(practiceId, 'patients', event, record.fields.primarydepartmentid ?? '', renderPatient(record));
  }

  /**
   * A change made "inside the EHR": stamps the record modified now and queues
   * its state for subscribers. Returns how many queues got it, or undefined
   * when the practice or record does not exist.
   */
  touch(practiceId: string, feed: AthenaFeed, id: string, user = 'sandboxfrontdesk'): number | undefined {
    const practice = this.practice(practiceId);
    if (!practice) return undefined;
    if (feed === 'appointments') {
      const record = practice.appointments.get(id);
      if (!record) return undefined;
      record.lastmodifiedMs = this.now();
      record.lastmodifiedby = user;
      return this.feeds.enqueue(practiceId, feed, record.status === 'o' ? 'AddAppointmentSlot' : 'UpdateAppointment', record.departmentid, renderAppointment(record));
    }
    const record = practice.patients.get(id);
    if (!record) return undefined;
    record.lastupdatedMs = this.now();
    return this.feeds.enqueue(practiceId, feed, 'UpdatePatient', record.fields.primarydepartmentid ?? '', renderPatient(record));
  }

  forgetClient(clientId: string): void {
    this.feeds.dropClient(clientId);
    this.tokenLimiter.forget(clientId);
  }

  /** The test-patient list (ids as athena's FHIR server names them; `mrn` is the patientid). */
  patientListing(): { id: string; mrn: string; family: string; given: string; birthDate: string }[] {
    return this.dataset.patients.map((p) => {
      const patientid = patientIdOf(p);
      return { id: `a-${DEFAULT_ATHENA_PRACTICE}.E-${patientid}`, mrn: patientid, family: p.family, given: p.given.join(' '), birthDate: p.birthDate };
    });
  }
}
