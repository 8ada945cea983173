-- DropIndex
DROP INDEX "WebhookDelivery_endpointId_orderingKey_seq_idx";

-- DropIndex
DROP INDEX "WebhookDelivery_status_nextAttemptAt_idx";

-- CreateIndex
CREATE INDEX "WebhookDelivery_pending_due_idx" ON "WebhookDelivery"("endpointId", "nextAttemptAt", "seq") WHERE (status = 'pending');

-- CreateIndex
CREATE INDEX "WebhookDelivery_pending_lease_idx" ON "WebhookDelivery"("endpointId", "leaseUntil") WHERE (status = 'pending');

-- CreateIndex
CREATE INDEX "WebhookDelivery_pending_ordering_idx" ON "WebhookDelivery"("endpointId", "orderingKey", "seq") WHERE (status = 'pending');
