-- The worker's claim reads the oldest waiting messages. Over the (status, seq) index, or over seq when
-- the planner's statistics lag a burst, it stepped over every message processed since the last
-- vacuum: 4 → 7 ms per claim within one 18,000-message drain. A partial index holds the waiting
-- messages alone. The (connectionId, patientKey, seq) index had no reader left.
-- DropIndex
DROP INDEX "Hl7InboundMessage_connectionId_patientKey_seq_idx";

-- DropIndex
DROP INDEX "Hl7InboundMessage_status_seq_idx";

-- CreateIndex
CREATE INDEX "Hl7InboundMessage_received_seq_idx" ON "Hl7InboundMessage"("seq") WHERE (status = 'received');

-- CreateIndex
CREATE INDEX "Hl7InboundMessage_quarantined_seq_idx" ON "Hl7InboundMessage"("seq") WHERE (status = 'quarantined');
