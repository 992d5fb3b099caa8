-- A push's record is written when the push starts (outcome 'running', on a
-- connection of its own, committed at once) and its counters as it goes
-- (docs/ASSESSMENTS.md "Progress"); the push's own transaction turns it into
-- its final outcome, so a committed record still means a committed push. A
-- push that fails (the database, the client gone, a 409) ends 'failed': it
-- stored no answer and its key may be used again. A process that dies
-- mid-push leaves 'running', with an updated_at that no longer moves:
-- readers show it as interrupted (src/db/sql/imports.def).
ALTER TABLE imports DROP CONSTRAINT imports_outcome_check;
ALTER TABLE imports ADD CONSTRAINT imports_outcome_check
  CHECK (outcome IN ('running', 'committed', 'rejected', 'dry_run', 'failed'));

-- Known only at the end: none while running, none after a failure.
ALTER TABLE imports
  ALTER COLUMN body_sha256 DROP NOT NULL,
  ALTER COLUMN duration_ms DROP NOT NULL,
  ALTER COLUMN status DROP NOT NULL,
  ALTER COLUMN answer DROP NOT NULL,
  ALTER COLUMN rows_received SET DEFAULT 0,
  ALTER COLUMN rows_inserted SET DEFAULT 0,
  ALTER COLUMN rows_updated SET DEFAULT 0,
  ALTER COLUMN rows_unchanged SET DEFAULT 0,
  ALTER COLUMN rows_deleted SET DEFAULT 0,
  ALTER COLUMN rows_rejected SET DEFAULT 0,
  ALTER COLUMN problems_count SET DEFAULT 0;
ALTER TABLE imports ADD CONSTRAINT imports_finished_complete
  CHECK (outcome IN ('running', 'failed')
         OR (body_sha256 IS NOT NULL AND duration_ms IS NOT NULL
             AND status IS NOT NULL AND answer IS NOT NULL));

-- The last write of the record: its counters, or its end. Records made
-- before progress was kept were written once, at their end.
ALTER TABLE imports ADD COLUMN updated_at timestamptz;
UPDATE imports SET updated_at = created_at;
ALTER TABLE imports
  ALTER COLUMN updated_at SET DEFAULT clock_timestamp(),
  ALTER COLUMN updated_at SET NOT NULL;

-- A key stands for the one push that answered with it: a running or failed
-- push holds none (a second running one with the key is a push retried after
-- its process died, the first left 'running').
ALTER TABLE imports DROP CONSTRAINT imports_idempotency_key;
CREATE UNIQUE INDEX imports_idempotency_key
  ON imports (actor_kind, actor_id, idempotency_key)
  WHERE outcome IN ('committed', 'rejected', 'dry_run');
-- The running pushes (few), for ?state=running and a key's running push.
CREATE INDEX imports_running_idx ON imports (id) WHERE outcome = 'running';
