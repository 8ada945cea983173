-- AlterTable
ALTER TABLE "AuditRecord" ADD COLUMN     "chainedAt" TIMESTAMPTZ(3),
ADD COLUMN     "seq" BIGSERIAL NOT NULL,
ALTER COLUMN "sequence" DROP NOT NULL,
ALTER COLUMN "prevHash" DROP NOT NULL,
ALTER COLUMN "hash" DROP NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "AuditRecord_seq_key" ON "AuditRecord"("seq");

-- CreateIndex
CREATE INDEX "AuditRecord_tenantId_seq_idx" ON "AuditRecord"("tenantId", "seq");

-- Hand-written (db:diff does not see functions or triggers): rows are now inserted
-- unchained and chained once, shortly after. The only change ever allowed is that
-- one-time setting of the chain fields on a row that has none; everything else,
-- and every DELETE or TRUNCATE, is still refused.
CREATE OR REPLACE FUNCTION "audit_record_refuse_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND OLD."hash" IS NULL AND OLD."sequence" IS NULL AND OLD."prevHash" IS NULL
     AND NEW."hash" IS NOT NULL AND NEW."sequence" IS NOT NULL AND NEW."prevHash" IS NOT NULL
     AND (NEW."id", NEW."seq", NEW."tenantId", NEW."transactionId", NEW."connectionId", NEW."actorType", NEW."actorId",
          NEW."operation", NEW."resourceType", NEW."patientRef", NEW."purpose", NEW."outcome", NEW."occurredAt")
         IS NOT DISTINCT FROM
         (OLD."id", OLD."seq", OLD."tenantId", OLD."transactionId", OLD."connectionId", OLD."actorType", OLD."actorId",
          OLD."operation", OLD."resourceType", OLD."patientRef", OLD."purpose", OLD."outcome", OLD."occurredAt")
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'AuditRecord is append-only: % refused', TG_OP
    USING HINT = 'Record a new audit entry instead of changing or removing one.';
END;
$$;
