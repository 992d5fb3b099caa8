-- Objectivity of marks (docs/OBJECTIVITY.md): what the push keeps for it,
-- the rules over the kept statistics, and identification runs that leave
-- out or mark figures flagged high.

-- Kept per school and instrument by every push (src/push_stats.c), like
-- the other counters: journal_higher2, participants whose journal mark is
-- two or more above the work's mark; journal_lower2, two or more below it;
-- high_low_mastery, participants with a "4" or "5" whose mastery of the
-- basic-level tasks is under 60 % (the reference's sufficient level).
ALTER TABLE assessment_school_stats
  ADD COLUMN journal_higher2 integer NOT NULL DEFAULT 0,
  ADD COLUMN journal_lower2 integer NOT NULL DEFAULT 0,
  ADD COLUMN high_low_mastery integer NOT NULL DEFAULT 0;

-- The basic-level tasks of an instrument: their places in tasks and their
-- scores possible.
CREATE FUNCTION assessment_basic_tasks(a assessments,
  OUT ords integer[], OUT basic_max integer)
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(array_agg(x.ord::integer ORDER BY x.ord), '{}'),
    coalesce(sum((x.e->>'max_score')::integer), 0)::integer
  FROM jsonb_array_elements(a.tasks) WITH ORDINALITY x(e, ord)
  WHERE x.e->>'level' = 'basic'
$$;

-- Once, for the statistics kept before: the new counters from the stored
-- rows, as stats_add counts them. updated_at stays: the figures the other
-- counters give did not change, so no identification run's data differ.
WITH b AS (
  SELECT a.id, a.year, t.ords, t.basic_max
  FROM assessments a CROSS JOIN LATERAL assessment_basic_tasks(a) t),
c AS (
  SELECT r.assessment_id, r.school_id,
    count(*) FILTER (WHERE r.mark >= 2 AND r.journal_mark - r.mark >= 2)
      AS higher2,
    count(*) FILTER (WHERE r.journal_mark >= 2 AND r.mark - r.journal_mark >= 2)
      AS lower2,
    count(*) FILTER (WHERE r.mark >= 4 AND b.basic_max > 0
      AND 100 * (SELECT sum(r.task_scores[o]) FROM unnest(b.ords) o)
        < 60 * b.basic_max) AS high_low
  FROM assessment_results r
  JOIN b ON b.id = r.assessment_id AND b.year = r.year
  GROUP BY r.assessment_id, r.school_id)
UPDATE assessment_school_stats s
SET journal_higher2 = c.higher2, journal_lower2 = c.lower2,
  high_low_mastery = c.high_low
FROM c WHERE s.assessment_id = c.assessment_id AND s.school_id = c.school_id;

-- --- Objectivity of marks --------------------------------------------------

-- The parameters of the rules, every default filled in (docs/OBJECTIVITY.md):
-- below min_participants a school's figures give limited evidence (the
-- reference: under 20) and no rule is judged; a difference is unlikely by
-- chance when its z reaches z_critical (2.33: one-sided, about 1 %), and a
-- rule at z_high (3.09: about 0.1 %) makes the level high alone; the
-- journal's share of marks two or more off (journal_gap_percent); the
-- points under a boundary a peak gathers (peak_window) and the percentage
-- points its share exceeds the region's by (peak_margin); those of high
-- marks with low mastery (mastery_margin); and those the share of "2" fell
-- (fail_drop) or of "4" and "5" rose (good_rise) beyond the region's
-- change against the previous_years before. z values keep two decimals.
CREATE FUNCTION objectivity_parameters(p jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'min_participants', coalesce((p->>'min_participants')::integer, 20),
    'z_critical', round(coalesce((p->>'z_critical')::numeric, 2.33), 2),
    'z_high', round(coalesce((p->>'z_high')::numeric, 3.09), 2),
    'journal_gap_percent', coalesce((p->>'journal_gap_percent')::integer, 15),
    'peak_window', coalesce((p->>'peak_window')::integer, 2),
    'peak_margin', coalesce((p->>'peak_margin')::integer, 20),
    'mastery_margin', coalesce((p->>'mastery_margin')::integer, 10),
    'fail_drop', coalesce((p->>'fail_drop')::integer, 10),
    'good_rise', coalesce((p->>'good_rise')::integer, 15),
    'previous_years', coalesce((p->>'previous_years')::integer, 3))
$$;

-- How unlikely by chance a share x1 of n1 is to exceed a share x2 of n2 by
-- more than d (a fraction): the one-sided z of two shares — their
-- difference less d and less half a participant on each side (the
-- continuity correction), over the standard error of a difference at the
-- two's pooled share — rounded to two decimals; 0 when that error is 0
-- (every participant or none has the figure on both sides), null without
-- participants on one side.
CREATE FUNCTION objectivity_z(x1 float8, n1 float8, x2 float8,
  n2 float8, d float8) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN n1 > 0 AND n2 > 0 THEN coalesce(round((
    (x1 / n1 - x2 / n2 - d - (0.5 / n1 + 0.5 / n2))
    / nullif(sqrt((x1 + x2) / (n1 + n2) * (1 - (x1 + x2) / (n1 + n2))
      * (1 / n1 + 1 / n2)), 0))::numeric, 2), 0) END
$$;

-- "за ВПР" in "отметки за ВПР".
CREATE FUNCTION objectivity_work(p_kind text) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE p_kind WHEN 'VPR' THEN 'за ВПР' WHEN 'OGE' THEN 'за ОГЭ'
    WHEN 'EGE' THEN 'за ЕГЭ' ELSE 'за работу' END
$$;

-- A difference in percentage points, in words: "больше на 16,9 п. п.".
CREATE FUNCTION objectivity_diff(p numeric, p_more text, p_less text)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN p >= 0 THEN p_more ELSE p_less END || ' на '
    || identification_number(abs(p)) || ' п. п.'
$$;

