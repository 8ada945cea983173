import type { AthenaHttp, AthenaPage } from './athena-http';

/** Patient search criteria athena takes (dob as MM/DD/YYYY). */
export interface AthenaPatientSearch {
  firstname?: string;
  lastname?: string;
  dob?: string;
  departmentid?: string;
  limit?: number;
  offset?: number;
}

const seg = encodeURIComponent;

/** athena's patients: read (a bare one-element array), search (paged), best match. https://docs.athenahealth.com/api/api-ref/patient */
export class AthenaPatients {
  constructor(private readonly http: AthenaHttp) {}

  /** GET /patients/{patientid} → `[patient]`. */
  get(patientId: string): Promise<unknown> {
    return this.http.get(`/patients/${seg(patientId)}`);
  }

  /** GET /patients?lastname=&firstname=&dob= → `{patients, totalcount, next}`. */
  search(criteria: AthenaPatientSearch): Promise<AthenaPage> {
    return this.http.page('/patients', { ...criteria });
  }

  /** GET /patients/enhancedbestmatch (firstname, lastname, dob required) → `[patient + score]`. */
  bestMatch(criteria: Required<Pick<AthenaPatientSearch, 'firstname' | 'lastname' | 'dob'>> & { departmentid?: string }): Promise<unknown> {
    return this.http.get('/patients/enhancedbestmatch', { ...criteria });
  }
}
