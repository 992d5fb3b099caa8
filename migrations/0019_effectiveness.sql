-- The effectiveness of programmes (docs/EFFECTIVENESS.md): a programme's
-- cohort in a school year, the rules of the catalogue's rule-computed
-- indicators (0018) per school, and the answer of
-- GET /programmes/{id}/effectiveness. A school year Y is Y/Y+1, as
-- everywhere (statuses' school_year, the period 'Y/Y+1').

-- A school year as a period: 2024 -> '2024/25'.
CREATE FUNCTION school_year_period(p_year integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT p_year || '/' || lpad(((p_year + 1) % 100)::text, 2, '0')
$$;

-- An official value as a number or a yes/no; NULL when absent or of
-- another type.
CREATE FUNCTION effectiveness_number(v jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(v) = 'number' THEN v::numeric END
$$;
CREATE FUNCTION effectiveness_boolean(v jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(v) = 'boolean' THEN v::boolean END
$$;

-- A count or share as the answer shows it: at most `places` decimals,
-- no trailing zeros.
CREATE FUNCTION effectiveness_round(v numeric, places integer) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
  SELECT trim_scale(round(v, places))
$$;

-- 100 x n / d to one decimal; NULL when d is 0 or NULL.
CREATE FUNCTION effectiveness_percent(n numeric, d numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN d > 0 THEN round(100 * n / d, 1) END
$$;

-- The schools of a cohort in school year p_year (docs/EFFECTIVENESS.md,
-- "Cohort"): a school's own programme is the school; a municipality's or
-- a region's are their schools with a status of one of p_categories for
-- that year (excluded later in the year or not: it was supported that
-- year). Only the schools in the caller's scope (p_kind, p_id) and, when
-- given, of municipality p_municipality.
CREATE FUNCTION cohort_schools(p_owner_school bigint, p_owner_municipality bigint,
                               p_owner_region bigint, p_categories text[],
                               p_year integer, p_municipality bigint,
                               p_kind text, p_id bigint)
RETURNS TABLE (school_id bigint, municipality_id bigint)
LANGUAGE sql STABLE AS $$
  SELECT s.id, s.municipality_id
  FROM schools s JOIN municipalities m ON m.id = s.municipality_id
  WHERE CASE WHEN p_owner_school IS NOT NULL THEN s.id = p_owner_school
          ELSE s.id IN (SELECT st.school_id FROM school_statuses st
                        WHERE st.category = ANY (p_categories)
                          AND st.school_year = p_year)
            AND coalesce(s.municipality_id = p_owner_municipality,
                         m.region_id = p_owner_region)
        END
    AND (p_municipality IS NULL OR s.municipality_id = p_municipality)
    AND school_in_scope(s.id, s.municipality_id, m.region_id, p_kind, p_id)
$$;

-- The rules. Each gives every school of p_schools a numerator and a
-- denominator, or a reason why the school does not count (numerator and
-- denominator NULL). The figure of a group is 100 x the sum of the
-- numerators over the sum of the denominators.

-- Kinds of instruments in words: '{"kinds": ["OGE", "EGE"]}' -> 'ОГЭ, ЕГЭ'.
CREATE FUNCTION effectiveness_kinds_text(p_params jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(CASE k WHEN 'VPR' THEN 'ВПР' WHEN 'OGE' THEN 'ОГЭ'
                      WHEN 'EGE' THEN 'ЕГЭ' ELSE k END, ', ' ORDER BY n)
  FROM jsonb_array_elements_text(p_params -> 'kinds') WITH ORDINALITY x (k, n)
$$;

-- gia_passed: the exams of the instruments of rule_params' kinds held at
-- the end of school year Y (assessment year Y + 1); each result counts:
-- numerator those not failed (mark 3 or more, ЕГЭ at least the minimum),
-- denominator all.
CREATE FUNCTION effectiveness_gia_passed(p_params jsonb, p_year integer,
                                         p_schools bigint[])
RETURNS TABLE (school_id bigint, numerator numeric, denominator numeric,
               reason text)
LANGUAGE sql STABLE AS $$
  WITH works AS MATERIALIZED (
    SELECT a.id FROM assessments a
    WHERE a.year = p_year + 1
      AND a.kind IN (SELECT jsonb_array_elements_text(p_params -> 'kinds'))),
  sums AS (
    SELECT st.school_id, sum(st.participants - st.failed) AS n,
           sum(st.participants) AS d
    FROM works w JOIN assessment_school_stats st ON st.assessment_id = w.id
    WHERE st.school_id = ANY (p_schools)
    GROUP BY st.school_id)
  SELECT c.id, CASE WHEN s.d > 0 THEN s.n END, CASE WHEN s.d > 0 THEN s.d END,
         CASE WHEN coalesce(s.d, 0) = 0 THEN
           'нет результатов ' || effectiveness_kinds_text(p_params) || ' '
           || p_year + 1 || ' года' END
  FROM unnest(p_schools) c (id) LEFT JOIN sums s ON s.school_id = c.id
$$;

-- improved_results: the works of rule_params' kinds a school wrote at the
-- end of school year Y (year Y + 1) and a year before (year Y), the same
-- kind, grade, subject and variant set, with at least min_participants in
-- each year; over all such pairs together, a lower share of fails and a
-- higher mean percent of the maximum primary score: 1 of 1, else 0 of 1.
-- No such pair: not counted.
CREATE FUNCTION effectiveness_improved_results(p_params jsonb, p_year integer,
                                               p_schools bigint[])
RETURNS TABLE (school_id bigint, numerator numeric, denominator numeric,
               reason text)
LANGUAGE sql STABLE AS $$
  WITH least_n AS (
    SELECT greatest(coalesce((p_params ->> 'min_participants')::integer, 5), 1) AS n),
  works AS MATERIALIZED (
    SELECT an.id AS now_id, an.max_primary_score AS now_max,
           ab.id AS before_id, ab.max_primary_score AS before_max
    FROM assessments an
    JOIN assessments ab ON ab.year = p_year AND ab.kind = an.kind
      AND ab.grade = an.grade AND ab.subject_code = an.subject_code
      AND ab.variant_set = an.variant_set
    WHERE an.year = p_year + 1
      AND an.kind IN (SELECT jsonb_array_elements_text(p_params -> 'kinds'))),
  now_stats AS (
    SELECT w.now_id, n.school_id, n.failed, n.participants, n.primary_sum,
           n.participants::numeric * w.now_max AS max_sum
    FROM least_n, works w
    JOIN assessment_school_stats n ON n.assessment_id = w.now_id
    WHERE n.school_id = ANY (p_schools) AND n.participants >= least_n.n),
  before_stats AS (
    SELECT w.now_id, b.school_id, b.failed, b.participants, b.primary_sum,
           b.participants::numeric * w.before_max AS max_sum
    FROM least_n, works w
    JOIN assessment_school_stats b ON b.assessment_id = w.before_id
    WHERE b.school_id = ANY (p_schools) AND b.participants >= least_n.n),
  pairs AS (
    SELECT n.school_id,
           n.failed AS failed_now, n.participants AS part_now,
           n.primary_sum AS sum_now, n.max_sum AS max_now,
           b.failed AS failed_before, b.participants AS part_before,
           b.primary_sum AS sum_before, b.max_sum AS max_before
    FROM now_stats n JOIN before_stats b
      ON b.now_id = n.now_id AND b.school_id = n.school_id),
  per_school AS (
    SELECT pairs.school_id,
           sum(failed_now)::numeric / sum(part_now)
             < sum(failed_before)::numeric / sum(part_before)
           AND sum(sum_now) / sum(max_now) > sum(sum_before) / sum(max_before)
             AS improved
    FROM pairs GROUP BY pairs.school_id)
  SELECT c.id, s.improved::integer, CASE WHEN s.improved IS NOT NULL THEN 1 END,
         CASE WHEN s.improved IS NULL THEN 'нет работ для сравнения' END
  FROM unnest(p_schools) c (id) LEFT JOIN per_school s ON s.school_id = c.id
$$;

-- weighted_share: the official value of `indicator` (a percent) and its
-- base (the value of the indicator `base`, or "pupils": the pupils of the
-- school's social context of the year, else of the registry) for period
-- Y/Y+1. base_is "denominator": share x base / 100 of base; "numerator":
-- base of base x 100 / share (share above 0).
CREATE FUNCTION effectiveness_weighted_share(p_params jsonb, p_year integer,
                                             p_schools bigint[])
RETURNS TABLE (school_id bigint, numerator numeric, denominator numeric,
               reason text)
LANGUAGE sql STABLE AS $$
  WITH v AS (
    SELECT c.id, effectiveness_number(sv.value) AS share,
           CASE WHEN p_params ->> 'base' = 'pupils'
             THEN coalesce(ctx.pupils, s.students_count)::numeric
             ELSE effectiveness_number(bv.value) END AS base
    FROM unnest(p_schools) c (id)
    JOIN schools s ON s.id = c.id
    LEFT JOIN indicator_values sv ON sv.school_id = c.id
      AND sv.indicator_code = p_params ->> 'indicator'
      AND sv.period = school_year_period(p_year)
    LEFT JOIN indicator_values bv ON bv.school_id = c.id
      AND bv.indicator_code = p_params ->> 'base'
      AND bv.period = school_year_period(p_year)
    LEFT JOIN school_contexts ctx ON ctx.school_id = c.id
      AND ctx.school_year = p_year),
  r AS (
    SELECT v.*, CASE
      WHEN share IS NULL THEN 'нет значения ' || (p_params ->> 'indicator')
        || ' за ' || school_year_period(p_year)
      WHEN base IS NULL AND p_params ->> 'base' = 'pupils'
        THEN 'нет численности обучающихся за ' || school_year_period(p_year)
      WHEN base IS NULL THEN 'нет значения ' || (p_params ->> 'base')
        || ' за ' || school_year_period(p_year)
      WHEN p_params ->> 'base_is' = 'numerator' AND share <= 0
        THEN 'значение ' || (p_params ->> 'indicator') || ' за '
          || school_year_period(p_year) || ' равно нулю'
      END AS why
    FROM v)
  SELECT r.id,
         CASE WHEN why IS NULL THEN
           CASE WHEN p_params ->> 'base_is' = 'numerator' THEN base
             ELSE share * base / 100 END END,
         CASE WHEN why IS NULL THEN
           CASE WHEN p_params ->> 'base_is' = 'numerator' THEN base * 100 / share
             ELSE base END END,
         why
  FROM r
$$;

-- schools_with_true: the yes/no official value of `indicator` for period
-- Y/Y+1: yes 1 of 1, no 0 of 1, none: not counted.
CREATE FUNCTION effectiveness_schools_with_true(p_params jsonb, p_year integer,
                                                p_schools bigint[])
RETURNS TABLE (school_id bigint, numerator numeric, denominator numeric,
               reason text)
LANGUAGE sql STABLE AS $$
  SELECT c.id, v.yes::integer, CASE WHEN v.yes IS NOT NULL THEN 1 END,
         CASE WHEN v.yes IS NULL THEN 'нет значения ' || (p_params ->> 'indicator')
           || ' за ' || school_year_period(p_year) END
  FROM unnest(p_schools) c (id)
  LEFT JOIN LATERAL (
    SELECT effectiveness_boolean(iv.value) AS yes FROM indicator_values iv
    WHERE iv.school_id = c.id AND iv.indicator_code = p_params ->> 'indicator'
      AND iv.period = school_year_period(p_year)) v ON true
$$;

-- schools_improving: the official value of `indicator` for Y/Y+1 above
-- that for Y-1/Y: 1 of 1, not above: 0 of 1; either missing: not counted.
CREATE FUNCTION effectiveness_schools_improving(p_params jsonb, p_year integer,
                                                p_schools bigint[])
RETURNS TABLE (school_id bigint, numerator numeric, denominator numeric,
               reason text)
LANGUAGE sql STABLE AS $$
  WITH v AS (
    SELECT c.id,
           (SELECT effectiveness_number(iv.value) FROM indicator_values iv
            WHERE iv.school_id = c.id AND iv.indicator_code = p_params ->> 'indicator'
              AND iv.period = school_year_period(p_year)) AS now,
           (SELECT effectiveness_number(iv.value) FROM indicator_values iv
            WHERE iv.school_id = c.id AND iv.indicator_code = p_params ->> 'indicator'
              AND iv.period = school_year_period(p_year - 1)) AS before
    FROM unnest(p_schools) c (id))
  SELECT v.id, (v.now > v.before)::integer,
         CASE WHEN v.now IS NOT NULL AND v.before IS NOT NULL THEN 1 END,
         CASE WHEN v.now IS NULL OR v.before IS NULL THEN
           'нет значения ' || (p_params ->> 'indicator') || ' за '
           || concat_ws(' и ',
                CASE WHEN v.before IS NULL THEN school_year_period(p_year - 1) END,
                CASE WHEN v.now IS NULL THEN school_year_period(p_year) END) END
  FROM v
$$;

-- roadmap_items_on_time: the items of the schools' roadmaps, and of the
-- programme's own roadmap p_roadmap (a line of its own, school_id NULL,
-- counted once), that are not cancelled and are due (schedule_due, as the
-- items' due_on) within school year Y and not after today: numerator those
-- done on or before their due date, denominator all.
CREATE FUNCTION effectiveness_roadmap_items_on_time(p_year integer,
                                                    p_schools bigint[],
                                                    p_roadmap bigint)
RETURNS TABLE (school_id bigint, numerator numeric, denominator numeric,
               reason text)
LANGUAGE sql STABLE AS $$
  WITH items AS (
    SELECT CASE WHEN r.id = p_roadmap THEN NULL ELSE r.owner_school_id END AS school_id,
           i.status = 'done' AND i.completed_on <= schedule_due(i.schedule)
             AS on_time
    FROM roadmaps r JOIN roadmap_items i ON i.roadmap_id = r.id
    WHERE (r.owner_school_id = ANY (p_schools) OR r.id = p_roadmap)
      AND i.status <> 'cancelled'
      AND schedule_due(i.schedule) BETWEEN make_date(p_year, 9, 1)
        AND least(make_date(p_year + 1, 8, 31), current_date)),
  counts AS (
    SELECT items.school_id, count(*) FILTER (WHERE on_time) AS n, count(*) AS d
    FROM items GROUP BY items.school_id),
  lines AS (
    SELECT c.id FROM unnest(p_schools) c (id)
    UNION ALL SELECT NULL WHERE p_roadmap IS NOT NULL)
  SELECT l.id, k.n, k.d,
         CASE WHEN k.d IS NULL THEN 'нет мероприятий со сроком в '
           || school_year_period(p_year) || ' учебном году до сегодняшнего дня' END
  FROM lines l LEFT JOIN counts k ON k.school_id IS NOT DISTINCT FROM l.id
$$;

-- improved_classes: a school's own programme (seed 004) aims at its
-- classes. A class is followed from the end of school year Y - 1 (works of
-- year Y) to the end of Y (year Y + 1): the same letter one grade up (5А
-- then 6А), the same subjects of rule_params' kinds, at least
-- min_participants each time. It had low results when its share of "2"
-- over those works was at least low_fail_percent; of those, it improved
-- when that share fell and its mean percent of the maximum rose. Per
-- school: numerator the low classes that improved, denominator the low
-- classes. Read from the participants' rows (the kept statistics are per
-- school), so one scan of the two years' results.
CREATE FUNCTION effectiveness_improved_classes(p_params jsonb, p_year integer,
                                               p_schools bigint[])
RETURNS TABLE (school_id bigint, numerator numeric, denominator numeric,
               reason text)
LANGUAGE sql STABLE AS $$
  WITH params AS (
    SELECT CASE WHEN p_params ? 'kinds'
                THEN ARRAY(SELECT jsonb_array_elements_text(p_params -> 'kinds'))
                ELSE '{VPR}' END AS kinds,
           greatest(coalesce((p_params ->> 'min_participants')::integer, 5), 1) AS least_n,
           coalesce((p_params ->> 'low_fail_percent')::numeric, 30) AS low),
  -- One class's work: the letter is the class name without its grade,
  -- spaces and punctuation («5 а», "5-А" and 5А are one class).
  works AS (
    SELECT r.school_id, a.year, a.grade, a.subject_code,
           upper(regexp_replace(regexp_replace(r.class_name,
                 '[[:space:][:punct:]«»–—№]', '', 'g'), '^[0-9]+', '')) AS letter,
           count(*) AS n, count(*) FILTER (WHERE r.mark = 2) AS fails,
           sum(r.primary_score::numeric / a.max_primary_score) AS shares
    FROM params, assessment_results r
    JOIN assessments a ON a.id = r.assessment_id
    WHERE r.year IN (p_year, p_year + 1) AND r.school_id = ANY (p_schools)
      AND a.kind = ANY (params.kinds) AND r.class_name IS NOT NULL
    GROUP BY r.school_id, a.year, a.grade, a.subject_code, 5),
  classes AS (
    SELECT c.school_id, c.grade, c.letter,
           sum(b.fails)::numeric / sum(b.n) AS fail_before,
           sum(c.fails)::numeric / sum(c.n) AS fail_now,
           sum(b.shares) / sum(b.n) AS mean_before,
           sum(c.shares) / sum(c.n) AS mean_now
    FROM params, works c
    JOIN works b ON b.school_id = c.school_id AND b.year = p_year
      AND b.grade = c.grade - 1 AND b.letter = c.letter
      AND b.subject_code = c.subject_code
    WHERE c.year = p_year + 1 AND b.n >= params.least_n AND c.n >= params.least_n
    GROUP BY c.school_id, c.grade, c.letter),
  per_school AS (
    SELECT k.school_id, count(*) AS followed,
           count(*) FILTER (WHERE k.fail_before * 100 >= params.low) AS low,
           count(*) FILTER (WHERE k.fail_before * 100 >= params.low
                              AND k.fail_now < k.fail_before
                              AND k.mean_now > k.mean_before) AS improved
    FROM params, classes k GROUP BY k.school_id)
  SELECT c.id, CASE WHEN s.low > 0 THEN s.improved END::numeric,
         CASE WHEN s.low > 0 THEN s.low END::numeric,
         CASE WHEN s.followed IS NULL
              THEN 'нет классов, писавших те же работы два года подряд'
              WHEN s.low = 0 THEN 'нет классов с низкими результатами' END
  FROM unnest(p_schools) c (id) LEFT JOIN per_school s ON s.school_id = c.id
$$;

-- One rule over a group of schools (p_roadmap: the programme's own
-- roadmap, for the rule that counts roadmap items).
CREATE FUNCTION effectiveness_rule(p_rule text, p_params jsonb, p_year integer,
                                   p_schools bigint[], p_roadmap bigint)
RETURNS TABLE (school_id bigint, numerator numeric, denominator numeric,
               reason text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  CASE p_rule
    WHEN 'gia_passed' THEN
      RETURN QUERY SELECT * FROM effectiveness_gia_passed(p_params, p_year, p_schools);
    WHEN 'improved_results' THEN
      RETURN QUERY SELECT * FROM effectiveness_improved_results(p_params, p_year, p_schools);
    WHEN 'weighted_share' THEN
      RETURN QUERY SELECT * FROM effectiveness_weighted_share(p_params, p_year, p_schools);
    WHEN 'schools_with_true' THEN
      RETURN QUERY SELECT * FROM effectiveness_schools_with_true(p_params, p_year, p_schools);
    WHEN 'schools_improving' THEN
      RETURN QUERY SELECT * FROM effectiveness_schools_improving(p_params, p_year, p_schools);
    WHEN 'roadmap_items_on_time' THEN
      RETURN QUERY SELECT * FROM effectiveness_roadmap_items_on_time(p_year, p_schools, p_roadmap);
    WHEN 'improved_classes' THEN
      RETURN QUERY SELECT * FROM effectiveness_improved_classes(p_params, p_year, p_schools);
    ELSE
      NULL; -- not a rule-computed indicator: no figure
  END CASE;
END
$$;

-- The year an answer shows when none is asked: the last year of the term
-- that has begun (a school year Y begins on September 1 of Y), else the
-- first.
CREATE FUNCTION programme_default_year(p programmes) RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT least(p.year_to, greatest(p.year_from,
               extract(year FROM current_date - interval '8 months')::integer))
$$;

-- The answer of GET /programmes/{id}/effectiveness (docs/EFFECTIVENESS.md)
-- for school year p_year, over the cohort within the caller's scope
-- (p_kind, p_id) and, when given, municipality p_municipality. The trend
-- runs each rule over each year's cohort; a baseline year before the term
-- is measured on the term's first cohort. The region's figure, for
-- comparison, only for callers who see the whole region.
CREATE FUNCTION programme_effectiveness(p programmes, p_year integer,
                                        p_municipality bigint, p_kind text,
                                        p_id bigint)
RETURNS json
LANGUAGE sql STABLE AS $$
  WITH targets AS (
    SELECT t.id, t.indicator_code, t.baseline_year, t.baseline_value,
           t.targets, i.name, i.polarity, i.rule, i.rule_params, i.rule_text
    FROM programme_targets t JOIN indicators i ON i.code = t.indicator_code
    WHERE t.programme_id = p.id),
  own_roadmap AS (
    SELECT r.id FROM roadmaps r
    WHERE r.id = p.roadmap_id
      AND roadmap_visible(r.owner_school_id, r.owner_municipality_id, p_kind, p_id)
      AND (p_municipality IS NULL OR roadmap_municipality(r.id) = p_municipality)),
  years AS (
    SELECT y.year, ARRAY(
             SELECT c.school_id FROM cohort_schools(
               p.owner_school_id, p.owner_municipality_id, p.owner_region_id,
               p.categories, greatest(y.year, p.year_from), p_municipality,
               p_kind, p_id) c) AS schools
    FROM (SELECT generate_series(p.year_from, p.year_to) AS year
          UNION SELECT baseline_year FROM targets) y),
  lines AS (
    SELECT t.id AS target_id, e.school_id, e.numerator, e.denominator,
           e.reason, s.code, s.short_name, s.municipality_id
    FROM targets t
    CROSS JOIN LATERAL effectiveness_rule(
      t.rule, t.rule_params, p_year,
      (SELECT schools FROM years WHERE year = p_year),
      (SELECT id FROM own_roadmap)) e
    LEFT JOIN schools s ON s.id = e.school_id),
  totals AS (
    SELECT target_id, sum(numerator) AS n, sum(denominator) AS d,
           count(*) FILTER (WHERE school_id IS NOT NULL AND reason IS NULL)
             AS counted
    FROM lines GROUP BY target_id),
  -- The year shown is in `totals`; the other years of the trend run the
  -- rules again, each over its own cohort.
  trend AS (
    SELECT target_id, p_year AS year, effectiveness_percent(n, d) AS actual
    FROM totals
    UNION ALL
    SELECT t.id, y.year,
           effectiveness_percent(sum(e.numerator), sum(e.denominator))
    FROM targets t
    JOIN years y ON (y.year BETWEEN p.year_from AND p.year_to
                     OR y.year = t.baseline_year) AND y.year <> p_year
    LEFT JOIN LATERAL effectiveness_rule(
      t.rule, t.rule_params, y.year, y.schools, (SELECT id FROM own_roadmap)) e
      ON true
    GROUP BY t.id, y.year),
  -- The region's cohort is the programme's (for a caller who sees the
  -- region) when the programme is the region's and no municipality is
  -- asked for: its schools' lines are summed again rather than recomputed.
  region AS (
    SELECT r.id, r.name,
           p.owner_region_id IS NOT NULL AND p_municipality IS NULL AS same,
           ARRAY(SELECT c.school_id FROM cohort_schools(
                   NULL, NULL, r.id, p.categories, p_year, NULL, p_kind, p_id) c)
             AS schools
    FROM regions r
    WHERE r.id = programme_region(p) AND p_kind IN ('global', 'region')),
  region_totals AS (
    SELECT l.target_id, sum(l.numerator) AS n, sum(l.denominator) AS d,
           count(*) FILTER (WHERE l.reason IS NULL) AS counted
    FROM region, lines l
    WHERE region.same AND l.school_id IS NOT NULL
    GROUP BY l.target_id
    UNION ALL
    SELECT t.id, sum(e.numerator), sum(e.denominator),
           count(*) FILTER (WHERE e.reason IS NULL)
    FROM targets t CROSS JOIN region
    CROSS JOIN LATERAL effectiveness_rule(t.rule, t.rule_params, p_year,
                                          region.schools, NULL) e
    WHERE NOT region.same
    GROUP BY t.id),
  target_docs AS (
    SELECT t.id, t.indicator_code, x.doc
    FROM targets t
    LEFT JOIN totals tt ON tt.target_id = t.id
    CROSS JOIN LATERAL (SELECT effectiveness_percent(tt.n, tt.d) AS actual,
      CASE WHEN jsonb_typeof(t.targets -> p_year::text) = 'number'
        THEN (t.targets -> p_year::text)::numeric END AS target) f
    CROSS JOIN LATERAL (SELECT json_build_object(
      'id', t.id,
      'indicator', json_build_object('code', t.indicator_code, 'name', t.name,
                                     'polarity', t.polarity, 'rule', t.rule,
                                     'rule_text', t.rule_text),
      'baseline', json_build_object('year', t.baseline_year,
                                    'value', t.baseline_value),
      'target', f.target, 'actual', f.actual,
      'numerator', effectiveness_round(tt.n, 2),
      'denominator', effectiveness_round(tt.d, 2),
      'schools_counted', coalesce(tt.counted, 0),
      'met', CASE t.polarity WHEN 'higher' THEN f.actual >= f.target
                             WHEN 'lower' THEN f.actual <= f.target END,
      'trend', (SELECT json_agg(json_build_object(
                  'year', tr.year,
                  'target', CASE WHEN jsonb_typeof(t.targets -> tr.year::text) = 'number'
                              THEN (t.targets -> tr.year::text)::numeric END,
                  'actual', tr.actual) ORDER BY tr.year)
                FROM trend tr WHERE tr.target_id = t.id),
      'by_municipality', (SELECT coalesce(json_agg(json_build_object(
                  'id', m.id, 'name', m.name,
                  'actual', effectiveness_percent(g.n, g.d),
                  'numerator', effectiveness_round(g.n, 2),
                  'denominator', effectiveness_round(g.d, 2),
                  'schools', g.schools, 'schools_counted', g.counted)
                  ORDER BY m.name, m.id), '[]')
                FROM (SELECT l.municipality_id, sum(l.numerator) AS n,
                             sum(l.denominator) AS d, count(*) AS schools,
                             count(*) FILTER (WHERE l.reason IS NULL) AS counted
                      FROM lines l
                      WHERE l.target_id = t.id AND l.school_id IS NOT NULL
                      GROUP BY l.municipality_id) g
                JOIN municipalities m ON m.id = g.municipality_id),
      'schools', (SELECT coalesce(json_agg(json_build_object(
                  'id', l.school_id, 'code', l.code,
                  'short_name', l.short_name,
                  'municipality_id', l.municipality_id,
                  'numerator', effectiveness_round(l.numerator, 2),
                  'denominator', effectiveness_round(l.denominator, 2),
                  'value', effectiveness_percent(l.numerator, l.denominator),
                  'counted', l.reason IS NULL, 'reason', l.reason)
                  ORDER BY CASE WHEN t.polarity = 'lower'
                             THEN -effectiveness_percent(l.numerator, l.denominator)
                             ELSE effectiveness_percent(l.numerator, l.denominator)
                           END NULLS LAST, l.code, l.school_id), '[]')
                FROM lines l
                WHERE l.target_id = t.id AND l.school_id IS NOT NULL),
      'programme_roadmap', (SELECT json_build_object(
                  'roadmap_id', p.roadmap_id,
                  'numerator', effectiveness_round(l.numerator, 2),
                  'denominator', effectiveness_round(l.denominator, 2),
                  'value', effectiveness_percent(l.numerator, l.denominator),
                  'counted', l.reason IS NULL, 'reason', l.reason)
                FROM lines l
                WHERE l.target_id = t.id AND l.school_id IS NULL)) AS doc) x),
  members AS (
    SELECT 1 AS n, 'programme' AS k, json_build_object(
      'id', p.id, 'title', p.title,
      'owner', json_build_object(
        'kind', CASE WHEN p.owner_school_id IS NOT NULL THEN 'school'
                     WHEN p.owner_municipality_id IS NOT NULL THEN 'municipality'
                     ELSE 'region' END,
        'id', coalesce(p.owner_school_id, p.owner_municipality_id, p.owner_region_id)),
      'year_from', p.year_from, 'year_to', p.year_to,
      'categories', to_json(p.categories)) AS v
    UNION ALL SELECT 2, 'year', to_json(p_year)
    UNION ALL SELECT 3, 'period', to_json(school_year_period(p_year))
    UNION ALL SELECT 4, 'municipality_id', to_json(p_municipality)
    UNION ALL SELECT 5, 'cohort', json_build_object(
      'schools', (SELECT cardinality(schools) FROM years WHERE year = p_year))
    UNION ALL SELECT 6, 'targets', (SELECT coalesce(json_agg(doc
                                      ORDER BY indicator_code, id), '[]')
                                    FROM target_docs)
    UNION ALL SELECT 7, 'region', json_build_object(
      'id', region.id, 'name', region.name,
      'cohort', json_build_object('schools', cardinality(region.schools)),
      'targets', (SELECT coalesce(json_agg(json_build_object(
                    'id', t.id,
                    'actual', effectiveness_percent(rt.n, rt.d),
                    'numerator', effectiveness_round(rt.n, 2),
                    'denominator', effectiveness_round(rt.d, 2),
                    'schools_counted', coalesce(rt.counted, 0))
                    ORDER BY t.indicator_code, t.id), '[]')
                  FROM targets t
                  LEFT JOIN region_totals rt ON rt.target_id = t.id))
    FROM region)
  SELECT json_object_agg(k, v ORDER BY n) FROM members
$$;

-- The answer as rows of a table (Accept: text/csv): per target its total,
-- then its schools in the answer's order, then the programme's own
-- roadmap when it has a line (ordered by target_no, line_kind, line_no).
CREATE FUNCTION programme_effectiveness_rows(d json)
RETURNS TABLE (doc json, target_no bigint, line_kind integer, line_no bigint)
LANGUAGE sql IMMUTABLE AS $$
  SELECT json_build_object(
    'target_id', t.t -> 'id', 'indicator', t.t -> 'indicator',
    'year', d -> 'year', 'line', l.line, 'school', l.school,
    'numerator', l.v -> 'numerator', 'denominator', l.v -> 'denominator',
    'value', coalesce(l.v -> 'value', l.v -> 'actual'),
    'counted', l.v -> 'counted', 'reason', l.v -> 'reason',
    'target', l.target, 'met', l.met), t.n, l.k, l.i
  FROM json_array_elements(d -> 'targets') WITH ORDINALITY t (t, n)
  CROSS JOIN LATERAL (
    SELECT 0 AS k, 0::bigint AS i, 'total' AS line, NULL::json AS school,
           t.t AS v, t.t -> 'target' AS target, t.t -> 'met' AS met
    UNION ALL
    SELECT 1, s.i, 'school', json_build_object(
             'id', s.s -> 'id', 'code', s.s -> 'code',
             'short_name', s.s -> 'short_name',
             'municipality_id', s.s -> 'municipality_id'), s.s, NULL, NULL
    FROM json_array_elements(t.t -> 'schools') WITH ORDINALITY s (s, i)
    UNION ALL
    SELECT 2, 0, 'programme_roadmap', NULL, t.t -> 'programme_roadmap', NULL, NULL
    WHERE json_typeof(t.t -> 'programme_roadmap') = 'object') l
  ORDER BY t.n, l.k, l.i
$$;
