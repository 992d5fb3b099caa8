-- Opora demo programmes: the programmes of support of the seeds
-- (/work/shared/seeds/) with their terms, owners and plans (the roadmaps of
-- demo_plans.sql), plus one regional programme whose term covers the demo's
-- statuses (2023, 2024) and assessment results (2023-2025), so that its
-- effectiveness has figures. docs/PROGRAMMES.md.
--
-- The seeds list the indicators of each programme («Эффективность
-- Программы оценивается по следующим показателям») but give no numbers:
-- every target here is invented, plausible, and its note says so.
--
-- `opora demo-data` runs this script after demo_plans.sql, in the same
-- transaction. Idempotent like the others: a programme is keyed by (owner,
-- title), a target by (programme, indicator); a second run inserts nothing
-- and draws no identity values. Plain SQL only (run with PQexec).
--
--   seed 000  Ковровский район: приказ от 30.12.2020 № 653-осн, «Срок
--             реализации программы 2021–2023 г.г.»: school years 2021..2023.
--             Eight indicators, and the roadmap items done on time.
--   seed 001  Ливенский район: приказ № 36 от 16.02.2023; «Срок реализации
--             Программы 1 год (2022 – 2023гг)», its passport's period
--             01.02.2023 - 31.12.2023: school years 2022..2023. Five
--             indicators, and the roadmap items done on time.
--   seed 004  МКОУ СОШ с.п. Красноармейское: its programme of development
--             «на 2023-2024 гг.»: 2023..2024, the school itself its cohort.
--             Its indicators are about its classes; the targets are the
--             school's.
--   demo      Владимирская область: a regional programme 2023..2025,
--             invented, with a target for every rule-computed indicator.

INSERT INTO programmes (owner_region_id, owner_municipality_id, owner_school_id,
                        title, year_from, year_to, roadmap_id, approval_document)
SELECT r.id, m.id, s.id, v.title, v.year_from, v.year_to,
       (SELECT rm.id FROM roadmaps rm
        WHERE rm.owner_municipality_id IS NOT DISTINCT FROM m.id
          AND rm.owner_school_id IS NOT DISTINCT FROM s.id
          AND v.roadmap_title IS NOT NULL AND rm.title LIKE v.roadmap_title || '%'
        ORDER BY rm.id LIMIT 1),
       v.approval_document
FROM (VALUES
  (1, 'municipality', '33-kovrov-r',
   'Муниципальная программа повышения качества образования в школах с низкими результатами обучения и в школах, функционирующих в неблагоприятных социальных условиях',
   2021, 2023, 'Муниципальная программа повышения качества образования в школах с низкими результатами обучения',
   'приказ от 30.12.2020 № 653-осн'),
  (2, 'municipality', '57-livny-r',
   'Муниципальная программа адресного сопровождения образовательных организаций, функционирующих в условиях риска образовательных результатов',
   2022, 2023, 'Муниципальная программа адресного сопровождения образовательных организаций',
   'приказ от 16.02.2023 № 36'),
  (3, 'school', 'edu070101',
   'Программа (концепция) развития школы с низкими образовательными результатами на 2023-2024 гг.',
   2023, 2024, 'Программа (концепция) развития школы с низкими образовательными результатами',
   NULL),
  (4, 'region', '33',
   'Региональная программа поддержки школ с низкими результатами обучения и школ, функционирующих в неблагоприятных социальных условиях, на 2023-2025 годы (демонстрационная)',
   2023, 2025, NULL, NULL)
) AS v (n, owner_kind, owner_code, title, year_from, year_to, roadmap_title, approval_document)
LEFT JOIN regions r ON v.owner_kind = 'region' AND r.code = v.owner_code
LEFT JOIN municipalities m ON v.owner_kind = 'municipality' AND m.code = v.owner_code
LEFT JOIN schools s ON v.owner_kind = 'school' AND s.code = v.owner_code
WHERE num_nonnulls(r.id, m.id, s.id) = 1
  AND NOT EXISTS (
    SELECT 1 FROM programmes p
    WHERE p.title = v.title
      AND p.owner_region_id IS NOT DISTINCT FROM r.id
      AND p.owner_municipality_id IS NOT DISTINCT FROM m.id
      AND p.owner_school_id IS NOT DISTINCT FROM s.id)
ORDER BY v.n;

-- Targets: (owner code, indicator, baseline year, baseline value, the
-- value per year). Truancy falls; every other share rises.
INSERT INTO programme_targets (programme_id, indicator_code, baseline_year,
                               baseline_value, targets, note)
SELECT p.id, v.indicator, v.baseline_year, v.baseline_value, v.targets::jsonb,
       'демонстрационные значения: в программе целевых чисел нет, они придуманы для демонстрации'
       || coalesce('; ' || v.remark, '')
