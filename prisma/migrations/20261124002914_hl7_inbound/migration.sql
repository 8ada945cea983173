-- CreateEnum
CREATE TYPE "Hl7AckMode" AS ENUM ('original', 'enhanced', 'immediate');

-- CreateEnum
CREATE TYPE "Hl7InboundStatus" AS ENUM ('received', 'processed', 'failed', 'quarantined');

-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "hl7AckMode" "Hl7AckMode" NOT NULL DEFAULT 'original';

-- CreateTable
CREATE TABLE "Hl7InboundMessage" (
    "id" UUID NOT NULL,
    "tenantId" UUID,
    "connectionId" UUID,
    "controlId" TEXT NOT NULL,
    "messageType" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "sendingApplication" TEXT NOT NULL,
    "sendingFacility" TEXT NOT NULL,
    "raw" TEXT NOT NULL,
    "status" "Hl7InboundStatus" NOT NULL DEFAULT 'received',
    "ack" TEXT NOT NULL,
    "ackCode" TEXT NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" TIMESTAMPTZ(3),
    "errorCode" TEXT,

    CONSTRAINT "Hl7InboundMessage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Hl7InboundMessage_tenantId_receivedAt_idx" ON "Hl7InboundMessage"("tenantId", "receivedAt");

-- CreateIndex
CREATE INDEX "Hl7InboundMessage_status_receivedAt_idx" ON "Hl7InboundMessage"("status", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Hl7InboundMessage_connectionId_controlId_key" ON "Hl7InboundMessage"("connectionId", "controlId");

-- AddForeignKey
ALTER TABLE "Hl7InboundMessage" ADD CONSTRAINT "Hl7InboundMessage_connectionId_tenantId_fkey" FOREIGN KEY ("connectionId", "tenantId") REFERENCES "Connection"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;
