-- Resilient schools (kind resilient, docs/IDENTIFICATION.md): high results
-- although the social context is among the poorest, from the ШНСУ run's
-- social index (now a function of its own, which the ШНСУ computation
-- calls as before) and a results score over the kept statistics; and the
-- partner proposals of a ШНОР run built on them.

ALTER TABLE identification_methodologies
  DROP CONSTRAINT identification_methodologies_kind_check,
  ADD CONSTRAINT identification_methodologies_kind_check
    CHECK (kind IN ('low_results', 'unfavourable_context', 'resilient'));
ALTER TABLE identification_runs
  DROP CONSTRAINT identification_runs_kind_check,
  ADD CONSTRAINT identification_runs_kind_check
    CHECK (kind IN ('low_results', 'unfavourable_context', 'resilient'));

-- The social index of every school of a region in each year of a run
-- ending with p_year (0012's computation, unchanged): index = Σ weight ×
-- share + the rural points, null without a context row or with a weighted
-- share unknown; the year's cut-off, cutoff_value or the region's
-- cutoff_percentile-th percentile of that year's indices (null when no
-- school has one). p: weights, cutoff_percentile, cutoff_value, years.
CREATE FUNCTION identification_social_index(p_region bigint, p_year integer,
  p jsonb)
RETURNS TABLE (school_id bigint, code text, year integer, version integer,
  updated_at timestamptz, shares jsonb, words text, locality text,
  index numeric, cutoff numeric)
LANGUAGE sql STABLE AS $$
  WITH w AS (SELECT p->'weights' AS w),
  sch AS (
    SELECT s.id, s.code, s.locality FROM schools s
    JOIN municipalities m ON m.id = s.municipality_id
    WHERE m.region_id = p_region),
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
    AND c.school_year BETWEEN p_year - (p->>'years')::integer + 1 AND p_year),
  ix AS (
    SELECT sh.school_id, sh.school_year,
      bool_or(sh.share IS NULL AND (w.w->>sh.key)::numeric <> 0) AS unknown,
      sum((w.w->>sh.key)::numeric * sh.share) AS weighted,
      jsonb_object_agg(sh.key, sh.share) AS shares,
      string_agg(identification_context_share_name(sh.key) || ' '
        || coalesce(identification_number(sh.share) || ' %', 'неизвестна'),
        '; ' ORDER BY abs((w.w->>sh.key)::numeric) DESC, sh.ord)
        FILTER (WHERE (w.w->>sh.key)::numeric <> 0) AS words
    FROM sh CROSS JOIN w GROUP BY sh.school_id, sh.school_year),
  x AS (
    SELECT sch.id AS school_id, sch.code, y.year, c.version, c.updated_at,
      ix.shares, ix.words, sch.locality,
      CASE WHEN c.school_id IS NULL OR ix.unknown THEN NULL
        ELSE round(ix.weighted + CASE sch.locality WHEN 'RURAL'
          THEN (w.w->>'rural')::numeric ELSE 0 END, 1) END AS index
    FROM sch CROSS JOIN w
    CROSS JOIN generate_series(p_year - (p->>'years')::integer + 1, p_year) y(year)
    LEFT JOIN school_contexts c ON c.school_id = sch.id AND c.school_year = y.year
    LEFT JOIN ix ON ix.school_id = sch.id AND ix.school_year = y.year),
  cut AS (
    SELECT x.year, round(percentile_cont((p->>'cutoff_percentile')::float8 / 100)
      WITHIN GROUP (ORDER BY x.index)::numeric, 1) AS cutoff
    FROM x WHERE x.index IS NOT NULL GROUP BY x.year)
  SELECT x.*, coalesce((p->>'cutoff_value')::numeric, cut.cutoff)
  FROM x LEFT JOIN cut ON cut.year = x.year
$$;

-- "индекс социального неблагополучия 131 при пороге 71 (75-й процентиль
-- по региону)": an index against its cut-off, as both kinds word it.
CREATE FUNCTION identification_index_text(p_index numeric, p_cutoff numeric,
  p jsonb)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT 'индекс социального неблагополучия ' || identification_number(p_index)
    || CASE WHEN p_cutoff IS NULL THEN ', порог не определён'
       ELSE ' при пороге ' || identification_number(p_cutoff) END
    || CASE WHEN p->>'cutoff_value' IS NOT NULL THEN ' (заданное значение)'
       ELSE ' (' || (p->>'cutoff_percentile') || '-й процентиль по региону)' END
$$;

