import { ErrorCode, SbError, isSbError } from '@sb/core';
import type { AthenaHttp, AthenaPage } from './athena-http';
import type { AthenaPaging } from './chart';

const seg = encodeURIComponent;

/** Open-slot query: department required; dates MM/DD/YYYY (department-local days). */
export interface AthenaOpenSlotQuery extends AthenaPaging {
  departmentid: string | readonly string[];
  startdate?: string;
  enddate?: string;
  providerid?: string | readonly string[];
  appointmenttypeid?: string;
}

/** Booked-appointment query: departments and a date range are required by athena. */
export interface AthenaBookedQuery extends AthenaPaging {
  departmentid: readonly string[];
  startdate: string;
  enddate: string;
  patientid?: string;
  providerid?: string | readonly string[];
  showcancelled?: boolean;
}

export interface AthenaBooking {
  patientid: string;
  appointmenttypeid?: string;
  departmentid?: string;
  bookingnote?: string;
}

/**
 * Scheduling: the directory (departments, providers), open slots, booking onto a
 * slot id, cancelling, and booked appointments.
 * https://docs.athenahealth.com/api/api-ref/appointment, …/appointment-slot
 */
export class AthenaScheduling {
  constructor(private readonly http: AthenaHttp) {}

  departments(paging: AthenaPaging = {}): Promise<AthenaPage> {
    return this.http.page('/departments', { ...paging });
  }

  department(departmentId: string): Promise<unknown> {
    return this.http.get(`/departments/${seg(departmentId)}`);
  }

  providers(paging: AthenaPaging = {}): Promise<AthenaPage> {
    return this.http.page('/providers', { ...paging });
  }

  provider(providerId: string): Promise<unknown> {
    return this.http.get(`/providers/${seg(providerId)}`);
  }

  /** GET /appointments/open → `{appointments: [slot…], totalcount, next}`. */
  openSlots(query: AthenaOpenSlotQuery): Promise<AthenaPage> {
    return this.http.page('/appointments/open', { ...query });
  }

  /** GET /appointments/{id} → `[appointment or slot]`. */
  appointment(appointmentId: string): Promise<unknown> {
    return this.http.get(`/appointments/${seg(appointmentId)}`);
  }

  /**
   * GET /appointments/booked/multipledepartment (one department: /appointments/booked) →
   * `{appointments, totalcount, next}`.
   */
  booked(query: AthenaBookedQuery): Promise<AthenaPage> {
    const path = query.departmentid.length === 1 ? '/appointments/booked' : '/appointments/booked/multipledepartment';
    return this.http.page(path, { ...query, departmentid: query.departmentid.length === 1 ? query.departmentid[0] : query.departmentid.join(',') });
  }

  /**
   * PUT /appointments/{slotid} → `[booked appointment]`. Sent once: on a timeout the
   * caller checks the slot (GET /appointments/{slotid}) before anything else. A taken
   * slot (athena's 409) is Conflict with details.reason "slot_unavailable".
   */
  async book(slotId: string, booking: AthenaBooking): Promise<unknown> {
    try {
      return await this.http.write('PUT', `/appointments/${seg(slotId)}`, { ...booking });
    } catch (error) {
      if (isSbError(error) && error.code === ErrorCode.Conflict) {
        throw new SbError(ErrorCode.Conflict, 'The slot is already booked or not available for booking', { details: { reason: 'slot_unavailable', vendorStatus: 409 }, cause: error });
      }
      throw error;
    }
  }

  /** PUT /appointments/{id}/cancel (patientid and a reason required) → `{status: "x"}`. */
  cancel(appointmentId: string, cancel: { patientid: string; cancellationreason: string; appointmentcancelreasonid?: string }): Promise<unknown> {
    return this.http.write('PUT', `/appointments/${seg(appointmentId)}/cancel`, { ...cancel });
  }
}
