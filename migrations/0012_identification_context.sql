-- ШНСУ identification runs (kind unfavourable_context,
-- docs/IDENTIFICATION.md): a social index per school and year from its
-- context rows (school_contexts), compared with a cut-off. The ШНОР
-- computation is kept as it was, under the name identification_compute_results.

ALTER FUNCTION identification_compute(bigint)
  RENAME TO identification_compute_results;

-- A run's parameters of kind unfavourable_context with every default.
CREATE FUNCTION identification_context_parameters(p jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'weights', '{"unemployed_parents": 1, "low_income": 1, "single_parent": 1,
      "preventive_register": 1, "disabilities": 1, "non_russian_at_home": 1,
      "parents_higher_education": -1, "rural": 10}'::jsonb
      || coalesce(p->'weights', '{}'),
    'cutoff_percentile', CASE WHEN p->>'cutoff_value' IS NOT NULL THEN NULL
      ELSE coalesce((p->>'cutoff_percentile')::integer, 75) END,
    'cutoff_value', (p->>'cutoff_value')::numeric,
    'years', coalesce((p->>'years')::integer, 2))
$$;

-- The share names of the context and their words.
CREATE FUNCTION identification_context_share_name(text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE $1
    WHEN 'parents_higher_education' THEN 'доля семей, где оба родителя с высшим образованием'
    WHEN 'single_parent' THEN 'доля неполных семей'
    WHEN 'unemployed_parents' THEN 'доля семей с безработными родителями'
    WHEN 'low_income' THEN 'доля малообеспеченных семей'
    WHEN 'non_russian_at_home' THEN 'доля не говорящих дома по-русски'
    WHEN 'preventive_register' THEN 'доля состоящих на профилактическом учёте'
    WHEN 'disabilities' THEN 'доля обучающихся с ОВЗ' END
$$;

-- The ШНСУ computation: per school of the region and year of the run, the
-- index = sum of weight × share (percent) + the rural points for a rural
-- school; a year meets when the index is at least the cut-off (the
-- region's cutoff_percentile-th percentile of that year's indices, or
-- cutoff_value). A school meets when every year does; a year without a
-- context row, or with a weighted share unknown, is unknown.
CREATE FUNCTION identification_compute_context(p_run bigint) RETURNS void
LANGUAGE plpgsql AS $$
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

  UPDATE identification_runs SET data_state = coalesce((
    SELECT jsonb_agg(jsonb_build_object('school_id', x.school_id,
      'year', x.year, 'version', x.version,
      'updated_at', x.updated_at) ORDER BY x.school_id, x.year)
    FROM ident_ctx x WHERE x.version IS NOT NULL), '[]')
  WHERE id = p_run;

  INSERT INTO identification_run_schools (run_id, school_id, decision,
    severity, position, evidence)
  WITH yo AS (
    SELECT x.*, CASE WHEN x.index IS NULL OR x.cutoff IS NULL THEN 'unknown'
      WHEN x.index >= x.cutoff THEN 'meets' ELSE 'does_not_meet' END AS outcome
    FROM ident_ctx x),
  d AS (
    SELECT yo.school_id, min(yo.code) AS code,
      CASE WHEN bool_and(yo.outcome = 'meets') THEN 'meets'
        WHEN bool_or(yo.outcome = 'does_not_meet') THEN 'does_not_meet'
        ELSE 'insufficient_evidence' END AS decision,
      count(*) FILTER (WHERE yo.outcome = 'meets')::integer AS severity,
      jsonb_agg(jsonb_build_object('year', yo.year, 'outcome', yo.outcome,
        'met', CASE yo.outcome WHEN 'meets' THEN 1 ELSE 0 END,
        'counted', CASE yo.outcome WHEN 'unknown' THEN 0 ELSE 1 END,
        'too_few_participants', 0,
        'index', yo.index, 'cutoff', yo.cutoff, 'shares', yo.shares,
        'text', yo.year || ': ' || CASE
          WHEN yo.version IS NULL THEN 'нет данных о социальном контексте школы'
          WHEN yo.index IS NULL THEN 'социальный контекст известен не полностью: '
            || yo.words
          ELSE 'индекс социального неблагополучия '
            || identification_number(yo.index) || CASE
              WHEN yo.cutoff IS NULL THEN ', порог не определён'
              ELSE ' при пороге ' || identification_number(yo.cutoff) END
            || CASE WHEN p->>'cutoff_value' IS NOT NULL THEN ' (заданное значение)'
              ELSE ' (' || (p->>'cutoff_percentile') || '-й процентиль по региону)' END
            || '; ' || yo.words
            || CASE WHEN yo.locality = 'RURAL' THEN '; сельская школа (+'
              || identification_number((w->>'rural')::numeric) || ')' ELSE '' END
          END) ORDER BY yo.year DESC) AS years,
      string_agg(yo.year::text, ', ' ORDER BY yo.year)
        FILTER (WHERE yo.outcome = 'does_not_meet') AS not_years,
      string_agg(yo.year::text, ', ' ORDER BY yo.year)
        FILTER (WHERE yo.outcome = 'unknown') AS unknown_years
    FROM yo GROUP BY yo.school_id)
  SELECT p_run, d.school_id, d.decision, d.severity,
    row_number() OVER (ORDER BY CASE d.decision WHEN 'meets' THEN 0
      WHEN 'insufficient_evidence' THEN 1 ELSE 2 END, d.severity DESC,
      d.code COLLATE "C", d.school_id)::integer,
    jsonb_build_object(
      'summary', CASE d.decision
        WHEN 'meets' THEN 'Социальные условия неблагоприятны в каждом году с '
          || (r.year - n_years + 1) || ' по ' || r.year
        WHEN 'does_not_meet' THEN 'Не отвечает критерию: ' || d.not_years
        ELSE 'Недостаточно данных для решения: ' || d.unknown_years END,
      'years', d.years, 'figures', '[]'::jsonb)
  FROM d;
  DROP TABLE ident_ctx;
END
$$;

-- A run's computation by its kind.
CREATE FUNCTION identification_compute(p_run bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT kind FROM identification_runs WHERE id = p_run)
     = 'unfavourable_context' THEN
    PERFORM identification_compute_context(p_run);
  ELSE
    PERFORM identification_compute_results(p_run);
  END IF;
END
$$;

-- Applying a run makes the statuses of its kind: ШНОР for low_results, ШНСУ
-- for unfavourable_context (otherwise as in 0011).
CREATE OR REPLACE FUNCTION identification_apply(p_run bigint, p_body jsonb, p_actor text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r identification_runs;
  y integer;
  d date;
  made jsonb;
  leaving jsonb;
  cat text;
BEGIN
  SELECT * INTO STRICT r FROM identification_runs WHERE id = p_run FOR UPDATE;
  cat := CASE r.kind WHEN 'unfavourable_context' THEN 'SHNSU' ELSE 'SHNOR' END;
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
    SELECT c.school_id, cat, y, 'Приказ № ' || (p_body->>'order_number')
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
  WHERE ss.category = cat AND ss.school_year = y - 1
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
