-- What the school card (GET /api/v1/schools/{id}/card, docs/CARD.md) reads
-- without scanning a region: which run set a status, and each
-- instrument's statistics summed per municipality.

-- The status an applied identification run made, and the run. Applying a
-- run records the statuses it made in its `application` (identification_apply
-- of 0011 and 0012); this trigger keeps them as rows, so that a status
-- finds its run by its id.
CREATE TABLE identification_run_statuses (
  status_id  bigint PRIMARY KEY
             CONSTRAINT identification_run_statuses_status_fkey REFERENCES school_statuses (id),
  run_id     bigint NOT NULL
             CONSTRAINT identification_run_statuses_run_fkey REFERENCES identification_runs (id)
);

CREATE FUNCTION identification_run_statuses_record() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO identification_run_statuses (status_id, run_id)
  SELECT (e->>'status_id')::bigint, NEW.id
  FROM jsonb_array_elements(coalesce(NEW.application->'statuses', '[]')) e
  WHERE e->>'status_id' IS NOT NULL
  ON CONFLICT (status_id) DO NOTHING;
  RETURN NULL;
END
$$;
CREATE TRIGGER identification_run_statuses_record
  AFTER UPDATE OF application ON identification_runs
  FOR EACH ROW WHEN (OLD.application IS NULL AND NEW.application IS NOT NULL)
  EXECUTE FUNCTION identification_run_statuses_record();

INSERT INTO identification_run_statuses (status_id, run_id)
SELECT (e->>'status_id')::bigint, r.id
FROM identification_runs r
CROSS JOIN LATERAL jsonb_array_elements(coalesce(r.application->'statuses', '[]')) e
WHERE e->>'status_id' IS NOT NULL
  AND EXISTS (SELECT 1 FROM school_statuses s WHERE s.id = (e->>'status_id')::bigint)
ON CONFLICT (status_id) DO NOTHING;

