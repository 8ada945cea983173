-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "wentLiveAt" TIMESTAMPTZ(3);

-- AlterTable
-- Hand-edited: existing rows get their connection's environment and class, and are queued for the rollup.
ALTER TABLE "UsageEvent" ADD COLUMN     "billable" BOOLEAN,
ADD COLUMN     "class" TEXT,
ADD COLUMN     "environment" "ConnectionEnvironment",
ADD COLUMN     "nonBillableReason" TEXT,
ADD COLUMN     "units" INTEGER NOT NULL DEFAULT 1;

UPDATE "UsageEvent" u SET
  "environment" = c."environment",
  "class" = CASE u."operation"
    WHEN 'read' THEN 'fhir.read' WHEN 'search' THEN 'fhir.search'
    WHEN 'create' THEN 'fhir.write' WHEN 'update' THEN 'fhir.write' WHEN 'delete' THEN 'fhir.write'
    WHEN 'message.in' THEN 'hl7.in' WHEN 'message.out' THEN 'hl7.out' WHEN 'bulk-export' THEN 'bulk.resource'
    ELSE NULL END
FROM "Connection" c WHERE c."id" = u."connectionId";
UPDATE "UsageEvent" SET
  "nonBillableReason" = CASE WHEN "outcome" = 'error' THEN 'failed' WHEN "environment" = 'sandbox' THEN 'sandbox' WHEN "class" IS NULL THEN 'unclassified' ELSE NULL END;
UPDATE "UsageEvent" SET "billable" = ("nonBillableReason" IS NULL);
ALTER TABLE "UsageEvent" ALTER COLUMN "billable" SET NOT NULL, ALTER COLUMN "environment" SET NOT NULL;

-- CreateTable
CREATE TABLE "UsageRollupQueue" (
    "usageId" UUID NOT NULL,
    "enqueuedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UsageRollupQueue_pkey" PRIMARY KEY ("usageId")
);

-- CreateTable
CREATE TABLE "UsageRollup" (
    "tenantId" UUID NOT NULL,
    "bucketStart" TIMESTAMPTZ(3) NOT NULL,
    "connectionId" UUID NOT NULL,
    "vendor" "ConnectionVendor" NOT NULL,
    "operation" TEXT NOT NULL,
    "resourceType" TEXT NOT NULL,
    "class" TEXT NOT NULL,
    "environment" "ConnectionEnvironment" NOT NULL,
    "outcome" "TransactionOutcome" NOT NULL,
    "billable" BOOLEAN NOT NULL,
    "count" INTEGER NOT NULL,
    "units" INTEGER NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UsageRollup_pkey" PRIMARY KEY ("tenantId","bucketStart","connectionId","operation","resourceType","class","environment","outcome","billable")
);

-- CreateTable
CREATE TABLE "UsagePeriodTotal" (
    "tenantId" UUID NOT NULL,
    "periodStart" TIMESTAMPTZ(3) NOT NULL,
    "connectionId" UUID NOT NULL,
    "class" TEXT NOT NULL,
    "environment" "ConnectionEnvironment" NOT NULL,
    "billable" BOOLEAN NOT NULL,
    "count" INTEGER NOT NULL,
    "units" INTEGER NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UsagePeriodTotal_pkey" PRIMARY KEY ("tenantId","periodStart","connectionId","class","environment","billable")
);

-- CreateTable
CREATE TABLE "UsagePeriodPatient" (
    "tenantId" UUID NOT NULL,
    "periodStart" TIMESTAMPTZ(3) NOT NULL,
    "patientToken" TEXT NOT NULL,

    CONSTRAINT "UsagePeriodPatient_pkey" PRIMARY KEY ("tenantId","periodStart","patientToken")
);

