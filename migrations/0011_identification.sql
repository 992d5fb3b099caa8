-- Identification runs (docs/IDENTIFICATION.md): which schools of a region
-- meet a methodology's criterion (kind low_results -> ШНОР), computed over
-- the kept statistics (assessment_school_stats), stored with the
-- methodology as it was and the state of the data it read.

-- A methodology saved by name in a region, to be reused by runs.
CREATE TABLE identification_methodologies (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  region_id   bigint NOT NULL REFERENCES regions (id),
  name        text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('low_results', 'unfavourable_context')),
  parameters  jsonb NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT identification_methodologies_name_key UNIQUE (region_id, name)
);

-- One run. methodology: {"kind", "year", "parameters"} with every default
-- filled in; data_state: per instrument read, its latest committed import
-- and when its statistics last changed.
CREATE TABLE identification_runs (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  region_id       bigint NOT NULL REFERENCES regions (id),
  kind            text NOT NULL CHECK (kind IN ('low_results', 'unfavourable_context')),
  year            integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  methodology     jsonb NOT NULL,
  methodology_id  bigint REFERENCES identification_methodologies (id),
  data_state      jsonb NOT NULL DEFAULT '[]',
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- Set once, by apply: the order (приказ) and what it did (the request,
  -- the statuses made, the schools excluded, those proposed for exit).
  applied_at      timestamptz,
  order_number    text,
  application     jsonb
);
CREATE INDEX identification_runs_region_idx ON identification_runs (region_id, id);

-- Per school of the region: the decision, its severity (figures meeting
-- the criterion) and the evidence; position is the order of the answer
-- (decision, severity descending, school code).
CREATE TABLE identification_run_schools (
  run_id     bigint NOT NULL REFERENCES identification_runs (id) ON DELETE CASCADE,
  school_id  bigint NOT NULL REFERENCES schools (id),
  decision   text NOT NULL CHECK (decision IN ('meets', 'does_not_meet', 'insufficient_evidence')),
  severity   integer NOT NULL,
  position   integer NOT NULL,
  evidence   jsonb NOT NULL,
  PRIMARY KEY (run_id, school_id),
  CONSTRAINT identification_run_schools_position_key UNIQUE (run_id, position)
);

