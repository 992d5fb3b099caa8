-- Assessment instruments (ВПР, ОГЭ, ЕГЭ, regional diagnostics), the
-- participants' results pushed in bulk, the per-school statistics the pushes
-- keep, and the pushes themselves (docs/ASSESSMENTS.md).

-- One instrument: a kind, a year and a grade's work in one subject. Tasks are
-- an array of {"number": "9.1", "max_score": 1, "level": "basic"|"advanced",
-- "element": "..."} in the order of the export's columns; their max scores
-- add up to max_primary_score (checked by the API). mark3_from .. mark5_from
-- are the lowest primary scores of marks 3, 4 and 5 (ВПР, ОГЭ);
-- min_test_score is the ЕГЭ minimum on the 0-100 scale.
CREATE TABLE assessments (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind               text NOT NULL CHECK (kind IN ('VPR', 'OGE', 'EGE', 'REGIONAL')),
  year               integer NOT NULL CONSTRAINT assessments_year_range CHECK (year BETWEEN 2000 AND 2100),
  grade              integer NOT NULL CONSTRAINT assessments_grade_range CHECK (grade BETWEEN 1 AND 11),
  subject_code       text NOT NULL CONSTRAINT assessments_subject_code_format
                     CHECK (subject_code ~ '^[a-z][a-z0-9_]{0,31}$'),
  subject_name       text NOT NULL,
  -- '' for most; 'basic' / 'advanced' where one subject has two works
  -- (mathematics of grades 7-8, ЕГЭ mathematics).
  variant_set        text NOT NULL DEFAULT '' CONSTRAINT assessments_variant_set_format
                     CHECK (variant_set ~ '^[a-z0-9_]{0,32}$'),
  held_on            date,
  max_primary_score  integer NOT NULL CONSTRAINT assessments_max_primary_score_range
                     CHECK (max_primary_score BETWEEN 1 AND 1000),
  mark3_from         integer,
  mark4_from         integer,
  mark5_from         integer,
  min_test_score     integer CONSTRAINT assessments_min_test_score_range
                     CHECK (min_test_score BETWEEN 0 AND 100),
  tasks              jsonb NOT NULL CHECK (jsonb_typeof(tasks) = 'array'),
  version            integer NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT assessments_key UNIQUE (kind, year, grade, subject_code, variant_set),
  CONSTRAINT assessments_boundaries_order CHECK (
    (mark3_from IS NULL AND mark4_from IS NULL AND mark5_from IS NULL)
    OR (0 < mark3_from AND mark3_from < mark4_from AND mark4_from < mark5_from
        AND mark5_from <= max_primary_score))
);
CREATE INDEX assessments_year_idx ON assessments (year, kind, grade, subject_code);