-- The ШНСУ computation (0013), its index from identification_social_index:
-- the same rows and words as before.
CREATE OR REPLACE FUNCTION identification_compute_context(p_run bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r identification_runs;
  p jsonb;
BEGIN
  SELECT * INTO STRICT r FROM identification_runs WHERE id = p_run;
  p := r.methodology->'parameters';
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
          ELSE identification_index_text(x.index, x.cutoff, p)
            || '; ' || x.words
            || CASE WHEN x.locality = 'RURAL' THEN '; сельская школа (+'
              || identification_number((p->'weights'->>'rural')::numeric) || ')'
              ELSE '' END
          END),
      NULL)::identification_year
    FROM identification_social_index(r.region_id, r.year, p) x
    CROSS JOIN LATERAL (SELECT CASE WHEN x.index IS NULL OR x.cutoff IS NULL
      THEN 'unknown' WHEN x.index >= x.cutoff THEN 'meets'
      ELSE 'does_not_meet' END AS outcome) o), 'Социальные условия неблагоприятны');
END
$$;

-- A resilient methodology's parameters with every default: the ШНСУ
-- index's (weights, cutoff_percentile or cutoff_value, years 2), the
-- instruments as ШНОР's (ВПР, ОГЭ, ЕГЭ), results_percentile 75,
-- min_instruments 3, min_participants 5.
CREATE FUNCTION identification_resilient_parameters(p jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT identification_context_parameters(p) || jsonb_build_object(
    'instruments', coalesce(p->'instruments',
      '[{"kind": "VPR"}, {"kind": "OGE"}, {"kind": "EGE"}]'),
    'results_percentile', coalesce((p->>'results_percentile')::integer, 75),
    'min_instruments', coalesce((p->>'min_instruments')::integer, 3),
    'min_participants', coalesce((p->>'min_participants')::integer, 5))
$$;

CREATE OR REPLACE FUNCTION identification_parameters(p_kind text, p jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_kind
    WHEN 'unfavourable_context' THEN identification_context_parameters(coalesce(p, '{}'))
    WHEN 'resilient' THEN identification_resilient_parameters(coalesce(p, '{}'))
    ELSE identification_results_parameters(coalesce(p, '{}')) END
$$;

-- The instruments of a resilient methodology matched as ШНОР's are
-- (identification_instruments), each read by its mean primary score.
CREATE FUNCTION identification_resilient_instruments(p jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT p || '{"criterion": "mean_percentile"}'
$$;

-- Per instrument a resilient methodology (p) reads for a run of p_year and
-- per school of the region with statistics in it: participants, the mean
-- primary score, counted (at least min_participants), and, when counted,
-- its percentile rank among the counted schools of that instrument:
-- 100 × (schools below + half the schools equal, itself included) /
-- schools counted, so that equal means get equal ranks.
CREATE FUNCTION identification_results_ranks(p_region bigint, p_year integer,
  p jsonb)
RETURNS TABLE (assessment_id bigint, year integer, school_id bigint,
  participants integer, mean numeric, counted boolean, rank numeric)
LANGUAGE sql STABLE AS $$
  WITH st AS (
    SELECT a.id AS assessment_id, a.year, s.school_id, s.participants,
      s.primary_sum::numeric / nullif(s.participants, 0) AS mean,
      s.participants >= (p->>'min_participants')::integer
        AND s.participants > 0 AS counted
    FROM identification_instruments(identification_resilient_instruments(p),
      p_year) i
    JOIN assessments a ON a.id = i.assessment_id
    JOIN assessment_school_stats s ON s.assessment_id = a.id
    JOIN schools sc ON sc.id = s.school_id
    JOIN municipalities m ON m.id = sc.municipality_id
    WHERE m.region_id = p_region)
  SELECT st.assessment_id, st.year, st.school_id, st.participants, st.mean,
    st.counted, CASE WHEN st.counted THEN round(100.0 * (
      rank() OVER (PARTITION BY st.assessment_id, st.counted ORDER BY st.mean) - 1
      + count(*) OVER (PARTITION BY st.assessment_id, st.counted, st.mean) / 2.0)
      / count(*) OVER (PARTITION BY st.assessment_id, st.counted), 4) END
  FROM st
$$;

-- A resilient methodology (p) over a region for a run of p_year: per
-- school and year, its index against the index cut-off and its results
-- score (the mean of its counted percentile ranks, one decimal; null with
-- fewer than min_instruments counted) against the region's
-- results_percentile-th percentile of that year's scores. A year meets
-- when both are at least their cut-offs, does not meet when either is
-- known and under it, and is unknown otherwise. The rule alone, without
-- the words: partner proposals compute it on request.
CREATE FUNCTION identification_resilient_scores(p_region bigint,
  p_year integer, p jsonb)
RETURNS TABLE (school_id bigint, year integer, version integer, shares jsonb,
  words text, index numeric, cutoff numeric, counted bigint,
  small bigint, score numeric, score_cutoff numeric, outcome text)
LANGUAGE sql STABLE AS $$
  WITH sc AS (
    SELECT k.school_id, k.year,
      count(*) FILTER (WHERE k.counted) AS counted,
      count(*) FILTER (WHERE NOT k.counted) AS small,
      CASE WHEN count(*) FILTER (WHERE k.counted)
          >= (p->>'min_instruments')::integer
        THEN round(avg(k.rank) FILTER (WHERE k.counted), 1) END AS score
    FROM identification_results_ranks(p_region, p_year, p) k
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
      ELSE 'unknown' END
  FROM identification_social_index(p_region, p_year, p) x
  LEFT JOIN sc ON sc.school_id = x.school_id AND sc.year = x.year
  LEFT JOIN cut ON cut.year = x.year
$$;

-- The same with its evidence: per year, the index and score in words; per
-- instrument, the school's mean and percentile rank.
CREATE FUNCTION identification_resilient_years(p_region bigint,
  p_year integer, p jsonb)
RETURNS SETOF identification_year LANGUAGE sql STABLE AS $$
  WITH k AS (SELECT * FROM identification_results_ranks(p_region, p_year, p)),
  nm AS (
    SELECT a.id, a.kind, a.grade, a.subject_code, a.variant_set,
      identification_instrument_name(a) || ': ' AS name
    FROM assessments a WHERE a.id IN (SELECT k.assessment_id FROM k)),
  figs AS (
    SELECT k.school_id, k.year, jsonb_agg(jsonb_build_object(
      'assessment_id', k.assessment_id, 'kind', nm.kind, 'year', k.year,
      'grade', nm.grade, 'subject_code', nm.subject_code,
      'variant_set', nm.variant_set, 'participants', k.participants,
      'mean', round(k.mean, 1), 'percentile_rank', round(k.rank, 1),
      'counted', k.counted,
      'text', nm.name || CASE WHEN k.counted
        THEN 'средний первичный балл ' || identification_number(k.mean)
          || ', процентильный ранг ' || identification_number(k.rank)
          || ' среди школ региона (участников: ' || k.participants || ')'
        ELSE 'участников ' || k.participants || ' — меньше '
          || (p->>'min_participants') || ', показатель не учитывается' END)
      ORDER BY nm.kind, nm.grade, nm.subject_code, nm.variant_set) AS figures
    FROM k JOIN nm ON nm.id = k.assessment_id
    GROUP BY k.school_id, k.year)
  SELECT ROW(y.school_id, y.year, y.outcome,
    CASE y.outcome WHEN 'meets' THEN 1 ELSE 0 END,
    jsonb_build_object('counted', y.counted, 'too_few_participants', y.small,
      'index', y.index, 'cutoff', y.cutoff, 'shares', y.shares,
      'score', y.score, 'score_cutoff', y.score_cutoff,
      'text', y.year || ': ' || CASE
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
        || y.small ELSE '' END),
    figs.figures)::identification_year
  FROM identification_resilient_scores(p_region, p_year, p) y
  LEFT JOIN figs ON figs.school_id = y.school_id AND figs.year = y.year
$$;

-- identification_decide joins each school's figures to its decision; the
-- years array it unnests is estimated at ten rows, so the planner chose a
-- nested loop over the materialized figures: 19 s for 2,000 schools with
-- 20 instruments in two years (a ШНОР run as much), under 2 s with a hash
-- join. Compiling these large plans (JIT) took seconds more than running
-- them. Set on the function, so that its body stays every kind's.
ALTER FUNCTION identification_decide(bigint, identification_year[], text)
  SET enable_nestloop = off SET jit = off;

-- The resilient computation; its last stage identification_decide.
CREATE FUNCTION identification_compute_resilient(p_run bigint)
RETURNS void LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  r identification_runs;
BEGIN
  SELECT * INTO STRICT r FROM identification_runs WHERE id = p_run;
  UPDATE identification_runs SET data_state = identification_data_state(r)
  WHERE id = p_run;
  PERFORM identification_decide(p_run, ARRAY(
    SELECT y FROM identification_resilient_years(r.region_id, r.year,
      r.methodology->'parameters') y),
    'Высокие результаты при неблагоприятных социальных условиях');
END
$$;

CREATE OR REPLACE FUNCTION identification_compute(p_run bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  CASE (SELECT kind FROM identification_runs WHERE id = p_run)
    WHEN 'unfavourable_context' THEN
      PERFORM identification_compute_context(p_run);
    WHEN 'resilient' THEN
      PERFORM identification_compute_resilient(p_run);
    ELSE
      PERFORM identification_compute_results(p_run);
  END CASE;
END
$$;

-- A resilient run reads both: the instruments, then the context rows.
CREATE OR REPLACE FUNCTION identification_data_state(r identification_runs)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT CASE r.kind
    WHEN 'unfavourable_context'
      THEN identification_context_state(r.region_id, r.year, r.methodology->'parameters')
    WHEN 'resilient'
      THEN identification_results_state(r.region_id, r.year,
          identification_resilient_instruments(r.methodology->'parameters'))
        || identification_context_state(r.region_id, r.year, r.methodology->'parameters')
    ELSE identification_results_state(r.region_id, r.year, r.methodology->'parameters') END
$$;

-- Partner proposals (docs/IDENTIFICATION.md, "Partner proposals").

-- The schools a resilient model finds, per school of the region: resilient
-- (every year meets, as identification_decide decides) and strong (its
-- results score at least the cut-off in every year, whatever its context).
-- From a stored resilient run's evidence (p_resilient_run), or else
-- computed now by the model p for p_year. PL/pgSQL, so that a named run
-- never computes the model (a SQL function would be inlined, and its
-- branch for no run evaluated before the filter that discards it).
CREATE FUNCTION identification_partner_pool(p_region bigint, p_year integer,
  p jsonb, p_resilient_run bigint)
RETURNS TABLE (school_id bigint, resilient boolean, strong boolean)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF p_resilient_run IS NOT NULL THEN
    RETURN QUERY SELECT rs.school_id,
      bool_and(e->>'outcome' = 'meets'),
      bool_and(coalesce((e->>'score')::numeric
        >= (e->>'score_cutoff')::numeric, false))
    FROM identification_run_schools rs
    CROSS JOIN LATERAL jsonb_array_elements(rs.evidence->'years') e
    WHERE rs.run_id = p_resilient_run GROUP BY rs.school_id;
  ELSE
    RETURN QUERY SELECT y.school_id, bool_and(y.outcome = 'meets'),
      bool_and(coalesce(y.score >= y.score_cutoff, false))
    FROM identification_resilient_scores(p_region, p_year, p) y
    GROUP BY y.school_id;
  END IF;
END
$$;

-- The partner proposals of a low_results run: for each school that meets
-- it (or only p_school) within the caller's scope, the candidates of the
-- region that do not meet it, resilient by the model (p_resilient_run's,
-- else the default model computed now for the run's year), else strong,
-- ranked: resilient before strong, same municipality first, then the
-- distance of the social index (of the run's year, the model's weights),
-- then the mean percentile rank on the school's three weakest instruments
-- of the run's year (higher first), then code; the first p_per_school of
-- them. A candidate outside the caller's scope is shown as the region's
-- directory shows it: id, code and short name. Without JIT, as
-- identification_decide: compiling took longer than answering.
CREATE FUNCTION identification_partner_proposals(p_run bigint,
  p_school bigint, p_resilient_run bigint, p_per_school integer,
  p_scope_kind text, p_scope_id bigint)
RETURNS jsonb LANGUAGE sql STABLE SET jit = off AS $$
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
  on_weak AS (
    SELECT w.target, k.school_id, round(avg(k.rank), 1) AS results,
      count(*) AS instruments
    FROM weak w JOIN rk k ON k.assessment_id = w.assessment_id
    GROUP BY w.target, k.school_id),
  cand AS (
    SELECT t.id AS target, c.id, c.code, c.short_name, c.in_scope,
      CASE WHEN pl.resilient THEN 'resilient' ELSE 'strong' END AS kind,
      c.municipality_id = t.municipality_id AS same_municipality,
      ci.index, ti.index AS target_index, abs(ci.index - ti.index) AS distance,
      ow.results, coalesce(ow.instruments, 0) AS instruments,
      coalesce(wn.n, 0) AS weak_count
    FROM target t JOIN sch c ON c.id <> t.id AND c.decision <> 'meets'
    JOIN pool pl ON pl.school_id = c.id
    LEFT JOIN ix ci ON ci.school_id = c.id
    LEFT JOIN ix ti ON ti.school_id = t.id
    LEFT JOIN (SELECT w.target, count(*) AS n FROM weak w GROUP BY w.target) wn
      ON wn.target = t.id
    LEFT JOIN on_weak ow ON ow.target = t.id AND ow.school_id = c.id),
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
