-- Identification runs (docs/IDENTIFICATION.md), continued: one last stage
-- for every kind (identification_decide); a criterion and threshold per
-- instrument of a low_results methodology; saved methodologies that can
-- be deleted while their runs keep their name; the data check (is the data
-- a run read today's?).

-- A school's outcome in one year of a run, as a kind's computation finds
-- it: outcome 'meets', 'does_not_meet' or 'unknown'; met, what the year
-- adds to the school's severity; doc, the year's evidence of the kind (its
-- text...), to which year, outcome and met are added; figures, the year's
-- figures in their order (or null).
CREATE TYPE identification_year AS (
  school_id bigint,
  year      integer,
  outcome   text,
  met       integer,
  doc       jsonb,
  figures   jsonb
);

-- The last stage of every kind: the years' outcomes grouped per school,
-- the decision (meets when every year meets, does_not_meet when one does
-- not, else insufficient_evidence), the order (decision, severity
-- descending, school code) and the summary; p_meets opens the summary of
-- a school that meets ("Отвечает критерию").
CREATE FUNCTION identification_decide(p_run bigint,
  p_years identification_year[], p_meets text)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO identification_run_schools (run_id, school_id, decision,
    severity, position, evidence)
  WITH yo AS (SELECT * FROM unnest(p_years)),
  span AS (SELECT min(yo.year) AS first, max(yo.year) AS last FROM yo),
  d AS (
    SELECT yo.school_id,
      CASE WHEN bool_and(yo.outcome = 'meets') THEN 'meets'
        WHEN bool_or(yo.outcome = 'does_not_meet') THEN 'does_not_meet'
        ELSE 'insufficient_evidence' END AS decision,
      sum(yo.met)::integer AS severity,
      jsonb_agg(yo.doc || jsonb_build_object('year', yo.year,
        'outcome', yo.outcome, 'met', yo.met) ORDER BY yo.year DESC) AS years,
      string_agg(yo.year::text, ', ' ORDER BY yo.year)
        FILTER (WHERE yo.outcome = 'does_not_meet') AS not_years,
      string_agg(yo.year::text, ', ' ORDER BY yo.year)
        FILTER (WHERE yo.outcome = 'unknown') AS unknown_years
    FROM yo GROUP BY yo.school_id),
  figs AS (
    SELECT yo.school_id, jsonb_agg(f.e ORDER BY yo.year DESC, f.ord) AS figures
    FROM yo CROSS JOIN LATERAL jsonb_array_elements(yo.figures)
      WITH ORDINALITY f(e, ord)
    GROUP BY yo.school_id)
  SELECT p_run, d.school_id, d.decision, d.severity,
    row_number() OVER (ORDER BY CASE d.decision WHEN 'meets' THEN 0
      WHEN 'insufficient_evidence' THEN 1 ELSE 2 END, d.severity DESC,
      s.code COLLATE "C", s.id)::integer,
    jsonb_build_object(
      'summary', CASE d.decision
        WHEN 'meets' THEN p_meets || ' в каждом году с ' || span.first
          || ' по ' || span.last
        WHEN 'does_not_meet' THEN 'Не отвечает критерию: ' || d.not_years
        ELSE 'Недостаточно данных для решения: ' || d.unknown_years END,
      'years', d.years,
      'figures', coalesce(figs.figures, '[]'))
  FROM d JOIN schools s ON s.id = d.school_id CROSS JOIN span
  LEFT JOIN figs ON figs.school_id = d.school_id
$$;

-- An entry of a low_results methodology's instruments, resolved: its own
-- criterion and the threshold of that criterion (share_fail_percent,
-- percentile or sufficient_percent), each the methodology's (p) when the
-- entry does not say; the thresholds of other criteria are dropped.
CREATE FUNCTION identification_entry(e jsonb, p jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT (e - 'criterion' - 'share_fail_percent' - 'percentile'
    - 'sufficient_percent')
    || jsonb_build_object('criterion', c.crit, c.key,
      coalesce(e->c.key, p->c.key))
  FROM (SELECT x.crit, CASE x.crit WHEN 'share_fail' THEN 'share_fail_percent'
      WHEN 'mean_percentile' THEN 'percentile' ELSE 'sufficient_percent' END
      AS key
    FROM (SELECT coalesce(e->>'criterion', p->>'criterion') AS crit) x) c
$$;

-- A run's parameters of kind low_results with every default, each entry
-- of instruments resolved (identification_entry).
CREATE FUNCTION identification_results_parameters(p jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT d || jsonb_build_object('instruments', (
    SELECT jsonb_agg(identification_entry(x.e, d) ORDER BY x.ord)
    FROM jsonb_array_elements(coalesce(p->'instruments',
      '[{"kind": "VPR"}, {"kind": "OGE"}, {"kind": "EGE"}]'))
      WITH ORDINALITY x(e, ord)))
  FROM (SELECT jsonb_build_object(
    'years', coalesce((p->>'years')::integer, 2),
    'criterion', coalesce(p->>'criterion', 'share_fail'),
    'share_fail_percent', coalesce((p->>'share_fail_percent')::integer, 30),
    'percentile', coalesce((p->>'percentile')::integer, 10),
    'sufficient_percent', coalesce((p->>'sufficient_percent')::integer, 60),
    'min_instruments', coalesce((p->>'min_instruments')::integer, 2),
    'min_participants', coalesce((p->>'min_participants')::integer, 5)) AS d) t
$$;

-- A run's parameters of its kind with every default.
CREATE FUNCTION identification_parameters(p_kind text, p jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_kind WHEN 'unfavourable_context'
    THEN identification_context_parameters(coalesce(p, '{}'))
    ELSE identification_results_parameters(coalesce(p, '{}')) END
$$;

-- The instruments a low_results methodology (its parameters p) reads for
-- a run of p_year: the assessments of its years that an entry of
-- instruments matches, each with the first entry matching it, resolved
-- (its criterion and threshold); under task_mastery only those with
-- basic-level tasks (basic_max, their scores possible; basic_ords, their
-- places in tasks).
CREATE FUNCTION identification_instruments(p jsonb, p_year integer)
RETURNS TABLE (assessment_id bigint, criterion text, threshold numeric,
  percentile numeric, basic_max integer, basic_ords integer[])
LANGUAGE sql STABLE AS $$
  SELECT a.id, en.e->>'criterion',
    CASE en.e->>'criterion' WHEN 'share_fail' THEN (en.e->>'share_fail_percent')::numeric
      WHEN 'task_mastery' THEN (en.e->>'sufficient_percent')::numeric END,
    (en.e->>'percentile')::numeric, t.basic_max, t.basic_ords
  FROM assessments a
  CROSS JOIN LATERAL (SELECT identification_entry(f.e, p) AS e
    FROM jsonb_array_elements(p->'instruments') WITH ORDINALITY f(e, ord)
    WHERE f.e->>'kind' = a.kind
    AND (f.e->'grades' IS NULL OR f.e->'grades' @> to_jsonb(a.grade))
    AND (f.e->'subjects' IS NULL OR f.e->'subjects' @> to_jsonb(a.subject_code))
    ORDER BY f.ord LIMIT 1) en
  CROSS JOIN LATERAL (SELECT coalesce(sum((x.e->>'max_score')::integer), 0)::integer
      AS basic_max, coalesce(array_agg(x.ord::integer), '{}') AS basic_ords
    FROM jsonb_array_elements(a.tasks) WITH ORDINALITY x(e, ord)
    WHERE x.e->>'level' = 'basic') t
  WHERE a.year BETWEEN p_year - (p->>'years')::integer + 1 AND p_year
  AND (en.e->>'criterion' <> 'task_mastery' OR t.basic_max > 0)
$$;

-- The ШНОР computation (0011), each instrument judged by its own
-- criterion and threshold; its last stage identification_decide.
CREATE OR REPLACE FUNCTION identification_compute_results(p_run bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r identification_runs;
  p jsonb;
  v_k integer;
  n_years integer;
  v_least integer;
BEGIN
  SELECT * INTO STRICT r FROM identification_runs WHERE id = p_run;
  p := r.methodology->'parameters';
  v_k := (p->>'min_instruments')::integer;
  n_years := (p->>'years')::integer;
  v_least := (p->>'min_participants')::integer;

  CREATE TEMP TABLE ident_fig ON COMMIT DROP AS
  WITH inst AS (
    SELECT a.*, identification_instrument_name(a) AS name, i.criterion AS crit,
      i.threshold AS fixed, i.percentile, i.basic_max, i.basic_ords
    FROM identification_instruments(p, r.year) i
    JOIN assessments a ON a.id = i.assessment_id),
  st AS (
    SELECT i.id AS assessment_id, s.school_id, s.participants,
      CASE i.crit
        WHEN 'share_fail' THEN 100.0 * s.failed / nullif(s.participants, 0)
        WHEN 'mean_percentile' THEN s.primary_sum::numeric / nullif(s.participants, 0)
        ELSE 100.0 * (SELECT coalesce(sum(s.task_sums[o]), 0) FROM unnest(i.basic_ords) o)
          / nullif(s.participants::numeric * i.basic_max, 0) END AS figure,
      s.failed
    FROM inst i JOIN assessment_school_stats s ON s.assessment_id = i.id
    JOIN schools sc ON sc.id = s.school_id
    JOIN municipalities m ON m.id = sc.municipality_id
    WHERE m.region_id = r.region_id),
  pct AS (
    SELECT st.assessment_id, round(percentile_cont(i.percentile::float8 / 100)
      WITHIN GROUP (ORDER BY st.figure)::numeric, 4) AS threshold
    FROM st JOIN inst i ON i.id = st.assessment_id
    WHERE i.crit = 'mean_percentile' AND st.participants >= v_least
    AND st.figure IS NOT NULL
    GROUP BY st.assessment_id, i.percentile)
  SELECT i.*, st.school_id, st.participants, st.figure, st.failed,
    coalesce(i.fixed, pct.threshold) AS threshold,
    st.participants >= v_least AND st.figure IS NOT NULL AS counted
  FROM inst i JOIN st ON st.assessment_id = i.id
  LEFT JOIN pct ON pct.assessment_id = i.id;

  ALTER TABLE ident_fig ADD COLUMN meets boolean, ADD COLUMN text text;
  UPDATE ident_fig f SET meets = f.counted AND f.threshold IS NOT NULL AND CASE f.crit
      WHEN 'share_fail' THEN f.failed * 100 >= f.threshold * f.participants
      ELSE f.figure < f.threshold END,
    text = f.name || ': ' || CASE
      WHEN NOT f.counted THEN 'участников ' || f.participants || ' — меньше '
        || v_least || ', показатель не учитывается'
      WHEN f.crit = 'share_fail' THEN CASE WHEN f.kind = 'EGE'
          THEN 'доля не набравших минимальный балл ' ELSE 'доля «2» ' END
        || identification_number(f.figure) || ' % при пороге '
        || identification_number(f.threshold) || ' % (участников: '
        || f.participants || ')'
      WHEN f.crit = 'mean_percentile' THEN 'средний первичный балл '
        || identification_number(f.figure) || ' при пороге '
        || identification_number(f.threshold) || ' (' || f.percentile
        || '-й процентиль по региону; участников: ' || f.participants || ')'
      ELSE 'освоение заданий базового уровня ' || identification_number(f.figure)
        || ' % при достаточном уровне ' || identification_number(f.threshold)
        || ' % (участников: ' || f.participants || ')' END;

  UPDATE identification_runs SET data_state = identification_data_state(r)
  WHERE id = p_run;

  PERFORM identification_decide(p_run, ARRAY(
    WITH sch AS (
      SELECT s.id FROM schools s
      JOIN municipalities m ON m.id = s.municipality_id
      WHERE m.region_id = r.region_id),
    fy AS (
      SELECT f.school_id, f.year,
        count(*) FILTER (WHERE f.meets) AS met,
        count(*) FILTER (WHERE f.counted) AS counted,
        count(*) FILTER (WHERE NOT f.counted) AS small,
        jsonb_agg(jsonb_build_object(
          'assessment_id', f.id, 'kind', f.kind, 'year', f.year,
          'grade', f.grade, 'subject_code', f.subject_code,
          'variant_set', f.variant_set, 'participants', f.participants,
          'criterion', f.crit,
          'figure', round(f.figure, 1), 'threshold', round(f.threshold, 1),
          'counted', f.counted, 'meets', f.meets, 'text', f.text)
          ORDER BY f.kind, f.grade, f.subject_code, f.variant_set) AS figures
      FROM ident_fig f GROUP BY f.school_id, f.year),
    yr AS (
      SELECT sch.id AS school_id, y.year, coalesce(fy.met, 0) AS met,
        coalesce(fy.counted, 0) AS counted, coalesce(fy.small, 0) AS small,
        fy.figures
      FROM sch CROSS JOIN generate_series(r.year - n_years + 1, r.year) y(year)
      LEFT JOIN fy ON fy.school_id = sch.id AND fy.year = y.year)
    SELECT ROW(yr.school_id, yr.year, CASE WHEN yr.met >= v_k THEN 'meets'
        WHEN yr.counted + yr.small = 0 OR yr.met + yr.small >= v_k THEN 'unknown'
        ELSE 'does_not_meet' END, yr.met,
      jsonb_build_object('counted', yr.counted,
        'too_few_participants', yr.small,
        'text', yr.year || ': ' || CASE WHEN yr.counted + yr.small = 0
          THEN 'нет результатов по выбранным процедурам'
          ELSE 'критерию отвечает процедур: ' || yr.met || ' из '
            || yr.counted || ' учтённых, нужно не менее ' || v_k
            || CASE WHEN yr.small > 0 THEN '; не учтено из-за малого числа участников: '
              || yr.small ELSE '' END END),
      yr.figures)::identification_year
    FROM yr), 'Отвечает критерию');
  DROP TABLE ident_fig;
END
$$;

-- The ШНСУ computation (0012), its last stage identification_decide.
CREATE OR REPLACE FUNCTION identification_compute_context(p_run bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r identification_runs;
  p jsonb;
  w jsonb;
  n_years integer;
BEGIN
  SELECT * INTO STRICT r FROM identification_runs WHERE id = p_run;
  p := r.methodology->'parameters';
  w := p->'weights';
  n_years := (p->>'years')::integer;

  CREATE TEMP TABLE ident_ctx ON COMMIT DROP AS
  WITH sch AS (
    SELECT s.id, s.code, s.locality FROM schools s
    JOIN municipalities m ON m.id = s.municipality_id
    WHERE m.region_id = r.region_id),
  sh AS (
    SELECT c.school_id, c.school_year, k.ord, k.key, k.share
    FROM school_contexts c
    CROSS JOIN LATERAL (VALUES (1, 'low_income', c.low_income),
      (2, 'unemployed_parents', c.unemployed_parents),
      (3, 'single_parent', c.single_parent),
      (4, 'parents_higher_education', c.parents_higher_education),
      (5, 'non_russian_at_home', c.non_russian_at_home),
      (6, 'preventive_register', c.preventive_register),
      (7, 'disabilities', c.disabilities)) k(ord, key, share)
    WHERE c.school_id IN (SELECT id FROM sch)
    AND c.school_year BETWEEN r.year - n_years + 1 AND r.year),
  ix AS (
    SELECT sh.school_id, sh.school_year,
      bool_or(sh.share IS NULL AND (w->>sh.key)::numeric <> 0) AS unknown,
      sum((w->>sh.key)::numeric * sh.share) AS weighted,
      jsonb_object_agg(sh.key, sh.share) AS shares,
      string_agg(identification_context_share_name(sh.key) || ' '
        || coalesce(identification_number(sh.share) || ' %', 'неизвестна'),
        '; ' ORDER BY abs((w->>sh.key)::numeric) DESC, sh.ord)
        FILTER (WHERE (w->>sh.key)::numeric <> 0) AS words
    FROM sh GROUP BY sh.school_id, sh.school_year)
  SELECT sch.id AS school_id, sch.code, y.year, c.version, c.updated_at,
    ix.shares, ix.words, sch.locality,
    CASE WHEN c.school_id IS NULL OR ix.unknown THEN NULL
      ELSE round(ix.weighted + CASE sch.locality WHEN 'RURAL'
        THEN (w->>'rural')::numeric ELSE 0 END, 1) END AS index
  FROM sch CROSS JOIN generate_series(r.year - n_years + 1, r.year) y(year)
  LEFT JOIN school_contexts c ON c.school_id = sch.id AND c.school_year = y.year
  LEFT JOIN ix ON ix.school_id = sch.id AND ix.school_year = y.year;

  ALTER TABLE ident_ctx ADD COLUMN cutoff numeric;
  UPDATE ident_ctx x SET cutoff = coalesce((p->>'cutoff_value')::numeric, (
    SELECT round(percentile_cont((p->>'cutoff_percentile')::float8 / 100)
      WITHIN GROUP (ORDER BY i.index)::numeric, 1)
    FROM ident_ctx i WHERE i.year = x.year AND i.index IS NOT NULL));

  UPDATE identification_runs SET data_state = identification_data_state(r)
  WHERE id = p_run;

  PERFORM identification_decide(p_run, ARRAY(
    SELECT ROW(x.school_id, x.year, o.outcome,
      CASE o.outcome WHEN 'meets' THEN 1 ELSE 0 END,
      jsonb_build_object(
        'counted', CASE o.outcome WHEN 'unknown' THEN 0 ELSE 1 END,
        'too_few_participants', 0,
        'index', x.index, 'cutoff', x.cutoff, 'shares', x.shares,
        'text', x.year || ': ' || CASE
          WHEN x.version IS NULL THEN 'нет данных о социальном контексте школы'
          WHEN x.index IS NULL THEN 'социальный контекст известен не полностью: '
            || x.words
          ELSE 'индекс социального неблагополучия '
            || identification_number(x.index) || CASE
              WHEN x.cutoff IS NULL THEN ', порог не определён'
              ELSE ' при пороге ' || identification_number(x.cutoff) END
            || CASE WHEN p->>'cutoff_value' IS NOT NULL THEN ' (заданное значение)'
              ELSE ' (' || (p->>'cutoff_percentile') || '-й процентиль по региону)' END
            || '; ' || x.words
            || CASE WHEN x.locality = 'RURAL' THEN '; сельская школа (+'
              || identification_number((w->>'rural')::numeric) || ')' ELSE '' END
          END),
      NULL)::identification_year
    FROM ident_ctx x
    CROSS JOIN LATERAL (SELECT CASE WHEN x.index IS NULL OR x.cutoff IS NULL
      THEN 'unknown' WHEN x.index >= x.cutoff THEN 'meets'
      ELSE 'does_not_meet' END AS outcome) o), 'Социальные условия неблагоприятны');
  DROP TABLE ident_ctx;
END
$$;

-- Saved methodologies can be deleted: the runs that used one keep their
-- stored methodology and its name (their own column now), and lose only
-- the reference (ON DELETE SET NULL).
ALTER TABLE identification_runs ADD COLUMN methodology_name text;
UPDATE identification_runs r SET methodology_name = m.name
FROM identification_methodologies m WHERE m.id = r.methodology_id;
ALTER TABLE identification_runs
  DROP CONSTRAINT identification_runs_methodology_id_fkey,
  ADD CONSTRAINT identification_runs_methodology_id_fkey
    FOREIGN KEY (methodology_id) REFERENCES identification_methodologies (id)
    ON DELETE SET NULL;
CREATE INDEX identification_runs_methodology_idx
  ON identification_runs (methodology_id);

-- A run as the API shows it (0011), its methodology's name its own.
CREATE OR REPLACE FUNCTION identification_run_doc(r identification_runs)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', r.id, 'region_id', r.region_id,
    'kind', r.kind, 'year', r.year, 'methodology', r.methodology,
    'data_state', r.data_state, 'created_by', r.created_by,
    'methodology_id', r.methodology_id,
    'methodology_name', r.methodology_name,
    'created_at', r.created_at, 'applied', r.applied_at IS NOT NULL,
    'application', r.application,
    'counts', (SELECT jsonb_build_object(
      'meets', count(*) FILTER (WHERE decision = 'meets'),
      'does_not_meet', count(*) FILTER (WHERE decision = 'does_not_meet'),
      'insufficient_evidence', count(*) FILTER (WHERE decision = 'insufficient_evidence'))
      FROM identification_run_schools s WHERE s.run_id = r.id))
$$;

-- A saved methodology as the API shows it: how many runs used it too.
CREATE FUNCTION identification_methodology_doc(m identification_methodologies)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', m.id, 'region_id', m.region_id,
    'name', m.name, 'kind', m.kind, 'parameters', m.parameters,
    'created_by', m.created_by, 'created_at', m.created_at,
    'runs', (SELECT count(*) FROM identification_runs r
      WHERE r.methodology_id = m.id))
$$;

-- The state of the data a low_results methodology (p) reads for a run of
-- p_year in p_region, as it is now: per instrument with statistics of the
-- region's schools, its latest committed push (of any region: imports are
-- per instrument) and when the region's statistics last changed.
CREATE FUNCTION identification_results_state(p_region bigint,
  p_year integer, p jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object('assessment_id', a.id,
    'kind', a.kind, 'year', a.year, 'grade', a.grade,
    'subject_code', a.subject_code, 'variant_set', a.variant_set,
    'last_import_id', (SELECT max(im.id) FROM imports im
      WHERE im.assessment_id = a.id AND im.outcome = 'committed'),
    'statistics_updated_at', g.at) ORDER BY a.id), '[]')
  FROM (SELECT s.assessment_id, max(s.updated_at) AS at
    FROM identification_instruments(p, p_year) i
    JOIN assessment_school_stats s ON s.assessment_id = i.assessment_id
    JOIN schools sc ON sc.id = s.school_id
    JOIN municipalities m ON m.id = sc.municipality_id
    WHERE m.region_id = p_region GROUP BY s.assessment_id) g
  JOIN assessments a ON a.id = g.assessment_id
$$;

-- The same for unfavourable_context: per context row of the region's
-- schools in the run's years, its version and last change.
CREATE FUNCTION identification_context_state(p_region bigint,
  p_year integer, p jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object('school_id', c.school_id,
    'year', c.school_year, 'version', c.version, 'updated_at', c.updated_at)
    ORDER BY c.school_id, c.school_year), '[]')
  FROM school_contexts c JOIN schools s ON s.id = c.school_id
  JOIN municipalities m ON m.id = s.municipality_id
  WHERE m.region_id = p_region
  AND c.school_year BETWEEN p_year - (p->>'years')::integer + 1 AND p_year
$$;

-- The state of the data a run reads, now: what a computation of it stores
-- as data_state, and what its data check compares that with.
CREATE FUNCTION identification_data_state(r identification_runs)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT CASE r.kind WHEN 'unfavourable_context'
    THEN identification_context_state(r.region_id, r.year, r.methodology->'parameters')
    ELSE identification_results_state(r.region_id, r.year, r.methodology->'parameters') END
$$;

-- An entry of a data state: its key (an instrument, or a school and
-- year) and what a change is judged by.
CREATE FUNCTION identification_state_key(e jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(e->>'assessment_id', (e->>'school_id') || '/' || (e->>'year'))
$$;

CREATE FUNCTION identification_state_differs(a jsonb, b jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT (a->>'last_import_id')::bigint IS DISTINCT FROM (b->>'last_import_id')::bigint
    OR (a->>'statistics_updated_at')::timestamptz
      IS DISTINCT FROM (b->>'statistics_updated_at')::timestamptz
    OR (a->>'version')::integer IS DISTINCT FROM (b->>'version')::integer
    OR (a->>'updated_at')::timestamptz IS DISTINCT FROM (b->>'updated_at')::timestamptz
$$;

-- Whether the data a run read are today's: its stored data_state against
-- identification_data_state now. Each entry that changed, appeared (read
-- now, not then: an instrument or context row new since) or disappeared
-- (read then, not now), with its state then and now (null when none).
-- Context rows of schools outside the caller's scope are only counted
-- (changes_outside_scope); same_data is the whole run's.
CREATE FUNCTION identification_data_check(r identification_runs,
  p_scope_kind text, p_scope_id bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  WITH t AS (SELECT identification_state_key(e) AS key, e
    FROM jsonb_array_elements(r.data_state) e),
  n AS (SELECT identification_state_key(e) AS key, e
    FROM jsonb_array_elements(identification_data_state(r)) e),
  d AS (
    SELECT CASE WHEN t.e IS NULL THEN 'appeared'
        WHEN n.e IS NULL THEN 'disappeared' ELSE 'changed' END AS change,
      coalesce(n.e, t.e) AS e, t.e AS then_e, n.e AS now_e
    FROM t FULL JOIN n ON n.key = t.key
    WHERE t.e IS NULL OR n.e IS NULL OR identification_state_differs(t.e, n.e)),
  v AS (
    SELECT d.change, (d.e->>'assessment_id')::bigint AS assessment_id,
      (d.e->>'school_id')::bigint AS school_id, (d.e->>'year')::integer AS year,
      CASE WHEN d.e ? 'assessment_id' THEN jsonb_build_object(
          'assessment_id', d.e->'assessment_id', 'kind', d.e->'kind',
          'year', d.e->'year', 'grade', d.e->'grade',
          'subject_code', d.e->'subject_code', 'variant_set', d.e->'variant_set',
          'then', d.then_e - 'assessment_id' - 'kind' - 'year' - 'grade'
            - 'subject_code' - 'variant_set',
          'now', d.now_e - 'assessment_id' - 'kind' - 'year' - 'grade'
            - 'subject_code' - 'variant_set')
        ELSE jsonb_build_object('school_id', d.e->'school_id',
          'school_code', s.code, 'year', d.e->'year',
          'then', d.then_e - 'school_id' - 'year',
          'now', d.now_e - 'school_id' - 'year') END AS item,
      d.e ? 'assessment_id' OR coalesce(school_in_scope(s.id,
        s.municipality_id, m.region_id, p_scope_kind, p_scope_id), false)
        AS shown
    FROM d LEFT JOIN schools s ON s.id = (d.e->>'school_id')::bigint
    LEFT JOIN municipalities m ON m.id = s.municipality_id)
  SELECT jsonb_build_object('run_id', r.id, 'kind', r.kind,
    'checked_at', now(),
    'same_data', NOT EXISTS (SELECT 1 FROM v),
    'changed', (SELECT coalesce(jsonb_agg(v.item ORDER BY v.assessment_id,
      v.school_id, v.year), '[]') FROM v WHERE v.change = 'changed' AND v.shown),
    'appeared', (SELECT coalesce(jsonb_agg(v.item ORDER BY v.assessment_id,
      v.school_id, v.year), '[]') FROM v WHERE v.change = 'appeared' AND v.shown),
    'disappeared', (SELECT coalesce(jsonb_agg(v.item ORDER BY v.assessment_id,
      v.school_id, v.year), '[]') FROM v WHERE v.change = 'disappeared' AND v.shown),
    'changes_outside_scope', (SELECT count(*) FROM v WHERE NOT v.shown))
$$;
