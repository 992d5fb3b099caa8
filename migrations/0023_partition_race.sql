-- Two instruments of a new year created at the same moment both found its
-- partition missing and both made it; the second failed (relation already
-- exists) and its request answered 500. The makers of a partition now
-- queue on a lock of the parent table that only they take (it lets reads
-- and pushes through); taking it also brings in the catalog as the one
-- before left it, so the second sees the partition and makes none.
CREATE OR REPLACE FUNCTION assessment_results_partition(p_year integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  name text := 'assessment_results_y' || p_year;
BEGIN
  IF p_year NOT BETWEEN 2000 AND 2100 THEN
    RAISE EXCEPTION 'year % is out of range', p_year;
  END IF;
  IF to_regclass(name) IS NOT NULL THEN
    RETURN;
  END IF;
  LOCK TABLE assessment_results IN SHARE UPDATE EXCLUSIVE MODE;
  IF to_regclass(name) IS NULL THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF assessment_results '
                   'FOR VALUES FROM (%s) TO (%s)', name, p_year, p_year + 1);
  END IF;
END
$$;
