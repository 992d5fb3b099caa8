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
-- reference: under 20) and no rule is judged; journal_gap_percent, the share
-- of journal marks two or more off the work's; peak_margin, percentage
-- points a boundary score's share exceeds the rest of the region's;
-- high_low_mastery_percent, the share of "4"s and "5"s with basic mastery
-- under 60 %; fail_drop and good_rise, percentage points the share of "2"
-- fell or of "4" and "5" rose against the mean of the previous_years
-- before.
CREATE FUNCTION objectivity_parameters(p jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'min_participants', coalesce((p->>'min_participants')::integer, 20),
    'journal_gap_percent', coalesce((p->>'journal_gap_percent')::integer, 15),
    'peak_margin', coalesce((p->>'peak_margin')::integer, 10),
    'high_low_mastery_percent',
      coalesce((p->>'high_low_mastery_percent')::integer, 10),
    'fail_drop', coalesce((p->>'fail_drop')::integer, 10),
    'good_rise', coalesce((p->>'good_rise')::integer, 15),
    'previous_years', coalesce((p->>'previous_years')::integer, 3))
$$;

-- "за ВПР" in "отметки за ВПР".
CREATE FUNCTION objectivity_work(p_kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_kind WHEN 'VPR' THEN 'за ВПР' WHEN 'OGE' THEN 'за ОГЭ'
    WHEN 'EGE' THEN 'за ЕГЭ' ELSE 'за работу' END
$$;

-- A difference in percentage points, in words: "больше на 16,9 п. п.".
CREATE FUNCTION objectivity_diff(p numeric, p_more text, p_less text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p >= 0 THEN p_more ELSE p_less END || ' на '
    || identification_number(abs(p)) || ' п. п.'
$$;


-- One school and instrument as the rules judge it: the kept counters, the
-- figures each rule reads and each rule's outcome — not_applicable (the
-- instrument lacks what the rule reads), not_judged (too few data),
-- raised or not_raised — and whether it was raised at twice its
-- threshold or more (far); the level (none, attention, high), its rank
-- (high 0, attention 1, none 2) and the orders of the lists.
CREATE TYPE objectivity_row AS (
  assessment_id bigint, school_id bigint, code text, short_name text,
  municipality_id bigint, region_id bigint,
  kind text, year integer, grade integer, subject_code text,
  subject_name text, variant_set text, name text, inst_key text,
  participants integer, marks integer[], small boolean, marked boolean,
  -- journal_gap
  journal_known integer, confirmed integer, lowered integer, raised integer,
  journal_higher2 integer, journal_lower2 integer, journal_share numeric,
  journal_outcome text, journal_far boolean,
  -- boundary_peak: the boundary most like a peak (mark, its lowest primary
  -- score), the school's participants at that score and one below, the
  -- rest of the region's share at it over its other schools
  peak_mark integer, peak_score integer, peak_at integer,
  peak_below integer, peak_others integer, peak_other_share numeric,
  peak_excess numeric, peak_outcome text, peak_far boolean,
  -- high_marks_low_mastery
  basic_max integer, high_low_mastery integer, mastery_share numeric,
  mastery_outcome text, mastery_far boolean,
  -- sudden_rise: the previous years counted and their mean shares
  share_fail numeric, share_good numeric, previous_years integer[],
  previous_fail numeric, previous_good numeric, rise_outcome text,
  rise_far boolean,
  level text, rank integer, raised_by text[]
);

-- The rules over the kept statistics only (docs/OBJECTIVITY.md), for the
-- instruments p_assessments (all when null) and the schools of p_region
-- (all when null); the rows of p_school and p_municipality (when given)
-- within the scope. A boundary peak is judged against the rest of the
-- school's region whatever the scope. p: objectivity_parameters. The
-- words are objectivity_doc's: a list builds them for its page only.
CREATE FUNCTION objectivity(p jsonb, p_assessments bigint[], p_region bigint,
  p_school bigint, p_municipality bigint, p_scope_kind text, p_scope_id bigint)
RETURNS SETOF objectivity_row LANGUAGE sql STABLE AS $$
  WITH inst AS (
    SELECT a.id, a.kind, a.year, a.grade, a.subject_code, a.subject_name,
      a.variant_set, a.mark3_from, a.mark4_from, a.mark5_from,
      identification_instrument_name(a) AS name, b.basic_max,
      lpad((2100 - a.year)::text, 3, '0') || a.kind || '/'
        || lpad(a.grade::text, 2, '0') || '/' || a.subject_code || '/'
        || a.variant_set AS inst_key
    FROM assessments a CROSS JOIN LATERAL assessment_basic_tasks(a) b
    WHERE p_assessments IS NULL OR a.id = ANY (p_assessments)),
  st AS (
    SELECT s.*, sc.code, sc.short_name, sc.municipality_id, m.region_id
    FROM inst i JOIN assessment_school_stats s ON s.assessment_id = i.id
    JOIN schools sc ON sc.id = s.school_id
    JOIN municipalities m ON m.id = sc.municipality_id
    WHERE (p_region IS NULL OR m.region_id = p_region)
    AND s.participants > 0),
  -- Per instrument and region: its schools, participants and those with
  -- each boundary score, as one object looked up by "instrument/region"
  -- (a join of these few rows with every school's is planned as a loop
  -- over them).
  reg AS MATERIALIZED (
    SELECT coalesce(jsonb_object_agg(g.key, g.v), '{}') AS m FROM (
      SELECT st.assessment_id || '/' || st.region_id AS key,
        jsonb_build_object('schools', count(*),
          'participants', sum(st.participants),
          '3', sum(st.score_counts[i.mark3_from + 1]),
          '4', sum(st.score_counts[i.mark4_from + 1]),
          '5', sum(st.score_counts[i.mark5_from + 1])) AS v
      FROM st JOIN inst i ON i.id = st.assessment_id
      WHERE i.mark3_from IS NOT NULL
      GROUP BY st.assessment_id, st.region_id) g),
  -- The same work in the schools' previous years (with min_participants
  -- or more): the years and the means of their shares, by
  -- "instrument/school".
  prev AS MATERIALIZED (
    SELECT coalesce(jsonb_object_agg(g.key, g.v), '{}') AS m FROM (
      SELECT i.id || '/' || s2.school_id AS key,
        jsonb_build_object('years', jsonb_agg(a2.year ORDER BY a2.year),
          'fail', avg(100.0 * s2.failed / s2.participants),
          'good', avg(100.0 * (s2.marks[3] + s2.marks[4]) / s2.participants))
          AS v
      FROM inst i JOIN assessments a2 ON a2.kind = i.kind
        AND a2.grade = i.grade AND a2.subject_code = i.subject_code
        AND a2.variant_set = i.variant_set
        AND a2.year BETWEEN i.year - (p->>'previous_years')::integer
          AND i.year - 1
      JOIN assessment_school_stats s2 ON s2.assessment_id = a2.id
      JOIN schools sc ON sc.id = s2.school_id
      JOIN municipalities m ON m.id = sc.municipality_id
      WHERE s2.participants >= (p->>'min_participants')::integer
      AND (p_region IS NULL OR m.region_id = p_region)
      AND (p_school IS NULL OR s2.school_id = p_school)
      GROUP BY i.id, s2.school_id) g),
  base AS (
    SELECT st.*, i.kind, i.year, i.grade, i.subject_code, i.subject_name,
      i.variant_set, i.name, i.inst_key, i.basic_max,
      st.participants < (p->>'min_participants')::integer AS small,
      st.marks[1] + st.marks[2] + st.marks[3] + st.marks[4] > 0 AS marked,
      pk.mark AS peak_mark, pk.score AS peak_score, pk.at AS peak_at,
      pk.below AS peak_below, pk.others AS peak_others,
      pk.other_share AS peak_other_share,
      pv.years AS previous_years, pv.fail AS previous_fail,
      pv.good AS previous_good
    FROM st JOIN inst i ON i.id = st.assessment_id CROSS JOIN reg
    -- The boundary most like a peak: one with more participants than a
    -- point below it first, then the largest excess over the rest of the
    -- region.
    LEFT JOIN LATERAL (
      SELECT b.* FROM (SELECT k.mark, k.score,
          st.score_counts[k.score + 1] AS at, st.score_counts[k.score] AS below,
          (g.v->>'schools')::integer - 1 AS others,
          100.0 * ((g.v->>k.mark::text)::integer - st.score_counts[k.score + 1])
            / nullif((g.v->>'participants')::integer - st.participants, 0)
            AS other_share
        FROM (SELECT reg.m->(st.assessment_id || '/' || st.region_id) AS v) g,
          (VALUES (3, i.mark3_from), (4, i.mark4_from), (5, i.mark5_from))
            k(mark, score)
        WHERE i.mark3_from IS NOT NULL) b
      ORDER BY b.at > b.below DESC,
        100.0 * b.at / st.participants - coalesce(b.other_share, 0) DESC,
        b.mark
      LIMIT 1) pk ON true
    CROSS JOIN prev
    LEFT JOIN LATERAL (
      SELECT (x.v->>'fail')::numeric AS fail, (x.v->>'good')::numeric AS good,
        ARRAY(SELECT jsonb_array_elements_text(x.v->'years')::integer)
          AS years
      FROM (SELECT prev.m->(st.assessment_id || '/' || st.school_id) AS v) x
      WHERE x.v IS NOT NULL) pv ON true
    WHERE (p_school IS NULL OR st.school_id = p_school)
    AND (p_municipality IS NULL OR st.municipality_id = p_municipality)
    AND school_in_scope(st.school_id, st.municipality_id, st.region_id,
      p_scope_kind, p_scope_id)),
  fig AS (
    SELECT b.*,
      100.0 * (b.journal_higher2 + b.journal_lower2)
        / nullif(b.journal_known, 0) AS journal_share,
      100.0 * b.peak_at / b.participants - b.peak_other_share AS peak_excess,
      100.0 * b.high_low_mastery / b.participants AS mastery_share,
      100.0 * b.failed / b.participants AS share_fail,
      100.0 * (b.marks[3] + b.marks[4]) / b.participants AS share_good,
      (p->>'journal_gap_percent')::integer AS jt,
      (p->>'peak_margin')::integer AS kt,
      (p->>'high_low_mastery_percent')::integer AS ht,
      (p->>'fail_drop')::integer AS fd, (p->>'good_rise')::integer AS gr
    FROM base b),
  oc AS (
    SELECT f.*,
      CASE WHEN f.small OR f.journal_known < (p->>'min_participants')::integer
        THEN 'not_judged' WHEN f.journal_share >= f.jt THEN 'raised'
        ELSE 'not_raised' END AS journal_outcome,
      f.journal_share >= 2 * f.jt AS journal_very,
      CASE WHEN f.peak_score IS NULL THEN 'not_applicable'
        WHEN f.small OR f.peak_others < 5 OR f.peak_other_share IS NULL
          THEN 'not_judged'
        WHEN f.peak_at > f.peak_below AND f.peak_excess >= f.kt THEN 'raised'
        ELSE 'not_raised' END AS peak_outcome,
      f.peak_excess >= 2 * f.kt AS peak_very,
      CASE WHEN f.basic_max = 0 OR NOT f.marked THEN 'not_applicable'
        WHEN f.small THEN 'not_judged'
        WHEN f.mastery_share >= f.ht THEN 'raised'
        ELSE 'not_raised' END AS mastery_outcome,
      f.mastery_share >= 2 * f.ht AS mastery_very,
      CASE WHEN f.small OR f.previous_years IS NULL THEN 'not_judged'
        WHEN f.previous_fail - f.share_fail >= f.fd
          OR (f.marked AND f.share_good - f.previous_good >= f.gr)
          THEN 'raised' ELSE 'not_raised' END AS rise_outcome,
      f.previous_fail - f.share_fail >= 2 * f.fd
        OR (f.marked AND f.share_good - f.previous_good >= 2 * f.gr)
        AS rise_very
    FROM fig f),
  lv AS (
    SELECT o.*, array_remove(ARRAY[
        CASE WHEN o.journal_outcome = 'raised' THEN 'journal_gap' END,
        CASE WHEN o.peak_outcome = 'raised' THEN 'boundary_peak' END,
        CASE WHEN o.mastery_outcome = 'raised'
          THEN 'high_marks_low_mastery' END,
        CASE WHEN o.rise_outcome = 'raised' THEN 'sudden_rise' END],
        NULL) AS raised_by,
      o.journal_outcome = 'raised' AND o.journal_very AS journal_far,
      o.peak_outcome = 'raised' AND o.peak_very AS peak_far,
      o.mastery_outcome = 'raised' AND o.mastery_very AS mastery_far,
      o.rise_outcome = 'raised' AND coalesce(o.rise_very, false) AS rise_far
    FROM oc o),
  fin AS (
    SELECT l.*, CASE WHEN cardinality(l.raised_by) = 0 THEN 'none'
        WHEN cardinality(l.raised_by) >= 2 OR l.journal_far OR l.peak_far
          OR l.mastery_far OR l.rise_far THEN 'high'
        ELSE 'attention' END AS level
    FROM lv l)
  SELECT f.assessment_id, f.school_id, f.code, f.short_name,
    f.municipality_id, f.region_id, f.kind, f.year, f.grade, f.subject_code,
    f.subject_name, f.variant_set, f.name, f.inst_key, f.participants,
    f.marks, f.small, f.marked,
    f.journal_known, f.confirmed, f.lowered, f.raised, f.journal_higher2,
    f.journal_lower2, f.journal_share, f.journal_outcome, f.journal_far,
    f.peak_mark, f.peak_score, f.peak_at, f.peak_below, f.peak_others,
    f.peak_other_share, f.peak_excess, f.peak_outcome, f.peak_far,
    f.basic_max, f.high_low_mastery, f.mastery_share, f.mastery_outcome,
    f.mastery_far,
    f.share_fail, f.share_good, f.previous_years, f.previous_fail,
    f.previous_good, f.rise_outcome, f.rise_far,
    f.level, CASE f.level WHEN 'high' THEN 0 WHEN 'attention' THEN 1 ELSE 2 END,
    f.raised_by
  FROM fin f
