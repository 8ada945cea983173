-- Hand-written: the Prisma datamodel cannot express functions or triggers, so
-- `db:diff` neither generates nor compares them.
--
-- Every process caches the connection rows its transactions use (libs/db's
-- ConnectionCache). Any change to a row — by the api, a worker, raw SQL or a cascade
-- from its tenant — notifies `sb_connection_changed` with the row's id when it
-- commits, and every process drops its copy.

CREATE FUNCTION "connection_changed_notify"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('sb_connection_changed', OLD."id"::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Connection_changed_notify"
  AFTER UPDATE OR DELETE ON "Connection"
  FOR EACH ROW EXECUTE FUNCTION "connection_changed_notify"();
