import { z } from 'zod';
import { compact, optFlag, optText, reqId } from './wire-primitives';
import { parsePage, parseSingle, type AthenaPage } from './wire-records';

/** A provider (`GET /providers`, `/providers/{id}`), /work/shared/notes/athena.md §5. */
export interface AthenaProvider {
  providerId: string;
  firstName?: string;
  lastName?: string;
  displayName?: string;
  /** As sent: athena sends a number, sometimes not a valid 10-digit NPI. */
  npi?: string;
  specialty?: string;
  providerTypeId?: string;
  providerType?: string;
  sex?: string;
  entityType?: string;
  homeDepartment?: string;
  billable?: boolean;
}

export const providerSchema = z
  .object({
    providerid: reqId,
    firstname: optText,
    lastname: optText,
    displayname: optText,
    npi: optText,
    specialty: optText,
    providertypeid: optText,
    providertype: optText,
    sex: optText,
    entitytype: optText,
    homedepartment: optText,
    billable: optFlag,
  })
  .transform(
    (p): AthenaProvider =>
      compact({
        providerId: p.providerid,
        firstName: p.firstname,
        lastName: p.lastname,
        displayName: p.displayname,
        npi: p.npi,
        specialty: p.specialty,
        providerTypeId: p.providertypeid,
        providerType: p.providertype,
        sex: p.sex,
        entityType: p.entitytype,
        homeDepartment: p.homedepartment,
        billable: p.billable,
      }),
  );

/** `GET /providers/{id}` (a one-element array) or one provider object. */
export const parseProvider = (json: unknown): AthenaProvider => parseSingle(providerSchema, json, 'provider');
/** `GET /providers` → `{providers: […], totalcount, next}`. */
export const parseProviderPage = (json: unknown): AthenaPage<AthenaProvider> => parsePage(providerSchema, json, 'providers', 'provider');
