-- The inbound claim asks, of each candidate, whether its patient has an older unprocessed
-- message (see Hl7InboundRepository.claim): this index holds received rows only. Writes to
-- "Hl7InboundMessage" wait while it is built (one read of the table; the migration is one transaction).

-- CreateIndex
CREATE INDEX "Hl7InboundMessage_received_patient_idx" ON "Hl7InboundMessage"("connectionId", "patientKey", "seq") WHERE (status = 'received');
