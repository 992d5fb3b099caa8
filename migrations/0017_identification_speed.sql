-- Identification over a large region (issue 14, "Speed"): a run of any
-- kind over 2,000 schools with 20 instruments a year, and the partner
-- proposals, well under a second (docs/PERFORMANCE.md). The rows a run
-- stores are those of before, byte for byte; what changed is how they are
-- built:
-- - the evidence is written once, as JSON text parsed into jsonb per
--   school, where each figure was built as jsonb, aggregated per year,
--   taken apart again and aggregated per school (identification_decide);
-- - each kind is one statement without temporary tables or UPDATE
--   passes; what is the same for every school of an instrument (its name,
--   threshold and members) is built once per instrument;
-- - the statistics are read in one pass where they were read instrument
--   by instrument, page by page (the data state too);
-- - the resilient ranks are computed once per run, not twice;
-- - the evidence is compressed with lz4 (about five times faster to
--   write than pglz, the size about the same).

ALTER TABLE identification_run_schools ALTER COLUMN evidence
  SET COMPRESSION lz4;

-- Values as JSON text (null as null), for evidence written as text.
CREATE FUNCTION identification_json(text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(to_json($1)::text, 'null')
$$;

CREATE FUNCTION identification_json(numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce($1::text, 'null')
$$;

CREATE FUNCTION identification_json(boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE $1 WHEN true THEN 'true' WHEN false THEN 'false' ELSE 'null' END
$$;

-- A text as the inside of a JSON string (escaped, without its quotes).
CREATE FUNCTION identification_json_inner(text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT substr(j, 2, length(j) - 2) FROM (SELECT to_json($1)::text AS j) x
$$;

-- A school's year as a kind hands it to the last stage: outcome 'meets',
-- 'does_not_meet' or 'unknown'; met, what the year adds to the severity;
-- doc, the members of the year's evidence as JSON text without braces
-- ('"counted":1,"text":"…"'), to which year, outcome and met are added.
CREATE TYPE identification_year_json AS (
  school_id bigint,
  year      integer,
  outcome   text,
  met       integer,
  doc       text
);

-- The last stage of every kind (identification_decide of 0013, which it
-- replaces): the years grouped per school, the decision (meets when every
-- year meets, does_not_meet when one does not, else
-- insufficient_evidence), the severity, the position (decision, severity
-- descending, school code) and the evidence as JSON text up to the
-- figures ('{"summary":…,"years":[…],"figures":['), which the kind
-- completes with the school's figures and ']}'. p_meets opens the summary
-- of a school that meets. The figures stay with the kind, so that their
-- megabytes of text are copied as few times as possible.
CREATE FUNCTION identification_decisions(p_years identification_year_json[],
  p_meets text)
RETURNS TABLE (school_id bigint, decision text, severity integer,
  "position" integer, head text)
LANGUAGE sql STABLE AS $$
  WITH yo AS (SELECT * FROM unnest(p_years)),
  span AS (SELECT min(yo.year) AS first, max(yo.year) AS last FROM yo),
  d AS (
    SELECT yo.school_id,
      CASE WHEN bool_and(yo.outcome = 'meets') THEN 'meets'
        WHEN bool_or(yo.outcome = 'does_not_meet') THEN 'does_not_meet'
        ELSE 'insufficient_evidence' END AS decision,
      sum(yo.met)::integer AS severity,
      string_agg('{' || yo.doc || ',"year":' || yo.year || ',"outcome":'
        || identification_json(yo.outcome) || ',"met":' || yo.met || '}', ','
        ORDER BY yo.year DESC) AS years,
      string_agg(yo.year::text, ', ' ORDER BY yo.year)
        FILTER (WHERE yo.outcome = 'does_not_meet') AS not_years,
      string_agg(yo.year::text, ', ' ORDER BY yo.year)
        FILTER (WHERE yo.outcome = 'unknown') AS unknown_years
    FROM yo GROUP BY yo.school_id)
  SELECT d.school_id, d.decision, d.severity,
    row_number() OVER (ORDER BY CASE d.decision WHEN 'meets' THEN 0
      WHEN 'insufficient_evidence' THEN 1 ELSE 2 END, d.severity DESC,
      s.code COLLATE "C", s.id)::integer,
    '{"summary":' || identification_json(CASE d.decision
        WHEN 'meets' THEN p_meets || ' в каждом году с ' || span.first
          || ' по ' || span.last
        WHEN 'does_not_meet' THEN 'Не отвечает критерию: ' || d.not_years
        ELSE 'Недостаточно данных для решения: ' || d.unknown_years END)
      || ',"years":[' || d.years || '],"figures":['
  FROM d JOIN schools s ON s.id = d.school_id CROSS JOIN span
$$;

-- The state of the data a low_results methodology reads: per instrument
-- (p_ids) the instrument, its latest committed push and when the
-- region's statistics last changed (p_at), in the order of ids. A run
-- computes it from the statistics it reads anyway.
CREATE FUNCTION identification_results_state_doc(p_ids bigint[],
  p_at timestamptz[])
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object('assessment_id', a.id,
    'kind', a.kind, 'year', a.year, 'grade', a.grade,
    'subject_code', a.subject_code, 'variant_set', a.variant_set,
    'last_import_id', (SELECT max(im.id) FROM imports im
      WHERE im.assessment_id = a.id AND im.outcome = 'committed'),
    'statistics_updated_at', g.at) ORDER BY a.id), '[]')
  FROM unnest(p_ids, p_at) g(id, at) JOIN assessments a ON a.id = g.id
