import { sendReply, type Reply } from '../fhir/reply';
import type { SandboxTimers } from '../sandbox-timers';
import type { AthenaCall, AthenaRoutes } from './athena-call';
import { checkUpload, clinicalDocumentOf, renderDocument } from './athena-documents';
import { athenaJson, ATHENA_ERRORS, softFailure } from './athena-reply';
import { instantOf, parseUsDate } from './athena-time';
import { departmentById } from './athena-directory';
import { listReply } from './routes-directory';
import { patientOf } from './routes-patients';

const BASE = '/patients/:patientid/documents/clinicaldocument';

function upload(call: AthenaCall): Reply {
  const patient = patientOf(call);
  if (!('patientid' in patient)) return patient;
  const checked = checkUpload(call.params, (id) => call.practice.hasDepartment(id));
  if (!checked.ok) return softFailure(checked.errormessage);
  const { observationDate, observationTime, ...upload } = checked.upload;
  const zone = departmentById(upload.departmentid)?.zone ?? 'America/New_York';
  const date = observationDate ? parseUsDate(observationDate) : undefined;
  const time = /^(\d{1,2}):(\d{2})$/.exec(observationTime ?? '');
  const observationMs = date ? instantOf({ ...date, hour: Number(time?.[1] ?? 0), minute: Number(time?.[2] ?? 0) }, zone) : call.nowMs;
  const document = clinicalDocumentOf({ ...upload, clinicaldocumentid: call.practice.newDocumentId(), patientid: patient.patientid, createdMs: call.nowMs, observationMs });
  call.practice.documentsOf(patient.patientid).push(document);
  return athenaJson(200, { success: true, clinicaldocumentid: document.clinicaldocumentid });
}

function documentOf(call: AthenaCall): ReturnType<AthenaCall['practice']['documentsOf']>[number] | Reply {
  const patient = patientOf(call);
  if (!('patientid' in patient)) return patient;
  const id = Number(call.path.documentid);
  return call.practice.documentsOf(patient.patientid).find((d) => d.clinicaldocumentid === id) ?? ATHENA_ERRORS.notFound('The document ID is invalid.');
}

/**
 * Note write-back and read-back: POST …/clinicaldocument (form), GET the
 * patient's clinical documents (departmentid required), one document (a bare
 * one-element array) and an attachment's page.
 */
export function documentRoutes(r: AthenaRoutes, timers: SandboxTimers): void {
  r.post(BASE, upload);
  r.get(BASE, (call) => {
    const patient = patientOf(call);
    if (!('patientid' in patient)) return patient;
    const missing = call.params.missing(['departmentid']);
    if (missing.length > 0) return ATHENA_ERRORS.missingFields(missing);
    const docs = call.practice.documentsOf(patient.patientid).map((d) => renderDocument(d, call.practiceId));
    return listReply(call, `/patients/${patient.patientid}/documents/clinicaldocument`, 'clinicaldocuments', docs);
  });
  r.get(`${BASE}/:documentid`, (call) => {
    const doc = documentOf(call);
    return 'clinicaldocumentid' in doc ? athenaJson(200, [renderDocument(doc, call.practiceId)]) : doc;
  });
  r.getRaw(`${BASE}/:documentid/pages/:pageid`, (call, res) => {
    const doc = documentOf(call);
    if (!('clinicaldocumentid' in doc)) return void sendReply(res, doc, timers, call.fault);
    if (doc.content.kind !== 'attachment' || call.path.pageid !== '1') return void sendReply(res, ATHENA_ERRORS.notFound('The page ID is invalid.'), timers, call.fault);
    res.status(200).type(doc.content.contentType).end(doc.content.bytes);
  });
}
