-- Opora demo social context (docs/CONTEXT.md): the shares of pupils the
-- social well-being index is built from, and the number of pupils, for
-- every school of the demo's municipalities and the school years 2023/24,
-- 2024/25 and 2025/26.
--
-- `opora demo-data` runs this script after the others, in the same
-- transaction. Idempotent: a row is keyed by (school, school year) and
-- never replaced, so a second run inserts nothing. Plain SQL only.
--
-- The figures are illustrative, not the seeds': deterministic draws from
-- the school's code (md5), shaped like published comparisons: rural schools
-- have fewer parents with higher education and more unemployed and
-- low-income families; about one school in five has a poor context; the
-- schools of Kabardino-Balkaria (07-*) have many pupils who speak another
-- language at home; the share with disabilities follows the registry's
-- students_disabled_count when it is known; each year drifts a little.
--
-- One school is written by hand first: МБОУ «Малыгинская СОШ» (edu330106),
-- the demo's resilient school (docs/ASSESSMENTS.md, "Demo results"): its
-- results are in the top quarter of Владимирская область while its context
-- is among the poorest of the region in every year (few parents with
-- higher education, many single-parent, unemployed and low-income
-- families, a rural school), so that a ШНСУ run finds it.

-- A draw in [0, 1) from a text.
CREATE OR REPLACE FUNCTION pg_temp.demo_draw(text) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
  SELECT (('x' || substr(md5($1), 1, 7))::bit(28)::integer)::numeric / 268435456
$$;

INSERT INTO school_contexts (school_id, school_year, parents_higher_education,
                             single_parent, unemployed_parents, low_income,
                             non_russian_at_home, preventive_register,
                             disabilities, pupils)
SELECT s.id, v.year, v.higher, v.single, v.unemployed, v.income, v.lang,
       v.register, v.disabled, v.pupils
FROM (VALUES
  (2023, 4.5, 36.2, 24.8, 47.5, 1.2, 4.6, 3.9, 371),
  (2024, 3.8, 37.5, 26.1, 49.0, 1.4, 5.1, 3.9, 384),
  (2025, 4.1, 38.4, 25.3, 50.2, 1.3, 4.8, 4.2, 392)
) AS v (year, higher, single, unemployed, income, lang, register, disabled,
        pupils)
JOIN schools s ON s.code = 'edu330106'
ON CONFLICT (school_id, school_year) DO NOTHING;

INSERT INTO school_contexts (school_id, school_year, parents_higher_education,
                             single_parent, unemployed_parents, low_income,
                             non_russian_at_home, preventive_register,
                             disabilities, pupils)
SELECT d.id, d.year,
       greatest(0, least(100, round(
         (CASE WHEN d.rural THEN 14 ELSE 28 END) - 8 * d.poor
         + 10 * pg_temp.demo_draw(d.code || ':edu') - 5 + d.drift, 1))),
       greatest(0, least(100, round(
         20 + 10 * pg_temp.demo_draw(d.code || ':single') + 6 * d.poor
         + d.drift, 1))),
       greatest(0, least(100, round(
         (CASE WHEN d.rural THEN 10 ELSE 5 END)
         + 5 * pg_temp.demo_draw(d.code || ':unemployed') + 6 * d.poor
         + d.drift / 2, 1))),
       greatest(0, least(100, round(
         (CASE WHEN d.rural THEN 24 ELSE 14 END)
         + 10 * pg_temp.demo_draw(d.code || ':income') + 10 * d.poor
         + d.drift, 1))),
       greatest(0, least(100, round(
         CASE WHEN d.kbr THEN 35 + 40 * pg_temp.demo_draw(d.code || ':lang')
              ELSE 4 * power(pg_temp.demo_draw(d.code || ':lang'), 3) END, 1))),
       greatest(0, least(100, round(
         0.5 + 2.5 * pg_temp.demo_draw(d.code || ':register') + 1.5 * d.poor
         + d.drift / 4, 1))),
       greatest(0, least(100, round(
         coalesce(100.0 * d.disabled / nullif(d.students, 0),
                  4 + 6 * pg_temp.demo_draw(d.code || ':ovz'))
         + d.drift / 4, 1))),
       greatest(1, round(coalesce(d.students,
                                  150 + 600 * pg_temp.demo_draw(d.code || ':size'))
                         * (1 + (d.year - 2025) * (pg_temp.demo_draw(
                              d.code || ':trend') - 0.5) * 0.06)))::integer
FROM (
  SELECT s.id, s.code, y.year, s.locality = 'RURAL' AS rural,
         left(m.code, 3) = '07-' AS kbr, s.students_count AS students,
         s.students_disabled_count AS disabled,
         CASE WHEN pg_temp.demo_draw(s.code || ':poor') > 0.8 THEN 1 ELSE 0 END
           AS poor,
         2 * pg_temp.demo_draw(s.code || ':' || y.year) - 1 AS drift
  FROM schools s JOIN municipalities m ON m.id = s.municipality_id
  CROSS JOIN (VALUES (2023), (2024), (2025)) AS y (year)
  WHERE m.code IN ('33-kovrov-r', '57-livny-r', '66-kushva-go', '40-borovsk-r',
                   '07-terek-r', '33-kovrov-go', '33-vyazniki-r',
                   '33-gorokhovets-r', '57-livny-go', '57-mtsensk-r',
                   '66-krasnouralsk-go', '66-nizhnyaya-salda-go',
                   '40-maloyaroslavets-r', '40-zhukov-r', '07-baksan-r',
                   '07-urvan-r')
) AS d
ON CONFLICT (school_id, school_year) DO NOTHING;
