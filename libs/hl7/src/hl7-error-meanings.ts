import { Hl7ErrorCode } from './hl7-ack';

/**
 * What an error code on an HL7 message means, in words an administrator can act on:
 * the HL7 table 0357 codes Switchboard sends in ERR-3 (and that sites send back), and
 * the codes the outbound dispatcher records when a site never acknowledged.
 * See HL7 v2.5.1 ch. 2, table 0357 "Message error condition codes".
 */
export const HL7_ERROR_MEANINGS: Readonly<Record<string, string>> = {
  [Hl7ErrorCode.SegmentSequenceError]: 'Segment sequence error: a segment is missing, repeated or out of order for this message type (for example no PID, or OBX before OBR).',
  [Hl7ErrorCode.RequiredFieldMissing]: 'Required field missing: a field the conversion needs is empty (most often the patient identifier in PID-3, or the dialect points at an empty field).',
  [Hl7ErrorCode.DataTypeError]: 'Data type error: a field does not hold a value of its type (for example a date/time that does not parse, or a non-numeric number).',
  [Hl7ErrorCode.TableValueNotFound]: 'Table value not found: a coded field holds a value outside its HL7 table; map it in the connection dialect.',
  [Hl7ErrorCode.UnsupportedMessageType]: 'Unsupported message type: Switchboard does not convert this message type (MSH-9.1); ask the site to stop sending it or filter it on their side.',
  [Hl7ErrorCode.UnsupportedEventCode]: 'Unsupported event code: the trigger event (MSH-9.2) is not one Switchboard converts for this message type.',
  [Hl7ErrorCode.UnsupportedProcessingId]: 'Unsupported processing id: MSH-11 names a processing mode this connection does not accept.',
  [Hl7ErrorCode.UnsupportedVersionId]: 'Unsupported version: MSH-12 names an HL7 version Switchboard does not convert (2.3 to 2.8.2 are converted).',
  [Hl7ErrorCode.UnknownKeyIdentifier]: 'Unknown key identifier: the sender (MSH-3/MSH-4) matches no enabled HL7 connection, or a referenced record does not exist; check the sending facility and application set on the connection.',
  [Hl7ErrorCode.DuplicateKeyIdentifier]: 'Duplicate key identifier: the message would create a record that already exists.',
  [Hl7ErrorCode.ApplicationRecordLocked]: 'Application record locked: the receiving application could not update the record right now; the message can be sent again later.',
  [Hl7ErrorCode.ApplicationInternalError]:
    'Application internal error: the message was too large, arrived without TLS when the connection requires it, or without the client certificate pinned on the connection (ERR-8 says which), or processing kept failing for a reason other than its content; check the gateway logs by message time, then reprocess.',
  no_destination: 'No destination: the connection has no MLLP host and port to send to; set them on the connection.',
  vendor_timeout: 'No acknowledgment: the site did not answer within the timeout on any attempt; check that its listener is up and reachable.',
  dependency_unavailable: 'Could not reach the site: the connection was refused, dropped or the TLS handshake failed; check host, port, firewall and certificates.',
  tls_failed:
    'TLS handshake failed: the site refused our client certificate (or none was set and it requires one), or its certificate did not verify against the CA bundle (or the system CAs); check the connection’s MLLP certificate secrets with the site.',
  mllp_client_cert_missing: 'The vault secret named as the connection’s MLLP client certificate does not exist; set it (the PEM certificate chain and its private key in one secret); messages queued after that use it.',
  mllp_client_cert_invalid:
    'The MLLP client certificate secret is not usable: it must hold the PEM certificate chain and exactly one unencrypted PEM private key belonging to one of the certificates; set it again.',
  mllp_ca_missing: 'The vault secret named as the connection’s MLLP CA bundle does not exist; set it (PEM certificates) or clear the setting to use the system CAs.',
  mllp_ca_invalid: 'The MLLP CA bundle secret holds no readable PEM certificate; set it again.',
  bad_request: 'The message could not be sent: it has no usable MSH, or the destination address is not allowed by the outbound policy (a private or loopback address for a production connection).',
  internal: 'An unexpected error; check the gateway logs by message time.',
};

/** The meaning of an error code on an HL7 message, or null for none / an unknown code. */
export const hl7ErrorMeaning = (code: string | null | undefined): string | null => (code ? (HL7_ERROR_MEANINGS[code] ?? null) : null);
