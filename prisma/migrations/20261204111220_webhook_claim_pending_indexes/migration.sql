-- The webhook claim reads pending deliveries only (see WebhookDeliveryRepository.claimDue).
-- The migration runs as one transaction: writes to "WebhookDelivery" wait while the three
-- indexes are built (each reads the table once; only pending rows are indexed). The new
-- indexes come first, so a claim never runs without either set.

-- CreateIndex
CREATE INDEX "WebhookDelivery_pending_due_idx" ON "WebhookDelivery"("endpointId", "nextAttemptAt", "seq") WHERE (status = 'pending');

-- CreateIndex
CREATE INDEX "WebhookDelivery_pending_lease_idx" ON "WebhookDelivery"("endpointId", "leaseUntil") WHERE (status = 'pending');

-- CreateIndex
CREATE INDEX "WebhookDelivery_pending_ordering_idx" ON "WebhookDelivery"("endpointId", "orderingKey", "seq") WHERE (status = 'pending');

-- DropIndex
DROP INDEX "WebhookDelivery_endpointId_orderingKey_seq_idx";

-- DropIndex
DROP INDEX "WebhookDelivery_status_nextAttemptAt_idx";
