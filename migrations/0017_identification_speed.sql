-- Identification over a large region (issue 14, "Speed"): runs of every
-- kind and the partner proposals over 2,000 schools with 20 instruments a
-- year (docs/PERFORMANCE.md has the times). What a run stores and what the
-- proposals answer are those of before, byte for byte; what changed is
-- how they are built:
-- - the evidence is written once, as JSON text parsed into jsonb per
--   school, where each figure was built as jsonb, aggregated per year,
--   taken apart again and aggregated per school (identification_decide,
--   now identification_decisions);
-- - each kind is one statement without temporary tables or UPDATE
--   passes; what is the same for every figure of an instrument (its name,
--   threshold and members) is built once per instrument;
-- - the statistics are read in one pass where they were read instrument
--   by instrument, page by page; a ШНОР run takes its data state from the
--   statistics it reads;
-- - the resilient ranks are computed once per run, not twice;
-- - a school's partner candidates are compared on its weakest instruments
--   only when they can be among its first;
-- - the evidence is compressed with lz4, faster to write than pglz, the
--   size about the same.

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
      objectivity_raised_names(o, p->'objectivity_parameters') AS flagged
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

-- The ШНСУ computation (0016) with the last stage as text.
CREATE OR REPLACE FUNCTION identification_compute_context(p_run bigint)
RETURNS void LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  r identification_runs;
  p jsonb;
BEGIN
  SELECT * INTO STRICT r FROM identification_runs WHERE id = p_run;
  p := r.methodology->'parameters';
  UPDATE identification_runs SET data_state = identification_data_state(r)
  WHERE id = p_run;
  INSERT INTO identification_run_schools (run_id, school_id, decision,
    severity, position, evidence)
  SELECT p_run, d.school_id, d.decision, d.severity, d.position,
    (d.head || ']}')::jsonb
  FROM identification_decisions(ARRAY(
    SELECT ROW(x.school_id, x.year, o.outcome,
      CASE o.outcome WHEN 'meets' THEN 1 ELSE 0 END,
      '"counted":' || CASE o.outcome WHEN 'unknown' THEN 0 ELSE 1 END
        || ',"too_few_participants":0,"index":' || identification_json(x.index)
        || ',"cutoff":' || identification_json(x.cutoff)
        || ',"shares":' || coalesce(x.shares::text, 'null')
        || ',"text":' || identification_json(x.year || ': ' || CASE
          WHEN x.version IS NULL THEN 'нет данных о социальном контексте школы'
          WHEN x.index IS NULL THEN 'социальный контекст известен не полностью: '
            || x.words
          ELSE identification_index_text(x.index, x.cutoff, p)
            || '; ' || x.words
            || CASE WHEN x.locality = 'RURAL' THEN '; сельская школа (+'
              || identification_number((p->'weights'->>'rural')::numeric) || ')'
              ELSE '' END
          END))::identification_year_json
    FROM identification_social_index(r.region_id, r.year, p) x
    CROSS JOIN LATERAL (SELECT CASE WHEN x.index IS NULL OR x.cutoff IS NULL
      THEN 'unknown' WHEN x.index >= x.cutoff THEN 'meets'
      ELSE 'does_not_meet' END AS outcome) o),
    'Социальные условия неблагоприятны') d;
END
$$;

-- The percentile ranks of a resilient methodology (0016, the same values):
-- the statistics of all its instruments in one pass, not one instrument
-- after the other.
CREATE OR REPLACE FUNCTION identification_results_ranks(p_region bigint,
  p_year integer, p jsonb)
RETURNS TABLE (assessment_id bigint, year integer, school_id bigint,
  participants integer, mean numeric, counted boolean, rank numeric)
