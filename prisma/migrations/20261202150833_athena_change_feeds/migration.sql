-- CreateEnum
CREATE TYPE "AthenaFeed" AS ENUM ('appointments', 'patients');

-- CreateEnum
CREATE TYPE "AthenaSubscriptionState" AS ENUM ('unknown', 'pending', 'active');

-- CreateTable
CREATE TABLE "AthenaFeedState" (
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "feed" "AthenaFeed" NOT NULL,
    "subscription" "AthenaSubscriptionState" NOT NULL DEFAULT 'unknown',
    "subscribedAt" TIMESTAMPTZ(3),
    "failures" INTEGER NOT NULL DEFAULT 0,
    "lastErrorCode" TEXT,
    "startedAt" TIMESTAMPTZ(3),
    "lastPolledAt" TIMESTAMPTZ(3),
    "lastReplayAt" TIMESTAMPTZ(3),
    "lastPageAt" TIMESTAMPTZ(3),
    "nextPollAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMPTZ(3),
    "leaseEpoch" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AthenaFeedState_pkey" PRIMARY KEY ("connectionId","feed")
);

-- CreateTable
CREATE TABLE "AthenaChangePage" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "feed" "AthenaFeed" NOT NULL,
    "replay" BOOLEAN NOT NULL DEFAULT false,
    "fetchedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "itemCount" INTEGER NOT NULL,
    "items" JSONB NOT NULL,
    "processedAt" TIMESTAMPTZ(3),
    "eventCount" INTEGER,

    CONSTRAINT "AthenaChangePage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AthenaRecordState" (
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "feed" "AthenaFeed" NOT NULL,
    "recordId" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "status" TEXT,
    "patientId" TEXT,
    "scheduleHash" TEXT,
    "modifiedAt" TIMESTAMPTZ(3),
    "previous" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AthenaRecordState_pkey" PRIMARY KEY ("connectionId","feed","recordId")
);

-- CreateIndex
CREATE INDEX "AthenaFeedState_nextPollAt_idx" ON "AthenaFeedState"("nextPollAt");

-- CreateIndex
CREATE INDEX "AthenaFeedState_tenantId_idx" ON "AthenaFeedState"("tenantId");

-- CreateIndex
CREATE INDEX "AthenaChangePage_connectionId_feed_processedAt_seq_idx" ON "AthenaChangePage"("connectionId", "feed", "processedAt", "seq");

-- CreateIndex
CREATE INDEX "AthenaChangePage_processedAt_idx" ON "AthenaChangePage"("processedAt");

-- CreateIndex
CREATE UNIQUE INDEX "AthenaChangePage_seq_key" ON "AthenaChangePage"("seq");

-- CreateIndex
CREATE INDEX "AthenaRecordState_tenantId_idx" ON "AthenaRecordState"("tenantId");

-- CreateIndex
CREATE INDEX "Event_connectionId_patientRef_occurredAt_idx" ON "Event"("connectionId", "patientRef", "occurredAt");

-- AddForeignKey
ALTER TABLE "AthenaFeedState" ADD CONSTRAINT "AthenaFeedState_connectionId_tenantId_fkey" FOREIGN KEY ("connectionId", "tenantId") REFERENCES "Connection"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AthenaChangePage" ADD CONSTRAINT "AthenaChangePage_connectionId_tenantId_fkey" FOREIGN KEY ("connectionId", "tenantId") REFERENCES "Connection"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AthenaRecordState" ADD CONSTRAINT "AthenaRecordState_connectionId_tenantId_fkey" FOREIGN KEY ("connectionId", "tenantId") REFERENCES "Connection"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;
