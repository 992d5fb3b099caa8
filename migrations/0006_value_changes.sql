-- Official values as integrators follow them (docs/MONITORING.md, "Official
-- values"): the newest change a caller can see is found per school.

-- The newest change number of one school's values: latest_change of the
-- change feed is the greatest over the schools in the caller's scope.
CREATE INDEX indicator_values_school_change_idx
  ON indicator_values (school_id, change_no);
