import { ErrorCode, SbError } from '@sb/core';

/** Why a FHIR resource could not be written as an HL7 v2 message. Codes only: no values. */
export type Hl7BuildProblem =
  | 'missing_code'
  | 'missing_subject'
  | 'missing_patient_identifier'
  | 'patient_mismatch'
  | 'missing_order_number'
  | 'missing_document_type'
  | 'missing_document_content'
  | 'invalid_attachment'
  | 'invalid_option';

/**
 * The resource lacks what the message needs. The message is static; `issues` name the
 * FHIR paths (never their values), so the error can be rendered as an OperationOutcome.
 */
export class Hl7BuildError extends SbError {
  constructor(
    readonly problem: Hl7BuildProblem,
    path: string,
  ) {
    super(ErrorCode.ValidationFailed, 'The resource cannot be sent as an HL7 v2 message', {
      details: { problem },
      issues: [{ path, message: PROBLEM_TEXT[problem] }],
    });
    this.name = 'Hl7BuildError';
  }
}

const PROBLEM_TEXT: Record<Hl7BuildProblem, string> = {
  missing_code: 'required: a coding with a code, or text',
  missing_subject: 'required: a reference to the patient',
  missing_patient_identifier: 'required: an identifier for the patient (PID-3), on the Patient or on the subject reference',
  patient_mismatch: 'the Patient given is not the subject of the resource',
  missing_order_number: 'required: an identifier or id for the placer order number',
  missing_document_type: 'required: the document type (TXA-2)',
  missing_document_content: 'required: at least one attachment with inline data',
  invalid_attachment: 'attachment data is not valid base64 or its character set is not supported',
  invalid_option: 'required option is missing or contains a line break',
};
