-- CreateTable
CREATE TABLE "HealthAlertRule" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "connectionIds" UUID[],
    "to" "ConnectionHealthStatus"[],
    "quietFrom" TEXT,
    "quietTo" TEXT,
    "quietTimezone" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" TIMESTAMPTZ(3),

    CONSTRAINT "HealthAlertRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HealthAlertFiring" (
    "ruleId" UUID NOT NULL,
    "changeId" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "status" "ConnectionHealthStatus" NOT NULL,
    "suppressed" BOOLEAN NOT NULL,
    "eventId" UUID,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "HealthAlertFiring_pkey" PRIMARY KEY ("ruleId","changeId")
);

-- CreateIndex
CREATE INDEX "HealthAlertRule_tenantId_idx" ON "HealthAlertRule"("tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "HealthAlertRule_id_tenantId_key" ON "HealthAlertRule"("id", "tenantId");

-- CreateIndex
CREATE INDEX "HealthAlertFiring_tenantId_ruleId_at_idx" ON "HealthAlertFiring"("tenantId", "ruleId", "at");

-- AddForeignKey
ALTER TABLE "HealthAlertFiring" ADD CONSTRAINT "HealthAlertFiring_ruleId_tenantId_fkey" FOREIGN KEY ("ruleId", "tenantId") REFERENCES "HealthAlertRule"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;
