-- Official values as integrators follow them (docs/MONITORING.md, "Official
-- values"): the newest change a caller can see, found per school; withdrawn
-- values kept as the change feed's tombstones; the rule that says which
-- submitted values are official.

-- The newest change number of one school's values: latest_change of the
-- change feed is the greatest over the schools in the caller's scope.
CREATE INDEX indicator_values_school_change_idx
  ON indicator_values (school_id, change_no);

-- A withdrawn value is no longer official: the value was removed from the
-- submission, the submission was returned, or the indicator is no longer
-- computed. The row stays, emptied, with its own change number, so that the
-- change feed tells a sync client to delete it; the lists and time series
-- leave it out. Writing the value again makes it official again (same id).
ALTER TABLE indicator_values
  ADD COLUMN withdrawn boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT indicator_values_withdrawn_empty
    CHECK (NOT withdrawn OR (value IS NULL AND reason IS NULL));

-- ($1 school, $2 period, $3 the submission being accepted or NULL): the
-- values the accepted submissions of the school make official for the
-- period. Per indicator, the submission accepted last wins (the one being
-- accepted, then by its latest accept event: events are written under
-- indicator_values_lock(), so in commit order). A computed indicator is
-- computed, never taken from a submission.
CREATE FUNCTION official_submission_values(bigint, text, bigint)
RETURNS TABLE (indicator_code text, value jsonb, submission_id bigint)
LANGUAGE sql STABLE AS $$
  SELECT DISTINCT ON (v.indicator_code) v.indicator_code, v.value, s.id
  FROM submissions s
  JOIN campaigns c ON c.id = s.campaign_id
  JOIN submission_values v ON v.submission_id = s.id
  JOIN indicators i ON i.code = v.indicator_code
  WHERE s.school_id = $1 AND c.period = $2 AND s.state = 'accepted'
    AND NOT (i.active AND i.formula IS NOT NULL)
  ORDER BY v.indicator_code, coalesce(s.id = $3, false) DESC,
           (SELECT max(e.id) FROM submission_events e
            WHERE e.submission_id = s.id AND e.action = 'accept') DESC NULLS LAST,
           s.id DESC
$$;

-- Values made official before this rule that no accepted submission gives
-- any more (removed from a submission accepted again, or of a returned
-- submission) are withdrawn now, with computed values left alone beside
-- nothing, as the server does from now on (src/api/official_values.c).
SELECT indicator_values_lock();

UPDATE indicator_values v
SET withdrawn = true, value = NULL, reason = NULL,
    change_no = nextval('indicator_change_seq'), updated_at = now()
WHERE v.source = 'submission' AND NOT v.withdrawn
  AND NOT EXISTS (SELECT 1 FROM official_submission_values(v.school_id, v.period, NULL) o
                  WHERE o.indicator_code = v.indicator_code);

UPDATE indicator_values v
SET withdrawn = true, value = NULL, reason = NULL,
    change_no = nextval('indicator_change_seq'), updated_at = now()
WHERE v.source = 'computed' AND NOT v.withdrawn
  AND NOT EXISTS (SELECT 1 FROM indicator_values s
                  WHERE s.school_id = v.school_id AND s.period = v.period
                    AND s.source = 'submission' AND NOT s.withdrawn);
