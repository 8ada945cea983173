import { ErrorCode, SbError } from '@sb/core';
import type { AthenaHttp, AthenaPage } from './athena-http';
import type { AthenaPatients } from './patients';

const seg = encodeURIComponent;

/** Paging of chart lists. */
export interface AthenaPaging {
  limit?: number;
  offset?: number;
}

/**
 * A patient's chart. Every `/chart/{patientid}/…` call needs a `departmentid`: the
 * patient's `primarydepartmentid`, read once per client (Metriport's
 * getDepartmentIdForPatient; /work/shared/notes/athena.md §3).
 */
export class AthenaChart {
  private readonly departments = new Map<string, Promise<string>>();

  constructor(
    private readonly http: AthenaHttp,
    private readonly patients: AthenaPatients,
  ) {}

  /** The department a patient's chart is read in: their primary department (or the department of their record). */
  departmentOf(patientId: string): Promise<string> {
    let pending = this.departments.get(patientId);
    if (!pending) {
      pending = this.patients.get(patientId).then(primaryDepartmentOf);
      pending.catch(() => this.departments.delete(patientId));
      this.departments.set(patientId, pending);
    }
    return pending;
  }

  /** Seeds the department of a patient already read (saves a request). */
  knowDepartment(patientId: string, departmentId: string): void {
    if (!this.departments.has(patientId)) this.departments.set(patientId, Promise.resolve(departmentId));
  }

  async encounters(patientId: string, paging: AthenaPaging = {}): Promise<AthenaPage> {
    return this.http.page(`/chart/${seg(patientId)}/encounters`, { departmentid: await this.departmentOf(patientId), ...paging });
  }

  /** GET /chart/encounter/{encounterid} → `[encounter]` (no department needed). */
  encounter(encounterId: string): Promise<unknown> {
    return this.http.get(`/chart/encounter/${seg(encounterId)}`);
  }

  async problems(patientId: string, paging: AthenaPaging = {}): Promise<AthenaPage> {
    return this.http.page(`/chart/${seg(patientId)}/problems`, { departmentid: await this.departmentOf(patientId), ...paging });
  }

  /** `{allergies, nkda, lastupdated}` (not paged). */
  async allergies(patientId: string): Promise<unknown> {
    return this.http.get(`/chart/${seg(patientId)}/allergies`, { departmentid: await this.departmentOf(patientId) });
  }

  /** `{medications: [[…]], nomedicationsreported, lastupdated}` (not paged). */
  async medications(patientId: string): Promise<unknown> {
    return this.http.get(`/chart/${seg(patientId)}/medications`, { departmentid: await this.departmentOf(patientId) });
  }

  /** `{vitals: [{key, readings: [[…]]}], totalcount}`. */
  async vitals(patientId: string, range: { startdate?: string; enddate?: string } = {}): Promise<unknown> {
    return this.http.get(`/chart/${seg(patientId)}/vitals`, { departmentid: await this.departmentOf(patientId), ...range });
  }

  /** `{results: [{…, analytes}], totalcount, next}`. */
  async labResults(patientId: string, paging: AthenaPaging = {}): Promise<AthenaPage> {
    return this.http.page(`/chart/${seg(patientId)}/labresults`, { departmentid: await this.departmentOf(patientId), ...paging });
  }
}

/** `primarydepartmentid` (else `departmentid`) of GET /patients/{id}'s `[patient]`. */
export function primaryDepartmentOf(body: unknown): string {
  const record = Array.isArray(body) ? (body[0] as unknown) : body;
  if (record && typeof record === 'object') {
    const r = record as Record<string, unknown>;
    for (const value of [r.primarydepartmentid, r.departmentid]) {
      if ((typeof value === 'string' && /^\d{1,12}$/.test(value.trim())) || (typeof value === 'number' && Number.isInteger(value))) return String(value).trim();
    }
    // A patient athena knows but without a department cannot have a chart read or written (Metriport PR #4615).
    throw new SbError(ErrorCode.Conflict, 'The athena patient has no primary department', { details: { reason: 'no_primary_department' } });
  }
  throw new SbError(ErrorCode.NotFound, 'Resource not found', { details: { record: 'patient' } });
}
