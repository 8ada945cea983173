import { z } from 'zod';
import { fixedOffsetZone, ianaZone } from './athena-time';
import { compact, optFlag, optNumber, optText, reqId } from './wire-primitives';
import { parsePage, parseSingle, type AthenaPage } from './wire-records';

/** A department (`GET /departments`, `/departments/{id}`), /work/shared/notes/athena.md §5. */
export interface AthenaDepartment {
  departmentId: string;
  /** Internal name (`Foo_Bar_Health_Boston`). */
  name?: string;
  /** The name patients see. */
  patientDepartmentName?: string;
  address1?: string;
  address2?: string;
  city?: string;
  state?: string;
  zip?: string;
  phone?: string;
  fax?: string;
  /** `timezonename` as sent (`US/Eastern`). */
  timeZoneName?: string;
  /**
   * The zone local times of this department are in: the IANA zone for `timezonename`, else a fixed
   * offset when the department does not observe DST; undefined when neither is known.
   */
  timeZone?: string;
  providerGroupId?: string;
  chartSharingGroupId?: string;
  placeOfServiceTypeId?: string;
  clinicals?: string;
  isHospitalDepartment?: boolean;
  latitude?: number;
  longitude?: number;
}

export const departmentSchema = z
  .object({
    departmentid: reqId,
    name: optText,
    patientdepartmentname: optText,
    address: optText,
    address2: optText,
    city: optText,
    state: optText,
    zip: optText,
    phone: optText,
    fax: optText,
    timezonename: optText,
    timezoneoffset: optNumber,
    doesnotobservedst: optFlag,
    providergroupid: optText,
    chartsharinggroupid: optText,
    placeofservicetypeid: optText,
    clinicals: optText,
    ishospitaldepartment: optFlag,
    latitude: optNumber,
    longitude: optNumber,
  })
  .transform(
    (d): AthenaDepartment =>
      compact({
        departmentId: d.departmentid,
        name: d.name,
        patientDepartmentName: d.patientdepartmentname,
        address1: d.address,
        address2: d.address2,
        city: d.city,
        state: d.state,
        zip: d.zip,
        phone: d.phone,
        fax: d.fax,
        timeZoneName: d.timezonename,
        timeZone: ianaZone(d.timezonename) ?? (d.doesnotobservedst ? fixedOffsetZone(d.timezoneoffset) : undefined),
        providerGroupId: d.providergroupid,
        chartSharingGroupId: d.chartsharinggroupid,
        placeOfServiceTypeId: d.placeofservicetypeid,
        clinicals: d.clinicals,
        isHospitalDepartment: d.ishospitaldepartment,
        latitude: d.latitude,
        longitude: d.longitude,
      }),
  );

/** `GET /departments/{id}` (a one-element array) or one department object. */
export const parseDepartment = (json: unknown): AthenaDepartment => parseSingle(departmentSchema, json, 'department');
/** `GET /departments` → `{departments: […], totalcount, next}`. */
export const parseDepartmentPage = (json: unknown): AthenaPage<AthenaDepartment> => parsePage(departmentSchema, json, 'departments', 'department');
