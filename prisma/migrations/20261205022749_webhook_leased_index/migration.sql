-- The webhook claim counts each endpoint's leases (its attempts in flight). Through an index over
-- every pending delivery, and chosen on statistics taken before a backlog grew, that count stepped
-- over the endpoint's whole backlog: behind a hanging endpoint every claim grew with it. The index
-- now holds the leased rows alone. Built first, so a claim never runs without one; the migration
-- runs as one transaction, and writes to "WebhookDelivery" wait while the index is built.

-- CreateIndex
CREATE INDEX "WebhookDelivery_leased_idx" ON "WebhookDelivery"("endpointId", "leaseUntil") WHERE ("leaseUntil" IS NOT NULL);

-- DropIndex
DROP INDEX "WebhookDelivery_pending_lease_idx";
