-- Indicators, monitoring campaigns, submissions and the official values
-- integrators read (docs/MONITORING.md).

-- A period: '2023/24' (school year), '2024-H1', '2024-Q3', '2024'.
CREATE FUNCTION period_valid(text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN $1 ~ '^[0-9]{4}/[0-9]{2}$' THEN
      (substr($1, 1, 4)::int + 1) % 100 = substr($1, 6, 2)::int
    ELSE $1 ~ '^([0-9]{4}-H[12]|[0-9]{4}-Q[1-4]|[0-9]{4})$'
  END
$$;

-- The first day of a period, to order and compare periods.
CREATE FUNCTION period_start(text) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN $1 ~ '^[0-9]{4}/' THEN make_date(substr($1, 1, 4)::int, 9, 1)
    WHEN $1 ~ '-H' THEN make_date(substr($1, 1, 4)::int,
                                  CASE right($1, 1) WHEN '1' THEN 1 ELSE 7 END, 1)
    WHEN $1 ~ '-Q' THEN make_date(substr($1, 1, 4)::int, right($1, 1)::int * 3 - 2, 1)
    ELSE make_date(substr($1, 1, 4)::int, 1, 1)
  END
$$;

CREATE TABLE indicators (
  code         text PRIMARY KEY CONSTRAINT indicators_code_format CHECK (code ~ '^[A-Z][A-Z0-9_]{1,63}$'),
  name         text NOT NULL,
  description  text,
  value_type   text NOT NULL CHECK (value_type IN ('percent', 'number', 'integer', 'boolean', 'text', 'url')),
  unit         text,
  polarity     text NOT NULL DEFAULT 'none' CHECK (polarity IN ('higher', 'lower', 'none')),
  periodicity  text NOT NULL CHECK (periodicity IN ('school_year', 'half_year', 'quarter', 'year')),
  deadline     text CONSTRAINT indicators_deadline_format
               CHECK (deadline ~ '^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'),
  -- 'computed': from assessment results (a later issue) or a formula.
  form         text NOT NULL CHECK (form IN ('form', 'link', 'report', 'computed')),
  min_value    numeric,
  max_value    numeric,
  formula      text,
  inputs       text[] NOT NULL DEFAULT '{}', -- the codes the formula uses
  source       text,
  active       boolean NOT NULL DEFAULT true,
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT indicators_range CHECK (min_value IS NULL OR max_value IS NULL OR min_value <= max_value),
  CONSTRAINT indicators_formula_numeric
    CHECK (formula IS NULL OR value_type IN ('number', 'percent'))
);

-- The catalogue of shared/reference/indicators.csv (seed 001's
-- plan-schedule and the seeds' programme indicators; the test of
-- tests/unit/test_monitoring_catalogue.c keeps the two in step).
INSERT INTO indicators (code, name, value_type, polarity, periodicity, deadline, form, source) VALUES
  ('TEACHERS_TOTAL', 'Численность педагогических работников', 'integer', 'none', 'school_year', '10-01', 'form', 'base count for shares'),
  ('TEACHERS_FIRST_CATEGORY_SHARE', 'Доля педагогов первой квалификационной категории от общего количества педагогических работников', 'percent', 'higher', 'school_year', '10-01', 'form', 'seed 001 plan-schedule'),
  ('TEACHERS_HIGHEST_CATEGORY_SHARE', 'Доля педагогов высшей квалификационной категории от общего количества педагогических работников', 'percent', 'higher', 'school_year', '10-01', 'form', 'seed 001 plan-schedule'),
  ('TEACHERS_YOUNG_SHARE', 'Доля молодых педагогов (до 35 лет) от общей численности педагогических работников', 'percent', 'higher', 'school_year', '10-01', 'form', 'seed 001 plan-schedule'),
  ('TEACHER_VACANCIES', 'Наличие вакансий педагогических работников (количество, должность)', 'integer', 'lower', 'school_year', '10-01', 'form', 'seed 001 plan-schedule'),
  ('TEACHERS_THREE_SUBJECTS_SHARE', 'Доля педагогов, осуществляющих обучение по трем и более предметам', 'percent', 'lower', 'school_year', '10-01', 'form', 'seed 001 plan-schedule'),
  ('TEACHERS_OPTIMAL_LOAD_SHARE', 'Доля педагогов, имеющих оптимальную учебную нагрузку 18-24 часа', 'percent', 'higher', 'school_year', '10-01', 'form', 'seed 001 plan-schedule'),
  ('STAFF_TRAINED_3Y_SHARE', 'Доля руководителей и педагогов, повысивших квалификацию за последние три года', 'percent', 'higher', 'school_year', '10-01', 'form', 'seed 001 plan-schedule'),
  ('TEACHERS_TRAINED_FEDERAL_REGISTRY_SHARE', 'Доля педагогов, повысивших квалификацию по программам из Федерального реестра ДПП', 'percent', 'higher', 'school_year', '10-01', 'form', 'seed 001 plan-schedule'),
  ('TEACHERS_TRAINED_SHARE', 'Доля педагогов, повысивших квалификацию', 'percent', 'higher', 'school_year', '10-01', 'form', 'seed 001 plan-schedule'),
  ('STAFF_REGIONAL_EVENTS_SHARE', 'Доля руководителей и педагогов, участвующих в региональных мероприятиях (конференции, семинары, конкурсы, проекты)', 'percent', 'higher', 'school_year', '10-01', 'form', 'seed 001 plan-schedule'),
  ('TEACHERS_CONTEST_WINNERS', 'Количество педагогов - победителей профессиональных конкурсов федерального, регионального, муниципального уровней', 'integer', 'higher', 'school_year', '10-01', 'form', 'seed 001 plan-schedule'),
  ('GRADUATE_JOB_AGREEMENTS', 'Наличие договоров с организациями высшего и среднего профессионального образования о предоставлении рабочих мест выпускникам', 'boolean', 'higher', 'school_year', '10-01', 'form', 'seed 001 plan-schedule'),
  ('FEDERAL_PROJECTS_PARTICIPATION', 'Участие образовательной организации в федеральных проектах («Точка роста» и др.)', 'boolean', 'higher', 'school_year', '10-01', 'form', 'seed 001 plan-schedule'),
  ('GRADE4_NOO_MASTERED_SHARE', 'Доля учащихся 4 классов, освоивших ООП НОО в текущем учебном году', 'percent', 'higher', 'school_year', '10-01', 'form', 'seed 001 plan-schedule'),
  ('DEVELOPMENT_PROGRAM_URL', 'Программа (концепция) развития ШНОР/ШНСУ', 'url', 'none', 'school_year', '05-02', 'link', 'seed 001 plan-schedule'),
  ('ROADMAP_URL', 'План мероприятий («Дорожная карта») по повышению качества общего образования', 'url', 'none', 'school_year', '05-02', 'link', 'seed 001 plan-schedule'),
  ('QUALITY_LOCAL_ACTS_URL', 'Локальные акты ОО по вопросам качества образования (ч. 3 ст. 28 273-ФЗ)', 'url', 'none', 'school_year', '05-01', 'link', 'seed 001 plan-schedule'),
  ('ASSESSMENT_RESULTS_REPORT', 'Результаты обучающихся по итогам ВПР, ГИА-9, ГИА-11, региональных и международных исследований (аналитическая справка)', 'text', 'none', 'school_year', NULL, 'report', 'seed 001 plan-schedule'),
  ('EQUAL_ACCESS_PROVIDED', 'Обеспечены условия равного доступа к качественному общему образованию, в том числе с использованием ДОТ', 'boolean', 'higher', 'school_year', NULL, 'form', 'seeds 000, 001, 004 programme indicators'),
  ('GIA_PASSED_SHARE', 'Доля обучающихся, успешно прошедших ГИА, в общей численности прошедших ГИА', 'percent', 'higher', 'school_year', NULL, 'computed', 'seeds 000, 001 programme indicators (from assessment results)'),
  ('IMPROVED_RESULTS', 'Обучающиеся продемонстрировали более высокие результаты по итогам учебного года', 'boolean', 'higher', 'school_year', NULL, 'computed', 'seeds 000, 001, 004 programme indicators (from assessment results)'),
  ('ADDITIONAL_EDUCATION_SHARE', 'Доля обучающихся, вовлеченных в программы дополнительного образования', 'percent', 'higher', 'school_year', '10-01', 'form', 'seed 000 programme indicator (positive dynamics)'),
  ('RISK_GROUP_SYSTEM', 'Выстроена система работы с «детьми группы риска»', 'boolean', 'higher', 'school_year', '10-01', 'form', 'seed 000 programme indicator'),
  ('TRUANCY_SHARE', 'Доля обучающихся, часто пропускающих учебные занятия без уважительной причины', 'percent', 'lower', 'school_year', '10-01', 'form', 'seed 000 programme indicator'),
  ('STAFFING_LEVEL', 'Процент укомплектованности педагогическими кадрами', 'percent', 'higher', 'school_year', '10-01', 'form', 'seeds 000, 001, 004 programme indicators'),
  ('PARENT_SATISFACTION_SHARE', 'Удовлетворенность родителей качеством образовательных услуг', 'percent', 'higher', 'half_year', NULL, 'form', 'seed 000 monitoring 2.8, seed 002 item 16');

CREATE TABLE campaigns (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title            text NOT NULL,
  period           text NOT NULL CONSTRAINT campaigns_period_format CHECK (period_valid(period)),
  region_id        bigint NOT NULL CONSTRAINT campaigns_region_fkey REFERENCES regions (id),
  municipality_id  bigint CONSTRAINT campaigns_municipality_fkey REFERENCES municipalities (id),
  target           jsonb NOT NULL DEFAULT '{}',
  opens_on         date NOT NULL,
  deadline         date NOT NULL,
  status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT campaigns_dates CHECK (deadline >= opens_on)
);
CREATE INDEX campaigns_region_idx ON campaigns (region_id, id);

CREATE TABLE campaign_indicators (
  campaign_id     bigint NOT NULL CONSTRAINT campaign_indicators_campaign_fkey REFERENCES campaigns (id),
  indicator_code  text NOT NULL CONSTRAINT campaign_indicators_indicator_fkey REFERENCES indicators (code),
  required        boolean NOT NULL DEFAULT true,
  position        integer NOT NULL,
  PRIMARY KEY (campaign_id, indicator_code)
);

-- The schools a campaign asks, fixed when it opens.
CREATE TABLE campaign_schools (
  campaign_id  bigint NOT NULL CONSTRAINT campaign_schools_campaign_fkey REFERENCES campaigns (id),
  school_id    bigint NOT NULL CONSTRAINT campaign_schools_school_fkey REFERENCES schools (id),
  PRIMARY KEY (campaign_id, school_id)
);
CREATE INDEX campaign_schools_school_idx ON campaign_schools (school_id, campaign_id);

CREATE TABLE submissions (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  campaign_id       bigint NOT NULL CONSTRAINT submissions_campaign_fkey REFERENCES campaigns (id),
  school_id         bigint NOT NULL CONSTRAINT submissions_school_fkey REFERENCES schools (id),
  state             text NOT NULL DEFAULT 'draft'
                    CHECK (state IN ('draft', 'submitted', 'returned', 'accepted')),
  late              boolean NOT NULL DEFAULT false,
  submitted_at      timestamptz,
  reviewer_comment  text,
  version           integer NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT submissions_one_per_school UNIQUE (campaign_id, school_id)
);

CREATE TABLE submission_values (
  submission_id   bigint NOT NULL CONSTRAINT submission_values_submission_fkey REFERENCES submissions (id),
  indicator_code  text NOT NULL CONSTRAINT submission_values_indicator_fkey REFERENCES indicators (code),
  value           jsonb NOT NULL,
  comment         text,
  link            text,
  PRIMARY KEY (submission_id, indicator_code)
);

-- Every save and transition, with the values as they were then.
CREATE TABLE submission_events (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  submission_id  bigint NOT NULL CONSTRAINT submission_events_submission_fkey REFERENCES submissions (id),
  version        integer NOT NULL,
  action         text NOT NULL CHECK (action IN ('save', 'submit', 'accept', 'return')),
  state          text NOT NULL,
  actor          text NOT NULL,
  comment        text,
  snapshot       jsonb NOT NULL,
  at             timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX submission_events_submission_idx ON submission_events (submission_id, id);

-- Change numbers of official values: the integrators' change feed.
CREATE SEQUENCE indicator_change_seq;

-- The official values: accepted submissions and what is computed from them.
CREATE TABLE indicator_values (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  school_id       bigint NOT NULL CONSTRAINT indicator_values_school_fkey REFERENCES schools (id),
  indicator_code  text NOT NULL CONSTRAINT indicator_values_indicator_fkey REFERENCES indicators (code),
  period          text NOT NULL CHECK (period_valid(period)),
  value           jsonb,           -- NULL: a computed indicator without a value
  reason          text,            -- why there is no value
  source          text NOT NULL CHECK (source IN ('submission', 'computed')),
  submission_id   bigint CONSTRAINT indicator_values_submission_fkey REFERENCES submissions (id),
  change_no       bigint NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT indicator_values_one UNIQUE (school_id, indicator_code, period)
);
-- A change number names one change: the feed's cursor is a change number.
CREATE UNIQUE INDEX indicator_values_change_idx ON indicator_values (change_no);
CREATE INDEX indicator_values_indicator_idx ON indicator_values (indicator_code, period, school_id);

-- Writers of official values take this lock for their transaction, so
-- change numbers commit in the order they are drawn (docs/MONITORING.md).
CREATE FUNCTION indicator_values_lock() RETURNS void
LANGUAGE sql AS $$ SELECT pg_advisory_xact_lock(4242424242) $$;

-- ($1 campaign owner region, $2 owner municipality, $3 scope kind, $4 scope
-- id): a campaign is read by the schools it asks too (their submissions);
-- managed by admins of its region and the municipal users of its
-- municipality (or of any municipality, for a regional one: they see it).
CREATE FUNCTION campaign_visible(bigint, bigint, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE $3
    WHEN 'global' THEN true
    WHEN 'region' THEN $1 = $4
    WHEN 'municipality' THEN coalesce($2 = $4, $1 = scope_region($3, $4))
    WHEN 'school' THEN $1 = scope_region($3, $4)
      AND ($2 IS NULL OR $2 = (SELECT municipality_id FROM schools WHERE id = $4))
    WHEN 'assigned' THEN $1 = scope_region($3, $4)
    ELSE false
  END
$$;

-- Indicators as the API shows them (src/sql/indicators.def).
ALTER TABLE indicators ADD CONSTRAINT indicators_percent_range
  CHECK (value_type <> 'percent'
         OR ((min_value IS NULL OR min_value BETWEEN 0 AND 100)
             AND (max_value IS NULL OR max_value BETWEEN 0 AND 100)));

CREATE VIEW indicator_docs AS
SELECT i.code, i.value_type, i.periodicity, i.active,
       i.formula IS NOT NULL AS computed,
       json_build_object('code', i.code, 'name', i.name,
                         'description', i.description,
                         'value_type', i.value_type, 'unit', i.unit,
                         'polarity', i.polarity,
                         'periodicity', i.periodicity,
                         'deadline', i.deadline, 'form', i.form,
                         'min_value', i.min_value, 'max_value', i.max_value,
                         'formula', i.formula, 'inputs', to_json(i.inputs),
                         'source', i.source, 'active', i.active,
                         'version', i.version, 'created_at', i.created_at,
                         'updated_at', i.updated_at) AS doc,
       i.version
FROM indicators i;

-- The school year (its first calendar year) a period falls in: '2024-H1'
-- is in 2023/24.
CREATE FUNCTION period_school_year(text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT extract(year FROM period_start($1) - interval '8 months')::integer
$$;

-- ($1 campaign owner region, $2 owner municipality, $3 scope kind, $4 scope
-- id): who edits, opens and closes a campaign: admins of its region, the
-- municipal users of its municipality.
CREATE FUNCTION campaign_writable(bigint, bigint, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE $3
    WHEN 'global' THEN true
    WHEN 'region' THEN $1 = $4
    WHEN 'municipality' THEN coalesce($2 = $4, false)
    ELSE false
  END
$$;

-- Does a campaign's target ({"category", "year"}, {"municipality_ids"},
-- {"school_ids"} or {}) take the school ($2) of the municipality ($3)?
CREATE FUNCTION campaign_target_takes(jsonb, bigint, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN $1 ? 'category' THEN EXISTS (
      SELECT 1 FROM school_statuses st
      WHERE st.school_id = $2 AND st.category = $1 ->> 'category'
        AND st.school_year = ($1 ->> 'year')::int AND st.excluded_on IS NULL)
    WHEN $1 ? 'municipality_ids' THEN
      $1 -> 'municipality_ids' @> to_jsonb($3)
    WHEN $1 ? 'school_ids' THEN $1 -> 'school_ids' @> to_jsonb($2)
    ELSE true
  END
$$;

-- A campaign as the API shows it.
CREATE FUNCTION campaign_doc(c campaigns) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT row_to_json(d) FROM (
    SELECT c.id, c.title, c.period, c.region_id, c.municipality_id,
           coalesce((SELECT json_agg(json_build_object(
                       'code', ci.indicator_code, 'required', ci.required)
                       ORDER BY ci.position)
                     FROM campaign_indicators ci WHERE ci.campaign_id = c.id),
                    '[]') AS indicators,
           c.target, c.opens_on, c.deadline, c.status,
           CASE WHEN c.status <> 'draft' THEN
             (SELECT count(*) FROM campaign_schools cs
              WHERE cs.campaign_id = c.id) END AS schools_count,
           c.version, c.created_at, c.updated_at) d
$$;
