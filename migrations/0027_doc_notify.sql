-- The school document cache (src/doc_cache.c): every change of what a
-- school's document (SCHOOL_GET: school_docs and the open statuses) is made
-- of is told, in the writing transaction, so a commit and its invalidation
-- cannot part. Keys: 's<school id>', 'm<municipality id>' (every school of
-- it), '*' (everything). Two ways, both from the same triggers:
--  * pg_notify('opora_docs', key): to every instance's listener, after
--    commit (the other instances' bound);
--  * the transaction-local setting opora.docs_changed (' s1 s2 ...'): read
--    by the writing instance just before its COMMIT (src/db.c), which drops
--    those keys itself before it answers. Past 2,000 characters it is '*'
--    (one '*' notification too): a bulk write stays linear.
-- Regions feed no document (only a municipality's region_id, which is the
-- municipality's row); a school's insert has no cached document yet.
CREATE FUNCTION docs_changed(p_key text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  seen text := coalesce(current_setting('opora.docs_changed', true), '');
BEGIN
  IF seen = '*' OR strpos(seen || ' ', ' ' || p_key || ' ') > 0 THEN
    RETURN;
  END IF;
  IF p_key = '*' OR length(seen) + length(p_key) > 2000 THEN
    PERFORM set_config('opora.docs_changed', '*', true);
    PERFORM pg_notify('opora_docs', '*');
    RETURN;
  END IF;
  PERFORM set_config('opora.docs_changed', seen || ' ' || p_key, true);
  PERFORM pg_notify('opora_docs', p_key);
END
$$;

CREATE FUNCTION docs_changed_row() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  old_key text;
  new_key text;
BEGIN
  IF TG_TABLE_NAME = 'school_statuses' THEN
    old_key := CASE WHEN TG_OP <> 'INSERT' THEN 's' || OLD.school_id END;
    new_key := CASE WHEN TG_OP <> 'DELETE' THEN 's' || NEW.school_id END;
  ELSE
    old_key := CASE TG_TABLE_NAME WHEN 'schools' THEN 's' ELSE 'm' END || OLD.id;
    new_key := CASE WHEN TG_OP = 'UPDATE' THEN
      CASE TG_TABLE_NAME WHEN 'schools' THEN 's' ELSE 'm' END || NEW.id END;
  END IF;
  IF old_key IS NOT NULL THEN
    PERFORM docs_changed(old_key);
  END IF;
  IF new_key IS NOT NULL AND new_key IS DISTINCT FROM old_key THEN
    PERFORM docs_changed(new_key);
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION docs_changed_all() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM docs_changed('*');
  RETURN NULL;
END
$$;

CREATE TRIGGER docs_changed_schools AFTER UPDATE OR DELETE ON schools
  FOR EACH ROW EXECUTE FUNCTION docs_changed_row();
CREATE TRIGGER docs_changed_municipalities
  AFTER UPDATE OR DELETE ON municipalities
  FOR EACH ROW EXECUTE FUNCTION docs_changed_row();
CREATE TRIGGER docs_changed_statuses
  AFTER INSERT OR UPDATE OR DELETE ON school_statuses
  FOR EACH ROW EXECUTE FUNCTION docs_changed_row();
CREATE TRIGGER docs_changed_schools_truncate AFTER TRUNCATE ON schools
  FOR EACH STATEMENT EXECUTE FUNCTION docs_changed_all();
CREATE TRIGGER docs_changed_municipalities_truncate
  AFTER TRUNCATE ON municipalities
  FOR EACH STATEMENT EXECUTE FUNCTION docs_changed_all();
CREATE TRIGGER docs_changed_statuses_truncate AFTER TRUNCATE ON school_statuses
  FOR EACH STATEMENT EXECUTE FUNCTION docs_changed_all();
