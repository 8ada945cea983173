-- CreateEnum
CREATE TYPE "BulkExportLevel" AS ENUM ('system', 'patient', 'group');

-- CreateEnum
CREATE TYPE "BulkExportStatus" AS ENUM ('requested', 'kicked_off', 'downloading', 'completed', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "BulkExportFileKind" AS ENUM ('output', 'error');

-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "bulkGroupIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "bulkGroupWindowHours" INTEGER;

-- CreateTable
CREATE TABLE "BulkExport" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "level" "BulkExportLevel" NOT NULL,
    "groupId" TEXT,
    "status" "BulkExportStatus" NOT NULL DEFAULT 'requested',
    "requestUrl" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "requestHash" TEXT NOT NULL,
    "requiresAccessToken" BOOLEAN NOT NULL DEFAULT true,
    "vendorStatusUrl" TEXT,
    "vendorKickedOffAt" TIMESTAMPTZ(3),
    "vendorCompletedAt" TIMESTAMPTZ(3),
    "nextRunAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "progressPercent" INTEGER NOT NULL DEFAULT 0,
    "resourceCount" INTEGER NOT NULL DEFAULT 0,
    "counts" JSONB NOT NULL DEFAULT '{}',
    "issues" JSONB NOT NULL DEFAULT '[]',
    "errorCode" TEXT,
    "transactionTime" TIMESTAMPTZ(3),
    "lastPolledAt" TIMESTAMPTZ(3),
    "earlyPolls" INTEGER NOT NULL DEFAULT 0,
    "completedAt" TIMESTAMPTZ(3),
    "expiresAt" TIMESTAMPTZ(3),
    "cancelledAt" TIMESTAMPTZ(3),
    "purgedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BulkExport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BulkExportFile" (
    "exportId" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "kind" "BulkExportFileKind" NOT NULL,
    "resourceType" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "vendorUrl" TEXT,
    "objectKey" TEXT NOT NULL,
    "done" BOOLEAN NOT NULL DEFAULT false,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "lines" INTEGER NOT NULL DEFAULT 0,
    "sha256" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BulkExportFile_pkey" PRIMARY KEY ("exportId","kind","resourceType","seq")
);

-- CreateIndex
CREATE INDEX "BulkExport_tenantId_connectionId_createdAt_idx" ON "BulkExport"("tenantId", "connectionId", "createdAt");

-- CreateIndex
CREATE INDEX "BulkExport_status_nextRunAt_idx" ON "BulkExport"("status", "nextRunAt");

-- CreateIndex
CREATE INDEX "BulkExport_purgedAt_status_idx" ON "BulkExport"("purgedAt", "status");

-- CreateIndex
CREATE INDEX "BulkExport_connectionId_requestHash_status_idx" ON "BulkExport"("connectionId", "requestHash", "status");

-- CreateIndex
CREATE INDEX "BulkExport_expiresAt_idx" ON "BulkExport"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "BulkExport_id_tenantId_key" ON "BulkExport"("id", "tenantId");

-- AddForeignKey
ALTER TABLE "BulkExport" ADD CONSTRAINT "BulkExport_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BulkExport" ADD CONSTRAINT "BulkExport_connectionId_tenantId_fkey" FOREIGN KEY ("connectionId", "tenantId") REFERENCES "Connection"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BulkExportFile" ADD CONSTRAINT "BulkExportFile_exportId_tenantId_fkey" FOREIGN KEY ("exportId", "tenantId") REFERENCES "BulkExport"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;