-- One school and instrument as the rules judge it: the kept counters, the
-- figures each rule reads and each rule's outcome — not_applicable (the
-- instrument lacks what the rule reads), not_judged (too few data),
-- raised or not_raised — and whether it was raised far enough to make the
-- level high alone (far); the level (none, attention, high), its rank
-- (high 0, attention 1, none 2) and the orders of the lists. Shares and
-- differences in percent and percentage points; "others" are the other
-- schools of the region with results in the instrument.
CREATE TYPE objectivity_row AS (
  assessment_id bigint, school_id bigint, code text, short_name text,
  municipality_id bigint, region_id bigint,
  kind text, year integer, grade integer, subject_code text,
  subject_name text, variant_set text, name text, inst_key text,
  participants integer, marks integer[], small boolean, marked boolean,
  others integer,
  -- journal_gap
  journal_known integer, confirmed integer, lowered integer, raised integer,
  journal_higher2 integer, journal_lower2 integer, journal_share numeric,
  journal_outcome text, journal_far boolean,
  -- boundary_peak: the lowest scores of "3", "4" and "5"; the school's
  -- participants at each and in the window under each; at all of them,
  -- near them (at or in a window); the share of the near at a boundary,
  -- the others' share alike
  peak_scores integer[], peak_at_by integer[], peak_below_by integer[],
  peak_at integer, peak_near integer, peak_share numeric,
  peak_region_share numeric, peak_diff numeric, peak_z numeric,
  peak_outcome text, peak_far boolean,
  -- high_marks_low_mastery
  basic_max integer, high_low_mastery integer, mastery_share numeric,
  mastery_region_share numeric, mastery_diff numeric, mastery_z numeric,
  mastery_outcome text, mastery_far boolean,
  -- sudden_rise: the previous years counted and the school's shares over
  -- them together; the school's change, the others' change over the same
  -- years, the first beyond the second (excess) and its z
  share_fail numeric, share_good numeric, previous_years integer[],
  previous_fail numeric, previous_good numeric, fail_drop numeric,
  good_rise numeric, region_fail_drop numeric, region_good_rise numeric,
  fail_excess numeric, good_excess numeric, fail_z numeric, good_z numeric,
  rise_outcome text, rise_far boolean,
  level text, rank integer, raised_by text[]
);