-- Per instrument and municipality, the sums of its schools' statistics:
-- the card's municipality and region figures read 40 rows, not 2,000.
-- Kept by the triggers below in the transaction that changes the
-- statistics (a push, a school moved to another municipality); updated_at
-- is when the sums last changed (part of the card's ETag).
CREATE TABLE assessment_area_stats (
  assessment_id    bigint NOT NULL CONSTRAINT assessment_area_stats_assessment_fkey
                   REFERENCES assessments (id) ON DELETE CASCADE,
  municipality_id  bigint NOT NULL CONSTRAINT assessment_area_stats_municipality_fkey
                   REFERENCES municipalities (id),
  schools          integer NOT NULL,
  participants     bigint NOT NULL,
  failed           bigint NOT NULL,
  primary_sum      bigint NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (assessment_id, municipality_id)
);

-- The same sums per instrument and region, from the municipalities' rows:
-- the card's region figures read one row per instrument, not 40.
CREATE TABLE assessment_region_stats (
  assessment_id    bigint NOT NULL CONSTRAINT assessment_region_stats_assessment_fkey
                   REFERENCES assessments (id) ON DELETE CASCADE,
  region_id        bigint NOT NULL CONSTRAINT assessment_region_stats_region_fkey
                   REFERENCES regions (id),
  schools          integer NOT NULL,
  participants     bigint NOT NULL,
  failed           bigint NOT NULL,
  primary_sum      bigint NOT NULL,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (assessment_id, region_id)
);

-- Makes the region rows of these instruments and regions again from their
-- municipalities' rows (at most some 40 each).
CREATE FUNCTION assessment_region_refresh(p_assessments bigint[], p_regions bigint[])
RETURNS void
LANGUAGE sql AS $$
  DELETE FROM assessment_region_stats
  WHERE assessment_id = ANY (p_assessments) AND region_id = ANY (p_regions);
  INSERT INTO assessment_region_stats (assessment_id, region_id, schools,
    participants, failed, primary_sum, updated_at)
  SELECT t.assessment_id, m.region_id, sum(t.schools), sum(t.participants),
    sum(t.failed), sum(t.primary_sum), max(t.updated_at)
  FROM assessment_area_stats t JOIN municipalities m ON m.id = t.municipality_id
  WHERE t.assessment_id = ANY (p_assessments) AND m.region_id = ANY (p_regions)
    AND EXISTS (SELECT 1 FROM assessments a WHERE a.id = t.assessment_id)
  GROUP BY t.assessment_id, m.region_id;
$$;

-- Adds the rows of d (sign +1) or takes them away (-1) from their
-- municipalities' sums; sums left with no school are dropped. Taking away
-- never inserts (the instrument may be being deleted). The regions' rows
-- follow.
CREATE FUNCTION assessment_area_apply(d jsonb, sign integer) RETURNS void
LANGUAGE sql AS $$
  WITH g AS (
    SELECT x.assessment_id, s.municipality_id, count(*) * sign AS schools,
      sum(x.participants) * sign AS participants, sum(x.failed) * sign AS failed,
      sum(x.primary_sum) * sign AS primary_sum
    FROM jsonb_to_recordset(d) AS x(assessment_id bigint, school_id bigint,
      participants integer, failed integer, primary_sum bigint)
    JOIN schools s ON s.id = x.school_id
    GROUP BY x.assessment_id, s.municipality_id),
  up AS (
    UPDATE assessment_area_stats t SET schools = t.schools + g.schools,
      participants = t.participants + g.participants,
      failed = t.failed + g.failed, primary_sum = t.primary_sum + g.primary_sum,
      updated_at = now()
    FROM g WHERE t.assessment_id = g.assessment_id
      AND t.municipality_id = g.municipality_id
    RETURNING t.assessment_id, t.municipality_id),
  ins AS (
    INSERT INTO assessment_area_stats (assessment_id, municipality_id, schools,
      participants, failed, primary_sum)
    SELECT g.assessment_id, g.municipality_id, g.schools, g.participants,
      g.failed, g.primary_sum
    FROM g WHERE sign > 0 AND NOT EXISTS (SELECT 1 FROM up
      WHERE up.assessment_id = g.assessment_id
      AND up.municipality_id = g.municipality_id)
    RETURNING 1)
  SELECT count(*) FROM ins;
  DELETE FROM assessment_area_stats WHERE schools <= 0;
  SELECT assessment_region_refresh(
    ARRAY(SELECT DISTINCT (x ->> 'assessment_id')::bigint FROM jsonb_array_elements(d) x),
    ARRAY(SELECT DISTINCT m.region_id FROM jsonb_array_elements(d) x
          JOIN schools s ON s.id = (x ->> 'school_id')::bigint
          JOIN municipalities m ON m.id = s.municipality_id));
$$;

CREATE FUNCTION assessment_area_stats_keep() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM assessment_area_apply((SELECT coalesce(jsonb_agg(to_jsonb(o)), '[]')
      FROM (SELECT assessment_id, school_id, participants, failed, primary_sum
            FROM old_rows) o), -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM assessment_area_apply((SELECT coalesce(jsonb_agg(to_jsonb(n)), '[]')
      FROM (SELECT assessment_id, school_id, participants, failed, primary_sum
            FROM new_rows) n), 1);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER assessment_area_stats_insert AFTER INSERT ON assessment_school_stats
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION assessment_area_stats_keep();
CREATE TRIGGER assessment_area_stats_update AFTER UPDATE ON assessment_school_stats
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION assessment_area_stats_keep();
CREATE TRIGGER assessment_area_stats_delete AFTER DELETE ON assessment_school_stats
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION assessment_area_stats_keep();

-- A school that moves takes its statistics to its new municipality.
CREATE FUNCTION assessment_area_school_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE assessment_area_stats t SET schools = t.schools - 1,
    participants = t.participants - s.participants,
    failed = t.failed - s.failed, primary_sum = t.primary_sum - s.primary_sum,
    updated_at = now()
  FROM assessment_school_stats s
  WHERE s.school_id = NEW.id AND t.assessment_id = s.assessment_id
    AND t.municipality_id = OLD.municipality_id;
  DELETE FROM assessment_area_stats WHERE schools <= 0;
  PERFORM assessment_region_refresh(
    ARRAY(SELECT assessment_id FROM assessment_school_stats WHERE school_id = NEW.id),
    ARRAY(SELECT region_id FROM municipalities WHERE id = OLD.municipality_id));
  PERFORM assessment_area_apply((SELECT coalesce(jsonb_agg(to_jsonb(n)), '[]')
    FROM (SELECT assessment_id, school_id, participants, failed, primary_sum
          FROM assessment_school_stats WHERE school_id = NEW.id) n), 1);
  RETURN NULL;
END
$$;
CREATE TRIGGER assessment_area_school_moved
  AFTER UPDATE OF municipality_id ON schools
  FOR EACH ROW WHEN (OLD.municipality_id IS DISTINCT FROM NEW.municipality_id)
  EXECUTE FUNCTION assessment_area_school_moved();

INSERT INTO assessment_area_stats (assessment_id, municipality_id, schools,
  participants, failed, primary_sum)
SELECT x.assessment_id, s.municipality_id, count(*), sum(x.participants),
  sum(x.failed), sum(x.primary_sum)
FROM assessment_school_stats x JOIN schools s ON s.id = x.school_id
GROUP BY x.assessment_id, s.municipality_id;

INSERT INTO assessment_region_stats (assessment_id, region_id, schools,
  participants, failed, primary_sum, updated_at)
SELECT t.assessment_id, m.region_id, sum(t.schools), sum(t.participants),
  sum(t.failed), sum(t.primary_sum), max(t.updated_at)
FROM assessment_area_stats t JOIN municipalities m ON m.id = t.municipality_id
GROUP BY t.assessment_id, m.region_id;