-- A number as an authority writes it: at most one decimal, comma.
CREATE FUNCTION identification_number(numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT replace(trim_scale(round($1, 1))::text, '.', ',')
$$;

-- "ВПР 2025, математика, 5 класс" for an instrument.
CREATE FUNCTION identification_instrument_name(a assessments) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE a.kind WHEN 'VPR' THEN 'ВПР' WHEN 'OGE' THEN 'ОГЭ'
    WHEN 'EGE' THEN 'ЕГЭ' ELSE 'региональная диагностика' END
    || ' ' || a.year || ', ' || lower(a.subject_name)
    || CASE a.variant_set WHEN '' THEN '' WHEN 'basic' THEN ' (базовый уровень)'
       WHEN 'advanced' THEN ' (профильный уровень)'
       ELSE ' (' || a.variant_set || ')' END
    || CASE WHEN a.kind IN ('VPR', 'REGIONAL') THEN ', ' || a.grade || ' класс'
       ELSE '' END
$$;

-- Computes a run's schools and data state from its methodology. Every
-- order is explicit, so the same statistics and methodology give the same
-- rows, byte for byte.
CREATE FUNCTION identification_compute(p_run bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  r identification_runs;
  p jsonb;
  crit text;
  v_k integer;
  n_years integer;
  v_least integer;
BEGIN
  SELECT * INTO STRICT r FROM identification_runs WHERE id = p_run;
  p := r.methodology->'parameters';
  crit := p->>'criterion';
  v_k := (p->>'min_instruments')::integer;
  n_years := (p->>'years')::integer;
  v_least := (p->>'min_participants')::integer;

  CREATE TEMP TABLE ident_fig ON COMMIT DROP AS
  WITH inst AS (
    SELECT a.*, identification_instrument_name(a) AS name, t.basic_max,
      t.basic_ords FROM assessments a
    CROSS JOIN LATERAL (SELECT coalesce(sum((x.e->>'max_score')::integer), 0) AS basic_max,
      coalesce(array_agg(x.ord::integer), '{}') AS basic_ords
      FROM jsonb_array_elements(a.tasks) WITH ORDINALITY x(e, ord)
      WHERE x.e->>'level' = 'basic') t
    WHERE a.year BETWEEN r.year - n_years + 1 AND r.year
    AND EXISTS (SELECT 1 FROM jsonb_array_elements(p->'instruments') f
      WHERE f->>'kind' = a.kind
      AND (f->'grades' IS NULL OR f->'grades' @> to_jsonb(a.grade))
      AND (f->'subjects' IS NULL OR f->'subjects' @> to_jsonb(a.subject_code)))
    AND (crit <> 'task_mastery' OR t.basic_max > 0)),
  st AS (
    SELECT i.id AS assessment_id, s.school_id, s.participants,
      CASE crit
        WHEN 'share_fail' THEN 100.0 * s.failed / nullif(s.participants, 0)
        WHEN 'mean_percentile' THEN s.primary_sum::numeric / nullif(s.participants, 0)
        ELSE 100.0 * (SELECT coalesce(sum(s.task_sums[o]), 0) FROM unnest(i.basic_ords) o)
          / nullif(s.participants::numeric * i.basic_max, 0) END AS figure,
      s.failed, s.updated_at AS stats_updated_at
    FROM inst i JOIN assessment_school_stats s ON s.assessment_id = i.id
    JOIN schools sc ON sc.id = s.school_id
    JOIN municipalities m ON m.id = sc.municipality_id
    WHERE m.region_id = r.region_id),
  pct AS (
    SELECT st.assessment_id, round(percentile_cont((p->>'percentile')::float8 / 100)
      WITHIN GROUP (ORDER BY st.figure)::numeric, 4) AS threshold
    FROM st WHERE st.participants >= v_least AND st.figure IS NOT NULL
    GROUP BY st.assessment_id)
  SELECT i.*, st.school_id, st.participants, st.figure, st.failed,
    st.stats_updated_at,
    CASE crit WHEN 'share_fail' THEN (p->>'share_fail_percent')::numeric
      WHEN 'mean_percentile' THEN pct.threshold
      ELSE (p->>'sufficient_percent')::numeric END AS threshold,
    st.participants >= v_least AND st.figure IS NOT NULL AS counted
  FROM inst i JOIN st ON st.assessment_id = i.id
  LEFT JOIN pct ON pct.assessment_id = i.id;

  ALTER TABLE ident_fig ADD COLUMN meets boolean, ADD COLUMN text text;
  UPDATE ident_fig f SET meets = f.counted AND f.threshold IS NOT NULL AND CASE crit
      WHEN 'share_fail' THEN f.failed * 100 >= f.threshold * f.participants
      ELSE f.figure < f.threshold END,
    text = f.name || ': ' || CASE
      WHEN NOT f.counted THEN 'участников ' || f.participants || ' — меньше '
        || v_least || ', показатель не учитывается'
      WHEN crit = 'share_fail' THEN CASE WHEN f.kind = 'EGE'
          THEN 'доля не набравших минимальный балл ' ELSE 'доля «2» ' END
        || identification_number(f.figure) || ' % при пороге '
        || identification_number(f.threshold) || ' % (участников: '
        || f.participants || ')'
      WHEN crit = 'mean_percentile' THEN 'средний первичный балл '
        || identification_number(f.figure) || ' при пороге '
        || identification_number(f.threshold) || ' (' || (p->>'percentile')
        || '-й процентиль по региону; участников: ' || f.participants || ')'
      ELSE 'освоение заданий базового уровня ' || identification_number(f.figure)
        || ' % при достаточном уровне ' || identification_number(f.threshold)
        || ' % (участников: ' || f.participants || ')' END;

  UPDATE identification_runs SET data_state = coalesce((
    SELECT jsonb_agg(jsonb_build_object('assessment_id', a.id,
      'kind', a.kind, 'year', a.year, 'grade', a.grade,
      'subject_code', a.subject_code, 'variant_set', a.variant_set,
      'last_import_id', (SELECT max(im.id) FROM imports im
        WHERE im.assessment_id = a.id AND im.outcome = 'committed'),
      'statistics_updated_at', g.stats_updated_at) ORDER BY a.id)
    FROM (SELECT f.id, max(f.stats_updated_at) AS stats_updated_at
      FROM ident_fig f GROUP BY f.id) g
    JOIN assessments a ON a.id = g.id), '[]')
  WHERE id = p_run;

  INSERT INTO identification_run_schools (run_id, school_id, decision,
    severity, position, evidence)
  WITH sch AS (
    SELECT s.id, s.code FROM schools s
    JOIN municipalities m ON m.id = s.municipality_id
    WHERE m.region_id = r.region_id),
  fy AS (
    SELECT f.school_id, f.year,
      count(*) FILTER (WHERE f.meets) AS met,
      count(*) FILTER (WHERE f.counted) AS counted,
      count(*) FILTER (WHERE NOT f.counted) AS small
    FROM ident_fig f GROUP BY f.school_id, f.year),
  yr AS (
    SELECT sch.id AS school_id, y.year, coalesce(fy.met, 0) AS met,
      coalesce(fy.counted, 0) AS counted, coalesce(fy.small, 0) AS small
    FROM sch CROSS JOIN generate_series(r.year - n_years + 1, r.year) y(year)
    LEFT JOIN fy ON fy.school_id = sch.id AND fy.year = y.year),
  figs AS (
    SELECT f.school_id, jsonb_agg(jsonb_build_object(
      'assessment_id', f.id, 'kind', f.kind, 'year', f.year,
      'grade', f.grade, 'subject_code', f.subject_code,
      'variant_set', f.variant_set, 'participants', f.participants,
      'figure', round(f.figure, 1), 'threshold', round(f.threshold, 1),
      'counted', f.counted, 'meets', f.meets, 'text', f.text)
      ORDER BY f.year DESC, f.kind, f.grade, f.subject_code, f.variant_set)
      AS figures
    FROM ident_fig f GROUP BY f.school_id),
  yo AS (
    SELECT yr.*, CASE WHEN yr.met >= v_k THEN 'meets'
      WHEN yr.counted + yr.small = 0 OR yr.met + yr.small >= v_k THEN 'unknown'
      ELSE 'does_not_meet' END AS outcome FROM yr),
  d AS (
    SELECT yo.school_id,
      CASE WHEN bool_and(yo.outcome = 'meets') THEN 'meets'
        WHEN bool_or(yo.outcome = 'does_not_meet') THEN 'does_not_meet'
        ELSE 'insufficient_evidence' END AS decision,
      sum(yo.met)::integer AS severity,
      jsonb_agg(jsonb_build_object('year', yo.year, 'outcome', yo.outcome,
        'met', yo.met, 'counted', yo.counted, 'too_few_participants', yo.small,
        'text', yo.year || ': ' || CASE WHEN yo.counted + yo.small = 0
          THEN 'нет результатов по выбранным процедурам'
          ELSE 'критерию отвечает процедур: ' || yo.met || ' из '
            || yo.counted || ' учтённых, нужно не менее ' || v_k
            || CASE WHEN yo.small > 0 THEN '; не учтено из-за малого числа участников: '
              || yo.small ELSE '' END END)
        ORDER BY yo.year DESC) AS years,
      string_agg(yo.year::text, ', ' ORDER BY yo.year)
        FILTER (WHERE yo.outcome = 'does_not_meet') AS not_years,
      string_agg(yo.year::text, ', ' ORDER BY yo.year)
        FILTER (WHERE yo.outcome = 'unknown') AS unknown_years
    FROM yo GROUP BY yo.school_id)
  SELECT p_run, d.school_id, d.decision, d.severity,
    row_number() OVER (ORDER BY CASE d.decision WHEN 'meets' THEN 0
      WHEN 'insufficient_evidence' THEN 1 ELSE 2 END, d.severity DESC,
      sch.code COLLATE "C", sch.id)::integer,
    jsonb_build_object(
      'summary', CASE d.decision
        WHEN 'meets' THEN 'Отвечает критерию в каждом году с '
          || (r.year - n_years + 1) || ' по ' || r.year
        WHEN 'does_not_meet' THEN 'Не отвечает критерию: ' || d.not_years
        ELSE 'Недостаточно данных для решения: ' || d.unknown_years END,
      'years', d.years,
      'figures', coalesce(figs.figures, '[]'))
  FROM d JOIN sch ON sch.id = d.school_id
  LEFT JOIN figs ON figs.school_id = d.school_id;
  DROP TABLE ident_fig;
END
$$;

-- A run as the API shows it.
CREATE FUNCTION identification_run_doc(r identification_runs) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', r.id, 'region_id', r.region_id,
    'kind', r.kind, 'year', r.year, 'methodology', r.methodology,
    'data_state', r.data_state, 'created_by', r.created_by,
    'methodology_name', (SELECT name FROM identification_methodologies
      WHERE id = r.methodology_id),
    'created_at', r.created_at, 'applied', r.applied_at IS NOT NULL,
    'application', r.application,
    'counts', (SELECT jsonb_build_object(
      'meets', count(*) FILTER (WHERE decision = 'meets'),
      'does_not_meet', count(*) FILTER (WHERE decision = 'does_not_meet'),
      'insufficient_evidence', count(*) FILTER (WHERE decision = 'insufficient_evidence'))
      FROM identification_run_schools s WHERE s.run_id = r.id))
$$;

-- Applies a run (once): the year's ШНОР statuses of the schools that meet
-- the criterion, less those excluded by hand, plus those included by hand,
-- with the order and the run as their basis. A school with an open status
-- of that year keeps it (status_id null). Schools with an open status of the
-- year before that are not chosen now are proposed for exit, not excluded.
CREATE FUNCTION identification_apply(p_run bigint, p_body jsonb, p_actor text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r identification_runs;
  y integer;
  d date;
  made jsonb;
  leaving jsonb;
BEGIN
  SELECT * INTO STRICT r FROM identification_runs WHERE id = p_run FOR UPDATE;
  y := coalesce((p_body->>'school_year')::integer, r.year);
  d := coalesce((p_body->>'included_on')::date, current_date);
  CREATE TEMP TABLE ident_chosen ON COMMIT DROP AS
  SELECT rs.school_id, inc.e->>'reason' AS reason, inc.e IS NOT NULL AS manual
  FROM identification_run_schools rs
  LEFT JOIN LATERAL (SELECT e FROM jsonb_array_elements(
    coalesce(p_body->'include', '[]')) e
    WHERE (e->>'school_id')::bigint = rs.school_id LIMIT 1) inc ON true
  WHERE rs.run_id = p_run
  AND ((rs.decision = 'meets' AND NOT EXISTS (SELECT 1
    FROM jsonb_array_elements(coalesce(p_body->'exclude', '[]')) x
    WHERE (x->>'school_id')::bigint = rs.school_id)) OR inc.e IS NOT NULL);
  WITH ins AS (
    INSERT INTO school_statuses (school_id, category, school_year, basis,
      included_on)
    SELECT c.school_id, 'SHNOR', y, 'Приказ № ' || (p_body->>'order_number')
      || ', идентификация № ' || p_run
      || CASE WHEN c.manual THEN '; включена вручную: ' || c.reason ELSE '' END,
      d FROM ident_chosen c ORDER BY c.school_id
    ON CONFLICT (school_id, category, school_year) WHERE excluded_on IS NULL
    DO NOTHING RETURNING id, school_id)
  SELECT coalesce(jsonb_agg(jsonb_build_object('school_id', c.school_id,
    'status_id', ins.id, 'manual', c.manual, 'reason', c.reason)
    ORDER BY c.school_id), '[]') INTO made
  FROM ident_chosen c LEFT JOIN ins ON ins.school_id = c.school_id;
  SELECT coalesce(jsonb_agg(jsonb_build_object('school_id', ss.school_id,
    'status_id', ss.id) ORDER BY ss.school_id, ss.id), '[]') INTO leaving
  FROM school_statuses ss
  JOIN identification_run_schools rs ON rs.school_id = ss.school_id
  AND rs.run_id = p_run
  WHERE ss.category = 'SHNOR' AND ss.school_year = y - 1
  AND ss.excluded_on IS NULL
  AND ss.school_id NOT IN (SELECT school_id FROM ident_chosen);
  UPDATE identification_runs SET applied_at = now(),
    order_number = p_body->>'order_number',
    application = jsonb_build_object('request', p_body, 'school_year', y,
      'included_on', d, 'applied_by', p_actor, 'statuses', made,
      'excluded', coalesce(p_body->'exclude', '[]'), 'proposed_exit', leaving)
  WHERE id = p_run;
  DROP TABLE ident_chosen;
END
$$;