-- The participants of a histogram (counts[x + 1]: those with score x) with
-- a score from lo to hi - 1; 0 without both. A window is peak_window
-- points or fewer: up to 5 are added directly (no set per row), more by
-- objectivity_scores_long.
CREATE FUNCTION objectivity_scores_long(counts integer[], lo integer,
  hi integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(sum(v), 0)::integer FROM unnest(counts[lo + 1:hi]) v
$$;

CREATE FUNCTION objectivity_scores(counts integer[], lo integer, hi integer)
RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN lo IS NULL OR hi IS NULL THEN 0
    WHEN hi - lo <= 5 THEN
      CASE WHEN lo < hi THEN coalesce(counts[lo + 1], 0) ELSE 0 END
      + CASE WHEN lo + 1 < hi THEN coalesce(counts[lo + 2], 0) ELSE 0 END
      + CASE WHEN lo + 2 < hi THEN coalesce(counts[lo + 3], 0) ELSE 0 END
      + CASE WHEN lo + 3 < hi THEN coalesce(counts[lo + 4], 0) ELSE 0 END
      + CASE WHEN lo + 4 < hi THEN coalesce(counts[lo + 5], 0) ELSE 0 END
    ELSE objectivity_scores_long(counts, lo, hi) END
$$;

-- The rules over the kept statistics only (docs/OBJECTIVITY.md), for the
-- instruments p_assessments (all when null) and the schools of p_region
-- (all when null); the rows of p_school and p_municipality (when given)
-- within the scope. Each school is compared with the other schools of its
-- region whatever the scope. p: objectivity_parameters. The words are
-- objectivity_doc's: a list builds them for its page only. Called through
-- objectivity(), which plans it with its arguments' values.
CREATE FUNCTION objectivity_rules(p jsonb, p_assessments bigint[],
  p_region bigint, p_school bigint, p_municipality bigint,
  p_scope_kind text, p_scope_id bigint)
RETURNS SETOF objectivity_row LANGUAGE sql STABLE AS $$
  WITH inst AS (
    SELECT a.id, a.kind, a.year, a.grade, a.subject_code, a.subject_name,
      a.variant_set, identification_instrument_name(a) AS name, b.basic_max,
      lpad((2100 - a.year)::text, 3, '0') || a.kind || '/'
        || lpad(a.grade::text, 2, '0') || '/' || a.subject_code || '/'
        || a.variant_set AS inst_key,
      -- The boundaries and the lowest score of the window under each:
      -- peak_window points, not reaching the boundary below.
      a.mark3_from AS b3, a.mark4_from AS b4, a.mark5_from AS b5,
      greatest(a.mark3_from - w.w, 0) AS l3,
      greatest(a.mark4_from - w.w, a.mark3_from + 1) AS l4,
      greatest(a.mark5_from - w.w, a.mark4_from + 1) AS l5
    FROM assessments a CROSS JOIN LATERAL assessment_basic_tasks(a) b
    CROSS JOIN (SELECT (p->>'peak_window')::integer AS w) w
    WHERE p_assessments IS NULL OR a.id = ANY (p_assessments)),
  -- Each school's figures, with its participants at each boundary (at_by)
  -- and in the window under each (below_by).
  st AS (
    SELECT s.assessment_id, s.school_id, s.participants, s.marks, s.failed,
      s.journal_known, s.confirmed, s.lowered, s.raised, s.journal_higher2,
      s.journal_lower2, s.high_low_mastery,
      sc.code, sc.short_name, sc.municipality_id, m.region_id,
      s.marks[3] + s.marks[4] AS good, pk.at_by, pk.below_by,
      coalesce(pk.at_by[1] + pk.at_by[2] + pk.at_by[3], 0) AS at,
      coalesce(pk.at_by[1] + pk.at_by[2] + pk.at_by[3] + pk.below_by[1]
        + pk.below_by[2] + pk.below_by[3], 0) AS near
    FROM inst i JOIN assessment_school_stats s ON s.assessment_id = i.id
    JOIN schools sc ON sc.id = s.school_id
    JOIN municipalities m ON m.id = sc.municipality_id
    CROSS JOIN LATERAL (
      SELECT CASE WHEN i.b3 IS NOT NULL THEN ARRAY[
          coalesce(s.score_counts[i.b3 + 1], 0),
          coalesce(s.score_counts[i.b4 + 1], 0),
          coalesce(s.score_counts[i.b5 + 1], 0)] END AS at_by,
        CASE WHEN i.b3 IS NOT NULL THEN ARRAY[
          objectivity_scores(s.score_counts, i.l3, i.b3),
          objectivity_scores(s.score_counts, i.l4, i.b4),
          objectivity_scores(s.score_counts, i.l5, i.b5)] END AS below_by
      ) pk
    -- (the instruments' rows found by their key, whatever the estimate of
    -- the schools a region filter leaves)
    WHERE s.assessment_id = ANY (ARRAY(SELECT inst.id FROM inst))
    AND (p_region IS NULL OR m.region_id = p_region)
    AND s.participants > 0),
  -- Each instrument's totals over each region (the others are every
  -- school of the region, before the filters).
  tot AS (
    SELECT st.assessment_id, st.region_id, count(*) AS schools,
      sum(st.participants) AS t_n, sum(st.at) AS t_at,
      sum(st.near) AS t_near, sum(st.high_low_mastery) AS t_low,
      sum(st.failed) AS t_failed, sum(st.good) AS t_good
    FROM st GROUP BY st.assessment_id, st.region_id),
  -- The same work in the previous_years before each instrument, the rows
  -- of its schools (once for each instrument that reads them) and their
  -- totals per region.
  pinst AS (
    SELECT i.id AS inst_id, a2.id, a2.year
    FROM inst i JOIN assessments a2 ON a2.kind = i.kind
      AND a2.grade = i.grade AND a2.subject_code = i.subject_code
      AND a2.variant_set = i.variant_set
      AND a2.year BETWEEN i.year - (p->>'previous_years')::integer
        AND i.year - 1),
  pst AS (
    SELECT x.inst_id, x.id, x.year, s2.school_id, m.region_id,
      s2.participants, s2.failed, s2.marks[3] + s2.marks[4] AS good
    FROM pinst x JOIN assessment_school_stats s2 ON s2.assessment_id = x.id
    JOIN schools sc ON sc.id = s2.school_id
    JOIN municipalities m ON m.id = sc.municipality_id
    WHERE s2.assessment_id = ANY (ARRAY(SELECT pinst.id FROM pinst))
    AND (p_region IS NULL OR m.region_id = p_region)
    AND s2.participants > 0),
  ptot AS (
    SELECT x.inst_id, x.id, x.region_id, count(*) AS schools,
      sum(x.participants) AS n, sum(x.failed) AS failed, sum(x.good) AS good
    FROM pst x GROUP BY x.inst_id, x.id, x.region_id),
  -- Each school's same work in the previous years, each with
  -- min_participants or more: the years, its totals over them and the
  -- other schools' of its region.
  pv AS (
    SELECT x.inst_id, x.school_id, array_agg(x.year ORDER BY x.year) AS years,
      sum(x.participants)::integer AS n, sum(x.failed)::integer AS failed,
      sum(x.good)::integer AS good,
      sum(t.n - x.participants)::integer AS rn,
      sum(t.failed - x.failed)::integer AS rfailed,
      sum(t.good - x.good)::integer AS rgood,
      min(t.schools)::integer - 1 AS rothers
    FROM pst x JOIN ptot t ON t.inst_id = x.inst_id AND t.id = x.id
      AND t.region_id = x.region_id
    WHERE x.participants >= (p->>'min_participants')::integer
    GROUP BY x.inst_id, x.school_id),
  -- Materialized, so that the figures below read columns (and
  -- objectivity_z is inlined on them).
  base AS MATERIALIZED (
    SELECT st.*, i.kind, i.year, i.grade, i.subject_code, i.subject_name,
      i.variant_set, i.name, i.inst_key, i.basic_max,
      CASE WHEN i.b3 IS NOT NULL THEN ARRAY[i.b3, i.b4, i.b5] END
        AS peak_scores,
      st.participants < (p->>'min_participants')::integer AS small,
      st.marks[1] + st.marks[2] + st.marks[3] + st.marks[4] > 0 AS marked,
      (t.schools - 1)::integer AS others,
      t.t_n - st.participants AS r_n, t.t_at - st.at AS r_at,
      t.t_near - st.near AS r_near,
      t.t_low - st.high_low_mastery AS r_low,
      t.t_failed - st.failed AS r_failed, t.t_good - st.good AS r_good,
      pv.years AS previous_years, pv.n AS p_n, pv.failed AS p_failed,
      pv.good AS p_good, pv.rn AS p_rn, pv.rfailed AS p_rfailed,
      pv.rgood AS p_rgood, pv.rothers AS p_others
    FROM st JOIN inst i ON i.id = st.assessment_id
    JOIN tot t ON t.assessment_id = st.assessment_id
      AND t.region_id = st.region_id
    LEFT JOIN pv ON pv.inst_id = st.assessment_id
      AND pv.school_id = st.school_id
    WHERE (p_school IS NULL OR st.school_id = p_school)
    AND (p_municipality IS NULL OR st.municipality_id = p_municipality)
    AND school_in_scope(st.school_id, st.municipality_id, st.region_id,
      p_scope_kind, p_scope_id)),
  -- The other schools' figures only over 5 of them or more (in every
  -- year a rise reads): fewer would say too much about each of them.
  fig AS (
    SELECT b.*,
      100.0 * (b.journal_higher2 + b.journal_lower2)
        / nullif(b.journal_known, 0) AS journal_share,
      100.0 * b.at / nullif(b.near, 0) AS peak_share,
      CASE WHEN b.others >= 5
        THEN 100.0 * b.r_at / nullif(b.r_near, 0) END AS peak_region_share,
      CASE WHEN b.others >= 5
        THEN objectivity_z(b.at, b.near, b.r_at, b.r_near, 0) END AS peak_z,
      100.0 * b.high_low_mastery / b.participants AS mastery_share,
      CASE WHEN b.others >= 5
        THEN 100.0 * b.r_low / nullif(b.r_n, 0) END AS mastery_region_share,
      CASE WHEN b.others >= 5 THEN objectivity_z(b.high_low_mastery,
        b.participants, b.r_low, b.r_n, 0) END AS mastery_z,
      100.0 * b.failed / b.participants AS share_fail,
      100.0 * b.good / b.participants AS share_good,
      100.0 * b.p_failed / b.p_n AS previous_fail,
      100.0 * b.p_good / b.p_n AS previous_good,
      CASE WHEN b.others >= 5 AND b.p_others >= 5
        THEN 100.0 * b.p_rfailed / nullif(b.p_rn, 0)
          - 100.0 * b.r_failed / nullif(b.r_n, 0) END AS region_fail_drop,
      CASE WHEN b.others >= 5 AND b.p_others >= 5
        THEN 100.0 * b.r_good / nullif(b.r_n, 0)
          - 100.0 * b.p_rgood / nullif(b.p_rn, 0) END AS region_good_rise
    FROM base b),
  chg AS (
    SELECT f.*, f.peak_share - f.peak_region_share AS peak_diff,
      f.mastery_share - f.mastery_region_share AS mastery_diff,
      f.previous_fail - f.share_fail AS fail_drop,
      f.share_good - f.previous_good AS good_rise,
      f.previous_fail - f.share_fail - coalesce(f.region_fail_drop, 0)
        AS fail_excess,
      f.share_good - f.previous_good - coalesce(f.region_good_rise, 0)
        AS good_excess,
      objectivity_z(f.p_failed, f.p_n, f.failed, f.participants,
        coalesce(f.region_fail_drop, 0) / 100) AS fail_z,
      objectivity_z(f.good, f.participants, f.p_good, f.p_n,
        coalesce(f.region_good_rise, 0) / 100) AS good_z,
      (p->>'z_critical')::numeric AS zc, (p->>'z_high')::numeric AS zh,
      (p->>'journal_gap_percent')::integer AS jt,
      (p->>'peak_margin')::integer AS kt,
      (p->>'mastery_margin')::integer AS ht,
      (p->>'fail_drop')::integer AS fd, (p->>'good_rise')::integer AS gr
    FROM fig f),
  oc AS (
    SELECT c.*,
      CASE WHEN c.small OR c.journal_known < (p->>'min_participants')::integer
        THEN 'not_judged' WHEN c.journal_share >= c.jt THEN 'raised'
        ELSE 'not_raised' END AS journal_outcome,
      c.journal_share >= 2 * c.jt AS journal_very,
      CASE WHEN c.peak_scores IS NULL THEN 'not_applicable'
        WHEN c.small OR c.others < 5 OR c.peak_region_share IS NULL
          THEN 'not_judged'
        WHEN c.peak_diff >= c.kt AND c.peak_z >= c.zc THEN 'raised'
        ELSE 'not_raised' END AS peak_outcome,
      CASE WHEN c.basic_max = 0 OR NOT c.marked THEN 'not_applicable'
        WHEN c.small OR c.others < 5 OR c.mastery_region_share IS NULL
          THEN 'not_judged'
        WHEN c.mastery_diff >= c.ht AND c.mastery_z >= c.zc THEN 'raised'
        ELSE 'not_raised' END AS mastery_outcome,
      c.fail_excess >= c.fd AND c.fail_z >= c.zc AS fail_raised,
      c.marked AND c.good_excess >= c.gr AND c.good_z >= c.zc AS good_raised
    FROM chg c),
  lv AS (
    SELECT o.*,
      CASE WHEN o.small OR o.previous_years IS NULL THEN 'not_judged'
        WHEN o.fail_raised OR o.good_raised THEN 'raised'
        ELSE 'not_raised' END AS rise_outcome,
      o.journal_outcome = 'raised' AND o.journal_very AS journal_far,
      o.peak_outcome = 'raised' AND o.peak_z >= o.zh AS peak_far,
      o.mastery_outcome = 'raised' AND o.mastery_z >= o.zh AS mastery_far
    FROM oc o),
  fin AS (
    SELECT l.*, array_remove(ARRAY[
        CASE WHEN l.journal_outcome = 'raised' THEN 'journal_gap' END,
        CASE WHEN l.peak_outcome = 'raised' THEN 'boundary_peak' END,
        CASE WHEN l.mastery_outcome = 'raised'
          THEN 'high_marks_low_mastery' END,
        CASE WHEN l.rise_outcome = 'raised' THEN 'sudden_rise' END],
        NULL) AS raised_by
    FROM lv l)
  SELECT f.assessment_id, f.school_id, f.code, f.short_name,
    f.municipality_id, f.region_id, f.kind, f.year, f.grade, f.subject_code,
    f.subject_name, f.variant_set, f.name, f.inst_key, f.participants,
    f.marks, f.small, f.marked, f.others,
    f.journal_known, f.confirmed, f.lowered, f.raised, f.journal_higher2,
    f.journal_lower2, f.journal_share, f.journal_outcome, f.journal_far,
    f.peak_scores, f.at_by, f.below_by, f.at, f.near, f.peak_share,
    f.peak_region_share, f.peak_diff, f.peak_z, f.peak_outcome,
    coalesce(f.peak_far, false),
    f.basic_max, f.high_low_mastery, f.mastery_share, f.mastery_region_share,
    f.mastery_diff, f.mastery_z, f.mastery_outcome,
    coalesce(f.mastery_far, false),
    f.share_fail, f.share_good, f.previous_years, f.previous_fail,
    f.previous_good, f.fail_drop, f.good_rise, f.region_fail_drop,
    f.region_good_rise, f.fail_excess, f.good_excess, f.fail_z, f.good_z,
    -- A rise alone is never high: honest work can raise results too.
    f.rise_outcome, false,
    l.level, CASE l.level WHEN 'high' THEN 0 WHEN 'attention' THEN 1
      ELSE 2 END,
    f.raised_by
  FROM fin f CROSS JOIN LATERAL (
    SELECT CASE WHEN cardinality(f.raised_by) = 0 THEN 'none'
      WHEN cardinality(f.raised_by) >= 2 OR f.journal_far OR f.peak_far
        OR f.mastery_far THEN 'high'
      ELSE 'attention' END AS level) l