-- Participants' results, one row per instrument and pseudonymous participant
-- code; nothing else about a child is kept. Partitioned by year
-- (assessment_results_partition below makes a year's partition). No foreign
-- keys and no CHECKs: rows are written only by the push, which resolves the
-- instrument and the school and validates every value before COPY, and a
-- per-row trigger would cost more than the COPY itself. The key collates
-- as "C": codes are compared byte for byte, which also keeps COPY into the
-- keyed table fast.
CREATE TABLE assessment_results (
  year              integer NOT NULL,
  assessment_id     bigint NOT NULL,
  participant_code  text COLLATE "C" NOT NULL,
  school_id         bigint NOT NULL,
  class_name        text,
  variant           text,
  task_scores       smallint[] NOT NULL,
  primary_score     smallint NOT NULL,
  mark              smallint,
  test_score        smallint,
  journal_mark      smallint,
  -- The push that wrote the row last, and its row number in that push.
  import_id         bigint NOT NULL,
  import_row        integer NOT NULL,
  PRIMARY KEY (year, assessment_id, participant_code)
) PARTITION BY RANGE (year);

-- Makes the partition of one year if it is missing (called when an
-- instrument of that year is created).
CREATE FUNCTION assessment_results_partition(p_year integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  name text := 'assessment_results_y' || p_year;
BEGIN
  IF p_year NOT BETWEEN 2000 AND 2100 THEN
    RAISE EXCEPTION 'year % is out of range', p_year;
  END IF;
  IF to_regclass(name) IS NULL THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF assessment_results '
                   'FOR VALUES FROM (%s) TO (%s)', name, p_year, p_year + 1);
  END IF;
END
$$;

-- Per school and instrument, kept by every push in its own transaction
-- (never recomputed on read). Arrays: marks = counts of marks 2, 3, 4, 5;
-- task_sums = the sum of scores per task, in the order of assessments.tasks;
-- score_counts = participants per primary score 0 .. max_primary_score.
-- failed: mark 2, or (ЕГЭ) a test score under the minimum. Against the
-- journal mark: confirmed (equal), lowered (the work's mark is lower),
-- raised (higher), over the journal_known participants that have one.
CREATE TABLE assessment_school_stats (
  assessment_id   bigint NOT NULL CONSTRAINT assessment_school_stats_assessment_id_fkey
                  REFERENCES assessments (id) ON DELETE CASCADE,
  school_id       bigint NOT NULL CONSTRAINT assessment_school_stats_school_id_fkey
                  REFERENCES schools (id),
  participants    integer NOT NULL,
  marks           integer[] NOT NULL,
  failed          integer NOT NULL,
  primary_sum     bigint NOT NULL,
  test_scored     integer NOT NULL DEFAULT 0,
  test_score_sum  bigint NOT NULL DEFAULT 0,
  task_sums       bigint[] NOT NULL,
  score_counts    integer[] NOT NULL,
  journal_known   integer NOT NULL,
  confirmed       integer NOT NULL,
  lowered         integer NOT NULL,
  raised          integer NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (assessment_id, school_id)
);
CREATE INDEX assessment_school_stats_school_idx ON assessment_school_stats (school_id, assessment_id);

-- One push of results. A rejected push (strict mode) keeps its record and
-- problems, and none of its rows. idempotency_key is per caller; answer is
-- what the push answered (status and body), replayed for the same key and
-- body.
CREATE TABLE imports (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  assessment_id     bigint NOT NULL CONSTRAINT imports_assessment_id_fkey
                    REFERENCES assessments (id) ON DELETE CASCADE,
  actor_kind        text NOT NULL CHECK (actor_kind IN ('user', 'client')),
  actor_id          bigint NOT NULL,
  actor_name        text NOT NULL,
  -- The pusher's scope: who else may read the record (its region's admins).
  scope_kind        text NOT NULL,
  scope_id          bigint,
  idempotency_key   text,
  body_sha256       bytea NOT NULL,
  content_type      text NOT NULL,
  mode              text NOT NULL CHECK (mode IN ('strict', 'partial')),
  dry_run           boolean NOT NULL,
  replace           text CHECK (replace IN ('school')),
  outcome           text NOT NULL CHECK (outcome IN ('committed', 'rejected', 'dry_run')),
  rows_received     integer NOT NULL,
  rows_inserted     integer NOT NULL,
  rows_updated      integer NOT NULL,
  rows_unchanged    integer NOT NULL,
  -- ?replace=school: stored rows of the pushed schools the push left out.
  rows_deleted      integer NOT NULL,
  rows_rejected     integer NOT NULL,
  problems_count    integer NOT NULL,
  duration_ms       integer NOT NULL,
  status            integer NOT NULL,
  answer            json NOT NULL, -- verbatim, so a replay is byte for byte
  request_id        text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT imports_idempotency_key UNIQUE (actor_kind, actor_id, idempotency_key)
);
CREATE INDEX imports_assessment_idx ON imports (assessment_id, id);

-- Every problem of a push, in the order found. row_no is the data row (1 for
-- the first row after the CSV header, or the first element / line of JSON);
-- NULL for problems of the whole body (header, structure).
CREATE TABLE import_problems (
  import_id  bigint NOT NULL CONSTRAINT import_problems_import_id_fkey
             REFERENCES imports (id) ON DELETE CASCADE,
  seq        integer NOT NULL,
  row_no     integer,
  column_name text,
  code       text NOT NULL,
  message    text NOT NULL,
  PRIMARY KEY (import_id, seq)
);
