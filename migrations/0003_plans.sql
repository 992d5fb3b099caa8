-- Risk factors, schools' risk profiles, roadmaps with their items, reports
-- and revisions (docs/PLANS.md).

CREATE TABLE risk_factors (
  code         text PRIMARY KEY CONSTRAINT risk_factors_code_format CHECK (code ~ '^RF[0-9]{2,3}$'),
  grp          text NOT NULL CHECK (grp IN ('resources', 'management', 'climate', 'students')),
  name         text NOT NULL,
  name_en      text,
  description  text,
  active       boolean NOT NULL DEFAULT true,
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The ten factors of the federal "500+" programme, grouped as in seed 001
-- (shared/reference/risk_factors.csv; tests/unit/test_plans_catalogue.c
-- keeps the two in step).
INSERT INTO risk_factors (code, grp, name, name_en) VALUES
  ('RF01', 'resources', 'Низкий уровень оснащения школы', 'Low level of school equipment'),
  ('RF02', 'resources', 'Дефицит педагогических кадров', 'Shortage of teaching staff'),
  ('RF03', 'resources', 'Недостаточная предметная и методическая компетентность педагогических работников', 'Insufficient subject and methodological competence of teachers'),
  ('RF04', 'management', 'Риски низкой адаптивности учебного процесса', 'Low adaptivity of the teaching process'),
  ('RF05', 'management', 'Несформированность внутришкольной системы повышения квалификации', 'No in-school system of professional development'),
  ('RF06', 'management', 'Низкое качество преодоления языковых и культурных барьеров', 'Weak handling of language and cultural barriers'),
  ('RF07', 'climate', 'Пониженный уровень качества школьной образовательной и воспитательной среды', 'Low quality of the school learning and upbringing environment'),
  ('RF08', 'climate', 'Низкий уровень вовлеченности родителей', 'Low parental involvement'),
  ('RF09', 'students', 'Высокая доля обучающихся с рисками учебной неуспешности', 'High share of students at risk of academic failure'),
  ('RF10', 'students', 'Низкая учебная мотивация обучающихся', 'Low learning motivation of students');

-- A risk factor as the API shows it.
CREATE VIEW risk_factor_docs AS
SELECT f.code, f.grp,
       json_build_object('code', f.code, 'group', f.grp, 'name', f.name,
                         'name_en', f.name_en, 'description', f.description,
                         'active', f.active, 'version', f.version,
                         'created_at', f.created_at, 'updated_at', f.updated_at) AS doc,
       f.version, f.active
FROM risk_factors f;

-- One row per school and school year: the profile's version (its ETag).
CREATE TABLE risk_profiles (
  school_id    bigint NOT NULL CONSTRAINT risk_profiles_school_id_fkey REFERENCES schools (id),
  school_year  integer NOT NULL CHECK (school_year BETWEEN 2000 AND 2100),
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (school_id, school_year)
);

CREATE TABLE risk_profile_entries (
  id           bigint GENERATED ALWAYS AS IDENTITY UNIQUE, -- lists' tie-breaker
  school_id    bigint NOT NULL,
  school_year  integer NOT NULL,
  factor_code  text NOT NULL CONSTRAINT risk_profile_entries_factor_fkey REFERENCES risk_factors (code),
  level        text NOT NULL CHECK (level IN ('none', 'low', 'medium', 'high')),
  source       text NOT NULL CHECK (source IN ('self_diagnosis', 'curator', 'computed')),
  comment      text,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  updated_by   text,
  PRIMARY KEY (school_id, school_year, factor_code),
  FOREIGN KEY (school_id, school_year) REFERENCES risk_profiles (school_id, school_year)
);
CREATE INDEX risk_profile_entries_factor_idx
  ON risk_profile_entries (school_year, factor_code, level);

-- Every change of an entry, kept (GET .../risk-profile/history).
CREATE TABLE risk_profile_changes (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  school_id    bigint NOT NULL,
  school_year  integer NOT NULL,
  factor_code  text NOT NULL,
  level        text NOT NULL,
  source       text NOT NULL,
  comment      text,
  changed_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor        text,
  request_id   text
);
CREATE INDEX risk_profile_changes_school_idx
  ON risk_profile_changes (school_id, school_year, id);

CREATE TABLE roadmaps (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_school_id        bigint CONSTRAINT roadmaps_owner_school_fkey REFERENCES schools (id),
  owner_municipality_id  bigint CONSTRAINT roadmaps_owner_municipality_fkey REFERENCES municipalities (id),
  kind                   text NOT NULL
    CHECK (kind IN ('school_roadmap', 'anti_risk_programme', 'municipal_programme')),
  risk_factor_code       text CONSTRAINT roadmaps_risk_factor_fkey REFERENCES risk_factors (code),
  title                  text NOT NULL,
  period_from            date NOT NULL,
  period_to              date NOT NULL,
  status                 text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'approved', 'in_progress', 'completed', 'archived')),
  approval_document      text,
  approved_on            date,
  revision               integer NOT NULL DEFAULT 0,
  version                integer NOT NULL DEFAULT 1,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT roadmaps_one_owner CHECK ((owner_school_id IS NULL) <> (owner_municipality_id IS NULL)),
  CONSTRAINT roadmaps_period CHECK (period_to >= period_from),
  CONSTRAINT roadmaps_factor_of_kind
    CHECK ((kind = 'anti_risk_programme') = (risk_factor_code IS NOT NULL)),
  CONSTRAINT roadmaps_approved_has_document
    CHECK (status IN ('draft', 'archived') OR (approval_document IS NOT NULL AND approved_on IS NOT NULL))
);
CREATE INDEX roadmaps_owner_school_idx ON roadmaps (owner_school_id, id);
CREATE INDEX roadmaps_owner_municipality_idx ON roadmaps (owner_municipality_id, id);

