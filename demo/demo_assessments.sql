-- Opora demo assessment instruments (docs/ASSESSMENTS.md, "Demo results"):
-- the spring waves of 2023, 2024 and 2025 that the demo's results are
-- pushed into, and the ЕГЭ minimum scores of those years.
--
-- `opora demo-data` runs this script after the others, in the same
-- transaction; the results themselves go through the push afterwards
-- (src/demo/demo_results.c), never from SQL.
--
-- Idempotent: an instrument is keyed by (kind, year, grade, subject,
-- variant set), as assessments_key is, and a minimum score by (year,
-- subject, variant set); neither is ever replaced. Plain SQL only.
--
-- Instruments (per year):
--   ВПР grades 4-8: Russian and mathematics, plus окружающий мир (4),
--                   биология (5), история (6), физика (7), химия (8);
--   ОГЭ: Russian, mathematics;
--   ЕГЭ: Russian, profile mathematics (math/advanced), basic mathematics
--        (math/basic, marked 2-5).
-- The task lists, maxima and mark boundaries follow the ФИПИ and ВПР
-- descriptions of those years closely, not exactly (criteria of an essay
-- are numbered 27.1, 27.2, ... because task numbers are digits and dots).
-- ОГЭ and ЕГЭ tasks with a short answer are "part": "short" (the rows
-- carry them as a short-answer block); the others are "extended".
-- Profile mathematics has 11 short tasks in 2023 and 12 from 2024, as the
-- real exam did. Dates are within the real windows of each wave.

-- The tasks of a spec "number:max:level[:part] ...": level b (basic) or a
-- (advanced); part s (short) or e (extended), none for ВПР.
CREATE OR REPLACE FUNCTION pg_temp.demo_tasks(spec text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
           'number', f[1], 'max_score', f[2]::integer,
           'level', CASE f[3] WHEN 'a' THEN 'advanced' ELSE 'basic' END,
           'part', CASE f[4] WHEN 's' THEN 'short' WHEN 'e' THEN 'extended' END))
         ORDER BY t.ord)
  FROM regexp_split_to_table(btrim(spec), '\s+') WITH ORDINALITY AS t (item, ord)
  CROSS JOIN LATERAL string_to_array(t.item, ':') AS f
$$;

