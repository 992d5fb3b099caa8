-- Opora demo monitoring (docs/MONITORING.md): two campaigns, the schools'
-- submissions in every state with their history, and the official values of
-- the accepted ones.
--
-- `opora demo-data` runs this script after demo_data.sql and demo_plans.sql,
-- in the same transaction.
--
-- Idempotent like the others: a campaign is keyed by (owner municipality,
-- title), its indicators and schools by (campaign, code / school), a
-- submission by (campaign, school), its values by (submission, code), its
-- events by (submission, version), an official value by (school, indicator,
-- period). A second run inserts nothing and draws no identity or
-- indicator_change_seq values. Plain SQL only (run with PQexec).
--
--   seed 001  Ливенский район. The order № 36 of 16.02.2023 comes with a
--             «ПЛАН - ГРАФИК представления ОО информации для мониторинга»:
--             links to the school's programme, roadmap and local acts (by
--             1-2 May), fourteen figures by form (by 1 October), analytic
--             reports (on schedule). Its 18 indicators (the catalogue's rows
--             whose source is «seed 001 plan-schedule», in the seed's order)
--             make the district's 2023/24 campaign for every school of the
--             district; the eleven staffing figures are required, the rest
--             optional. Who submitted what, when, and every value are
--             illustrative; the reviewer is the seed's municipal coordinator.
--   seed 000  Ковровский район: a smaller staffing campaign for 2024/25,
--             still open (deadline 15.12.2026), for the four schools of the
--             programme under order № 653-осн and the district's 2024 ШНОР and
--             ШНСУ. Illustrative too; saved by the demo account kovrov-uo.
-- Values follow from the school's number (n of gen-<n>, edu<...n>) and its
-- teachers_count T, so shares are whole teachers out of T; URLs use
-- example.ru hosts.

------------------------------------------------------------------------------
-- Campaigns
------------------------------------------------------------------------------
INSERT INTO campaigns (title, period, region_id, municipality_id, target, opens_on,
                       deadline, status, created_at, updated_at)
SELECT v.title, v.period, m.region_id, m.id,
       CASE WHEN v.owner_code = '33-kovrov-r' THEN
         jsonb_build_object('school_ids', (
           SELECT jsonb_agg(s.id ORDER BY s.id) FROM schools s
           WHERE s.municipality_id = m.id
             AND (s.code IN ('edu330101', 'edu330102', 'edu330103', 'edu330104')
                  OR EXISTS (SELECT 1 FROM school_statuses st
                             WHERE st.school_id = s.id AND st.school_year = 2024
                               AND st.category IN ('SHNOR', 'SHNSU')))))
       ELSE '{}'::jsonb END,
       v.opens_on::date, v.deadline::date, 'open',
       v.created_at::timestamptz, v.opened_at::timestamptz
FROM (VALUES
  ('57-livny-r',
   'Мониторинг реализации муниципальной программы адресного сопровождения, 2023/24 учебный год',
   '2023/24', '2023-09-01', '2023-10-01', '2023-08-28 10:00+03', '2023-09-01 09:00+03'),
  ('33-kovrov-r',
   'Мониторинг кадрового обеспечения ШНОР и ШНСУ, 2024/25 учебный год',
   '2024/25', '2026-11-02', '2026-12-15', '2026-10-26 11:00+03', '2026-11-02 09:00+03')
) AS v (owner_code, title, period, opens_on, deadline, created_at, opened_at)
JOIN municipalities m ON m.code = v.owner_code
WHERE NOT EXISTS (SELECT 1 FROM campaigns c
                  WHERE c.municipality_id = m.id AND c.title = v.title)
ORDER BY v.opens_on;

-- The two campaigns' ids, by owner, for the statements below.
CREATE TEMP TABLE demo_monitoring_campaigns ON COMMIT DROP AS
SELECT m.code AS owner_code, c.id
FROM (VALUES
  ('57-livny-r',
   'Мониторинг реализации муниципальной программы адресного сопровождения, 2023/24 учебный год'),
  ('33-kovrov-r', 'Мониторинг кадрового обеспечения ШНОР и ШНСУ, 2024/25 учебный год')
) AS v (owner_code, title)
JOIN municipalities m ON m.code = v.owner_code
JOIN campaigns c ON c.municipality_id = m.id AND c.title = v.title;

------------------------------------------------------------------------------
-- What each campaign asks. Seed 001: the plan-schedule's rows in its order
-- (never a computed indicator: the join keeps only the catalogue's rows of
-- that source and form).
------------------------------------------------------------------------------
INSERT INTO campaign_indicators (campaign_id, indicator_code, required, position)
SELECT c.id, i.code, v.required, v.position
FROM (VALUES
  ('57-livny-r', 'seed 001 plan-schedule', 1,  'DEVELOPMENT_PROGRAM_URL', false),
  ('57-livny-r', 'seed 001 plan-schedule', 2,  'ROADMAP_URL', false),
  ('57-livny-r', 'seed 001 plan-schedule', 3,  'QUALITY_LOCAL_ACTS_URL', false),
  ('57-livny-r', 'seed 001 plan-schedule', 4,  'TEACHERS_FIRST_CATEGORY_SHARE', true),
  ('57-livny-r', 'seed 001 plan-schedule', 5,  'TEACHERS_HIGHEST_CATEGORY_SHARE', true),
  ('57-livny-r', 'seed 001 plan-schedule', 6,  'TEACHERS_YOUNG_SHARE', true),
  ('57-livny-r', 'seed 001 plan-schedule', 7,  'TEACHER_VACANCIES', true),
  ('57-livny-r', 'seed 001 plan-schedule', 8,  'TEACHERS_THREE_SUBJECTS_SHARE', true),
  ('57-livny-r', 'seed 001 plan-schedule', 9,  'TEACHERS_OPTIMAL_LOAD_SHARE', true),
  ('57-livny-r', 'seed 001 plan-schedule', 10, 'STAFF_TRAINED_3Y_SHARE', true),
  ('57-livny-r', 'seed 001 plan-schedule', 11, 'TEACHERS_TRAINED_FEDERAL_REGISTRY_SHARE', true),
  ('57-livny-r', 'seed 001 plan-schedule', 12, 'TEACHERS_TRAINED_SHARE', true),
  ('57-livny-r', 'seed 001 plan-schedule', 13, 'STAFF_REGIONAL_EVENTS_SHARE', true),
  ('57-livny-r', 'seed 001 plan-schedule', 14, 'TEACHERS_CONTEST_WINNERS', true),
  ('57-livny-r', 'seed 001 plan-schedule', 15, 'GRADUATE_JOB_AGREEMENTS', false),
  ('57-livny-r', 'seed 001 plan-schedule', 16, 'FEDERAL_PROJECTS_PARTICIPATION', false),
  ('57-livny-r', 'seed 001 plan-schedule', 17, 'GRADE4_NOO_MASTERED_SHARE', false),
  ('57-livny-r', 'seed 001 plan-schedule', 18, 'ASSESSMENT_RESULTS_REPORT', false),
  ('33-kovrov-r', NULL, 1, 'TEACHERS_TOTAL', true),
  ('33-kovrov-r', NULL, 2, 'STAFFING_LEVEL', true),
  ('33-kovrov-r', NULL, 3, 'TEACHER_VACANCIES', true),
  ('33-kovrov-r', NULL, 4, 'TEACHERS_HIGHEST_CATEGORY_SHARE', true),
  ('33-kovrov-r', NULL, 5, 'TEACHERS_FIRST_CATEGORY_SHARE', true),
  ('33-kovrov-r', NULL, 6, 'TEACHERS_YOUNG_SHARE', true),
  ('33-kovrov-r', NULL, 7, 'STAFF_TRAINED_3Y_SHARE', false)
) AS v (owner_code, source, position, code, required)
JOIN demo_monitoring_campaigns dc ON dc.owner_code = v.owner_code
JOIN campaigns c ON c.id = dc.id
JOIN indicators i ON i.code = v.code AND i.form IN ('form', 'link', 'report')
  AND (v.source IS NULL OR i.source = v.source)
WHERE NOT EXISTS (SELECT 1 FROM campaign_indicators ci
                  WHERE ci.campaign_id = c.id AND ci.indicator_code = i.code)
ORDER BY c.id, v.position;

------------------------------------------------------------------------------
-- The schools each campaign asks, fixed when it opened: every school of the
-- Livny district ({} target), the Kovrov campaign's school_ids.
------------------------------------------------------------------------------
INSERT INTO campaign_schools (campaign_id, school_id)
SELECT c.id, s.id
FROM demo_monitoring_campaigns dc
JOIN campaigns c ON c.id = dc.id
JOIN schools s ON s.municipality_id = c.municipality_id
WHERE (c.target = '{}'::jsonb OR c.target->'school_ids' @> to_jsonb(s.id))
  AND NOT EXISTS (SELECT 1 FROM campaign_schools cs
                  WHERE cs.campaign_id = c.id AND cs.school_id = s.id)
ORDER BY c.id, s.id;

------------------------------------------------------------------------------
-- Every save and transition of the demo submissions (Moscow time). upto: the
-- submission then held the values of the campaign's indicators at positions
-- 1..upto. A school's head saves and submits; the Livny reviewer is the
-- seed's municipal coordinator.
--   Livny: accepted on time gen-000009, -025, -041, -058, -243; accepted late
--   gen-000275 (submitted after 1 October); submitted, waiting for review
--   gen-000175; returned gen-000159; drafts gen-000073, -093, -260; the other
--   seven schools have not started.
--   Kovrov: a draft of edu330102 and a submission of edu330103 waiting for
--   review, both saved by kovrov-uo.
------------------------------------------------------------------------------
CREATE TEMP TABLE demo_monitoring_events ON COMMIT DROP AS
SELECT * FROM (VALUES
  ('57-livny-r', 'gen-000009', 1, 'save',   'draft',     'school', '2023-09-18 10:15+03', NULL, 18),
  ('57-livny-r', 'gen-000009', 2, 'submit', 'submitted', 'school', '2023-09-18 10:40+03', NULL, 18),
  ('57-livny-r', 'gen-000009', 3, 'accept', 'accepted',  'uo',     '2023-09-20 11:00+03', NULL, 18),
  ('57-livny-r', 'gen-000025', 1, 'save',   'draft',     'school', '2023-09-20 14:05+03', NULL, 18),
  ('57-livny-r', 'gen-000025', 2, 'submit', 'submitted', 'school', '2023-09-21 09:30+03', NULL, 18),
  ('57-livny-r', 'gen-000025', 3, 'accept', 'accepted',  'uo',     '2023-09-22 10:10+03', NULL, 18),
  ('57-livny-r', 'gen-000041', 1, 'save',   'draft',     'school', '2023-09-22 12:00+03', NULL, 18),
  ('57-livny-r', 'gen-000041', 2, 'submit', 'submitted', 'school', '2023-09-25 15:20+03', NULL, 18),
  ('57-livny-r', 'gen-000041', 3, 'accept', 'accepted',  'uo',     '2023-09-26 09:45+03', NULL, 18),
  ('57-livny-r', 'gen-000058', 1, 'save',   'draft',     'school', '2023-09-25 11:30+03', NULL, 17),
  ('57-livny-r', 'gen-000058', 2, 'submit', 'submitted', 'school', '2023-09-27 16:05+03', NULL, 17),
  ('57-livny-r', 'gen-000058', 3, 'accept', 'accepted',  'uo',     '2023-09-28 10:30+03', NULL, 17),
  ('57-livny-r', 'gen-000159', 1, 'save',   'draft',     'school', '2023-09-26 10:00+03', NULL, 17),
  ('57-livny-r', 'gen-000159', 2, 'submit', 'submitted', 'school', '2023-09-26 10:30+03', NULL, 17),
  ('57-livny-r', 'gen-000159', 3, 'return', 'returned',  'uo',     '2023-09-27 09:00+03',
   'Уточните долю педагогов высшей категории: сумма долей превышает 100 %', 17),
  ('57-livny-r', 'gen-000073', 1, 'save',   'draft',     'school', '2023-09-25 15:45+03', NULL, 6),
  ('57-livny-r', 'gen-000243', 1, 'save',   'draft',     'school', '2023-09-27 13:00+03', NULL, 18),
  ('57-livny-r', 'gen-000243', 2, 'submit', 'submitted', 'school', '2023-09-29 17:40+03', NULL, 18),
  ('57-livny-r', 'gen-000243', 3, 'accept', 'accepted',  'uo',     '2023-10-02 09:15+03', NULL, 18),
  ('57-livny-r', 'gen-000260', 1, 'save',   'draft',     'school', '2023-09-28 11:20+03', NULL, 9),
  ('57-livny-r', 'gen-000260', 2, 'save',   'draft',     'school', '2023-09-30 14:10+03', NULL, 17),
  ('57-livny-r', 'gen-000093', 1, 'save',   'draft',     'school', '2023-09-29 09:05+03', NULL, 3),
  ('57-livny-r', 'gen-000175', 1, 'save',   'draft',     'school', '2023-09-29 10:00+03', NULL, 17),
  ('57-livny-r', 'gen-000175', 2, 'submit', 'submitted', 'school', '2023-09-30 16:50+03', NULL, 17),
  ('57-livny-r', 'gen-000275', 1, 'save',   'draft',     'school', '2023-10-03 10:00+03', NULL, 17),
  ('57-livny-r', 'gen-000275', 2, 'submit', 'submitted', 'school', '2023-10-04 12:25+03', NULL, 17),
  ('57-livny-r', 'gen-000275', 3, 'accept', 'accepted',  'uo',     '2023-10-05 11:00+03', NULL, 17),
  ('33-kovrov-r', 'edu330102', 1, 'save',   'draft',     'uo',     '2026-11-10 10:30+03', NULL, 3),
  ('33-kovrov-r', 'edu330103', 1, 'save',   'draft',     'uo',     '2026-11-11 15:00+03', NULL, 7),
  ('33-kovrov-r', 'edu330103', 2, 'submit', 'submitted', 'uo',     '2026-11-12 09:40+03', NULL, 7)
) AS v (owner_code, school_code, version, action, state, actor_kind, at, comment, upto);

------------------------------------------------------------------------------
-- Submissions: each as its last event left it.
------------------------------------------------------------------------------
INSERT INTO submissions (campaign_id, school_id, state, late, submitted_at,
                         reviewer_comment, version, created_at, updated_at)
WITH per_school AS (
  SELECT e.owner_code, e.school_code,
         max(e.version) AS version,
         min(e.at::timestamptz) AS created_at,
         max(e.at::timestamptz) AS updated_at,
         max(e.at::timestamptz) FILTER (WHERE e.action = 'submit') AS submitted_at
  FROM demo_monitoring_events e
  GROUP BY e.owner_code, e.school_code
)
SELECT c.id, s.id, last.state,
       coalesce(p.submitted_at >= (c.deadline + 1)::timestamp AT TIME ZONE 'Europe/Moscow', false),
       p.submitted_at,
       CASE WHEN last.action = 'return' THEN last.comment END,
       p.version, p.created_at, p.updated_at
FROM per_school p
JOIN demo_monitoring_events last ON last.owner_code = p.owner_code
  AND last.school_code = p.school_code AND last.version = p.version
JOIN demo_monitoring_campaigns dc ON dc.owner_code = p.owner_code
JOIN campaigns c ON c.id = dc.id
JOIN schools s ON s.code = p.school_code
WHERE NOT EXISTS (SELECT 1 FROM submissions x
                  WHERE x.campaign_id = c.id AND x.school_id = s.id)
ORDER BY p.created_at, s.code;

------------------------------------------------------------------------------
-- The values each submission holds now: the campaign's indicators at
-- positions 1..upto of its last event. T = teachers_count, n = the school's
-- number; a share is k teachers out of T. The returned submission of
-- gen-000159 gives 8 of its 12 teachers the highest category and 5 the first
-- (66.7 % + 41.7 %): what the reviewer asked it to check.
------------------------------------------------------------------------------
INSERT INTO submission_values (submission_id, indicator_code, value, comment, link)
WITH last AS (
  SELECT DISTINCT ON (owner_code, school_code) owner_code, school_code, upto
  FROM demo_monitoring_events
  ORDER BY owner_code, school_code, version DESC
),
base AS (
  SELECT x.id AS submission_id, x.campaign_id, s.code AS school_code,
         s.teachers_count::numeric AS t, s.type,
         regexp_replace(s.code, '[^0-9]', '', 'g')::bigint % 1000 AS n,
         'https://school' || (regexp_replace(s.code, '[^0-9]', '', 'g')::bigint % 1000)
           || '.' || m.code || '.example.ru' AS site,
         l.upto
  FROM last l
  JOIN demo_monitoring_campaigns dc ON dc.owner_code = l.owner_code
  JOIN campaigns c ON c.id = dc.id
  JOIN municipalities m ON m.id = c.municipality_id
  JOIN schools s ON s.code = l.school_code
  JOIN submissions x ON x.campaign_id = c.id AND x.school_id = s.id
),
vals AS (
  SELECT b.submission_id, ci.indicator_code, ci.position, b.school_code,
    CASE ci.indicator_code
      WHEN 'DEVELOPMENT_PROGRAM_URL' THEN to_jsonb(b.site || '/sveden/document/programma-razvitiya-2023-2025.pdf')
      WHEN 'ROADMAP_URL' THEN to_jsonb(b.site || '/sveden/document/dorozhnaya-karta-2023.pdf')
      WHEN 'QUALITY_LOCAL_ACTS_URL' THEN to_jsonb(b.site || '/sveden/document/polozhenie-vsoko.pdf')
      WHEN 'TEACHERS_TOTAL' THEN to_jsonb(b.t::int)
      WHEN 'STAFFING_LEVEL' THEN to_jsonb(round(100 * b.t / (b.t + b.n % 3), 1))
      WHEN 'TEACHERS_FIRST_CATEGORY_SHARE' THEN to_jsonb(round(100 * (2 + b.n % 4) / b.t, 1))
      WHEN 'TEACHERS_HIGHEST_CATEGORY_SHARE' THEN
        CASE WHEN b.school_code = 'gen-000159' THEN to_jsonb(round(100 * 8 / b.t, 1))
             ELSE to_jsonb(round(100 * (1 + b.n % 3) / b.t, 1)) END
      WHEN 'TEACHERS_YOUNG_SHARE' THEN to_jsonb(round(100 * (1 + (b.n / 2) % 3) / b.t, 1))
      WHEN 'TEACHER_VACANCIES' THEN to_jsonb((b.n % 3)::int)
      WHEN 'TEACHERS_THREE_SUBJECTS_SHARE' THEN to_jsonb(round(100 * (1 + b.n % 4) / b.t, 1))
      WHEN 'TEACHERS_OPTIMAL_LOAD_SHARE' THEN to_jsonb(round(100 * (b.t - 2 - b.n % 3) / b.t, 1))
      WHEN 'STAFF_TRAINED_3Y_SHARE' THEN to_jsonb(round(100 * (b.t - b.n % 2) / b.t, 1))
      WHEN 'TEACHERS_TRAINED_FEDERAL_REGISTRY_SHARE' THEN
        to_jsonb(round(100 * least(2 + b.n % 3, b.t - 2 - b.n % 4) / b.t, 1))
      WHEN 'TEACHERS_TRAINED_SHARE' THEN to_jsonb(round(100 * (b.t - 2 - b.n % 4) / b.t, 1))
      WHEN 'STAFF_REGIONAL_EVENTS_SHARE' THEN to_jsonb(round(100 * (3 + b.n % 5) / b.t, 1))
      WHEN 'TEACHERS_CONTEST_WINNERS' THEN to_jsonb(((b.n / 3) % 3)::int)
      WHEN 'GRADUATE_JOB_AGREEMENTS' THEN to_jsonb(b.type = 'SOSH' AND b.n % 2 = 1)
      WHEN 'FEDERAL_PROJECTS_PARTICIPATION' THEN to_jsonb(b.n % 4 <> 1)
      WHEN 'GRADE4_NOO_MASTERED_SHARE' THEN to_jsonb(round(85 + (b.n * 37 % 140) / 10.0, 1))
      WHEN 'ASSESSMENT_RESULTS_REPORT' THEN to_jsonb(
        'Аналитическая справка по результатам ВПР, ГИА-9 и ГИА-11 за 2022/23 учебный год: '::text
        || 'доля обучающихся, подтвердивших отметки по ВПР, выросла, все выпускники '
        || '9 и 11 классов получили аттестаты; проблемные предметы — математика и русский язык.')
    END AS value,
    CASE WHEN ci.indicator_code = 'TEACHER_VACANCIES' THEN
      CASE b.n % 3 WHEN 1 THEN 'учитель математики'
                   WHEN 2 THEN 'учитель математики, учитель английского языка' END
    END AS comment,
    CASE WHEN ci.indicator_code = 'ASSESSMENT_RESULTS_REPORT' THEN
      b.site || '/sveden/vsoko/analiticheskaya-spravka-2022-2023.pdf' END AS link
  FROM base b
  JOIN campaign_indicators ci ON ci.campaign_id = b.campaign_id AND ci.position <= b.upto
)
SELECT v.submission_id, v.indicator_code, v.value, v.comment, v.link
FROM vals v
WHERE NOT EXISTS (SELECT 1 FROM submission_values sv
                  WHERE sv.submission_id = v.submission_id
                    AND sv.indicator_code = v.indicator_code)
ORDER BY v.submission_id, v.position;

------------------------------------------------------------------------------
-- The history: every event with the values as they were then (positions
-- 1..upto of what the submission holds).
------------------------------------------------------------------------------
INSERT INTO submission_events (submission_id, version, action, state, actor, comment,
                               snapshot, at)
SELECT x.id, e.version, e.action, e.state,
       CASE WHEN e.owner_code = '33-kovrov-r' THEN 'kovrov-uo'
            WHEN e.actor_kind = 'school' THEN 'Руководитель ОО, ' || s.short_name
            ELSE 'Калашникова И.Н., муниципальный координатор' END,
       e.comment,
       coalesce((SELECT jsonb_agg(jsonb_build_object('code', sv.indicator_code,
                                                     'value', sv.value,
                                                     'comment', sv.comment,
                                                     'link', sv.link)
                                  ORDER BY ci.position)
                 FROM submission_values sv
                 JOIN campaign_indicators ci ON ci.campaign_id = x.campaign_id
                   AND ci.indicator_code = sv.indicator_code
                 WHERE sv.submission_id = x.id AND ci.position <= e.upto), '[]'::jsonb),
       e.at::timestamptz
FROM demo_monitoring_events e
JOIN demo_monitoring_campaigns dc ON dc.owner_code = e.owner_code
JOIN campaigns c ON c.id = dc.id
JOIN schools s ON s.code = e.school_code
JOIN submissions x ON x.campaign_id = c.id AND x.school_id = s.id
WHERE NOT EXISTS (SELECT 1 FROM submission_events se
                  WHERE se.submission_id = x.id AND se.version = e.version)
ORDER BY e.at::timestamptz, s.code, e.version;

------------------------------------------------------------------------------
-- Official values of the accepted submissions, with change numbers in the
-- order they were accepted (then school code, then the campaign's order).
-- Only rows still missing draw a change number. The catalogue's computed
-- indicators have no formula yet (they come from assessment results), so
-- accepting computes nothing here.
------------------------------------------------------------------------------
SELECT indicator_values_lock();

INSERT INTO indicator_values (school_id, indicator_code, period, value, source,
                              submission_id, change_no, updated_at)
SELECT w.school_id, w.indicator_code, w.period, w.value, 'submission',
       w.submission_id, nextval('indicator_change_seq'), w.accepted_at
FROM (
  SELECT x.school_id, sv.indicator_code, c.period, sv.value, x.id AS submission_id,
         a.at AS accepted_at, s.code AS school_code, ci.position
  FROM submissions x
  JOIN campaigns c ON c.id = x.campaign_id
  JOIN schools s ON s.id = x.school_id
  JOIN submission_events a ON a.submission_id = x.id AND a.version = x.version
    AND a.action = 'accept'
  JOIN submission_values sv ON sv.submission_id = x.id
  JOIN campaign_indicators ci ON ci.campaign_id = c.id AND ci.indicator_code = sv.indicator_code
  WHERE x.state = 'accepted'
    AND NOT EXISTS (SELECT 1 FROM indicator_values iv
                    WHERE iv.school_id = x.school_id
                      AND iv.indicator_code = sv.indicator_code
                      AND iv.period = c.period)
) w
ORDER BY w.accepted_at, w.school_code, w.position;