LANGUAGE sql STABLE AS $$
  WITH st AS (
    SELECT a.id AS assessment_id, a.year, s.school_id, s.participants,
      s.primary_sum::numeric / nullif(s.participants, 0) AS mean,
      s.participants >= (p->>'min_participants')::integer
        AND s.participants > 0 AS counted
    FROM assessment_school_stats s
    JOIN assessments a ON a.id = s.assessment_id
    WHERE s.assessment_id = ANY (ARRAY(SELECT i.assessment_id
      FROM identification_instruments(identification_resilient_instruments(p),
        p_year) i))
    AND s.school_id IN (SELECT sc.id FROM schools sc
      JOIN municipalities m ON m.id = sc.municipality_id
      WHERE m.region_id = p_region))
  -- Those with an equal mean: those up to it (the window's peers
  -- included) less those below it; one sort and two passes for the three
  -- counts.
  SELECT st.assessment_id, st.year, st.school_id, st.participants, st.mean,
    st.counted, CASE WHEN st.counted THEN round(100.0 * (
      rank() OVER w - 1 + (count(*) OVER w - rank() OVER w + 1) / 2.0)
      / count(*) OVER (PARTITION BY st.assessment_id, st.counted), 4) END
  FROM st
  WINDOW w AS (PARTITION BY st.assessment_id, st.counted ORDER BY st.mean)
$$;

