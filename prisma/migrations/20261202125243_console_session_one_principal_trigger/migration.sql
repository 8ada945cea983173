-- Hand-written: the Prisma datamodel cannot express functions or triggers, so
-- `db:diff` neither generates nor compares them.
--
-- A console session belongs to exactly one person: a tenant's user (tenantId and
-- userId set) or an operator user (operatorUserId set). The previous migration said
-- so with a CHECK constraint, but the schema engine's describer (wasm, over the pg
-- driver adapter) panics reading a CHECK constraint's type (Postgres "char" arrives
-- as text), which breaks `db:diff` and the drift test. The same rule as a trigger.

ALTER TABLE "ConsoleSession" DROP CONSTRAINT "ConsoleSession_one_principal";

CREATE FUNCTION "console_session_one_principal"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT (
    (NEW."tenantId" IS NOT NULL AND NEW."userId" IS NOT NULL AND NEW."operatorUserId" IS NULL)
    OR (NEW."tenantId" IS NULL AND NEW."userId" IS NULL AND NEW."operatorUserId" IS NOT NULL)
  ) THEN
    RAISE EXCEPTION 'ConsoleSession belongs to exactly one tenant user or operator user'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "ConsoleSession_one_principal"
  BEFORE INSERT OR UPDATE ON "ConsoleSession"
  FOR EACH ROW EXECUTE FUNCTION "console_session_one_principal"();
