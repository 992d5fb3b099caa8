-- Territories, schools, their support status per school year, curators and
-- network partnerships. Every table a client can edit carries `version`,
-- bumped on each update: it is the resource's ETag.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE regions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text NOT NULL CONSTRAINT regions_code_key UNIQUE,
  name        text NOT NULL,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE municipalities (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  region_id   bigint NOT NULL CONSTRAINT municipalities_region_id_fkey REFERENCES regions (id),
  code        text NOT NULL CONSTRAINT municipalities_code_key UNIQUE,
  name        text NOT NULL,
  kind        text NOT NULL DEFAULT 'MUNICIPAL_DISTRICT'
              CHECK (kind IN ('MUNICIPAL_DISTRICT', 'MUNICIPAL_OKRUG', 'CITY_OKRUG', 'CITY_DISTRICT')),
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX municipalities_region_idx ON municipalities (region_id, name, id);

CREATE TABLE schools (
  id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  municipality_id          bigint NOT NULL CONSTRAINT schools_municipality_id_fkey REFERENCES municipalities (id),
  code                     text NOT NULL CONSTRAINT schools_code_key UNIQUE,
  full_name                text NOT NULL,
  short_name               text NOT NULL,
  type                     text NOT NULL
    CHECK (type IN ('SOSH', 'OOSH', 'NOSH', 'GYMNASIUM', 'LYCEUM', 'BOARDING', 'EDUCATION_CENTER', 'OTHER')),
  locality                 text NOT NULL CHECK (locality IN ('URBAN', 'RURAL')),
  address                  text,
  head_name                text,
  phone                    text,
  email                    text,
  website                  text,
  students_count           integer,
  students_disabled_count  integer,
  teachers_count           integer,
  version                  integer NOT NULL DEFAULT 1,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT schools_disabled_within_students
    CHECK (students_disabled_count IS NULL OR students_count IS NULL
           OR students_disabled_count <= students_count)
);
CREATE INDEX schools_municipality_idx ON schools (municipality_id, short_name, id);
CREATE INDEX schools_name_order_idx ON schools (short_name, id);
CREATE INDEX schools_names_trgm_idx ON schools
  USING gin ((lower(full_name || ' ' || short_name)) gin_trgm_ops);

-- A school's category (ШНОР, ШНСУ, группа риска) for one school year, with
-- the order that set it and, once closed, when and why it ended. Closed rows
-- stay: they are the school's history.
CREATE TABLE school_statuses (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  school_id         bigint NOT NULL CONSTRAINT school_statuses_school_id_fkey REFERENCES schools (id),
  category          text NOT NULL CHECK (category IN ('SHNOR', 'SHNSU', 'RISK_GROUP')),
  school_year       integer NOT NULL,
  basis             text NOT NULL,
  included_on       date NOT NULL,
  excluded_on       date,
  exclusion_reason  text,
  version           integer NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT school_statuses_exclusion_after_inclusion
    CHECK (excluded_on IS NULL OR excluded_on >= included_on),
  CONSTRAINT school_statuses_exclusion_has_reason
    CHECK ((excluded_on IS NULL) = (exclusion_reason IS NULL))
);
CREATE UNIQUE INDEX school_statuses_open_key
  ON school_statuses (school_id, category, school_year) WHERE excluded_on IS NULL;
CREATE INDEX school_statuses_category_year_idx ON school_statuses (category, school_year, school_id);

CREATE TABLE school_curators (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  school_id     bigint NOT NULL CONSTRAINT school_curators_school_id_fkey REFERENCES schools (id),
  full_name     text NOT NULL,
  position      text,
  organisation  text,
  email         text,
  phone         text,
  starts_on     date NOT NULL,
  ends_on       date,
  version       integer NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT school_curators_period CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX school_curators_school_idx ON school_curators (school_id, starts_on, id);

-- A ШНОР/ШНСУ school paired with a school of high results.
CREATE TABLE school_partnerships (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  school_id          bigint NOT NULL CONSTRAINT school_partnerships_school_id_fkey REFERENCES schools (id),
  partner_school_id  bigint NOT NULL CONSTRAINT school_partnerships_partner_school_id_fkey REFERENCES schools (id),
  kind               text NOT NULL CHECK (kind IN ('NETWORK', 'MENTORING')),
  agreement          text,
  starts_on          date NOT NULL,
  ends_on            date,
  version            integer NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT school_partnerships_not_self CHECK (partner_school_id <> school_id),
  CONSTRAINT school_partnerships_period CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX school_partnerships_school_idx ON school_partnerships (school_id, id);
CREATE INDEX school_partnerships_partner_idx ON school_partnerships (partner_school_id, id);

-- A school as the API shows it in lists: its own fields and its
-- municipality. Statements read this view, so the representation is
-- written once; PostgreSQL inlines it into each query.
CREATE VIEW school_docs AS
SELECT s.id, s.version, s.municipality_id, m.region_id, s.code, s.full_name,
       s.short_name, s.type, s.locality,
       (SELECT row_to_json(d) FROM (
          SELECT s.id, s.municipality_id, s.code, s.full_name, s.short_name,
                 s.type, s.locality, s.address, s.head_name, s.phone, s.email,
                 s.website, s.students_count, s.students_disabled_count,
                 s.teachers_count, s.version, s.created_at, s.updated_at,
                 (SELECT row_to_json(mr) FROM (
                    SELECT m.id, m.code, m.name, m.region_id) mr)
                   AS municipality) d) AS doc
FROM schools s
JOIN municipalities m ON m.id = s.municipality_id;

-- The short form of a school inside other resources.
CREATE FUNCTION school_ref(school_id bigint) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT row_to_json(r) FROM (
    SELECT s.id, s.code, s.short_name FROM schools s WHERE s.id = school_id) r
$$;

-- A case-insensitive "contains" pattern for LIKE, with the client's own
-- % and _ taken literally.
CREATE FUNCTION contains_pattern(needle text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT '%' || replace(replace(replace(lower(needle), '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;