$$;

-- The same now (0015), for the data check: the statistics of all the
-- instruments in one pass, not one instrument after the other (each
-- instrument's rows lie on as many pages as there are schools).
CREATE OR REPLACE FUNCTION identification_results_state(p_region bigint,
  p_year integer, p jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT identification_results_state_doc(array_agg(g.assessment_id),
    array_agg(g.at))
  FROM (SELECT s.assessment_id, max(s.updated_at) AS at
    FROM assessment_school_stats s
    JOIN schools sc ON sc.id = s.school_id
    JOIN municipalities m ON m.id = sc.municipality_id
    WHERE m.region_id = p_region
    AND s.assessment_id = ANY (ARRAY(SELECT i.assessment_id
      FROM identification_instruments(CASE
          WHEN coalesce(p->>'objectivity', 'ignore') = 'ignore' THEN p
          ELSE p || jsonb_build_object('years', (p->>'years')::integer
            + (p->'objectivity_parameters'->>'previous_years')::integer) END,
        p_year) i))
    GROUP BY s.assessment_id) g
$$;

-- The ШНОР computation (0015) in one statement: the figures of the
-- region's statistics, each instrument by its own criterion and
-- threshold, objectivity ignored, excluded or marked, the years' outcomes
-- and the evidence, the same as before byte for byte.
CREATE OR REPLACE FUNCTION identification_compute_results(p_run bigint)
RETURNS void LANGUAGE plpgsql SET jit = off SET work_mem = '64MB' AS $$
DECLARE
  r identification_runs;
  p jsonb;
  v_k integer;
  n_years integer;
  v_least integer;
  v_mode text;
BEGIN
  SELECT * INTO STRICT r FROM identification_runs WHERE id = p_run;
  p := r.methodology->'parameters';
  v_k := (p->>'min_instruments')::integer;
  n_years := (p->>'years')::integer;
  v_least := (p->>'min_participants')::integer;
  v_mode := coalesce(p->>'objectivity', 'ignore');

  WITH sch AS MATERIALIZED (
    SELECT s.id FROM schools s
    JOIN municipalities m ON m.id = s.municipality_id
    WHERE m.region_id = r.region_id),
  -- The instruments; ord, their order within a year.
  inst AS MATERIALIZED (
    SELECT a.id, a.kind, a.year, a.grade, a.subject_code, a.variant_set,
      identification_instrument_name(a) AS name, i.criterion AS crit,
      i.threshold AS fixed, i.percentile, i.basic_max, i.basic_ords,
      row_number() OVER (ORDER BY a.kind, a.grade, a.subject_code,
        a.variant_set)::integer AS ord
    FROM identification_instruments(p, r.year) i
    JOIN assessments a ON a.id = i.assessment_id),
  -- The objectivity level of each school and instrument with statistics,
  -- when minded.
  obj AS MATERIALIZED (
    SELECT o.assessment_id, o.school_id, o.level,
      objectivity_raised_names(o) AS flagged
    FROM objectivity(p->'objectivity_parameters',
      ARRAY(SELECT DISTINCT s.assessment_id FROM assessment_school_stats s
        WHERE s.assessment_id IN (SELECT inst.id FROM inst)
        AND s.school_id IN (SELECT sch.id FROM sch)),
      r.region_id, NULL, NULL, 'global', NULL) o
    WHERE v_mode <> 'ignore'),
  -- Each figure of the region's schools.
  st AS MATERIALIZED (
    SELECT s.assessment_id, s.school_id, i.year, i.ord, i.crit,
      s.participants, s.failed,
      CASE i.crit
        WHEN 'share_fail' THEN 100.0 * s.failed / nullif(s.participants, 0)
        WHEN 'mean_percentile' THEN s.primary_sum::numeric / nullif(s.participants, 0)
        ELSE 100.0 * (SELECT coalesce(sum(s.task_sums[o]), 0) FROM unnest(i.basic_ords) o)
          / nullif(s.participants::numeric * i.basic_max, 0) END AS figure,
      o.level, o.flagged, s.updated_at
    FROM inst i JOIN assessment_school_stats s ON s.assessment_id = i.id
    LEFT JOIN obj o ON o.assessment_id = s.assessment_id
      AND o.school_id = s.school_id
    WHERE s.school_id IN (SELECT sch.id FROM sch)),
  -- The data state, from the statistics read (with objectivity, which
  -- also reads earlier years, as identification_data_state finds it).
  ds AS (
    UPDATE identification_runs SET data_state = CASE WHEN v_mode = 'ignore'
      THEN (SELECT identification_results_state_doc(array_agg(g.assessment_id),
          array_agg(g.at))
        FROM (SELECT st.assessment_id, max(st.updated_at) AS at FROM st
          GROUP BY st.assessment_id) g)
      ELSE identification_data_state(r) END
    WHERE id = p_run),
  pct AS (
    SELECT st.assessment_id, round(percentile_cont(i.percentile::float8 / 100)
      WITHIN GROUP (ORDER BY st.figure)::numeric, 4) AS threshold
    FROM st JOIN inst i ON i.id = st.assessment_id
    WHERE i.crit = 'mean_percentile' AND st.participants >= v_least
    AND st.figure IS NOT NULL
    GROUP BY st.assessment_id, i.percentile),
  -- Per instrument: its threshold, the figure's constant members (head)
  -- and the words around a figure (pre, post: null when the threshold
  -- is, as the text then was).
  th AS MATERIALIZED (
    SELECT i.id, i.ord, t.threshold,
      '{"assessment_id":' || i.id || ',"kind":' || identification_json(i.kind)
        || ',"year":' || i.year || ',"grade":' || i.grade
        || ',"subject_code":' || identification_json(i.subject_code)
        || ',"variant_set":' || identification_json(i.variant_set)
        || ',"criterion":' || identification_json(i.crit)
        || ',"threshold":' || identification_json(round(t.threshold, 1))
        || ',"participants":' AS head,
      '"' || identification_json_inner(i.name || ': ') AS name,
      CASE i.crit WHEN 'share_fail' THEN CASE WHEN i.kind = 'EGE'
          THEN 'доля не набравших минимальный балл ' ELSE 'доля «2» ' END
        WHEN 'mean_percentile' THEN 'средний первичный балл '
        ELSE 'освоение заданий базового уровня ' END AS pre,
      CASE i.crit WHEN 'share_fail' THEN ' % при пороге '
          || identification_number(t.threshold) || ' % (участников: '
        WHEN 'mean_percentile' THEN ' при пороге '
          || identification_number(t.threshold) || ' (' || i.percentile
          || '-й процентиль по региону; участников: '
        ELSE ' % при достаточном уровне ' || identification_number(t.threshold)
          || ' % (участников: ' END AS post
    FROM inst i LEFT JOIN pct ON pct.assessment_id = i.id
    CROSS JOIN LATERAL (SELECT coalesce(i.fixed, pct.threshold) AS threshold) t),
  -- The instruments' thresholds and words by ord, looked up by each
  -- figure (parameters of the statement: joined, they would be sorted
  -- with every figure).
  words AS (
    SELECT array_agg(th.threshold ORDER BY th.ord) AS threshold,
      array_agg(th.head ORDER BY th.ord) AS head,
      array_agg(th.name ORDER BY th.ord) AS name,
      array_agg(th.pre ORDER BY th.ord) AS pre,
      array_agg(th.post ORDER BY th.ord) AS post
    FROM th),
  -- Each figure: excluded (flagged high and left out), counted, meets.
  f AS NOT MATERIALIZED (
    SELECT c.*, c.counted AND c.threshold IS NOT NULL AND CASE c.crit
        WHEN 'share_fail' THEN c.failed * 100 >= c.threshold * c.participants
        ELSE c.figure < c.threshold END AS meets
    FROM (SELECT e.*, e.participants >= v_least AND e.figure IS NOT NULL
        AND NOT e.excluded AS counted
      FROM (SELECT st.*, (SELECT w.threshold FROM words w)[st.ord] AS threshold,
          coalesce(v_mode = 'exclude_high' AND st.level = 'high'
            AND st.participants >= v_least AND st.figure IS NOT NULL, false)
            AS excluded
        FROM st) e) c),
  fy AS (
    SELECT f.school_id, f.year,
      count(*) FILTER (WHERE f.meets) AS met,
      count(*) FILTER (WHERE f.counted) AS counted,
      count(*) FILTER (WHERE NOT f.counted AND NOT f.excluded) AS small,
      count(*) FILTER (WHERE f.excluded) AS excluded
    FROM f GROUP BY f.school_id, f.year),
  yr AS (
    SELECT sch.id AS school_id, y.year, coalesce(fy.met, 0) AS met,
      coalesce(fy.counted, 0) AS counted, coalesce(fy.small, 0) AS small,
      coalesce(fy.excluded, 0) AS excluded
    FROM sch CROSS JOIN generate_series(r.year - n_years + 1, r.year) y(year)
    LEFT JOIN fy ON fy.school_id = sch.id AND fy.year = y.year),
  -- A year with enough counted figures is judged on them alone: the
  -- small groups left out are no evidence either way. With fewer, it
  -- does not meet only when the left-out ones could not make it meet.
  d AS (
    SELECT * FROM identification_decisions(ARRAY(
      SELECT ROW(yr.school_id, yr.year, CASE WHEN yr.met >= v_k THEN 'meets'
          WHEN yr.counted + yr.small + yr.excluded = 0 THEN 'unknown'
          WHEN yr.counted >= v_k
            OR yr.met + yr.small + yr.excluded < v_k THEN 'does_not_meet'
          ELSE 'unknown' END, yr.met,
        '"counted":' || yr.counted || ',"too_few_participants":' || yr.small
          || ',"text":' || identification_json(yr.year || ': ' || CASE
            WHEN yr.counted + yr.small + yr.excluded = 0
            THEN 'нет результатов по выбранным процедурам'
            ELSE 'критерию отвечает процедур: ' || yr.met || ' из '
              || yr.counted || ' учтённых, нужно не менее ' || v_k
              || CASE WHEN yr.small > 0 THEN '; не учтено из-за малого числа участников: '
                || yr.small ELSE '' END
              || CASE WHEN yr.excluded > 0 THEN '; не учтено из-за признаков'
                || ' необъективности: ' || yr.excluded ELSE '' END END)
          || CASE WHEN v_mode = 'ignore' THEN ''
            ELSE ',"objectivity_excluded":' || yr.excluded END
        )::identification_year_json
      FROM yr), 'Отвечает критерию')),
  -- Each school's figures, newest year first, as JSON text.
  figs AS (
    SELECT f.school_id, string_agg((SELECT w.head FROM words w)[f.ord]
        || f.participants
        || ',"figure":' || identification_json(round(f.figure, 1))
        || ',"counted":' || identification_json(f.counted)
        || ',"meets":' || identification_json(f.meets)
        || ',"text":' || coalesce((SELECT w.name FROM words w)[f.ord] || CASE
          WHEN NOT f.counted AND NOT f.excluded THEN 'участников '
            || f.participants || ' — меньше ' || v_least
            || ', показатель не учитывается'
          ELSE (SELECT w.pre FROM words w)[f.ord]
            || identification_number(f.figure)
            || (SELECT w.post FROM words w)[f.ord] || f.participants || ')' END
          || CASE WHEN f.level = 'high' THEN CASE WHEN f.excluded
              THEN ' — не учитывается: ' ELSE ' — отмечено: ' END
            || 'высокий уровень признаков необъективности ('
            || identification_json_inner(f.flagged) || ')'
            ELSE '' END || '"', 'null')
        || CASE WHEN v_mode = 'ignore' THEN ''
          ELSE ',"objectivity":' || identification_json(coalesce(f.level, 'none'))
            || ',"objectivity_excluded":' || identification_json(f.excluded) END
        || '}', ',' ORDER BY f.year DESC, f.ord) AS figures
    FROM f GROUP BY f.school_id)
  INSERT INTO identification_run_schools (run_id, school_id, decision,
    severity, position, evidence)
  SELECT p_run, d.school_id, d.decision, d.severity, d.position,
    (d.head || coalesce(figs.figures, '') || ']}')::jsonb
  FROM d LEFT JOIN figs ON figs.school_id = d.school_id;
END
$$;