$$;

-- objectivity_rules as a query of PL/pgSQL: planned once per connection
-- (a SQL function called with a subquery as an argument, as the list
-- calls it, is not inlined and is planned again on every call, each
-- school estimated as one row), and without nested loops: the plan does
-- not know how many schools and instruments it reads, and a loop over
-- what it takes for one row went through every school's earlier years
-- once per school.
CREATE FUNCTION objectivity(p jsonb, p_assessments bigint[], p_region bigint,
  p_school bigint, p_municipality bigint, p_scope_kind text, p_scope_id bigint)
RETURNS SETOF objectivity_row LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan SET enable_nestloop = off AS $$
BEGIN
  RETURN QUERY SELECT * FROM objectivity_rules(p, p_assessments, p_region,
    p_school, p_municipality, p_scope_kind, p_scope_id);
END
$$;

-- --- The words (objectivity_doc) -------------------------------------------

-- STABLE, not IMMUTABLE, and without subqueries: their bodies call stable
-- functions (concatenating a number, for one), and only so are they
-- inlined into objectivity_doc's expression instead of each run as a
-- query of its own for every row.

-- "участников 12 — меньше 20, " and what is not judged.
CREATE FUNCTION objectivity_too_few(o objectivity_row, p jsonb, p_what text)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT 'участников ' || o.participants || ' — меньше '
    || (p->>'min_participants') || ', ' || p_what
