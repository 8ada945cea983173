-- AlterTable
-- Hand-written: rows already stored get their period's start (the earliest a patient can have
-- been seen in it; their real first event is not known without a rebuild), then the column is
-- made NOT NULL as the schema has it. No default: the rollup always writes the value.
ALTER TABLE "UsagePeriodPatient" ADD COLUMN     "firstSeenAt" TIMESTAMPTZ(3);
UPDATE "UsagePeriodPatient" SET "firstSeenAt" = "periodStart";
ALTER TABLE "UsagePeriodPatient" ALTER COLUMN "firstSeenAt" SET NOT NULL;