FROM (VALUES
  ('33-kovrov-r', 'EQUAL_ACCESS_SCHOOLS_SHARE', 2020, 50.0, '{"2021": 75, "2022": 100, "2023": 100}', NULL),
  ('33-kovrov-r', 'GIA_PASSED_SHARE', 2020, 91.5, '{"2021": 93, "2022": 95, "2023": 97}', NULL),
  ('33-kovrov-r', 'IMPROVED_RESULTS', 2020, 25.0, '{"2021": 40, "2022": 50, "2023": 60}', NULL),
  ('33-kovrov-r', 'ADDITIONAL_EDUCATION_DYNAMICS_SHARE', 2020, 25.0, '{"2021": 50, "2022": 75, "2023": 100}', NULL),
  ('33-kovrov-r', 'TEACHERS_TRAINED_COHORT_SHARE', 2020, 35.0, '{"2021": 50, "2022": 70, "2023": 90}', NULL),
  ('33-kovrov-r', 'RISK_GROUP_SYSTEM_SCHOOLS_SHARE', 2020, 50.0, '{"2021": 75, "2022": 100, "2023": 100}', NULL),
  ('33-kovrov-r', 'TRUANCY_COHORT_SHARE', 2020, 2.5, '{"2021": 2.0, "2022": 1.5, "2023": 1.0}', NULL),
  ('33-kovrov-r', 'STAFFING_COHORT_LEVEL', 2020, 88.0, '{"2021": 90, "2022": 93, "2023": 95}', NULL),
  ('33-kovrov-r', 'ROADMAP_ITEMS_ON_TIME_SHARE', 2020, NULL, '{"2021": 80, "2022": 85, "2023": 90}',
   'показатель не из программы: выполнение её плана мероприятий'),
  ('57-livny-r', 'EQUAL_ACCESS_SCHOOLS_SHARE', 2021, 40.0, '{"2022": 60, "2023": 80}', NULL),
  ('57-livny-r', 'TEACHERS_TRAINED_COHORT_SHARE', 2021, 45.0, '{"2022": 60, "2023": 80}', NULL),
  ('57-livny-r', 'GIA_PASSED_SHARE', 2021, 90.0, '{"2022": 92, "2023": 94}', NULL),
  ('57-livny-r', 'IMPROVED_RESULTS', 2021, 20.0, '{"2022": 35, "2023": 50}', NULL),
  ('57-livny-r', 'STAFFING_COHORT_LEVEL', 2021, 85.0, '{"2022": 88, "2023": 90}', NULL),
  ('57-livny-r', 'ROADMAP_ITEMS_ON_TIME_SHARE', 2021, NULL, '{"2022": 80, "2023": 90}',
   'показатель не из программы: выполнение её плана мероприятий'),
  ('edu070101', 'EQUAL_ACCESS_SCHOOLS_SHARE', 2022, 0.0, '{"2023": 100, "2024": 100}',
   'в программе показатель — о классах школы, здесь — о школе в целом'),
  ('edu070101', 'TEACHERS_TRAINED_COHORT_SHARE', 2022, 30.0, '{"2023": 60, "2024": 100}', NULL),
  ('edu070101', 'IMPROVED_CLASSES_SHARE', 2022, 0.0, '{"2023": 50, "2024": 75}', NULL),
  ('edu070101', 'STAFFING_COHORT_LEVEL', 2022, 90.0, '{"2023": 95, "2024": 100}', NULL),
  ('33', 'EQUAL_ACCESS_SCHOOLS_SHARE', 2022, 60.0, '{"2023": 70, "2024": 85, "2025": 100}', NULL),
  ('33', 'GIA_PASSED_SHARE', 2022, 90.0, '{"2023": 91, "2024": 93, "2025": 95}', NULL),
  ('33', 'IMPROVED_RESULTS', 2022, 30.0, '{"2023": 35, "2024": 45, "2025": 55}', NULL),
  ('33', 'ADDITIONAL_EDUCATION_DYNAMICS_SHARE', 2022, 40.0, '{"2023": 50, "2024": 60, "2025": 70}', NULL),
  ('33', 'TEACHERS_TRAINED_COHORT_SHARE', 2022, 40.0, '{"2023": 55, "2024": 70, "2025": 85}', NULL),
  ('33', 'RISK_GROUP_SYSTEM_SCHOOLS_SHARE', 2022, 55.0, '{"2023": 70, "2024": 85, "2025": 100}', NULL),
  ('33', 'TRUANCY_COHORT_SHARE', 2022, 3.0, '{"2023": 2.5, "2024": 2.0, "2025": 1.5}', NULL),
  ('33', 'STAFFING_COHORT_LEVEL', 2022, 87.0, '{"2023": 89, "2024": 92, "2025": 95}', NULL),
  ('33', 'ROADMAP_ITEMS_ON_TIME_SHARE', 2022, 75.0, '{"2023": 80, "2024": 85, "2025": 90}', NULL)
) AS v (owner_code, indicator, baseline_year, baseline_value, targets, remark)
JOIN programmes p ON p.id = (
  SELECT p2.id FROM programmes p2
  LEFT JOIN regions r ON r.id = p2.owner_region_id
  LEFT JOIN municipalities m ON m.id = p2.owner_municipality_id
  LEFT JOIN schools s ON s.id = p2.owner_school_id
  WHERE coalesce(r.code, m.code, s.code) = v.owner_code
    AND p2.title IN (
      'Муниципальная программа повышения качества образования в школах с низкими результатами обучения и в школах, функционирующих в неблагоприятных социальных условиях',
      'Муниципальная программа адресного сопровождения образовательных организаций, функционирующих в условиях риска образовательных результатов',
      'Программа (концепция) развития школы с низкими образовательными результатами на 2023-2024 гг.',
      'Региональная программа поддержки школ с низкими результатами обучения и школ, функционирующих в неблагоприятных социальных условиях, на 2023-2025 годы (демонстрационная)')
  ORDER BY p2.id LIMIT 1)
WHERE NOT EXISTS (SELECT 1 FROM programme_targets t
                  WHERE t.programme_id = p.id AND t.indicator_code = v.indicator)
ORDER BY p.id, v.indicator;
