import type { AthenaHttp, AthenaPage } from './athena-http';
import type { AthenaPaging } from './chart';

const seg = encodeURIComponent;

/** The form of POST /patients/{id}/documents/clinicaldocument: text (`documentdata`) or a base64 attachment. */
export interface AthenaClinicalDocumentUpload {
  departmentid: string;
  documentsubclass: string;
  documentdata?: string;
  attachmentcontents?: string;
  attachmenttype?: string;
  documenttypeid?: string;
  observationdate?: string;
  observationtime?: string;
  internalnote?: string;
  providerid?: string;
  autoclose?: boolean;
  priority?: string;
}

/** Clinical documents (notes): upload and read back. https://docs.athenahealth.com/api/workflows/management-class-specific-documents */
export class AthenaDocuments {
  constructor(private readonly http: AthenaHttp) {}

  /** → `{success: true, clinicaldocumentid}`; sent once (athena has no idempotency keys). */
  uploadClinicalDocument(patientId: string, upload: AthenaClinicalDocumentUpload): Promise<unknown> {
    return this.http.write('POST', `/patients/${seg(patientId)}/documents/clinicaldocument`, { ...upload });
  }

  /** → `[clinical document]`. */
  clinicalDocument(patientId: string, documentId: string): Promise<unknown> {
    return this.http.get(`/patients/${seg(patientId)}/documents/clinicaldocument/${seg(documentId)}`);
  }

  /** → `{clinicaldocuments, totalcount, next}` (departmentid required by athena). */
  clinicalDocuments(patientId: string, departmentId: string, paging: AthenaPaging = {}): Promise<AthenaPage> {
    return this.http.page(`/patients/${seg(patientId)}/documents/clinicaldocument`, { departmentid: departmentId, ...paging });
  }
}
