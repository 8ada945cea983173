-- CreateTable
CREATE TABLE "IdempotencyRecord" (
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "status" INTEGER,
    "responseBody" JSONB,
    "location" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMPTZ(3),

    CONSTRAINT "IdempotencyRecord_pkey" PRIMARY KEY ("tenantId","connectionId","key")
);

-- CreateIndex
CREATE INDEX "IdempotencyRecord_createdAt_idx" ON "IdempotencyRecord"("createdAt");

-- AddForeignKey
ALTER TABLE "IdempotencyRecord" ADD CONSTRAINT "IdempotencyRecord_connectionId_tenantId_fkey" FOREIGN KEY ("connectionId", "tenantId") REFERENCES "Connection"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;
