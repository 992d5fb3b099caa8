-- ЕГЭ minimum test scores per year and subject (docs/ASSESSMENTS.md, "ЕГЭ
-- minimum scores"): data, not constants. An ЕГЭ instrument without its own
-- min_test_score takes the row of its subject and variant set for its year,
-- or for the latest year before it that has one. A subject marked 2-5
-- (basic mathematics) has no minimum but the lowest passing mark.
CREATE TABLE ege_minimum_scores (
  year            integer NOT NULL CONSTRAINT ege_minimum_scores_year_range
                  CHECK (year BETWEEN 2000 AND 2100),
  subject_code    text NOT NULL CONSTRAINT ege_minimum_scores_subject_code_format
                  CHECK (subject_code ~ '^[a-z][a-z0-9_]{0,31}$'),
  -- as assessments.variant_set: 'advanced' (profile) and 'basic' mathematics
  variant_set     text NOT NULL DEFAULT '' CONSTRAINT ege_minimum_scores_variant_set_format
                  CHECK (variant_set ~ '^[a-z0-9_]{0,32}$'),
  subject_name    text NOT NULL,
  min_test_score  integer CONSTRAINT ege_minimum_scores_min_test_score_range
                  CHECK (min_test_score BETWEEN 0 AND 100),
  pass_mark       integer CONSTRAINT ege_minimum_scores_pass_mark_range
                  CHECK (pass_mark BETWEEN 3 AND 5),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (year, subject_code, variant_set),
  CONSTRAINT ege_minimum_scores_one_scale
    CHECK ((min_test_score IS NULL) <> (pass_mark IS NULL))
);

-- 2026, as published.
INSERT INTO ege_minimum_scores (year, subject_code, variant_set, subject_name, min_test_score, pass_mark) VALUES
  (2026, 'russian',        '',         'Русский язык',              24, NULL),
  (2026, 'math',           'advanced', 'Математика (профильная)',   27, NULL),
  (2026, 'math',           'basic',    'Математика (базовая)',      NULL, 3),
  (2026, 'physics',        '',         'Физика',                    36, NULL),
  (2026, 'chemistry',      '',         'Химия',                     36, NULL),
  (2026, 'biology',        '',         'Биология',                  36, NULL),
  (2026, 'informatics',    '',         'Информатика',               40, NULL),
  (2026, 'history',        '',         'История',                   32, NULL),
  (2026, 'geography',      '',         'География',                 37, NULL),
  (2026, 'social_studies', '',         'Обществознание',            42, NULL),
  (2026, 'literature',     '',         'Литература',                32, NULL),
  (2026, 'english',        '',         'Английский язык',           22, NULL),
  (2026, 'german',         '',         'Немецкий язык',             22, NULL),
  (2026, 'french',         '',         'Французский язык',          22, NULL),
  (2026, 'spanish',        '',         'Испанский язык',            22, NULL),
  (2026, 'chinese',        '',         'Китайский язык',            22, NULL);
