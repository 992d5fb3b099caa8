-- Objectivity of marks (docs/OBJECTIVITY.md): what the push keeps for it,
-- the rules over the kept statistics, and identification runs that leave
-- out or mark figures flagged high.

-- Kept per school and instrument by every push (src/push_stats.c), like
-- the other counters: journal_higher2, participants whose journal mark is
-- two or more above the work's mark; journal_lower2, two or more below it;
-- high_low_mastery, participants with a "4" or "5" whose mastery of the
-- basic-level tasks is under 60 % (the reference's sufficient level).
ALTER TABLE assessment_school_stats
  ADD COLUMN journal_higher2 integer NOT NULL DEFAULT 0,
  ADD COLUMN journal_lower2 integer NOT NULL DEFAULT 0,
  ADD COLUMN high_low_mastery integer NOT NULL DEFAULT 0;

-- The basic-level tasks of an instrument: their places in tasks and their
-- scores possible.
CREATE FUNCTION assessment_basic_tasks(a assessments,
  OUT ords integer[], OUT basic_max integer)
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(array_agg(x.ord::integer ORDER BY x.ord), '{}'),
    coalesce(sum((x.e->>'max_score')::integer), 0)::integer
  FROM jsonb_array_elements(a.tasks) WITH ORDINALITY x(e, ord)
  WHERE x.e->>'level' = 'basic'
$$;

-- Once, for the statistics kept before: the new counters from the stored
-- rows, as stats_add counts them. updated_at stays: the figures the other
-- counters give did not change, so no identification run's data differ.
WITH b AS (
  SELECT a.id, a.year, t.ords, t.basic_max
  FROM assessments a CROSS JOIN LATERAL assessment_basic_tasks(a) t),
c AS (
  SELECT r.assessment_id, r.school_id,
    count(*) FILTER (WHERE r.mark >= 2 AND r.journal_mark - r.mark >= 2)
      AS higher2,
    count(*) FILTER (WHERE r.journal_mark >= 2 AND r.mark - r.journal_mark >= 2)
      AS lower2,
    count(*) FILTER (WHERE r.mark >= 4 AND b.basic_max > 0
      AND 100 * (SELECT sum(r.task_scores[o]) FROM unnest(b.ords) o)
        < 60 * b.basic_max) AS high_low
  FROM assessment_results r
  JOIN b ON b.id = r.assessment_id AND b.year = r.year
  GROUP BY r.assessment_id, r.school_id)
UPDATE assessment_school_stats s
SET journal_higher2 = c.higher2, journal_lower2 = c.lower2,
  high_low_mastery = c.high_low
FROM c WHERE s.assessment_id = c.assessment_id AND s.school_id = c.school_id;
