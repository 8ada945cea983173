-- CreateEnum
CREATE TYPE "Hl7OutboundStatus" AS ENUM ('pending', 'accepted', 'rejected', 'failed');

-- AlterEnum
ALTER TYPE "Hl7InboundStatus" ADD VALUE 'rejected';

-- DropIndex
DROP INDEX "Hl7InboundMessage_status_receivedAt_idx";

-- AlterTable
ALTER TABLE "Hl7InboundMessage" ADD COLUMN     "applicationAck" TEXT,
ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "leaseUntil" TIMESTAMPTZ(3),
ADD COLUMN     "patientKey" TEXT,
ADD COLUMN     "seq" BIGSERIAL NOT NULL;

-- CreateTable
CREATE TABLE "ClinicalResource" (
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "resourceType" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "patientId" TEXT,
    "identifiers" TEXT[],
    "nameTokens" TEXT[],
    "searchDate" TEXT,
    "resource" JSONB NOT NULL,
    "versionId" INTEGER NOT NULL DEFAULT 1,
    "sourceMessageId" UUID,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ClinicalResource_pkey" PRIMARY KEY ("connectionId","resourceType","id")
);

-- CreateTable
CREATE TABLE "Hl7OutboundMessage" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "controlId" TEXT NOT NULL,
    "messageType" TEXT NOT NULL,
    "sourceRef" TEXT NOT NULL,
    "raw" TEXT NOT NULL,
    "status" "Hl7OutboundStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseUntil" TIMESTAMPTZ(3),
    "ackCode" TEXT,
    "errorCode" TEXT,
    "errorText" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Hl7OutboundMessage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ClinicalResource_connectionId_resourceType_patientId_idx" ON "ClinicalResource"("connectionId", "resourceType", "patientId");

-- CreateIndex
CREATE INDEX "ClinicalResource_identifiers_idx" ON "ClinicalResource" USING GIN ("identifiers");

-- CreateIndex
CREATE INDEX "ClinicalResource_nameTokens_idx" ON "ClinicalResource" USING GIN ("nameTokens");

-- CreateIndex
CREATE INDEX "Hl7OutboundMessage_status_connectionId_seq_idx" ON "Hl7OutboundMessage"("status", "connectionId", "seq");

-- CreateIndex
CREATE INDEX "Hl7OutboundMessage_tenantId_createdAt_idx" ON "Hl7OutboundMessage"("tenantId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Hl7OutboundMessage_seq_key" ON "Hl7OutboundMessage"("seq");

-- CreateIndex
CREATE UNIQUE INDEX "Hl7OutboundMessage_connectionId_controlId_key" ON "Hl7OutboundMessage"("connectionId", "controlId");

-- CreateIndex
CREATE INDEX "Hl7InboundMessage_status_seq_idx" ON "Hl7InboundMessage"("status", "seq");

-- CreateIndex
CREATE INDEX "Hl7InboundMessage_connectionId_patientKey_seq_idx" ON "Hl7InboundMessage"("connectionId", "patientKey", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "Hl7InboundMessage_seq_key" ON "Hl7InboundMessage"("seq");

-- AddForeignKey
ALTER TABLE "ClinicalResource" ADD CONSTRAINT "ClinicalResource_connectionId_tenantId_fkey" FOREIGN KEY ("connectionId", "tenantId") REFERENCES "Connection"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Hl7OutboundMessage" ADD CONSTRAINT "Hl7OutboundMessage_connectionId_tenantId_fkey" FOREIGN KEY ("connectionId", "tenantId") REFERENCES "Connection"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;