CREATE TABLE roadmap_items (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  roadmap_id           bigint NOT NULL CONSTRAINT roadmap_items_roadmap_fkey REFERENCES roadmaps (id),
  position             integer NOT NULL,
  number               text,
  section              text,
  activity             text NOT NULL,
  schedule_text        text,
  schedule             jsonb NOT NULL DEFAULT '{"kind": "unparsed"}',
  responsible          text,
  responsible_user_id  bigint CONSTRAINT roadmap_items_responsible_user_fkey REFERENCES users (id),
  expected_result      text,
  risk_factor_code     text CONSTRAINT roadmap_items_risk_factor_fkey REFERENCES risk_factors (code),
  indicator_code       text,
  indicator_target     numeric,
  status               text NOT NULL DEFAULT 'planned'
    CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
  completed_on         date,
  version              integer NOT NULL DEFAULT 1,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT roadmap_items_position_key UNIQUE (roadmap_id, position) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE roadmap_item_reports (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  item_id       bigint NOT NULL CONSTRAINT roadmap_item_reports_item_fkey REFERENCES roadmap_items (id),
  reported_on   date NOT NULL,
  text          text NOT NULL,
  evidence_url  text,
  status        text CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
  author        text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX roadmap_item_reports_item_idx ON roadmap_item_reports (item_id, id);

-- A roadmap as it was before revision `revision`: the roadmap and its items.
CREATE TABLE roadmap_revisions (
  roadmap_id  bigint NOT NULL CONSTRAINT roadmap_revisions_roadmap_fkey REFERENCES roadmaps (id),
  revision    integer NOT NULL,
  reason      text NOT NULL,
  snapshot    jsonb NOT NULL,
  actor       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (roadmap_id, revision)
);

-- The last day of a parsed schedule (docs/PLANS.md, "Schedules"): `due`, or
-- for a yearly deadline this year's date. NULL: no fixed last day.
CREATE FUNCTION schedule_due(jsonb) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT CASE $1 ->> 'kind'
    WHEN 'yearly_deadline' THEN
      make_date(extract(year FROM current_date)::int, ($1 ->> 'month')::int,
                ($1 ->> 'day')::int)
    ELSE ($1 ->> 'due')::date
  END
$$;

-- ($1 status, $2 schedule): overdue at read time, never stored.
CREATE FUNCTION item_overdue(text, jsonb) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT $1 IN ('planned', 'in_progress') AND coalesce(schedule_due($2) < current_date, false)
$$;

-- ($1 owner school, $2 owner municipality, $3 scope kind, $4 scope id):
-- a school's roadmap as its school; a municipality's for the municipality,
-- its region, and the schools and curators of that municipality.
CREATE FUNCTION roadmap_visible(bigint, bigint, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN $1 IS NOT NULL THEN school_visible($1, $3, $4)
    ELSE CASE $3
      WHEN 'global' THEN true
      WHEN 'region' THEN (SELECT region_id FROM municipalities WHERE id = $2) = $4
      WHEN 'municipality' THEN $2 = $4
      WHEN 'school' THEN (SELECT municipality_id FROM schools WHERE id = $4) = $2
      WHEN 'assigned' THEN EXISTS (
        SELECT 1 FROM school_curators c JOIN schools s ON s.id = c.school_id
        WHERE c.user_id = $4 AND s.municipality_id = $2
          AND c.starts_on <= current_date
          AND (c.ends_on IS NULL OR c.ends_on >= current_date))
      ELSE false
    END
  END
$$;

-- ($1 owner school, $2 owner municipality, $3 scope kind, $4 scope id):
-- may the caller write it? Schools their own; municipalities theirs and
-- their schools'; admins their region's.
CREATE FUNCTION roadmap_writable(bigint, bigint, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE $3
    WHEN 'global' THEN true
    WHEN 'region' THEN coalesce($2, (SELECT municipality_id FROM schools WHERE id = $1))
                       IN (SELECT id FROM municipalities WHERE region_id = $4)
    WHEN 'municipality' THEN coalesce($2, (SELECT municipality_id FROM schools WHERE id = $1)) = $4
    WHEN 'school' THEN $1 = $4
    ELSE false
  END
$$;

-- An item as the API shows it (docs/PLANS.md, "Items"), with its due date
-- and whether it is overdue today: for the items' own answers, a roadmap's
-- `?include=items` and the snapshots of revisions. One json_build_object and
-- no sub-select, so that PostgreSQL inlines it: called once per item, a
-- function it cannot inline made a roadmap of 60 items five times slower.
CREATE FUNCTION roadmap_item_doc(i roadmap_items) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'id', i.id, 'roadmap_id', i.roadmap_id, 'position', i.position,
    'number', i.number, 'section', i.section, 'activity', i.activity,
    'schedule_text', i.schedule_text, 'schedule', i.schedule,
    'due_on', schedule_due(i.schedule),
    'overdue', item_overdue(i.status, i.schedule),
    'responsible', i.responsible, 'responsible_user_id', i.responsible_user_id,
    'expected_result', i.expected_result, 'risk_factor', i.risk_factor_code,
    'indicator_code', i.indicator_code, 'indicator_target', i.indicator_target,
    'status', i.status, 'completed_on', i.completed_on, 'version', i.version,
    'created_at', i.created_at, 'updated_at', i.updated_at)
$$;

-- A roadmap's items in position order, as a JSON array.
CREATE FUNCTION roadmap_items_json(bigint) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT coalesce(json_agg(roadmap_item_doc(i) ORDER BY i.position, i.id), '[]')
  FROM roadmap_items i WHERE i.roadmap_id = $1
$$;

-- A roadmap as the API shows it (docs/PLANS.md, "Roadmaps"), without items.
CREATE FUNCTION roadmap_doc(r roadmaps) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT row_to_json(d) FROM (
    SELECT r.id,
           (SELECT row_to_json(o) FROM (
              SELECT CASE WHEN r.owner_school_id IS NOT NULL THEN 'school'
                       ELSE 'municipality' END AS kind,
                     coalesce(r.owner_school_id, r.owner_municipality_id) AS id) o
           ) AS owner,
           r.kind, r.risk_factor_code AS risk_factor, r.title, r.period_from,
           r.period_to, r.status, r.approval_document, r.approved_on,
           r.revision,
           (SELECT count(*) FROM roadmap_items i
            WHERE i.roadmap_id = r.id) AS items_count,
           (SELECT count(*) FROM roadmap_items i
            WHERE i.roadmap_id = r.id
              AND item_overdue(i.status, i.schedule)) AS overdue_count,
           r.version, r.created_at, r.updated_at) d
$$;

-- audit_record of 0002_access.sql, plus place 'roadmap': the document's owner
-- (a school: its municipality and region; a municipality: it and its region).
CREATE OR REPLACE FUNCTION audit_record(actor_kind text, actor_id bigint, actor_name text,
                             actor_role text, action text, entity text,
                             entity_id bigint, before jsonb, after jsonb,
                             request_id text, remote_addr text, place text,
                             parent bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  doc jsonb := coalesce(after, before);
  r bigint;
  m bigint;
  new_id bigint;
BEGIN
  IF place = 'region' THEN
    r := entity_id;
  ELSIF place = 'municipality' THEN
    m := entity_id;
    r := (doc ->> 'region_id')::bigint;
  ELSIF place = 'school' THEN
    m := (doc ->> 'municipality_id')::bigint;
    r := (SELECT region_id FROM municipalities WHERE id = m);
  ELSIF place = 'parent' THEN
    SELECT s.municipality_id, mu.region_id INTO m, r
      FROM schools s JOIN municipalities mu ON mu.id = s.municipality_id
      WHERE s.id = parent;
  ELSIF place = 'region_id' THEN
    r := parent;
  ELSIF place = 'user' THEN
    r := (SELECT u.region_id FROM users u WHERE u.id = entity_id);
  ELSIF place = 'client' THEN
    r := (SELECT c.region_id FROM clients c WHERE c.id = entity_id);
  ELSIF place = 'roadmap' THEN
    IF doc -> 'owner' ->> 'kind' = 'school' THEN
      SELECT s.municipality_id, mu.region_id INTO m, r
        FROM schools s JOIN municipalities mu ON mu.id = s.municipality_id
        WHERE s.id = (doc -> 'owner' ->> 'id')::bigint;
    ELSE
      m := (doc -> 'owner' ->> 'id')::bigint;
      r := (SELECT region_id FROM municipalities WHERE id = m);
    END IF;
  END IF;
  IF before IS NOT NULL AND after IS NOT NULL THEN
    SELECT audit_changed(audit_record.before, audit_record.after),
           audit_changed(audit_record.after, audit_record.before)
      INTO before, after;
  END IF;
  INSERT INTO audit_events (actor_kind, actor_id, actor_name, actor_role,
                            action, entity, entity_id, before, after,
                            request_id, remote_addr, region_id, municipality_id)
  VALUES (actor_kind, actor_id, actor_name, actor_role, action, entity,
          entity_id, before, after, request_id, remote_addr, r, m)
  RETURNING id INTO new_id;
  RETURN new_id;
END
$$;

-- The municipality a roadmap belongs to (its own, or its school's): where
-- the audit trail files the writes on its items.
CREATE FUNCTION roadmap_municipality(roadmap_id bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT coalesce(r.owner_municipality_id,
                  (SELECT s.municipality_id FROM schools s WHERE s.id = r.owner_school_id))
  FROM roadmaps r WHERE r.id = roadmap_id
$$;

-- A report as the API shows it (docs/PLANS.md, "Reports").
CREATE FUNCTION roadmap_item_report_doc(p roadmap_item_reports) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'id', p.id, 'item_id', p.item_id, 'reported_on', p.reported_on,
    'text', p.text, 'evidence_url', p.evidence_url, 'status', p.status,
    'author', p.author, 'created_at', p.created_at)
$$;
