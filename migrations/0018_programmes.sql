-- Programmes of support, their targets, and the indicators of their
-- effectiveness (docs/EFFECTIVENESS.md).

-- Rule-computed indicators: a figure over a group of schools (a
-- programme's cohort), computed by a named rule of the server rather than
-- entered or derived by a formula. Every rule gives each school of the
-- group a numerator and a denominator; the group's figure is 100 times the
-- sum of the numerators over the sum of the denominators, so school values
-- combine as counts, never as a mean of shares. rule_text says it in words
-- an authority can quote.
ALTER TABLE indicators DROP CONSTRAINT indicators_form_check;
ALTER TABLE indicators ADD CONSTRAINT indicators_form_check
  CHECK (form IN ('form', 'link', 'report', 'computed', 'rule'));
ALTER TABLE indicators
  ADD COLUMN rule text CONSTRAINT indicators_rule_known
    CHECK (rule IN ('gia_passed', 'improved_results', 'weighted_share',
                    'schools_with_true', 'schools_improving',
                    'roadmap_items_on_time', 'improved_classes')),
  ADD COLUMN rule_params jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT indicators_rule_params_object CHECK (jsonb_typeof(rule_params) = 'object'),
  ADD COLUMN rule_text text;
ALTER TABLE indicators
  ADD CONSTRAINT indicators_rule_of_form CHECK ((form = 'rule') = (rule IS NOT NULL)),
  ADD CONSTRAINT indicators_rule_percent CHECK (rule IS NULL OR value_type = 'percent'),
  ADD CONSTRAINT indicators_rule_no_formula CHECK (rule IS NULL OR formula IS NULL);

-- The two programme indicators that were 'computed' placeholders become
-- rules; IMPROVED_RESULTS was a yes/no per school and is now the share of
-- the cohort's schools (no value of either was ever stored: campaigns
-- refuse computed indicators and no formula could express them).
UPDATE indicators SET
  form = 'rule', rule = 'gia_passed',
  rule_params = '{"kinds": ["OGE", "EGE"]}',
  name = 'Доля обучающихся школ с низкими результатами обучения и школ, функционирующих в неблагоприятных социальных условиях, успешно сдавших итоговую государственную аттестацию, в общей численности обучающихся из данных школ, прошедших государственную итоговую аттестацию',
  rule_text = 'Результаты ОГЭ и ЕГЭ, проведённых в конце учебного года, по школам группы: числитель — результаты с отметкой «3» и выше (ЕГЭ — с баллом не ниже минимального), знаменатель — все результаты. Каждый экзамен участника считается отдельно: коды участников разных экзаменов не связаны, поэтому «прошёл все экзамены» не вычисляется.',
  version = version + 1, updated_at = now()
WHERE code = 'GIA_PASSED_SHARE';

UPDATE indicators SET
  form = 'rule', rule = 'improved_results', value_type = 'percent',
  rule_params = '{"kinds": ["VPR", "OGE", "EGE"], "min_participants": 5}',
  name = 'Доля школ, обучающиеся которых продемонстрировали более высокие результаты обучения по итогам учебного года, среди школ с низкими результатами обучения и школ, функционирующих в неблагоприятных социальных условиях',
  rule_text = 'Школа показала более высокие результаты, если по работам (вид, класс, предмет), которые она писала и в конце этого, и в конце прошлого учебного года, не менее чем по 5 участников в каждом году, доля «2» стала ниже, а средний процент выполнения — выше, чем годом раньше (по всем таким работам вместе). Числитель — такие школы группы, знаменатель — школы группы, у которых есть хотя бы одна такая работа; остальные показаны как несравнимые.',
  version = version + 1, updated_at = now()
WHERE code = 'IMPROVED_RESULTS';