-- CreateTable
CREATE TABLE "BillingPlan" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BillingPlan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BillingPlanVersion" (
    "id" UUID NOT NULL,
    "planId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "definition" JSONB NOT NULL,
    "definitionHash" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BillingPlanVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TenantBilling" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "planId" UUID NOT NULL,
    "planVersion" INTEGER NOT NULL,
    "timezone" TEXT NOT NULL,
    "anchorDay" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "graceMinutes" INTEGER NOT NULL DEFAULT 60,
    "effectiveFrom" TIMESTAMPTZ(3) NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TenantBilling_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Invoice" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "number" TEXT NOT NULL,
    "periodId" TEXT NOT NULL,
    "periodStart" TIMESTAMPTZ(3) NOT NULL,
    "periodEnd" TIMESTAMPTZ(3) NOT NULL,
    "timezone" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "planId" UUID NOT NULL,
    "planVersion" INTEGER NOT NULL,
    "document" TEXT NOT NULL,
    "total" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "pdf" BYTEA NOT NULL,
    "finalizedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Invoice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BillingCounter" (
    "name" TEXT NOT NULL,
    "value" BIGINT NOT NULL,

    CONSTRAINT "BillingCounter_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "UsageAdjustment" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "requestId" UUID NOT NULL,
    "transactionId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "class" TEXT NOT NULL,
    "environment" "ConnectionEnvironment" NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "periodStart" TIMESTAMPTZ(3) NOT NULL,
    "action" TEXT NOT NULL,
    "unitsDelta" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "invoiceId" UUID,

    CONSTRAINT "UsageAdjustment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UsageAdjustmentRequest" (
    "tenantId" UUID NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "requestId" UUID NOT NULL,
    "response" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UsageAdjustmentRequest_pkey" PRIMARY KEY ("tenantId","idempotencyKey")
);

-- CreateTable
CREATE TABLE "UsageAlertRule" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "threshold" TEXT NOT NULL,
    "connectionId" UUID,
    "class" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" TIMESTAMPTZ(3),

    CONSTRAINT "UsageAlertRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UsageAlertFiring" (
    "ruleId" UUID NOT NULL,
    "periodStart" TIMESTAMPTZ(3) NOT NULL,
    "tenantId" UUID NOT NULL,
    "value" TEXT NOT NULL,
    "eventId" UUID NOT NULL,
    "firedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UsageAlertFiring_pkey" PRIMARY KEY ("ruleId","periodStart")
);

-- CreateIndex
CREATE UNIQUE INDEX "BillingPlanVersion_planId_version_key" ON "BillingPlanVersion"("planId", "version");

-- CreateIndex
CREATE INDEX "TenantBilling_tenantId_effectiveFrom_idx" ON "TenantBilling"("tenantId", "effectiveFrom");

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_number_key" ON "Invoice"("number");

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_tenantId_periodStart_key" ON "Invoice"("tenantId", "periodStart");

-- CreateIndex
CREATE INDEX "UsageAdjustment_tenantId_periodStart_idx" ON "UsageAdjustment"("tenantId", "periodStart");

-- CreateIndex
CREATE INDEX "UsageAdjustment_tenantId_transactionId_idx" ON "UsageAdjustment"("tenantId", "transactionId");

-- CreateIndex
CREATE INDEX "UsageAlertRule_tenantId_idx" ON "UsageAlertRule"("tenantId");

-- AddForeignKey
ALTER TABLE "BillingPlanVersion" ADD CONSTRAINT "BillingPlanVersion_planId_fkey" FOREIGN KEY ("planId") REFERENCES "BillingPlan"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: every existing usage event still has to be rolled up.
INSERT INTO "UsageRollupQueue" ("usageId") SELECT "id" FROM "UsageEvent";

-- Hand-written: plan versions and finalized invoices are never changed or removed.
CREATE FUNCTION "billing_refuse_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is immutable: % refused', TG_TABLE_NAME, TG_OP
    USING HINT = 'Write a new plan version, or an adjustment that lands on the next invoice.';
END;
$$;

CREATE TRIGGER "BillingPlanVersion_immutable" BEFORE UPDATE OR DELETE ON "BillingPlanVersion" FOR EACH ROW EXECUTE FUNCTION "billing_refuse_change"();
CREATE TRIGGER "BillingPlanVersion_no_truncate" BEFORE TRUNCATE ON "BillingPlanVersion" FOR EACH STATEMENT EXECUTE FUNCTION "billing_refuse_change"();
CREATE TRIGGER "Invoice_immutable" BEFORE UPDATE OR DELETE ON "Invoice" FOR EACH ROW EXECUTE FUNCTION "billing_refuse_change"();
CREATE TRIGGER "Invoice_no_truncate" BEFORE TRUNCATE ON "Invoice" FOR EACH STATEMENT EXECUTE FUNCTION "billing_refuse_change"();