-- Short tasks numbered from..to, each worth one point at one level.
CREATE OR REPLACE FUNCTION pg_temp.demo_short(from_n integer, to_n integer,
                                              level text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(n || ':1:' || level || ':s', ' ' ORDER BY n)
  FROM generate_series(from_n, to_n) AS n
$$;

WITH spec (kind, grade, subject_code, subject_name, variant_set, first_year,
           last_year, held, max_primary, m3, m4, m5, tasks) AS (VALUES
  ('VPR', 4, 'russian', 'Русский язык', '', 2023, 2025, '04-18', 38, 14, 24, 33,
   '1.1:4:b 1.2:3:b 2:3:b 3.1:1:b 3.2:3:b 4:2:b 5:2:b 6:2:b 7:2:b 8:2:b 9:2:b
    10:1:b 11:2:b 12.1:1:b 12.2:2:a 13.1:1:b 13.2:2:a 14.1:1:b 14.2:2:a'),
  ('VPR', 4, 'math', 'Математика', '', 2023, 2025, '04-20', 20, 6, 10, 14,
   '1:1:b 2:1:b 3:2:b 4:1:b 5.1:1:b 5.2:1:b 6.1:1:b 6.2:1:b 7:1:b 8:2:b
    9.1:1:b 9.2:1:a 10:2:b 11:2:a 12:2:a'),
  ('VPR', 4, 'environment', 'Окружающий мир', '', 2023, 2025, '04-25', 32, 8, 18, 26,
   '1:2:b 2:2:b 3.1:1:b 3.2:1:b 3.3:2:b 4:2:b 5:2:b 6.1:1:b 6.2:1:b 6.3:2:a
    7.1:1:b 7.2:2:b 8:3:b 9:3:a 10.1:1:b 10.2:3:a 10.3:3:a'),
  ('VPR', 5, 'russian', 'Русский язык', '', 2023, 2025, '04-11', 45, 18, 29, 39,
   '1.1:4:b 1.2:3:b 1.3:2:b 2.1:3:b 2.2:3:b 2.3:3:b 2.4:3:b 3:2:b 4:2:b 5:2:b
    6:2:b 7.1:1:b 7.2:2:a 8.1:1:b 8.2:2:a 9:2:b 10:2:b 11:1:b 12:2:a 13:1:b 14:2:a'),
  ('VPR', 5, 'math', 'Математика', '', 2023, 2025, '04-13', 20, 7, 11, 15,
   '1:1:b 2:1:b 3:1:b 4:1:b 5:1:b 6:1:b 7:1:b 8:1:b 9:2:b 10:2:a 11.1:1:b
    11.2:1:b 12:2:b 13:2:a 14:2:a'),
  ('VPR', 5, 'biology', 'Биология', '', 2023, 2025, '04-20', 24, 10, 16, 21,
   '1.1:1:b 1.2:1:b 1.3:1:b 1.4:2:b 2.1:1:b 2.2:1:b 2.3:2:b 3:2:b 4:2:b 5.1:1:b
    5.2:2:a 6:2:b 7:1:b 8:2:a 9:1:b 10:2:a'),
  ('VPR', 6, 'russian', 'Русский язык', '', 2023, 2025, '04-12', 51, 25, 35, 45,
   '1.1:4:b 1.2:3:b 1.3:2:b 2.1:3:b 2.2:3:b 2.3:3:b 2.4:3:b 3:2:b 4.1:1:b 4.2:2:b
    5:2:b 6:2:b 7:3:a 8:3:a 9:2:b 10:1:b 11:2:b 12.1:1:b 12.2:2:a 13.1:1:b
    13.2:2:a 14:2:b 15:2:a'),
  ('VPR', 6, 'math', 'Математика', '', 2023, 2025, '04-14', 20, 6, 10, 14,
   '1:1:b 2:1:b 3:1:b 4:1:b 5:1:b 6:1:b 7:1:b 8:1:b 9:2:b 10:2:a 11:1:b 12:1:b
    13:2:a 14:1:b 15:1:b 16:2:a'),
  ('VPR', 6, 'history', 'История', '', 2023, 2025, '04-21', 20, 6, 11, 16,
   '1:2:b 2:1:b 3:2:b 4:1:b 5:2:b 6:3:a 7:2:b 8:1:b 9:3:a 10:3:a'),
  ('VPR', 7, 'russian', 'Русский язык', '', 2023, 2025, '04-12', 47, 20, 31, 41,
   '1.1:4:b 1.2:3:b 1.3:2:b 2.1:3:b 2.2:3:b 2.3:3:b 2.4:3:b 3:2:b 4.1:1:b 4.2:2:b
    5:2:b 6:2:b 7:2:b 8:2:a 9:2:b 10:1:b 11:2:b 12:2:a 13:2:b 14:2:a 15:2:a'),
  ('VPR', 7, 'math', 'Математика', '', 2023, 2025, '04-14', 19, 7, 12, 16,
   '1:1:b 2:1:b 3:1:b 4:1:b 5:1:b 6:1:b 7:1:b 8:1:b 9:1:b 10:1:b 11:1:b 12:1:b
    13:2:a 14:2:a 15:1:b 16:2:a'),
  ('VPR', 7, 'physics', 'Физика', '', 2023, 2025, '04-21', 18, 5, 8, 11,
   '1:1:b 2:1:b 3:1:b 4:1:b 5:1:b 6:1:b 7:1:b 8:2:b 9:2:a 10:3:a 11:4:a'),
  ('VPR', 8, 'russian', 'Русский язык', '', 2023, 2025, '04-11', 51, 25, 36, 46,
   '1.1:4:b 1.2:3:b 1.3:2:b 2.1:3:b 2.2:3:b 2.3:3:b 2.4:3:b 3:2:b 4.1:1:b 4.2:2:b
    5:2:b 6:2:b 7:3:a 8:3:a 9:2:b 10:1:b 11:2:b 12.1:1:b 12.2:2:a 13.1:1:b
    13.2:2:a 14:2:b 15:2:a'),
  ('VPR', 8, 'math', 'Математика', '', 2023, 2025, '04-13', 25, 8, 14, 20,
   '1:1:b 2:1:b 3:1:b 4:1:b 5:1:b 6:1:b 7:1:b 8:1:b 9:1:b 10:1:b 11:1:b 12:1:b
    13:1:b 14:1:b 15:2:b 16:3:a 17:2:a 18:2:a 19:2:a'),
  ('VPR', 8, 'chemistry', 'Химия', '', 2023, 2025, '04-25', 36, 10, 19, 28,
   '1.1:1:b 1.2:2:b 2.1:2:b 2.2:2:b 3.1:1:b 3.2:1:b 3.3:1:b 4:2:b 5:2:b 6:3:a
    7.1:2:b 7.2:2:b 8.1:1:b 8.2:2:a 9.1:2:b 9.2:3:a 10:3:a 11:4:a'),
  -- ОГЭ: Russian: the изложение's three criteria, eleven short tasks, the
  -- essay's three criteria, literacy (ГК1-ГК4, ФК1); mathematics: 19 short,
  -- 6 extended.
  ('OGE', 9, 'russian', 'Русский язык', '', 2023, 2025, '06-03', 33, 15, 23, 29,
   '1.1:2:b:e 1.2:3:b:e 1.3:2:b:e ' || pg_temp.demo_short(2, 12, 'b')
   || ' 13.1:2:a:e 13.2:3:a:e 13.3:1:a:e 14.1:2:b:e 14.2:2:b:e 14.3:2:b:e
       14.4:2:b:e 14.5:1:b:e'),
  ('OGE', 9, 'math', 'Математика', '', 2023, 2025, '06-07', 31, 8, 15, 22,
   pg_temp.demo_short(1, 19, 'b')
   || ' 20:2:a:e 21:2:a:e 22:2:a:e 23:2:a:e 24:2:a:e 25:2:a:e'),
  -- ЕГЭ: Russian: 26 short (task 8 worth 2), the essay's twelve criteria.
  ('EGE', 11, 'russian', 'Русский язык', '', 2023, 2025, '05-30', 50, NULL, NULL, NULL,
   pg_temp.demo_short(1, 7, 'b') || ' 8:2:a:s ' || pg_temp.demo_short(9, 26, 'b')
   || ' 27.1:1:b:e 27.2:3:a:e 27.3:2:a:e 27.4:1:b:e 27.5:2:a:e 27.6:1:b:e
       27.7:3:a:e 27.8:3:a:e 27.9:2:a:e 27.10:2:a:e 27.11:1:b:e 27.12:2:a:e'),
  ('EGE', 11, 'math', 'Математика', 'advanced', 2023, 2023, '06-01', 31, NULL, NULL, NULL,
   pg_temp.demo_short(1, 11, 'b')
   || ' 12:2:a:e 13:3:a:e 14:2:a:e 15:2:a:e 16:3:a:e 17:4:a:e 18:4:a:e'),
  ('EGE', 11, 'math', 'Математика', 'advanced', 2024, 2025, '06-04', 32, NULL, NULL, NULL,
   pg_temp.demo_short(1, 12, 'b')
   || ' 13:2:a:e 14:3:a:e 15:2:a:e 16:2:a:e 17:3:a:e 18:4:a:e 19:4:a:e'),
  ('EGE', 11, 'math', 'Математика', 'basic', 2023, 2025, '06-04', 21, 7, 12, 17,
   pg_temp.demo_short(1, 21, 'b'))
),
wanted AS (
  SELECT s.*, y.year, pg_temp.demo_tasks(s.tasks) AS task_list
  FROM spec s
  CROSS JOIN generate_series(2023, 2025) AS y (year)
  WHERE y.year BETWEEN s.first_year AND s.last_year
)
INSERT INTO assessments (kind, year, grade, subject_code, subject_name,
                         variant_set, held_on, max_primary_score, mark3_from,
                         mark4_from, mark5_from, tasks)
SELECT w.kind, w.year, w.grade, w.subject_code, w.subject_name, w.variant_set,
       (w.year || '-' || w.held)::date, w.max_primary, w.m3, w.m4, w.m5,
       w.task_list
FROM wanted w
-- the year's partition of assessment_results, as the API makes it
CROSS JOIN LATERAL assessment_results_partition(w.year) AS p
WHERE NOT EXISTS (
  SELECT 1 FROM assessments a
  WHERE a.kind = w.kind AND a.year = w.year AND a.grade = w.grade
    AND a.subject_code = w.subject_code AND a.variant_set = w.variant_set)
ORDER BY w.year, w.kind DESC, w.grade, w.subject_code, w.variant_set
ON CONFLICT ON CONSTRAINT assessments_key DO NOTHING;

-- ЕГЭ minimum scores of the demo's years: the same as the published 2026
-- ones (Russian 24, profile mathematics 27, basic mathematics passes with
-- 3), unchanged since 2022. Without them the push of 2023-2025 would find
-- no minimum (the table's rows start in 2026).
INSERT INTO ege_minimum_scores (year, subject_code, variant_set, subject_name,
                                min_test_score, pass_mark)
SELECT y.year, v.subject_code, v.variant_set, v.subject_name, v.min_test_score,
       v.pass_mark
FROM (VALUES
  ('russian', '',         'Русский язык',            24,   NULL::integer),
  ('math',    'advanced', 'Математика (профильная)', 27,   NULL),
  ('math',    'basic',    'Математика (базовая)',    NULL, 3)
) AS v (subject_code, variant_set, subject_name, min_test_score, pass_mark)
CROSS JOIN generate_series(2023, 2025) AS y (year)
ORDER BY y.year, v.subject_code, v.variant_set
ON CONFLICT (year, subject_code, variant_set) DO NOTHING;