INSERT INTO indicators (code, name, value_type, polarity, periodicity, form,
                        rule, rule_params, rule_text, source) VALUES
  ('EQUAL_ACCESS_SCHOOLS_SHARE',
   'Доля школ с низкими результатами обучения и школ, функционирующих в неблагоприятных социальных условиях, в которых обеспечены условия равного доступа к получению качественного общего образования каждого ребенка, в общем количестве таких организаций',
   'percent', 'higher', 'school_year', 'rule', 'schools_with_true',
   '{"indicator": "EQUAL_ACCESS_PROVIDED"}',
   'Официальное значение показателя EQUAL_ACCESS_PROVIDED за учебный год: числитель — школы группы со значением «да», знаменатель — школы группы, у которых значение есть; школы без значения показаны отдельно.',
   'seeds 000, 001, 004 programme indicators'),
  ('TEACHERS_TRAINED_COHORT_SHARE',
   'Доля педагогических работников, прошедших переподготовку или повышение квалификации по актуальным вопросам повышения качества образования, в общей численности педагогических работников, работающих в данных образовательных организациях',
   'percent', 'higher', 'school_year', 'rule', 'weighted_share',
   '{"indicator": "TEACHERS_TRAINED_SHARE", "base": "TEACHERS_TOTAL", "base_is": "denominator"}',
   'Числитель — сумма по школам группы числа педагогов, повысивших квалификацию (доля TEACHERS_TRAINED_SHARE × численность TEACHERS_TOTAL / 100), знаменатель — сумма TEACHERS_TOTAL; учитываются школы, у которых за учебный год есть оба значения. Не среднее долей школ.',
   'seeds 000, 001, 004 programme indicators'),
  ('STAFFING_COHORT_LEVEL',
   'Процент укомплектованности образовательных учреждений педагогическими кадрами',
   'percent', 'higher', 'school_year', 'rule', 'weighted_share',
   '{"indicator": "STAFFING_LEVEL", "base": "TEACHERS_TOTAL", "base_is": "numerator"}',
   'Числитель — сумма по школам группы работающих педагогов (TEACHERS_TOTAL), знаменатель — сумма требуемых ставок-педагогов (TEACHERS_TOTAL × 100 / STAFFING_LEVEL); учитываются школы, у которых за учебный год есть оба значения и STAFFING_LEVEL больше нуля. Не среднее процентов школ.',
   'seeds 000, 001, 004 programme indicators'),
  ('TRUANCY_COHORT_SHARE',
   'Доля обучающихся, часто пропускающих учебные занятия без уважительной причины, в школах с низкими результатами обучения и школах, функционирующих в неблагоприятных социальных условиях',
   'percent', 'lower', 'school_year', 'rule', 'weighted_share',
   '{"indicator": "TRUANCY_SHARE", "base": "pupils", "base_is": "denominator"}',
   'Числитель — сумма по школам группы числа часто пропускающих (доля TRUANCY_SHARE × число обучающихся / 100), знаменатель — сумма числа обучающихся (из социального контекста школы за учебный год, иначе из реестра); учитываются школы, у которых есть оба значения.',
   'seed 000 programme indicator'),
  ('ADDITIONAL_EDUCATION_DYNAMICS_SHARE',
   'Доля школ, которые достигли положительной динамики вовлечения обучающихся в программы дополнительного образования',
   'percent', 'higher', 'school_year', 'rule', 'schools_improving',
   '{"indicator": "ADDITIONAL_EDUCATION_SHARE"}',
   'Числитель — школы группы, у которых доля обучающихся, вовлечённых в дополнительное образование (ADDITIONAL_EDUCATION_SHARE), за учебный год выше, чем за предыдущий; знаменатель — школы группы, у которых есть значения за оба года.',
   'seed 000 programme indicator'),
  ('RISK_GROUP_SYSTEM_SCHOOLS_SHARE',
   'Доля школ с низкими результатами обучения и школ, функционирующих в неблагоприятных социальных условиях, в которых выстроена система работы с «детьми группы риска»',
   'percent', 'higher', 'school_year', 'rule', 'schools_with_true',
   '{"indicator": "RISK_GROUP_SYSTEM"}',
   'Официальное значение показателя RISK_GROUP_SYSTEM за учебный год: числитель — школы группы со значением «да», знаменатель — школы группы, у которых значение есть.',
   'seed 000 programme indicator'),
  ('ROADMAP_ITEMS_ON_TIME_SHARE',
   'Доля мероприятий дорожных карт, выполненных в срок',
   'percent', 'higher', 'school_year', 'rule', 'roadmap_items_on_time',
   '{}',
   'Мероприятия дорожных карт школ группы (и плана мероприятий самой программы), срок которых пришёлся на учебный год и уже прошёл: числитель — выполненные не позже срока, знаменатель — все такие мероприятия, кроме отменённых.',
   'seeds 000, 001, 002, 003 roadmaps'),
  ('IMPROVED_CLASSES_SHARE',
   'Доля классов, обучающиеся которых продемонстрировали более высокие результаты обучения по итогам учебного года, среди классов с низкими результатами обучения',
   'percent', 'higher', 'school_year', 'rule', 'improved_classes',
   '{"kinds": ["VPR"], "min_participants": 5, "low_fail_percent": 30}',
   'Класс прослеживается от года к году: класс с той же буквой на один класс старше (5А → 6А) по тем же предметам ВПР, не менее 5 участников в каждом году. Класс с низкими результатами — доля «2» по этим работам в прошлом учебном году не менее 30 %. Числитель — такие классы, у которых доля «2» стала ниже, а средний процент выполнения — выше; знаменатель — все такие классы школ группы. Считается по результатам участников, поэтому для большой группы школ медленнее остальных правил.',
   'seed 004 programme indicators (classes of a school)');

