-- The social context of a school per school year (docs/CONTEXT.md): the
-- shares of its pupils (percent, 0-100, unknown as NULL) the regional
-- social well-being index is built from, and its number of pupils. The
-- locality is the registry's (schools.locality), shown, not stored again.
CREATE TABLE school_contexts (
  school_id                 bigint NOT NULL CONSTRAINT school_contexts_school_id_fkey
                            REFERENCES schools (id) ON DELETE CASCADE,
  school_year               integer NOT NULL CHECK (school_year BETWEEN 2000 AND 2100),
  parents_higher_education  numeric(5,2) CHECK (parents_higher_education BETWEEN 0 AND 100),
  single_parent             numeric(5,2) CHECK (single_parent BETWEEN 0 AND 100),
  unemployed_parents        numeric(5,2) CHECK (unemployed_parents BETWEEN 0 AND 100),
  low_income                numeric(5,2) CHECK (low_income BETWEEN 0 AND 100),
  non_russian_at_home       numeric(5,2) CHECK (non_russian_at_home BETWEEN 0 AND 100),
  preventive_register       numeric(5,2) CHECK (preventive_register BETWEEN 0 AND 100),
  disabilities              numeric(5,2) CHECK (disabilities BETWEEN 0 AND 100),
  pupils                    integer CHECK (pupils BETWEEN 0 AND 100000),
  version                   integer NOT NULL DEFAULT 1,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (school_id, school_year)
);
CREATE INDEX school_contexts_year_idx ON school_contexts (school_year, school_id);

-- A context row as the API shows it, with the school's code, name,
-- municipality and locality from the registry.
CREATE VIEW school_context_docs AS
  SELECT c.school_id, c.school_year, c.version, s.municipality_id,
         m.region_id, s.short_name,
         json_build_object(
           'school_id', c.school_id, 'school_code', s.code,
           'school_name', s.short_name, 'municipality_id', s.municipality_id,
           'locality', s.locality, 'year', c.school_year,
           'parents_higher_education', c.parents_higher_education,
           'single_parent', c.single_parent,
           'unemployed_parents', c.unemployed_parents,
           'low_income', c.low_income,
           'non_russian_at_home', c.non_russian_at_home,
           'preventive_register', c.preventive_register,
           'disabilities', c.disabilities, 'pupils', c.pupils,
           'version', c.version, 'created_at', c.created_at,
           'updated_at', c.updated_at) AS doc
  FROM school_contexts c JOIN schools s ON s.id = c.school_id
  JOIN municipalities m ON m.id = s.municipality_id;

-- The answers of context imports kept for their Idempotency-Key: the same
-- key with the same body (and options) replays the answer byte for byte.
CREATE TABLE context_imports (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  actor_kind       text NOT NULL CHECK (actor_kind IN ('user', 'client')),
  actor_id         bigint NOT NULL,
  idempotency_key  text NOT NULL,
  body_sha256      bytea NOT NULL,
  status           integer NOT NULL,
  answer           json NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT context_imports_key UNIQUE (actor_kind, actor_id, idempotency_key)
);
