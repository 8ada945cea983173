import type { Hl7MessageDetail, Hl7MessageSummary } from '../api/types';

/** Test data for the messages feature's component tests. */
export const HL7_CONNECTION_ID = 'c-hl7';

export function summary(overrides: Partial<Hl7MessageSummary> = {}): Hl7MessageSummary {
  return {
    id: 'm-1',
    connectionId: HL7_CONNECTION_ID,
    controlId: 'CTRL-0001',
    messageType: 'ADT^A01',
    version: '2.5.1',
    status: 'processed',
    ackCode: 'AA',
    errorCode: null,
    errorMeaning: null,
    attempts: 1,
    receivedAt: '2026-12-02T09:00:00.000Z',
    processedAt: '2026-12-02T09:00:01.000Z',
    ...overrides,
  };
}

export function detail(overrides: Partial<Hl7MessageDetail> = {}): Hl7MessageDetail {
  return {
    ...summary(),
    raw: 'MSH|^~\\&|LAB|SPRINGFIELD|SB|SB|20261202090000||ORU^R01|CTRL-0001|P|2.5.1\rPID|1||MRN-778899^^^SPRINGFIELD^MR||Doe^Jane\rOBX|1|NM|GLU^Glucose^L||5.4|mmol/L',
    ack: 'MSH|^~\\&|SB|SB|LAB|SPRINGFIELD|20261202090001||ACK|A1|P|2.5.1\rMSA|AA|CTRL-0001',
    applicationAck: null,
    resources: [
      { resourceType: 'Patient', id: 'p-1', identifier: [{ system: 'urn:mrn', value: 'MRN-778899' }] },
      { resourceType: 'DiagnosticReport', id: 'dr-1', status: 'final' },
    ],
    messageType: 'ORU^R01',
    ...overrides,
  };
}