$$;

-- A z or a critical value in words: "3,1", "2,33".
CREATE FUNCTION objectivity_z_text(z numeric) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT replace(trim_scale(round(z, 2))::text, '.', ',')
$$;

-- A difference (p_words), its threshold (and p_note) and, when the
-- school's figure is the greater, the test in words: "больше на 16,3 п. п.
-- (порог 10 п. п.), такое расхождение случайно маловероятно (z = 3,1 при
-- пороге 2,33)" or "… может быть случайным (…)"; p_what is neuter.
CREATE FUNCTION objectivity_chance(p_diff numeric, p_words text,
  p_threshold text, p_note text, z numeric, p jsonb, p_what text)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT p_words || ' (порог '
    || p_threshold || ' п. п.' || p_note || ')'
    || CASE WHEN p_diff > 0 THEN ', ' || p_what
      || CASE WHEN z >= (p->>'z_critical')::numeric
        THEN ' случайно маловероятно' ELSE ' может быть случайным' END
      || ' (z = ' || objectivity_z_text(z) || ' при пороге '
      || objectivity_z_text((p->>'z_critical')::numeric) || ')'
    ELSE '' END
$$;

-- Fewer than 5 other schools in the region: nothing to compare with.
CREATE FUNCTION objectivity_no_region() RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT 'в регионе меньше 5 других школ с результатами, сравнивать не с'
    || ' чем, признак не оценивается'
$$;

