-- Hand-written: the Prisma datamodel cannot express functions or triggers, so
-- `db:diff` neither generates nor compares them.
--
-- The audit log is append-only and hash-chained per tenant; a changed or removed
-- row would break the chain and the evidence it exists for. Corrections are new
-- records. Enforced here so that no code path, ORM or psql session can bypass it.

CREATE FUNCTION "audit_record_refuse_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'AuditRecord is append-only: % refused', TG_OP
    USING HINT = 'Record a new audit entry instead of changing or removing one.';
END;
$$;

CREATE TRIGGER "AuditRecord_append_only"
  BEFORE UPDATE OR DELETE ON "AuditRecord"
  FOR EACH ROW EXECUTE FUNCTION "audit_record_refuse_change"();

-- TRUNCATE skips row triggers; it would otherwise empty the log in one statement.
CREATE TRIGGER "AuditRecord_no_truncate"
  BEFORE TRUNCATE ON "AuditRecord"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_record_refuse_change"();