-- A programme of support: its term (school years, the first calendar year
-- of each, as everywhere), its owner (a region, a municipality or a
-- school), the categories its cohort is made of, and the roadmap that is
-- its plan of activities, if any.
CREATE TABLE programmes (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title                  text NOT NULL,
  owner_region_id        bigint CONSTRAINT programmes_owner_region_fkey REFERENCES regions (id),
  owner_municipality_id  bigint CONSTRAINT programmes_owner_municipality_fkey REFERENCES municipalities (id),
  owner_school_id        bigint CONSTRAINT programmes_owner_school_fkey REFERENCES schools (id),
  year_from              integer NOT NULL CONSTRAINT programmes_year_from_range CHECK (year_from BETWEEN 2000 AND 2100),
  year_to                integer NOT NULL CONSTRAINT programmes_year_to_range CHECK (year_to BETWEEN 2000 AND 2100),
  categories             text[] NOT NULL DEFAULT '{SHNOR,SHNSU}'
    CONSTRAINT programmes_categories_known
    CHECK (cardinality(categories) > 0 AND categories <@ '{SHNOR,SHNSU,RISK_GROUP}'),
  roadmap_id             bigint CONSTRAINT programmes_roadmap_fkey REFERENCES roadmaps (id),
  approval_document      text,
  version                integer NOT NULL DEFAULT 1,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT programmes_one_owner
    CHECK (num_nonnulls(owner_region_id, owner_municipality_id, owner_school_id) = 1),
  CONSTRAINT programmes_term CHECK (year_to >= year_from AND year_to - year_from < 10)
);
CREATE INDEX programmes_owner_region_idx ON programmes (owner_region_id, id);
CREATE INDEX programmes_owner_municipality_idx ON programmes (owner_municipality_id, id);
CREATE INDEX programmes_owner_school_idx ON programmes (owner_school_id, id);

-- A target of a programme: an indicator (a rule-computed one), its
-- baseline (year and value, as the programme states them) and the value
-- aimed at for each year of the term ({"2024": 92.5, ...}).
CREATE TABLE programme_targets (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  programme_id    bigint NOT NULL CONSTRAINT programme_targets_programme_fkey REFERENCES programmes (id),
  indicator_code  text NOT NULL CONSTRAINT programme_targets_indicator_fkey REFERENCES indicators (code),
  baseline_year   integer NOT NULL CONSTRAINT programme_targets_baseline_year_range
                  CHECK (baseline_year BETWEEN 2000 AND 2100),
  baseline_value  numeric,
  targets         jsonb NOT NULL DEFAULT '{}'
                  CONSTRAINT programme_targets_targets_object CHECK (jsonb_typeof(targets) = 'object'),
  note            text,
  version         integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT programme_targets_one_per_indicator UNIQUE (programme_id, indicator_code)
);

-- ($1 owner region, $2 owner municipality, $3 owner school, $4 scope kind,
-- $5 scope id): a programme is read by everyone of its region (a regional
-- one), as a roadmap of the same owner (a municipal or school one). Its
-- figures are computed over the schools in the caller's scope only.
CREATE FUNCTION programme_visible(bigint, bigint, bigint, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN $1 IS NOT NULL THEN region_visible($1, $4, $5)
    ELSE roadmap_visible($3, $2, $4, $5)
  END
$$;

-- Who edits a programme and its targets: admins of its region (global
-- admins everywhere), the municipal users of its municipality, a school
-- its own (as roadmaps).
CREATE FUNCTION programme_writable(bigint, bigint, bigint, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN $1 IS NOT NULL THEN $4 = 'global' OR ($4 = 'region' AND $1 = $5)
    ELSE roadmap_writable($3, $2, $4, $5)
  END
$$;

-- The region of a programme, whatever its owner.
CREATE FUNCTION programme_region(p programmes) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT coalesce(p.owner_region_id,
                  (SELECT region_id FROM municipalities WHERE id = p.owner_municipality_id),
                  (SELECT m.region_id FROM schools s JOIN municipalities m ON m.id = s.municipality_id
                   WHERE s.id = p.owner_school_id))
$$;

-- Indicators as the API shows them: with their rule.
CREATE OR REPLACE VIEW indicator_docs AS
SELECT i.code, i.value_type, i.periodicity, i.active,
       i.formula IS NOT NULL OR i.form IN ('computed', 'rule') AS computed,
       json_build_object('code', i.code, 'name', i.name,
                         'description', i.description,
                         'value_type', i.value_type, 'unit', i.unit,
                         'polarity', i.polarity,
                         'periodicity', i.periodicity,
                         'deadline', i.deadline, 'form', i.form,
                         'min_value', i.min_value, 'max_value', i.max_value,
                         'formula', i.formula, 'inputs', to_json(i.inputs),
                         'rule', i.rule, 'rule_params', i.rule_params,
                         'rule_text', i.rule_text,
                         'source', i.source, 'active', i.active,
                         'version', i.version, 'created_at', i.created_at,
                         'updated_at', i.updated_at) AS doc,
       i.version
FROM indicators i;