$$;

-- --- The words (objectivity_doc) -------------------------------------------

-- "участников 12 — меньше 20, " and what is not judged.
CREATE FUNCTION objectivity_too_few(o objectivity_row, p jsonb, p_what text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT 'участников ' || o.participants || ' — меньше '
    || (p->>'min_participants') || ', ' || p_what
$$;

-- Each rule's figures and the sentence an authority quotes, opening with
-- the instrument's name.
CREATE FUNCTION objectivity_journal_doc(o objectivity_row, p jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
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

CREATE FUNCTION objectivity_peak_doc(o objectivity_row, p jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('outcome', o.peak_outcome, 'far', o.peak_far,
    'figure', round(o.peak_excess, 1),
    'threshold', (p->>'peak_margin')::integer, 'mark', o.peak_mark,
    'score', o.peak_score,
    'school_share', round(100.0 * o.peak_at / o.participants, 1),
    'region_share', round(o.peak_other_share, 1),
    'below_share', round(100.0 * o.peak_below / o.participants, 1),
    'text', o.name || ': ' || CASE
      WHEN o.peak_outcome = 'not_applicable' THEN 'границ отметок по'
        || ' первичному баллу нет, признак не применяется'
      WHEN o.small THEN objectivity_too_few(o, p, 'признак не оценивается')
      WHEN o.peak_outcome = 'not_judged' THEN 'в регионе меньше 5 других'
        || ' школ с результатами, сравнивать не с чем, признак не оценивается'
      ELSE 'первичный балл ' || o.peak_score || ' (граница отметки «'
        || o.peak_mark || '») — у '
        || identification_number(100.0 * o.peak_at / o.participants)
        || ' % участников, в других школах региона — у '
        || identification_number(o.peak_other_share) || ' %: '
        || objectivity_diff(o.peak_excess, 'больше', 'меньше') || ' (порог '
        || (p->>'peak_margin') || ' п. п.); баллом ниже — у '
        || identification_number(100.0 * o.peak_below / o.participants)
        || ' %' || CASE WHEN o.peak_at <= o.peak_below
          THEN ', не меньше: пика нет' ELSE '' END
        || ' (участников: ' || o.participants || ')' END)
$$;

CREATE FUNCTION objectivity_mastery_doc(o objectivity_row, p jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('outcome', o.mastery_outcome,
    'far', o.mastery_far,
    'figure', CASE WHEN o.mastery_outcome <> 'not_applicable'
      THEN round(o.mastery_share, 1) END,
    'threshold', (p->>'high_low_mastery_percent')::integer,
    'count', o.high_low_mastery,
    'text', o.name || ': ' || CASE
      WHEN o.basic_max = 0 THEN 'заданий базового уровня нет, признак не'
        || ' применяется'
      WHEN NOT o.marked THEN 'отметок нет, признак не применяется'
      WHEN o.small THEN objectivity_too_few(o, p, 'признак не оценивается')
      ELSE 'у ' || identification_number(o.mastery_share) || ' % участников'
        || ' отметка «4» или «5» при освоении заданий базового уровня'
        || ' ниже 60 % (порог ' || (p->>'high_low_mastery_percent')
        || ' %; участников: ' || o.participants || ')' END)
$$;

CREATE FUNCTION objectivity_rise_doc(o objectivity_row, p jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('outcome', o.rise_outcome, 'far', o.rise_far,
    'previous_years', to_jsonb(o.previous_years),
    'share_fail', round(o.share_fail, 1),
    'previous_share_fail', round(o.previous_fail, 1),
    'fail_drop', round(o.previous_fail - o.share_fail, 1),
    'fail_drop_threshold', (p->>'fail_drop')::integer,
    'share_good', CASE WHEN o.marked THEN round(o.share_good, 1) END,
    'previous_share_good', CASE WHEN o.marked
      THEN round(o.previous_good, 1) END,
    'good_rise', CASE WHEN o.marked
      THEN round(o.share_good - o.previous_good, 1) END,
    'good_rise_threshold', (p->>'good_rise')::integer,
    'text', o.name || ': ' || CASE
      WHEN o.small THEN objectivity_too_few(o, p, 'признак не оценивается')
      WHEN o.previous_years IS NULL THEN 'нет результатов той же работы за '
        || CASE WHEN (p->>'previous_years')::integer = 1
          THEN (o.year - 1) || ' год'
          ELSE (o.year - (p->>'previous_years')::integer) || '–'
            || (o.year - 1) || ' годы' END
        || ' с участниками не менее ' || (p->>'min_participants')
        || ', признак не оценивается'
      ELSE CASE o.kind WHEN 'EGE' THEN 'доля не набравших минимальный балл '
          ELSE 'доля «2» ' END
        || identification_number(o.share_fail) || ' % при '
        || identification_number(o.previous_fail) || CASE
          WHEN cardinality(o.previous_years) = 1
            THEN ' % в ' || o.previous_years[1] || ' г.'
          ELSE ' % в среднем за ' || array_to_string(o.previous_years, ', ')
            || ' гг.' END || ' — '
        || objectivity_diff(o.previous_fail - o.share_fail, 'ниже', 'выше')
        || ' (порог ' || (p->>'fail_drop') || ' п. п.)'
        || CASE WHEN o.marked THEN '; доля «4» и «5» '
          || identification_number(o.share_good) || ' % при '
          || identification_number(o.previous_good) || ' % — '
          || objectivity_diff(o.share_good - o.previous_good, 'выше', 'ниже')
          || ' (порог ' || (p->>'good_rise') || ' п. п.)' ELSE '' END END)
$$;

-- A rule's name in a summary.
CREATE FUNCTION objectivity_rule_name(p_rule text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_rule
    WHEN 'journal_gap' THEN 'расхождение с отметками по журналу на 2 и более'
      || ' балла'
    WHEN 'boundary_peak' THEN 'пик первичных баллов на границе отметки'
    WHEN 'high_marks_low_mastery' THEN 'высокие отметки при низком освоении'
      || ' базовых заданий'
    ELSE 'резкий рост результатов к прошлым годам' END
$$;

-- The raised rules' names, "; " between them, each raised at twice its
-- threshold or more saying so.
CREATE FUNCTION objectivity_raised_names(o objectivity_row) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT array_to_string(ARRAY[
    CASE WHEN o.journal_outcome = 'raised' THEN objectivity_rule_name('journal_gap')
      || CASE WHEN o.journal_far THEN ', вдвое выше порога и более' ELSE '' END
      END,
    CASE WHEN o.peak_outcome = 'raised' THEN objectivity_rule_name('boundary_peak')
      || CASE WHEN o.peak_far THEN ', вдвое выше порога и более' ELSE '' END
      END,
    CASE WHEN o.mastery_outcome = 'raised' THEN objectivity_rule_name('high_marks_low_mastery')
      || CASE WHEN o.mastery_far THEN ', вдвое выше порога и более' ELSE '' END
      END,
    CASE WHEN o.rise_outcome = 'raised' THEN objectivity_rule_name('sudden_rise')
      || CASE WHEN o.rise_far THEN ', вдвое выше порога и более' ELSE '' END
      END], '; ')
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
        THEN 'требует внимания — ' || objectivity_raised_names(o)
      ELSE 'высокий уровень признаков необъективности — '
        || objectivity_raised_names(o) END,
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
      flagged = objectivity_raised_names(o)
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

