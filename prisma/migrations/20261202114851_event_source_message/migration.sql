-- AlterTable
ALTER TABLE "Event" ADD COLUMN     "sourceMessageId" UUID;

-- CreateIndex
CREATE INDEX "Event_tenantId_sourceMessageId_idx" ON "Event"("tenantId", "sourceMessageId");

-- CreateIndex
CREATE INDEX "WebhookAttempt_deliveryId_attemptedAt_idx" ON "WebhookAttempt"("deliveryId", "attemptedAt");
