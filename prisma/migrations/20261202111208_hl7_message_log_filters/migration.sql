-- AlterTable
ALTER TABLE "Hl7InboundMessage" ADD COLUMN     "patientIdHashes" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "resources" JSONB;

-- CreateIndex
CREATE INDEX "Hl7InboundMessage_patientIdHashes_idx" ON "Hl7InboundMessage" USING GIN ("patientIdHashes");
