-- CreateEnum
CREATE TYPE "ConnectionHealthStatus" AS ENUM ('unknown', 'healthy', 'degraded', 'down');

-- CreateTable
CREATE TABLE "ConnectionHealthState" (
    "connectionId" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "status" "ConnectionHealthStatus" NOT NULL DEFAULT 'unknown',
    "statusSince" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastCheckAt" TIMESTAMPTZ(3),
    "lastCheckOk" BOOLEAN,
    "lastCheckError" TEXT,
    "checkFailures" INTEGER NOT NULL DEFAULT 0,
    "lastSuccessAt" TIMESTAMPTZ(3),
    "recentCalls" INTEGER NOT NULL DEFAULT 0,
    "recentErrors" INTEGER NOT NULL DEFAULT 0,
    "expiresSoon" JSONB NOT NULL DEFAULT '[]',
    "nextCheckAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConnectionHealthState_pkey" PRIMARY KEY ("connectionId")
);

-- CreateTable
CREATE TABLE "ConnectionHealthChange" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "from" "ConnectionHealthStatus" NOT NULL,
    "to" "ConnectionHealthStatus" NOT NULL,
    "reason" TEXT NOT NULL,
    "errorCode" TEXT,
    "eventId" UUID,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConnectionHealthChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ConnectionHealthState_nextCheckAt_idx" ON "ConnectionHealthState"("nextCheckAt");

-- CreateIndex
CREATE UNIQUE INDEX "ConnectionHealthState_connectionId_tenantId_key" ON "ConnectionHealthState"("connectionId", "tenantId");

-- CreateIndex
CREATE INDEX "ConnectionHealthChange_tenantId_connectionId_at_idx" ON "ConnectionHealthChange"("tenantId", "connectionId", "at");

-- AddForeignKey
ALTER TABLE "ConnectionHealthState" ADD CONSTRAINT "ConnectionHealthState_connectionId_tenantId_fkey" FOREIGN KEY ("connectionId", "tenantId") REFERENCES "Connection"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConnectionHealthChange" ADD CONSTRAINT "ConnectionHealthChange_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConnectionHealthChange" ADD CONSTRAINT "ConnectionHealthChange_connectionId_tenantId_fkey" FOREIGN KEY ("connectionId", "tenantId") REFERENCES "Connection"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;
