-- Opora demo: the monitoring values a programme's effectiveness is computed
-- from (docs/EFFECTIVENESS.md). Three closed campaigns of the Vladimir
-- region, «Мониторинг показателей эффективности программы поддержки ШНОР и
-- ШНСУ», for the school years 2022/23, 2023/24 and 2024/25, each asking the
-- region's schools that had a ШНОР, ШНСУ or risk-group status in 2022–2024
-- for the seven figures the programme indicators of seed 000 read, every
-- submission accepted. The figures are invented (marked so in each
-- campaign's title): they improve from year to year for most schools and
-- not for some, so the demo targets are met in part.
--
-- `opora demo-data` runs this script after demo_monitoring.sql, in the same
-- transaction. Idempotent like the others: a campaign is keyed by (region,
-- title), a submission by (campaign, school), its values by (submission,
-- code), its events by (submission, version), an official value by
-- (school, indicator, period). A second run inserts nothing and draws no
-- identity or indicator_change_seq values. Plain SQL only.

CREATE TEMP TABLE demo_eff_years ON COMMIT DROP AS
SELECT y, y - 2022 AS k, y || '/' || lpad(((y + 1) % 100)::text, 2, '0') AS period,
       'Мониторинг показателей эффективности программы поддержки ШНОР и ШНСУ, '
         || y || '/' || lpad(((y + 1) % 100)::text, 2, '0')
         || ' учебный год (демонстрационные данные)' AS title
FROM generate_series(2022, 2024) AS y;

INSERT INTO campaigns (title, period, region_id, municipality_id, target, opens_on,
                       deadline, status, created_at, updated_at)
SELECT d.title, d.period, r.id, NULL, '{}'::jsonb,
       make_date(d.y, 9, 1), make_date(d.y, 10, 1), 'closed',
       make_timestamptz(d.y, 8, 25, 10, 0, 0, 'Europe/Moscow'),
       make_timestamptz(d.y, 10, 15, 10, 0, 0, 'Europe/Moscow')
FROM demo_eff_years d
JOIN regions r ON r.code = '33'
WHERE NOT EXISTS (SELECT 1 FROM campaigns c
                  WHERE c.region_id = r.id AND c.municipality_id IS NULL
                    AND c.title = d.title)
ORDER BY d.y;

CREATE TEMP TABLE demo_eff_campaigns ON COMMIT DROP AS
SELECT d.y, d.k, d.period, c.id
FROM demo_eff_years d
JOIN regions r ON r.code = '33'
JOIN campaigns c ON c.region_id = r.id AND c.municipality_id IS NULL AND c.title = d.title;

INSERT INTO campaign_indicators (campaign_id, indicator_code, required, position)
SELECT c.id, v.code, true, v.position
FROM demo_eff_campaigns c
CROSS JOIN (VALUES
  (1, 'TEACHERS_TOTAL'), (2, 'TEACHERS_TRAINED_SHARE'), (3, 'STAFFING_LEVEL'),
  (4, 'TRUANCY_SHARE'), (5, 'ADDITIONAL_EDUCATION_SHARE'),
  (6, 'RISK_GROUP_SYSTEM'), (7, 'EQUAL_ACCESS_PROVIDED')
) AS v (position, code)
WHERE NOT EXISTS (SELECT 1 FROM campaign_indicators ci
                  WHERE ci.campaign_id = c.id AND ci.indicator_code = v.code)
ORDER BY c.id, v.position;

-- The schools asked: the region's schools with a status in 2022–2024.
CREATE TEMP TABLE demo_eff_schools ON COMMIT DROP AS
SELECT s.id, s.code, s.short_name, greatest(s.teachers_count, 8) AS t,
       regexp_replace(s.code, '[^0-9]', '', 'g')::bigint % 1000 AS n
FROM schools s
JOIN municipalities m ON m.id = s.municipality_id
JOIN regions r ON r.id = m.region_id AND r.code = '33'
WHERE EXISTS (SELECT 1 FROM school_statuses st
              WHERE st.school_id = s.id AND st.school_year BETWEEN 2022 AND 2024);

INSERT INTO campaign_schools (campaign_id, school_id)
SELECT c.id, s.id
FROM demo_eff_campaigns c CROSS JOIN demo_eff_schools s
WHERE NOT EXISTS (SELECT 1 FROM campaign_schools cs
                  WHERE cs.campaign_id = c.id AND cs.school_id = s.id)
ORDER BY c.id, s.id;

-- Submitted on the 20th of September, accepted on the 25th.
INSERT INTO submissions (campaign_id, school_id, state, late, submitted_at,
                         version, created_at, updated_at)
SELECT c.id, s.id, 'accepted', false,
       make_timestamptz(c.y, 9, 20, 12, 0, 0, 'Europe/Moscow'), 3,
       make_timestamptz(c.y, 9, 18, 10, 0, 0, 'Europe/Moscow'),
       make_timestamptz(c.y, 9, 25, 11, 0, 0, 'Europe/Moscow')
FROM demo_eff_campaigns c CROSS JOIN demo_eff_schools s
WHERE NOT EXISTS (SELECT 1 FROM submissions x
                  WHERE x.campaign_id = c.id AND x.school_id = s.id)
ORDER BY c.id, s.code;

-- k = 0, 1, 2 for the three years; n the school's number; t its teachers.
-- Most schools train more teachers, fill vacancies, cut truancy and involve
-- more pupils each year; every fourth school's additional education falls.
INSERT INTO submission_values (submission_id, indicator_code, value)
SELECT x.id, ci.indicator_code,
  CASE ci.indicator_code
    WHEN 'TEACHERS_TOTAL' THEN to_jsonb(s.t)
    WHEN 'TEACHERS_TRAINED_SHARE' THEN
      to_jsonb(round(100.0 * least(s.t, s.t * (40 + 15 * c.k + s.n % 20) / 100) / s.t, 1))
    WHEN 'STAFFING_LEVEL' THEN
      to_jsonb(round(100.0 * s.t / (s.t + greatest(0, 3 - c.k - (s.n % 2)::int)), 1))
    WHEN 'TRUANCY_SHARE' THEN to_jsonb(round(4.5 - 1.0 * c.k + (s.n % 5) * 0.4, 1))
    WHEN 'ADDITIONAL_EDUCATION_SHARE' THEN
      to_jsonb(round(55.0 + (s.n % 10) + CASE WHEN s.n % 4 = 0 THEN -4 ELSE 6 END * c.k, 1))
    WHEN 'RISK_GROUP_SYSTEM' THEN to_jsonb(c.k >= 1 OR s.n % 3 = 0)
    WHEN 'EQUAL_ACCESS_PROVIDED' THEN to_jsonb(s.n % 5 <> 0 OR c.k = 2)
  END
FROM demo_eff_campaigns c
JOIN submissions x ON x.campaign_id = c.id
JOIN demo_eff_schools s ON s.id = x.school_id
JOIN campaign_indicators ci ON ci.campaign_id = c.id
WHERE NOT EXISTS (SELECT 1 FROM submission_values sv
                  WHERE sv.submission_id = x.id AND sv.indicator_code = ci.indicator_code)
ORDER BY x.id, ci.position;

INSERT INTO submission_events (submission_id, version, action, state, actor, snapshot, at)
SELECT x.id, e.version, e.action, e.state,
       CASE WHEN e.action = 'accept' THEN 'Региональный координатор программы (демо)'
            ELSE 'Руководитель ОО, ' || s.short_name END,
       (SELECT jsonb_agg(jsonb_build_object('code', sv.indicator_code, 'value', sv.value,
                                            'comment', NULL, 'link', NULL)
                         ORDER BY ci.position)
        FROM submission_values sv
        JOIN campaign_indicators ci ON ci.campaign_id = x.campaign_id
          AND ci.indicator_code = sv.indicator_code
        WHERE sv.submission_id = x.id),
       make_timestamptz(c.y, 9, e.day, e.hour, 0, 0, 'Europe/Moscow')
FROM demo_eff_campaigns c
JOIN submissions x ON x.campaign_id = c.id
JOIN demo_eff_schools s ON s.id = x.school_id
CROSS JOIN (VALUES (1, 'save', 'draft', 18, 10), (2, 'submit', 'submitted', 20, 12),
                   (3, 'accept', 'accepted', 25, 11)) AS e (version, action, state, day, hour)
WHERE NOT EXISTS (SELECT 1 FROM submission_events se
                  WHERE se.submission_id = x.id AND se.version = e.version)
ORDER BY c.y, s.code, e.version;

SELECT indicator_values_lock();

INSERT INTO indicator_values (school_id, indicator_code, period, value, source,
                              submission_id, change_no, updated_at)
SELECT w.school_id, w.indicator_code, w.period, w.value, 'submission',
       w.submission_id, nextval('indicator_change_seq'), w.accepted_at
FROM (
  SELECT x.school_id, sv.indicator_code, c.period, sv.value, x.id AS submission_id,
         x.updated_at AS accepted_at, s.code AS school_code, ci.position
  FROM demo_eff_campaigns c
  JOIN submissions x ON x.campaign_id = c.id AND x.state = 'accepted'
  JOIN demo_eff_schools s ON s.id = x.school_id
  JOIN submission_values sv ON sv.submission_id = x.id
  JOIN campaign_indicators ci ON ci.campaign_id = c.id AND ci.indicator_code = sv.indicator_code
  WHERE NOT EXISTS (SELECT 1 FROM indicator_values iv
                    WHERE iv.school_id = x.school_id
                      AND iv.indicator_code = sv.indicator_code
                      AND iv.period = c.period)
) w
ORDER BY w.accepted_at, w.school_code, w.position;