-- A resilient methodology over a region (0016): per school and year the
-- rule (its index against the index cut-off, its results score against
-- the score cut-off, the outcome) and, with p_figures, the year's figures
-- as JSON text (per instrument the school's mean and percentile rank), in
-- the same pass over the ranks: a run reads them once. Partner proposals
-- ask for the rule alone.
DROP FUNCTION identification_resilient_years(bigint, integer, jsonb);
DROP FUNCTION identification_resilient_scores(bigint, integer, jsonb);
CREATE FUNCTION identification_resilient_scores(p_region bigint,
  p_year integer, p jsonb, p_figures boolean DEFAULT false)
RETURNS TABLE (school_id bigint, year integer, version integer, shares jsonb,
  words text, index numeric, cutoff numeric, counted bigint,
  small bigint, score numeric, score_cutoff numeric, outcome text,
  figures text)
LANGUAGE sql STABLE AS $$
  WITH k AS MATERIALIZED (
    SELECT * FROM identification_results_ranks(p_region, p_year, p)),
  -- The instruments, ord their order within a year, and what a figure
  -- of each says first.
  ins AS MATERIALIZED (
    SELECT a.id, row_number() OVER (ORDER BY a.kind, a.grade,
        a.subject_code, a.variant_set)::integer AS ord,
      '{"assessment_id":' || a.id || ',"kind":' || identification_json(a.kind)
        || ',"year":' || a.year || ',"grade":' || a.grade
        || ',"subject_code":' || identification_json(a.subject_code)
        || ',"variant_set":' || identification_json(a.variant_set)
        || ',"participants":' AS head,
      '"' || identification_json_inner(identification_instrument_name(a)
        || ': ') AS name
    FROM assessments a WHERE a.id IN (SELECT k.assessment_id FROM k)),
  words AS (
    SELECT array_agg(ins.head ORDER BY ins.ord) AS head,
      array_agg(ins.name ORDER BY ins.ord) AS name
    FROM ins),
  sc AS (
    SELECT k.school_id, k.year,
      count(*) FILTER (WHERE k.counted) AS counted,
      count(*) FILTER (WHERE NOT k.counted) AS small,
      CASE WHEN count(*) FILTER (WHERE k.counted)
          >= (p->>'min_instruments')::integer
        THEN round(avg(k.rank) FILTER (WHERE k.counted), 1) END AS score,
      string_agg((SELECT w.head FROM words w)[i.ord] || k.participants
          || ',"mean":' || identification_json(round(k.mean, 1))
          || ',"percentile_rank":' || identification_json(round(k.rank, 1))
          || ',"counted":' || identification_json(k.counted)
          || ',"text":' || coalesce((SELECT w.name FROM words w)[i.ord]
            || CASE WHEN k.counted
              THEN 'средний первичный балл ' || identification_number(k.mean)
                || ', процентильный ранг ' || identification_number(k.rank)
                || ' среди школ региона (участников: ' || k.participants || ')'
              ELSE 'участников ' || k.participants || ' — меньше '
                || (p->>'min_participants') || ', показатель не учитывается' END
            || '"', 'null') || '}', ',' ORDER BY i.ord)
        FILTER (WHERE p_figures) AS figures
    FROM k JOIN ins i ON i.id = k.assessment_id
    GROUP BY k.school_id, k.year),
  cut AS (
    SELECT sc.year, round(percentile_cont(
      (p->>'results_percentile')::float8 / 100) WITHIN GROUP (ORDER BY sc.score)::numeric,
      1) AS score_cutoff
    FROM sc WHERE sc.score IS NOT NULL GROUP BY sc.year)
  SELECT x.school_id, x.year, x.version, x.shares, x.words,
    x.index, x.cutoff, coalesce(sc.counted, 0), coalesce(sc.small, 0),
    sc.score, cut.score_cutoff, CASE
      WHEN x.index >= x.cutoff AND sc.score >= cut.score_cutoff THEN 'meets'
      WHEN x.index < x.cutoff OR sc.score < cut.score_cutoff THEN 'does_not_meet'
      ELSE 'unknown' END, sc.figures
  FROM identification_social_index(p_region, p_year, p) x
  LEFT JOIN sc ON sc.school_id = x.school_id AND sc.year = x.year
  LEFT JOIN cut ON cut.year = x.year
$$;

-- The resilient computation (0016) with the last stage as text; its
-- evidence: per year the index and score in words, per instrument the
-- school's mean and percentile rank.
CREATE OR REPLACE FUNCTION identification_compute_resilient(p_run bigint)
RETURNS void LANGUAGE plpgsql SET jit = off SET work_mem = '64MB' AS $$
DECLARE
  r identification_runs;
  p jsonb;
BEGIN
  SELECT * INTO STRICT r FROM identification_runs WHERE id = p_run;
  p := r.methodology->'parameters';
  UPDATE identification_runs SET data_state = identification_data_state(r)
  WHERE id = p_run;
  WITH y AS MATERIALIZED (
    SELECT * FROM identification_resilient_scores(r.region_id, r.year, p,
      true)),
  d AS (
    SELECT * FROM identification_decisions(ARRAY(
      SELECT ROW(y.school_id, y.year, y.outcome,
        CASE y.outcome WHEN 'meets' THEN 1 ELSE 0 END,
        '"counted":' || y.counted || ',"too_few_participants":' || y.small
          || ',"index":' || identification_json(y.index)
          || ',"cutoff":' || identification_json(y.cutoff)
          || ',"shares":' || coalesce(y.shares::text, 'null')
          || ',"score":' || identification_json(y.score)
          || ',"score_cutoff":' || identification_json(y.score_cutoff)
          || ',"text":' || identification_json(y.year || ': ' || CASE
            WHEN y.version IS NULL THEN 'нет данных о социальном контексте школы'
            WHEN y.index IS NULL THEN 'социальный контекст известен не полностью: '
              || y.words
            ELSE identification_index_text(y.index, y.cutoff, p) END
          || '; ' || CASE
            WHEN y.counted + y.small = 0 THEN 'нет результатов по выбранным процедурам'
            WHEN y.score IS NULL THEN 'результаты не оцениваются: учтено процедур '
              || y.counted || ' — меньше ' || (p->>'min_instruments')
            ELSE 'результаты: средний процентильный ранг '
              || identification_number(y.score) || CASE
                WHEN y.score_cutoff IS NULL THEN ', порог не определён'
                ELSE ' при пороге ' || identification_number(y.score_cutoff) END
              || ' (' || (p->>'results_percentile')
              || '-й процентиль по региону; учтено процедур: ' || y.counted || ')' END
          || CASE WHEN y.small > 0 THEN '; не учтено из-за малого числа участников: '
            || y.small ELSE '' END))::identification_year_json
      FROM y), 'Высокие результаты при неблагоприятных социальных условиях')),
  figs AS (
    SELECT y.school_id, string_agg(y.figures, ',' ORDER BY y.year DESC)
      AS figures
    FROM y GROUP BY y.school_id)
  INSERT INTO identification_run_schools (run_id, school_id, decision,
    severity, position, evidence)
  SELECT p_run, d.school_id, d.decision, d.severity, d.position,
    (d.head || coalesce(figs.figures, '') || ']}')::jsonb
  FROM d LEFT JOIN figs ON figs.school_id = d.school_id;
END
$$;

-- Superseded by identification_decisions.
DROP FUNCTION identification_decide(bigint, identification_year[], text);
DROP TYPE identification_year;

-- Partner proposals (0016), the same answer: only the candidates that can
-- be among a school's first are compared on its weakest instruments.
CREATE OR REPLACE FUNCTION identification_partner_proposals(p_run bigint,
  p_school bigint, p_resilient_run bigint, p_per_school integer,
  p_scope_kind text, p_scope_id bigint)
RETURNS jsonb LANGUAGE sql STABLE SET jit = off SET work_mem = '64MB' AS $$
  WITH r AS (SELECT * FROM identification_runs WHERE id = p_run),
  src AS (
    SELECT rr.id AS run_id, coalesce(rr.year, r.year) AS year,
      coalesce(rr.methodology->'parameters',
        identification_resilient_parameters('{}')) AS p
    FROM r LEFT JOIN identification_runs rr ON rr.id = p_resilient_run),
  sch AS (
    SELECT s.id, s.code, s.short_name, s.municipality_id, rs.decision,
      rs.position, school_in_scope(s.id, s.municipality_id, m.region_id,
        p_scope_kind, p_scope_id) AS in_scope
    FROM identification_run_schools rs
    JOIN schools s ON s.id = rs.school_id
    JOIN municipalities m ON m.id = s.municipality_id
    WHERE rs.run_id = p_run),
  ix AS (
    SELECT x.school_id, x.index FROM r CROSS JOIN src
    CROSS JOIN LATERAL identification_social_index(r.region_id, r.year,
      src.p || '{"years": 1}') x),
  rk AS (
    SELECT k.assessment_id, k.school_id, k.rank FROM r CROSS JOIN src
    CROSS JOIN LATERAL identification_results_ranks(r.region_id, r.year,
      src.p || '{"years": 1}') k
    WHERE k.counted),
  pool AS (
    SELECT pl.* FROM r CROSS JOIN src
    CROSS JOIN LATERAL identification_partner_pool(r.region_id, src.year,
      src.p, src.run_id) pl
    WHERE pl.resilient OR pl.strong),
  target AS (
    SELECT sch.* FROM sch WHERE sch.in_scope
    AND CASE WHEN p_school IS NULL THEN sch.decision = 'meets'
      ELSE sch.id = p_school END),
  weak AS (
    SELECT w.* FROM (SELECT t.id AS target, k.assessment_id, k.rank,
      row_number() OVER (PARTITION BY t.id ORDER BY k.rank, k.assessment_id) AS n
      FROM target t JOIN rk k ON k.school_id = t.id) w WHERE w.n <= 3),
  -- The candidates of the region: schools that do not meet the run,
  -- resilient or strong.
  pc AS MATERIALIZED (
    SELECT c.id, c.code, c.short_name, c.in_scope, c.municipality_id,
      CASE WHEN pl.resilient THEN 'resilient' ELSE 'strong' END AS kind,
      ci.index
    FROM sch c JOIN pool pl ON pl.school_id = c.id
    LEFT JOIN ix ci ON ci.school_id = c.id
    WHERE c.decision <> 'meets'),
  -- How many candidates of each kind a municipality has.
  pcm AS (
    SELECT pc.municipality_id,
      count(*) FILTER (WHERE pc.kind = 'resilient') AS res,
      count(*) FILTER (WHERE pc.kind = 'strong') AS strong
    FROM pc GROUP BY pc.municipality_id),
  -- Per school: its index and the sizes of the first three classes of
  -- candidates in the order of the rules (resilient in its municipality,
  -- resilient elsewhere, strong in its municipality; the school itself
  -- counted if it is one).
  tc AS (
    SELECT t.id, t.municipality_id, ti.index, coalesce(cm.res, 0) AS a1,
      (SELECT count(*) FROM pc WHERE pc.kind = 'resilient')
        - coalesce(cm.res, 0) AS a2,
      coalesce(cm.strong, 0) AS a3
    FROM target t LEFT JOIN ix ti ON ti.school_id = t.id
    LEFT JOIN pcm cm ON cm.municipality_id = t.municipality_id),
  -- Per school, the candidates that can be among its first p_per_school:
  -- those ranked so by kind, municipality and distance alone (with those
  -- tied with the last of them), from the classes that can hold them (a
  -- class only when those before it are p_per_school or fewer). Only
  -- these are compared on the school's weakest instruments: every
  -- candidate of every school was, a hash of millions of pairs for a
  -- thousand schools.
  near AS (
    SELECT x.target, pc.id, pc.code, pc.short_name, pc.in_scope, pc.kind,
      x.same_municipality, pc.index, x.target_index, x.distance
    FROM (
      SELECT tc.id AS target, c.id, c.municipality_id = tc.municipality_id
          AS same_municipality, tc.index AS target_index,
        abs(c.index - tc.index) AS distance,
        rank() OVER (PARTITION BY tc.id ORDER BY c.kind = 'strong',
          c.municipality_id = tc.municipality_id DESC,
          abs(c.index - tc.index) NULLS LAST) AS near_rank
      FROM tc JOIN (SELECT pc.id, pc.kind, pc.municipality_id, pc.index
          FROM pc) c
        ON c.id <> tc.id AND CASE
          WHEN c.kind = 'resilient'
            THEN c.municipality_id = tc.municipality_id OR tc.a1 <= p_per_school
          WHEN c.municipality_id = tc.municipality_id
            THEN tc.a1 + tc.a2 <= p_per_school
          ELSE tc.a1 + tc.a2 + tc.a3 <= p_per_school END) x
    JOIN pc ON pc.id = x.id
    WHERE x.near_rank <= p_per_school),
  -- Each of these candidates with each weakest instrument of its school
  -- (materialized: joined first with the ranks, tens of thousands of
  -- rows became millions).
  nw AS MATERIALIZED (
    SELECT n.target, n.id, w.assessment_id
    FROM near n JOIN weak w ON w.target = n.target),
  on_weak AS (
    SELECT nw.target, nw.id, round(avg(k.rank), 1) AS results,
      count(*) AS instruments
    FROM nw JOIN rk k ON k.assessment_id = nw.assessment_id
      AND k.school_id = nw.id
    GROUP BY nw.target, nw.id),
  cand AS (
    SELECT n.target, n.id, n.code, n.short_name, n.in_scope, n.kind,
      n.same_municipality, n.index, n.target_index, n.distance, ow.results,
      coalesce(ow.instruments, 0) AS instruments,
      coalesce(wn.n, 0) AS weak_count
    FROM near n
    LEFT JOIN (SELECT w.target, count(*) AS n FROM weak w GROUP BY w.target) wn
      ON wn.target = n.target
    LEFT JOIN on_weak ow ON ow.target = n.target AND ow.id = n.id),
  ranked AS (
    SELECT * FROM (SELECT cand.*, row_number() OVER (PARTITION BY cand.target
      ORDER BY cand.kind = 'strong', cand.same_municipality DESC,
        cand.distance NULLS LAST, cand.results DESC NULLS LAST,
        cand.code COLLATE "C", cand.id) AS rank FROM cand) x
    WHERE x.rank <= p_per_school),
  words AS (
    SELECT ranked.*, jsonb_build_array(
      CASE ranked.kind WHEN 'resilient'
        THEN 'резильентная школа: высокие результаты при неблагоприятных'
          || ' социальных условиях (' || CASE WHEN src.run_id IS NULL
            THEN 'модель по умолчанию, ' || (src.year - (src.p->>'years')::integer + 1)
              || '–' || src.year
            ELSE 'идентификация № ' || src.run_id END || ')'
        ELSE 'сильная школа: результаты не ниже '
          || (src.p->>'results_percentile') || '-го процентиля по региону;'
          || ' резильентных школ меньше ' || p_per_school END,
      CASE WHEN ranked.same_municipality THEN 'тот же муниципалитет'
        ELSE 'другой муниципалитет региона' END,
      CASE WHEN ranked.distance IS NOT NULL
        THEN 'индекс социального неблагополучия '
          || identification_number(ranked.index) || ' (у школы '
          || identification_number(ranked.target_index) || ', разница '
          || identification_number(ranked.distance) || ')'
        WHEN ranked.index IS NULL
          THEN 'индекс социального неблагополучия не известен'
        ELSE 'индекс социального неблагополучия '
          || identification_number(ranked.index)
          || ' (у школы не известен)' END,
      CASE WHEN ranked.results IS NULL
        THEN 'по процедурам, где результаты школы ниже всего, сравнить не с чем'
        ELSE 'по процедурам, где результаты школы ниже всего: средний'
          || ' процентильный ранг ' || identification_number(ranked.results)
          || ' (по ' || ranked.instruments || ' из ' || ranked.weak_count || ')'
        END) AS reasons
    FROM ranked CROSS JOIN src),
  cands AS (
    SELECT w.target, jsonb_agg(jsonb_build_object('rank', w.rank,
      'school', jsonb_build_object('id', w.id, 'code', w.code,
        'short_name', w.short_name), 'in_scope', w.in_scope)
      || CASE WHEN w.in_scope THEN jsonb_build_object('kind', w.kind,
        'same_municipality', w.same_municipality, 'index', w.index,
        'index_distance', w.distance, 'weak_results', w.results,
        'reasons', w.reasons) ELSE '{}' END ORDER BY w.rank) AS list
    FROM words w GROUP BY w.target),
  weakest AS (
    SELECT w.target, jsonb_agg(jsonb_build_object(
      'assessment_id', w.assessment_id,
      'percentile_rank', round(w.rank, 1),
      'text', identification_instrument_name(a) || ': процентильный ранг '
        || identification_number(w.rank)) ORDER BY w.n) AS list
    FROM weak w JOIN assessments a ON a.id = w.assessment_id
    GROUP BY w.target)
  SELECT jsonb_build_object('run_id', r.id, 'year', r.year,
    'resilient', jsonb_build_object('run_id', src.run_id, 'year', src.year,
      'parameters', src.p),
    'per_school', p_per_school,
    'items', coalesce((SELECT jsonb_agg(jsonb_build_object(
      'school', jsonb_build_object('id', t.id, 'code', t.code,
        'short_name', t.short_name, 'municipality_id', t.municipality_id),
      'decision', t.decision, 'index', ti.index,
      'weakest', coalesce(wk.list, '[]'),
      'candidates', coalesce(c.list, '[]')) ORDER BY t.position)
      FROM target t LEFT JOIN ix ti ON ti.school_id = t.id
      LEFT JOIN weakest wk ON wk.target = t.id
      LEFT JOIN cands c ON c.target = t.id), '[]'))
  FROM r CROSS JOIN src
$$;
