-- A re-push compares rows by a hash of their values (src/push_rows.c,
-- docs/ASSESSMENTS.md "The push"): the push writes beside each row a
-- 16-byte BLAKE2b of everything it sent for it (participant, school, class,
-- variant, task scores, scores, marks), and a later push that finds the
-- same hash for a participant counts the row unchanged without sending
-- it. NULL: not known (rows written before this column, or by any other
-- writer); such a row is compared value by value in the database, and
-- gets its hash when the push writes it.
ALTER TABLE assessment_results ADD COLUMN row_hash bytea;

-- A write that changes the values but not the hash (any writer but the
-- push) forgets the hash, so that it can never vouch for other values.
CREATE FUNCTION assessment_results_hash_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.row_hash IS NOT DISTINCT FROM OLD.row_hash AND
     (NEW.participant_code, NEW.school_id, NEW.class_name, NEW.variant,
      NEW.task_scores, NEW.primary_score, NEW.mark, NEW.test_score,
      NEW.journal_mark) IS DISTINCT FROM
     (OLD.participant_code, OLD.school_id, OLD.class_name, OLD.variant,
      OLD.task_scores, OLD.primary_score, OLD.mark, OLD.test_score,
      OLD.journal_mark) THEN
    NEW.row_hash := NULL;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER assessment_results_hash_guard
  BEFORE UPDATE ON assessment_results
  FOR EACH ROW EXECUTE FUNCTION assessment_results_hash_guard();