-- Each rule's figures and the sentence an authority quotes, opening with
-- the instrument's name.
CREATE FUNCTION objectivity_journal_doc(o objectivity_row, p jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('outcome', o.journal_outcome,
    'far', o.journal_far, 'figure', round(o.journal_share, 1),
    'threshold', (p->>'journal_gap_percent')::integer,
    'known', o.journal_known,
    'share_higher2',
      round(100.0 * o.journal_higher2 / nullif(o.journal_known, 0), 1),
    'share_lower2',
      round(100.0 * o.journal_lower2 / nullif(o.journal_known, 0), 1),
    'text', o.name || ': ' || CASE
      WHEN o.small THEN objectivity_too_few(o, p, 'признак не оценивается')
      WHEN o.journal_known = 0
        THEN 'отметок по журналу нет, признак не оценивается'
      WHEN o.journal_outcome = 'not_judged' THEN 'отметка по журналу'
        || ' известна: участников ' || o.journal_known || ' — меньше '
        || (p->>'min_participants') || ', признак не оценивается'
      ELSE 'у ' || identification_number(o.journal_share) || ' % участников'
        || ' отметка по журналу отличается от отметки '
        || objectivity_work(o.kind) || ' на 2 и более балла: выше у '
        || identification_number(100.0 * o.journal_higher2 / o.journal_known)
        || ' %, ниже у '
        || identification_number(100.0 * o.journal_lower2 / o.journal_known)
        || ' % (порог ' || (p->>'journal_gap_percent')
        || ' %; участников с отметкой по журналу: ' || o.journal_known || ')'
      END)
$$;

-- "на 1 балл ниже", "до 2 баллов ниже".
CREATE FUNCTION objectivity_window(p jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN (p->>'peak_window')::integer = 1 THEN 'на 1 балл ниже'
    ELSE 'до ' || (p->>'peak_window') || ' баллов ниже' END
$$;

CREATE FUNCTION objectivity_peak_doc(o objectivity_row, p jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('outcome', o.peak_outcome, 'far', o.peak_far,
    'window', (p->>'peak_window')::integer,
    'boundaries', CASE WHEN o.peak_scores IS NOT NULL THEN jsonb_build_array(
      jsonb_build_object('mark', 3, 'score', o.peak_scores[1],
        'at', o.peak_at_by[1], 'below', o.peak_below_by[1]),
      jsonb_build_object('mark', 4, 'score', o.peak_scores[2],
        'at', o.peak_at_by[2], 'below', o.peak_below_by[2]),
      jsonb_build_object('mark', 5, 'score', o.peak_scores[3],
        'at', o.peak_at_by[3], 'below', o.peak_below_by[3])) END,
    'near', CASE WHEN o.peak_scores IS NOT NULL THEN o.peak_near END,
    'at', CASE WHEN o.peak_scores IS NOT NULL THEN o.peak_at END,
    'school_share', round(o.peak_share, 1),
    'region_share', round(o.peak_region_share, 1),
    'difference', round(o.peak_diff, 1),
    'threshold', (p->>'peak_margin')::integer,
    'z', o.peak_z, 'z_critical', (p->>'z_critical')::numeric,
    'text', o.name || ': ' || CASE
      WHEN o.peak_outcome = 'not_applicable' THEN 'границ отметок по'
        || ' первичному баллу нет, признак не применяется'
      WHEN o.small THEN objectivity_too_few(o, p, 'признак не оценивается')
      WHEN o.others < 5 THEN objectivity_no_region()
      WHEN o.peak_outcome = 'not_judged' THEN 'в других школах региона'
        || ' нет участников с первичным баллом на границе отметки или '
        || objectivity_window(p) || ', сравнивать не с чем, признак не'
        || ' оценивается'
      ELSE 'первичный балл на границе отметки (' || array_to_string(ARRAY[
          '«3» — ' || o.peak_scores[1], '«4» — ' || o.peak_scores[2],
          '«5» — ' || o.peak_scores[3]], ', ')
        || ') или ' || objectivity_window(p) || ' — у ' || o.peak_near
        || ' участников из ' || o.participants || CASE
          WHEN o.peak_near = 0 THEN ', пика нет'
          ELSE ', из них ровно на границе — у ' || o.peak_at || ' ('
            || identification_number(o.peak_share)
            || ' %), в других школах региона — '
            || identification_number(o.peak_region_share) || ' %: '
            || objectivity_chance(o.peak_diff,
              objectivity_diff(o.peak_diff, 'больше', 'меньше'),
              p->>'peak_margin', '', o.peak_z, p, 'такое расхождение') END
      END)
$$;

CREATE FUNCTION objectivity_mastery_doc(o objectivity_row, p jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('outcome', o.mastery_outcome,
    'far', o.mastery_far, 'count', o.high_low_mastery,
    'school_share', CASE WHEN o.mastery_outcome <> 'not_applicable'
      THEN round(o.mastery_share, 1) END,
    'region_share', CASE WHEN o.mastery_outcome <> 'not_applicable'
      THEN round(o.mastery_region_share, 1) END,
    'difference', CASE WHEN o.mastery_outcome <> 'not_applicable'
      THEN round(o.mastery_diff, 1) END,
    'threshold', (p->>'mastery_margin')::integer,
    'z', CASE WHEN o.mastery_outcome <> 'not_applicable' THEN o.mastery_z END,
    'z_critical', (p->>'z_critical')::numeric,
    'text', o.name || ': ' || CASE
      WHEN o.basic_max = 0 THEN 'заданий базового уровня нет, признак не'
        || ' применяется'
      WHEN NOT o.marked THEN 'отметок нет, признак не применяется'
      WHEN o.small THEN objectivity_too_few(o, p, 'признак не оценивается')
      WHEN o.mastery_outcome = 'not_judged' THEN objectivity_no_region()
      ELSE 'у ' || identification_number(o.mastery_share) || ' % участников'
        || ' отметка «4» или «5» при освоении заданий базового уровня'
        || ' ниже 60 % (' || o.high_low_mastery || ' из ' || o.participants
        || '), в других школах региона — у '
        || identification_number(o.mastery_region_share) || ' %: '
        || objectivity_chance(o.mastery_diff,
          objectivity_diff(o.mastery_diff, 'больше', 'меньше'),
          p->>'mastery_margin', '', o.mastery_z, p, 'такое расхождение') END)
$$;

-- One part of sudden_rise in words: "доля «2» 35 % при 50 % за 2023,
-- 2024 гг. — ниже на 15 п. п., в других школах региона — ниже на 0,5 п. п.:
-- на 14,5 п. п. больше, чем в регионе (порог 10 п. п.), такое снижение …".
CREATE FUNCTION objectivity_rise_part(p_what text, p_now numeric,
  p_before numeric, p_years text, p_change numeric, p_region numeric,
  p_excess numeric, p_threshold text, z numeric, p jsonb, p_more text,
  p_less text, p_noun text) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT p_what || identification_number(p_now) || ' % при '
    || identification_number(p_before) || ' %' || p_years || ' — '
    || CASE WHEN p_region IS NULL THEN objectivity_chance(p_excess,
        objectivity_diff(p_change, p_more, p_less), p_threshold,
        '; других школ региона с этой работой меньше 5, с ними не'
        || ' сравнивается', z, p, p_noun)
      ELSE objectivity_diff(p_change, p_more, p_less)
        || ', в других школах региона — '
        || objectivity_diff(p_region, p_more, p_less) || ': '
        || objectivity_chance(p_excess, CASE WHEN p_excess > 0
          THEN 'на ' || identification_number(p_excess) || ' п. п. больше,'
            || ' чем в регионе'
          ELSE 'не больше, чем в регионе' END, p_threshold, '', z, p, p_noun)
      END
$$;

CREATE FUNCTION objectivity_rise_doc(o objectivity_row, p jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('outcome', o.rise_outcome, 'far', o.rise_far,
    'previous_years', to_jsonb(o.previous_years),
    'share_fail', round(o.share_fail, 1),
    'previous_share_fail', round(o.previous_fail, 1),
    'fail_drop', round(o.fail_drop, 1),
    'region_fail_drop', round(o.region_fail_drop, 1),
    'fail_excess', round(o.fail_excess, 1), 'fail_z', o.fail_z,
    'fail_drop_threshold', (p->>'fail_drop')::integer,
    'share_good', CASE WHEN o.marked THEN round(o.share_good, 1) END,
    'previous_share_good', CASE WHEN o.marked
      THEN round(o.previous_good, 1) END,
    'good_rise', CASE WHEN o.marked THEN round(o.good_rise, 1) END,
    'region_good_rise', CASE WHEN o.marked
      THEN round(o.region_good_rise, 1) END,
    'good_excess', CASE WHEN o.marked THEN round(o.good_excess, 1) END,
    'good_z', CASE WHEN o.marked THEN o.good_z END,
    'good_rise_threshold', (p->>'good_rise')::integer,
    'z_critical', (p->>'z_critical')::numeric,
    'text', o.name || ': ' || CASE
      WHEN o.small THEN objectivity_too_few(o, p, 'признак не оценивается')
      WHEN o.previous_years IS NULL THEN 'нет результатов той же работы за '
        || CASE WHEN (p->>'previous_years')::integer = 1
          THEN (o.year - 1) || ' год'
          ELSE (o.year - (p->>'previous_years')::integer) || '–'
            || (o.year - 1) || ' годы' END
        || ' с участниками не менее ' || (p->>'min_participants')
        || ', признак не оценивается'
      ELSE objectivity_rise_part(CASE o.kind
          WHEN 'EGE' THEN 'доля не набравших минимальный балл '
          ELSE 'доля «2» ' END, o.share_fail, o.previous_fail,
          CASE WHEN cardinality(o.previous_years) = 1
            THEN ' в ' || o.previous_years[1] || ' г.'
          ELSE ' за ' || array_to_string(o.previous_years, ', ') || ' гг.'
          END, o.fail_drop, o.region_fail_drop, o.fail_excess,
          p->>'fail_drop', o.fail_z, p, 'ниже', 'выше', 'такое снижение')
        || CASE WHEN o.marked THEN '; ' || objectivity_rise_part(
          'доля «4» и «5» ', o.share_good, o.previous_good, '', o.good_rise,
          o.region_good_rise, o.good_excess, p->>'good_rise', o.good_z, p,
          'выше', 'ниже', 'такое повышение') ELSE '' END END)
$$;

-- A rule's name in a summary.
CREATE FUNCTION objectivity_rule_name(p_rule text) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE p_rule
    WHEN 'journal_gap' THEN 'расхождение с отметками по журналу на 2 и более'
      || ' балла'
    WHEN 'boundary_peak' THEN 'пик первичных баллов на границе отметки'
    WHEN 'high_marks_low_mastery' THEN 'высокие отметки при низком освоении'
      || ' базовых заданий'
    ELSE 'резкий рост результатов к прошлым годам' END
$$;

-- A rule raised far enough to make the level high alone, in words.
CREATE FUNCTION objectivity_far_words(z numeric, p jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT ' (z = ' || objectivity_z_text(z) || ' при пороге высокого уровня '
    || objectivity_z_text((p->>'z_high')::numeric) || ')'
$$;

-- The raised rules' names, "; " between them, each raised far enough to
-- make the level high alone saying so.
CREATE FUNCTION objectivity_raised_names(o objectivity_row, p jsonb)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT array_to_string(ARRAY[
    CASE WHEN o.journal_outcome = 'raised' THEN objectivity_rule_name('journal_gap')
      || CASE WHEN o.journal_far THEN ', вдвое выше порога и более' ELSE '' END
      END,
    CASE WHEN o.peak_outcome = 'raised' THEN objectivity_rule_name('boundary_peak')
      || CASE WHEN o.peak_far THEN objectivity_far_words(o.peak_z, p)
        ELSE '' END
      END,
    CASE WHEN o.mastery_outcome = 'raised' THEN objectivity_rule_name('high_marks_low_mastery')
      || CASE WHEN o.mastery_far THEN objectivity_far_words(o.mastery_z, p)
        ELSE '' END
      END,
    CASE WHEN o.rise_outcome = 'raised'
      THEN objectivity_rule_name('sudden_rise') END], '; ')
$$;

-- One school and instrument as the API shows it (docs/OBJECTIVITY.md).
-- PL/pgSQL: its expression is planned once per connection, where a SQL
-- function of this size was planned again for every row.
CREATE FUNCTION objectivity_doc(o objectivity_row, p jsonb)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN jsonb_build_object(
    'school', jsonb_build_object('id', o.school_id, 'code', o.code,
      'short_name', o.short_name, 'municipality_id', o.municipality_id),
    'assessment', jsonb_build_object('id', o.assessment_id, 'kind', o.kind,
      'year', o.year, 'grade', o.grade, 'subject_code', o.subject_code,
      'subject_name', o.subject_name, 'variant_set', o.variant_set),
    'participants', o.participants,
    'level', o.level,
    'insufficient_evidence', o.small,
    'raised_by', to_jsonb(o.raised_by),
    'summary', o.name || ': ' || CASE
      WHEN o.small THEN objectivity_too_few(o, p,
        'признаки необъективности не оцениваются')
      WHEN o.level = 'none' THEN 'признаков необъективности не выявлено'
      WHEN o.level = 'attention'
        THEN 'требует внимания — ' || objectivity_raised_names(o, p)
      ELSE 'высокий уровень признаков необъективности — '
        || objectivity_raised_names(o, p) END,
    'journal', jsonb_build_object('known', o.journal_known,
      'confirmed', o.confirmed, 'lowered', o.lowered, 'raised', o.raised,
      'higher2', o.journal_higher2, 'lower2', o.journal_lower2,
      'share_confirmed',
        round(100.0 * o.confirmed / nullif(o.journal_known, 0), 1),
      'share_lowered',
        round(100.0 * o.lowered / nullif(o.journal_known, 0), 1),
      'share_raised',
        round(100.0 * o.raised / nullif(o.journal_known, 0), 1)),
    'rules', jsonb_build_object(
      'journal_gap', objectivity_journal_doc(o, p),
      'boundary_peak', objectivity_peak_doc(o, p),
      'high_marks_low_mastery', objectivity_mastery_doc(o, p),
      'sudden_rise', objectivity_rise_doc(o, p)));
END
$$;

-- --- Identification runs that mind objectivity ----------------------------

-- A low_results methodology's parameters (0013) with `objectivity`
-- ('ignore' by default) and, when it is not ignored, the objectivity
-- rules' parameters with their defaults.
CREATE OR REPLACE FUNCTION identification_results_parameters(p jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT d || jsonb_build_object('instruments', (
    SELECT jsonb_agg(identification_entry(x.e, d) ORDER BY x.ord)
    FROM jsonb_array_elements(coalesce(p->'instruments',
      '[{"kind": "VPR"}, {"kind": "OGE"}, {"kind": "EGE"}]'))
      WITH ORDINALITY x(e, ord)))
    || jsonb_build_object('objectivity', coalesce(p->>'objectivity', 'ignore'))
    || CASE WHEN coalesce(p->>'objectivity', 'ignore') = 'ignore'
      THEN '{}'::jsonb
      ELSE jsonb_build_object('objectivity_parameters',
        objectivity_parameters(coalesce(p->'objectivity_parameters', '{}')))
      END
  FROM (SELECT jsonb_build_object(
    'years', coalesce((p->>'years')::integer, 2),
    'criterion', coalesce(p->>'criterion', 'share_fail'),
    'share_fail_percent', coalesce((p->>'share_fail_percent')::integer, 30),
    'percentile', coalesce((p->>'percentile')::integer, 10),
    'sufficient_percent', coalesce((p->>'sufficient_percent')::integer, 60),
    'min_instruments', coalesce((p->>'min_instruments')::integer, 2),
    'min_participants', coalesce((p->>'min_participants')::integer, 5)) AS d) t
$$;

-- The data state of a low_results run (0013): when objectivity is not
-- ignored, the rules also read the same works' previous years, so their
-- instruments are in the state too.
CREATE OR REPLACE FUNCTION identification_results_state(p_region bigint,
  p_year integer, p jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object('assessment_id', a.id,
    'kind', a.kind, 'year', a.year, 'grade', a.grade,
    'subject_code', a.subject_code, 'variant_set', a.variant_set,
    'last_import_id', (SELECT max(im.id) FROM imports im
      WHERE im.assessment_id = a.id AND im.outcome = 'committed'),
    'statistics_updated_at', g.at) ORDER BY a.id), '[]')
  FROM (SELECT s.assessment_id, max(s.updated_at) AS at
    FROM identification_instruments(CASE
        WHEN coalesce(p->>'objectivity', 'ignore') = 'ignore' THEN p
        ELSE p || jsonb_build_object('years', (p->>'years')::integer
          + (p->'objectivity_parameters'->>'previous_years')::integer) END,
      p_year) i
    JOIN assessment_school_stats s ON s.assessment_id = i.assessment_id
    JOIN schools sc ON sc.id = s.school_id
    JOIN municipalities m ON m.id = sc.municipality_id
    WHERE m.region_id = p_region GROUP BY s.assessment_id) g
  JOIN assessments a ON a.id = g.assessment_id
$$;

-- The ШНОР computation (0013) with the methodology's `objectivity`:
-- 'ignore' (the default, and every run before 0015: the same rows byte for
-- byte), 'exclude_high' (a figure whose school and instrument the
-- objectivity rules flag high is not counted: like a figure of too few
-- participants, it leaves its year unknown when it could decide it, and
-- its evidence says why) or 'mark_high' (counted, its evidence says it is
-- flagged). Members about objectivity are added to the evidence only when
-- it is not ignored.
CREATE OR REPLACE FUNCTION identification_compute_results(p_run bigint)
RETURNS void LANGUAGE plpgsql AS $$
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

  ALTER TABLE ident_fig ADD COLUMN meets boolean, ADD COLUMN text text,
    ADD COLUMN objectivity text, ADD COLUMN flagged text,
    ADD COLUMN excluded boolean NOT NULL DEFAULT false;
  IF v_mode <> 'ignore' THEN
    UPDATE ident_fig f SET objectivity = o.level,
      flagged = objectivity_raised_names(o, p->'objectivity_parameters')
    FROM objectivity(p->'objectivity_parameters',
      ARRAY(SELECT DISTINCT x.id FROM ident_fig x), r.region_id, NULL, NULL,
      'global', NULL) o
    WHERE o.assessment_id = f.id AND o.school_id = f.school_id;
    UPDATE ident_fig f SET excluded = true, counted = false
    WHERE v_mode = 'exclude_high' AND f.objectivity = 'high' AND f.counted;
  END IF;
  UPDATE ident_fig f SET meets = f.counted AND f.threshold IS NOT NULL AND CASE f.crit
      WHEN 'share_fail' THEN f.failed * 100 >= f.threshold * f.participants
      ELSE f.figure < f.threshold END,
    text = f.name || ': ' || CASE
      WHEN NOT f.counted AND NOT f.excluded THEN 'участников ' || f.participants || ' — меньше '
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
        || ' % (участников: ' || f.participants || ')' END
      || CASE WHEN f.objectivity = 'high' THEN CASE WHEN f.excluded
          THEN ' — не учитывается: ' ELSE ' — отмечено: ' END
        || 'высокий уровень признаков необъективности (' || f.flagged || ')'
        ELSE '' END;

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
        count(*) FILTER (WHERE NOT f.counted AND NOT f.excluded) AS small,
        count(*) FILTER (WHERE f.excluded) AS excluded,
        jsonb_agg(jsonb_build_object(
          'assessment_id', f.id, 'kind', f.kind, 'year', f.year,
          'grade', f.grade, 'subject_code', f.subject_code,
          'variant_set', f.variant_set, 'participants', f.participants,
          'criterion', f.crit,
          'figure', round(f.figure, 1), 'threshold', round(f.threshold, 1),
          'counted', f.counted, 'meets', f.meets, 'text', f.text)
          || CASE WHEN v_mode = 'ignore' THEN '{}'::jsonb
            ELSE jsonb_build_object('objectivity', coalesce(f.objectivity, 'none'),
              'objectivity_excluded', f.excluded) END
          ORDER BY f.kind, f.grade, f.subject_code, f.variant_set) AS figures
      FROM ident_fig f GROUP BY f.school_id, f.year),
    yr AS (
      SELECT sch.id AS school_id, y.year, coalesce(fy.met, 0) AS met,
        coalesce(fy.counted, 0) AS counted, coalesce(fy.small, 0) AS small,
        coalesce(fy.excluded, 0) AS excluded, fy.figures
      FROM sch CROSS JOIN generate_series(r.year - n_years + 1, r.year) y(year)
      LEFT JOIN fy ON fy.school_id = sch.id AND fy.year = y.year)
    -- A year with enough counted figures is judged on them alone: the
    -- small groups left out are no evidence either way. With fewer, it
    -- does not meet only when the left-out ones could not make it meet.
    SELECT ROW(yr.school_id, yr.year, CASE WHEN yr.met >= v_k THEN 'meets'
        WHEN yr.counted + yr.small + yr.excluded = 0 THEN 'unknown'
        WHEN yr.counted >= v_k
          OR yr.met + yr.small + yr.excluded < v_k THEN 'does_not_meet'
        ELSE 'unknown' END, yr.met,
      jsonb_build_object('counted', yr.counted,
        'too_few_participants', yr.small,
        'text', yr.year || ': ' || CASE WHEN yr.counted + yr.small + yr.excluded = 0
          THEN 'нет результатов по выбранным процедурам'
          ELSE 'критерию отвечает процедур: ' || yr.met || ' из '
            || yr.counted || ' учтённых, нужно не менее ' || v_k
            || CASE WHEN yr.small > 0 THEN '; не учтено из-за малого числа участников: '
              || yr.small ELSE '' END
            || CASE WHEN yr.excluded > 0 THEN '; не учтено из-за признаков'
              || ' необъективности: ' || yr.excluded ELSE '' END END)
      || CASE WHEN v_mode = 'ignore' THEN '{}'::jsonb
        ELSE jsonb_build_object('objectivity_excluded', yr.excluded) END,
      yr.figures)::identification_year
    FROM yr), 'Отвечает критерию');
  DROP TABLE ident_fig;
END
$$;

