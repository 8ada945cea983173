-- The message log's and the quarantine list's status filters come from Prisma, which compares an
-- enum through a cast that Postgres cannot match against a partial index's predicate: they need the
-- full (status, seq) index back. The worker's claim keeps its partial index of waiting messages.
-- DropIndex
DROP INDEX "Hl7InboundMessage_quarantined_seq_idx";

-- CreateIndex
CREATE INDEX "Hl7InboundMessage_status_seq_idx" ON "Hl7InboundMessage"("status", "seq");
