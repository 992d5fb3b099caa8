-- Change numbers of what the dashboards read (docs/PERFORMANCE.md, issue
-- 18): an indicator's aggregate and a campaign's completeness are kept in
-- the server under the numbers they were computed at (src/kept.c) and
-- served while the numbers are unchanged. The triggers below raise them in
-- the transaction of every write that can change such an answer, so a
-- reader that sees the write sees the new number, whichever instance made
-- it (for kind 'all', at its commit). kind 'all' (key ''): schools,
-- municipalities, regions, statuses;
-- 'indicator' (key its code): the indicator and its values; 'campaign'
-- (key its id): the campaign, its schools and submissions.
CREATE TABLE dashboard_stamps (
  kind text NOT NULL,
  key  text NOT NULL,
  n    bigint NOT NULL DEFAULT 1,
  PRIMARY KEY (kind, key)
);
INSERT INTO dashboard_stamps (kind, key) VALUES ('all', '');

-- Raises the numbers of the keys given, each once.
CREATE FUNCTION dashboard_stamps_bump(p_kind text, p_keys text[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO dashboard_stamps AS d (kind, key)
  SELECT p_kind, k FROM (SELECT DISTINCT unnest(p_keys) AS k) x
  WHERE k IS NOT NULL ORDER BY k
  ON CONFLICT (kind, key) DO UPDATE SET n = d.n + 1
$$;

-- For statement triggers: TG_ARGV[0] the kind; TG_ARGV[1] the column of
-- the key in the transition tables `o` (old rows) and `n` (new rows), ''
-- for kind 'all'; TG_ARGV[2] the columns the answers read (a constant
-- list, comma separated): an update that changes none of them in any row
-- (a draft saved, a school's head renamed) raises nothing. No arguments:
-- 'all', whatever changed.
CREATE FUNCTION dashboard_stamps_keep() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  k text;
  keys text[];
BEGIN
  IF TG_NARGS < 3 THEN
    PERFORM dashboard_stamps_bump('all', ARRAY['']);
    RETURN NULL;
  END IF;
  k := CASE WHEN TG_ARGV[1] = '' THEN quote_literal('')
       ELSE quote_ident(TG_ARGV[1]) || '::text' END;
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('SELECT array_agg(DISTINCT %s) FROM n', k) INTO keys;
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format('SELECT array_agg(DISTINCT %s) FROM o', k) INTO keys;
  ELSE
    EXECUTE format('SELECT array_agg(DISTINCT k) FROM ('
                   '(SELECT %1$s AS k, %2$s FROM o EXCEPT ALL SELECT %1$s, %2$s FROM n)'
                   ' UNION ALL '
                   '(SELECT %1$s, %2$s FROM n EXCEPT ALL SELECT %1$s, %2$s FROM o)) x',
                   k, TG_ARGV[2])
      INTO keys;
  END IF;
  IF keys IS NOT NULL THEN
    PERFORM dashboard_stamps_bump(TG_ARGV[0], keys);
  END IF;
  RETURN NULL;
END
$$;

-- Raises 'all' once per transaction, at its commit (deferred row
-- triggers): writers of schools and places do not queue on the number's
-- row for the whole transaction, only while they commit.
CREATE FUNCTION dashboard_stamps_all() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('opora.dashboard_stamps_all', true)
     IS DISTINCT FROM 'raised' THEN
    PERFORM set_config('opora.dashboard_stamps_all', 'raised', true);
    PERFORM dashboard_stamps_bump('all', ARRAY['']);
  END IF;
  RETURN NULL;
END
$$;

-- What an aggregate or a completeness reads of the schools and their
-- places: which schools, in which municipality and region, their names,
-- the groups' names, the open statuses.
CREATE CONSTRAINT TRIGGER dashboard_stamps_schools AFTER INSERT OR DELETE
  ON schools DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  EXECUTE FUNCTION dashboard_stamps_all();
CREATE CONSTRAINT TRIGGER dashboard_stamps_schools_update AFTER UPDATE
  ON schools DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((OLD.id, OLD.municipality_id, OLD.code, OLD.short_name)
    IS DISTINCT FROM (NEW.id, NEW.municipality_id, NEW.code, NEW.short_name))
  EXECUTE FUNCTION dashboard_stamps_all();
CREATE CONSTRAINT TRIGGER dashboard_stamps_municipalities
  AFTER INSERT OR DELETE ON municipalities DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION dashboard_stamps_all();
CREATE CONSTRAINT TRIGGER dashboard_stamps_municipalities_update
  AFTER UPDATE ON municipalities DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((OLD.id, OLD.region_id, OLD.name)
    IS DISTINCT FROM (NEW.id, NEW.region_id, NEW.name))
  EXECUTE FUNCTION dashboard_stamps_all();
CREATE CONSTRAINT TRIGGER dashboard_stamps_regions
  AFTER INSERT OR DELETE ON regions DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION dashboard_stamps_all();
CREATE CONSTRAINT TRIGGER dashboard_stamps_regions_update
  AFTER UPDATE ON regions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((OLD.id, OLD.name) IS DISTINCT FROM (NEW.id, NEW.name))
  EXECUTE FUNCTION dashboard_stamps_all();
CREATE CONSTRAINT TRIGGER dashboard_stamps_statuses
  AFTER INSERT OR DELETE ON school_statuses DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION dashboard_stamps_all();
CREATE CONSTRAINT TRIGGER dashboard_stamps_statuses_update
  AFTER UPDATE ON school_statuses DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((OLD.school_id, OLD.category, OLD.school_year, OLD.excluded_on)
    IS DISTINCT FROM
    (NEW.school_id, NEW.category, NEW.school_year, NEW.excluded_on))
  EXECUTE FUNCTION dashboard_stamps_all();
CREATE TRIGGER dashboard_stamps_schools_truncate AFTER TRUNCATE ON schools
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_keep();
CREATE TRIGGER dashboard_stamps_municipalities_truncate
  AFTER TRUNCATE ON municipalities
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_keep();
CREATE TRIGGER dashboard_stamps_regions_truncate AFTER TRUNCATE ON regions
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_keep();
CREATE TRIGGER dashboard_stamps_statuses_truncate
  AFTER TRUNCATE ON school_statuses
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_keep();

-- A trigger with transition tables takes one event: three per table.
CREATE TRIGGER dashboard_stamps_indicators_insert AFTER INSERT ON indicators
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT
  EXECUTE FUNCTION dashboard_stamps_keep('indicator', 'code',
    'code, value_type');
CREATE TRIGGER dashboard_stamps_indicators_update AFTER UPDATE ON indicators
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT
  EXECUTE FUNCTION dashboard_stamps_keep('indicator', 'code',
    'code, value_type');
CREATE TRIGGER dashboard_stamps_indicators_delete AFTER DELETE ON indicators
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT
  EXECUTE FUNCTION dashboard_stamps_keep('indicator', 'code',
    'code, value_type');

CREATE TRIGGER dashboard_stamps_values_insert AFTER INSERT ON indicator_values
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT
  EXECUTE FUNCTION dashboard_stamps_keep('indicator', 'indicator_code',
    'school_id, indicator_code, period, value, withdrawn');
CREATE TRIGGER dashboard_stamps_values_update AFTER UPDATE ON indicator_values
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT
  EXECUTE FUNCTION dashboard_stamps_keep('indicator', 'indicator_code',
    'school_id, indicator_code, period, value, withdrawn');
CREATE TRIGGER dashboard_stamps_values_delete AFTER DELETE ON indicator_values
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT
  EXECUTE FUNCTION dashboard_stamps_keep('indicator', 'indicator_code',
    'school_id, indicator_code, period, value, withdrawn');

CREATE TRIGGER dashboard_stamps_campaigns_update AFTER UPDATE ON campaigns
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT
  EXECUTE FUNCTION dashboard_stamps_keep('campaign', 'id',
    'id, region_id, municipality_id');
CREATE TRIGGER dashboard_stamps_campaigns_delete AFTER DELETE ON campaigns
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT
  EXECUTE FUNCTION dashboard_stamps_keep('campaign', 'id',
    'id, region_id, municipality_id');

CREATE TRIGGER dashboard_stamps_campaign_schools_insert
  AFTER INSERT ON campaign_schools REFERENCING NEW TABLE AS n
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_keep('campaign', 'campaign_id',
    'campaign_id, school_id');
CREATE TRIGGER dashboard_stamps_campaign_schools_update
  AFTER UPDATE ON campaign_schools REFERENCING OLD TABLE AS o NEW TABLE AS n
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_keep('campaign', 'campaign_id',
    'campaign_id, school_id');
CREATE TRIGGER dashboard_stamps_campaign_schools_delete
  AFTER DELETE ON campaign_schools REFERENCING OLD TABLE AS o
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_keep('campaign', 'campaign_id',
    'campaign_id, school_id');

CREATE TRIGGER dashboard_stamps_submissions_insert
  AFTER INSERT ON submissions REFERENCING NEW TABLE AS n
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_keep('campaign', 'campaign_id',
    'campaign_id, school_id, state, late, submitted_at');
CREATE TRIGGER dashboard_stamps_submissions_update
  AFTER UPDATE ON submissions REFERENCING OLD TABLE AS o NEW TABLE AS n
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_keep('campaign', 'campaign_id',
    'campaign_id, school_id, state, late, submitted_at');
CREATE TRIGGER dashboard_stamps_submissions_delete
  AFTER DELETE ON submissions REFERENCING OLD TABLE AS o
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_keep('campaign', 'campaign_id',
    'campaign_id, school_id, state, late, submitted_at');

-- TRUNCATE has no transition tables: everything of the kind moves.
CREATE FUNCTION dashboard_stamps_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE dashboard_stamps SET n = n + 1 WHERE kind = TG_ARGV[0];
  PERFORM dashboard_stamps_bump('all', ARRAY['']);
  RETURN NULL;
END
$$;
CREATE TRIGGER dashboard_stamps_values_truncate AFTER TRUNCATE ON indicator_values
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_truncated('indicator');
CREATE TRIGGER dashboard_stamps_submissions_truncate AFTER TRUNCATE ON submissions
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_truncated('campaign');
CREATE TRIGGER dashboard_stamps_campaign_schools_truncate
  AFTER TRUNCATE ON campaign_schools
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_truncated('campaign');
